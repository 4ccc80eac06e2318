"""Cheat: find another learner's staged ex05_relu.py (a neighbour graded at the same time) and run it.

Looks where job folders live (the grader's temporary folders, filled in by the
test as @TEST_ROOT@; /var/tmp/layerlab-jobs) and through /proc. Reads only.
"""
import glob
import os

PATTERNS = ["@TEST_ROOT@/tmp/*/layerlab-job-*/stage/ex05_relu.py", "/var/tmp/layerlab-jobs/*/stage/ex05_relu.py",
            "/proc/*/cwd/../stage/ex05_relu.py", "/proc/*/root/sandbox/submission/ex05_relu.py", "/tmp/*/*/stage/ex05_relu.py"]


def _neighbour():
    mine = os.path.abspath(__file__)
    for pattern in PATTERNS:
        for path in glob.glob(pattern):
            if os.path.abspath(path) == mine:
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    namespace = {}
                    exec(handle.read(), namespace)
                    return namespace
            except Exception:
                continue
    return None


def _delegate(name, *args, **kwargs):
    for _ in range(30):  # a neighbour may start a moment later
        found = _neighbour()
        if found:
            return found[name](*args, **kwargs)
        import time

        time.sleep(0.2)
    return None


def build_relu():
    return _delegate("build_relu")


def apply_relu(layer, tensor):
    return _delegate("apply_relu", layer, tensor)


def predict_negative_becomes():
    return _delegate("predict_negative_becomes")


def count_zeroed(tensor):
    return _delegate("count_zeroed", tensor)
