"""The sandbox, attacked directly through `Submission` (the same child the grader runs), in this host's mode.

`.ci/run` runs this file in three host modes: root with namespaces (children
forked from the zygote, then again with fresh ones), an ordinary user, and root
with no way to make namespaces (docs/SECURITY.md).
Every hostile module below is harmless by construction: a write attempt
creates one small file with a unique name, only at a path the test names and
removes afterwards; a daemon sleeps at most 97 s; memory stops at 1.5 GB; a
module forks at most three times.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader.grade import WeakSandbox, sandbox_verdict
from grader.paths import KIT_ROOT, SOLUTIONS_DIR
from grader.sandbox import CallFailed, Limits, Submission, identity, kit_secrets, probe, reachable
from grader.sandbox import zygote
from grader.sandbox.verify import evidence
from grader.sandbox.zygote import Forked

MARKER = "layerlab-sandbox-marker-5d1c"  # every file a hostile module tries to create has this name
LIMITS = Limits(startup=180, call=60, memory_mb=1024)


def module(source: str) -> dict:
    return {"ex03_conv_arithmetic": textwrap.dedent(source)}


def open_submission(sources: dict, secrets: list[Path] = ()) -> Submission:
    return Submission(sources, {name: "" for name in sources}, LIMITS, secrets=kit_secrets(list(secrets)))


def ask(submission: Submission, *args):
    return submission.call("ex03_conv_arithmetic", "conv_output_length", *args).value


def write_targets(tmp_path: Path) -> list[Path]:
    """Where a hostile child tries to leave a file: each a path this test owns or expects, checked and removed."""
    site = [Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    return [*(folder / f"{MARKER}.pth" for folder in site),
            KIT_ROOT / "layerlab" / f"{MARKER}.py", KIT_ROOT / f"{MARKER}.txt",
            KIT_ROOT / ".git" / "hooks" / MARKER, tmp_path / f"{MARKER}.txt",
            Path("/tmp") / f"{MARKER}.txt", Path("/var/tmp") / f"{MARKER}.txt", Path("/dev/shm") / MARKER]


WRITER = """
import json, os

def conv_output_length(targets, *rest):
    done = []
    for path in json.loads(targets):
        if os.path.basename(path).startswith("layerlab-sandbox-marker-5d1c") and not os.path.exists(path):
            try:
                with open(path, "x") as handle:
                    handle.write("# a learner's file\\n")
                done.append(path)
            except OSError:
                pass
    return done
"""


def test_no_write_outside_the_scratch_lasts(tmp_path):
    """site-packages, the kit, its git hooks, the grader's temp folders: nothing a child writes is left."""
    targets = [t for t in write_targets(tmp_path) if t.parent.is_dir()]
    for target in targets:
        assert not target.exists(), f"{target} exists before the test"
    submission = open_submission(module(WRITER), [tmp_path])
    try:
        written = ask(submission, json.dumps([str(t) for t in targets]))
    finally:
        submission.close()
    left = [t for t in targets if t.exists()]
    for target in left:
        target.unlink()
    assert left == [], f"the child left files outside its scratch: {left} (it reported writing {written})"


READER = """
import glob, os, subprocess

def conv_output_length(git_dir, looks, *rest):
    seen = {}
    for path, entries in looks:  # a folder counts as reached when it shows one of its real entries
        try:
            if os.path.isdir(path):
                if set(os.listdir(path)) & set(entries):
                    seen[path] = sorted(set(os.listdir(path)) & set(entries))[:5]
            else:
                with open(path, "rb") as handle:
                    seen[path] = len(handle.read())
        except OSError:
            pass
    for pattern in ("/proc/*/cwd/*.py", "/proc/*/root/*/stage/*.py", "/var/tmp/layerlab-jobs/*/stage/*.py"):
        for path in glob.glob(pattern):
            seen[path] = "found"
    try:
        shown = subprocess.run(["git", "--git-dir", git_dir, "show", "HEAD:solutions/ex03_conv_arithmetic.py"],
                               capture_output=True, timeout=20)
        if shown.returncode == 0:
            seen["git show"] = len(shown.stdout)
    except (OSError, subprocess.SubprocessError):
        pass
    return seen
"""


def test_the_reference_is_out_of_reach(tmp_path):
    """The kit's .git, solutions, checks, samples, data and an exported zip beside the kit: none readable."""
    exported = KIT_ROOT / f"{MARKER}-autograder.zip"  # an instructor's export lying in the kit folder
    exported.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    copy = tmp_path / "old-checkout" / "solutions"  # another checkout of the kit elsewhere on the disk
    copy.mkdir(parents=True)
    (copy / "ex03_conv_arithmetic.py").write_text((SOLUTIONS_DIR / "ex03_conv_arithmetic.py").read_text())
    secrets = [*kit_secrets([tmp_path]), exported, copy, copy / "ex03_conv_arithmetic.py", Path.home()]
    submission = open_submission(module(READER), [tmp_path])
    try:
        looks = [list(look) for look in evidence(submission.plan, secrets)]
        seen = ask(submission, str(KIT_ROOT / ".git"), looks)
    finally:
        submission.close()
        exported.unlink()
    seen = {p: v for p, v in seen.items() if not p.startswith("/proc/self")}
    if seen:  # only where permissions cannot close the kit: then the grader must know it and refuse
        assert probe().mode == "permissions", seen
        with pytest.raises(WeakSandbox):
            sandbox_verdict([tmp_path])


SLEEPER = """
import os, signal, time

def conv_output_length(pid_file, *rest):
    if pid_file == "wait":
        time.sleep(1.0)
        return os.getpid()
    # a neighbour: signal every process it can see that is not its own, then look at their files
    hits = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in (os.getpid(), os.getppid(), 1):
            try:
                os.kill(int(entry), signal.SIGKILL)
                hits.append(int(entry))
            except OSError:
                pass
            for link in ("cwd", "root"):
                try:
                    os.listdir(f"/proc/{entry}/{link}")
                    hits.append(f"{entry}/{link}")
                except OSError:
                    pass
    try:
        hits.append(sorted(os.listdir(pid_file)))
    except OSError:
        pass
    return hits
"""


def test_a_neighbour_cannot_signal_or_read_another_child():
    """Two children alive at once: the second can neither kill the first nor read its staged files."""
    victim = open_submission(module(SLEEPER))
    attacker = open_submission(module(SLEEPER))
    try:
        assert isinstance(ask(victim, "wait"), int)
        hits = ask(attacker, str(victim.job.stage))
        assert isinstance(ask(victim, "wait"), int), "the neighbour's child was killed"
        assert hits == [], f"the attacker signalled or read: {hits}"
    finally:
        attacker.close()
        victim.close()


DAEMON = """
import os, time

def conv_output_length(*args):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "97.5123"])
        os._exit(0)
    time.sleep(0.5)
    return 1
"""


def sleepers() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and b"97.5123" in Path(f"/proc/{entry}/cmdline").read_bytes():
                found.append(int(entry))
        except OSError:
            pass
    return found


def test_a_double_forked_daemon_does_not_outlive_the_submission():
    submission = open_submission(module(DAEMON))
    try:
        assert ask(submission) == 1
        assert sleepers(), "the fixture's daemon did not start (the test would prove nothing)"
    finally:
        submission.close()
    assert sleepers() == []
    if submission.plan.uid != os.getuid():
        assert identity.processes_of(submission.plan.uid) == []


MEMFD = """
import os, time

def conv_output_length(*args):
    held = []
    block = b"x" * (16 * 1024 * 1024)
    for _ in range(8):  # 8 x 192 MB = 1.5 GB at most, never mapped
        fd = os.memfd_create("hoard")
        for _ in range(12):
            os.write(fd, block)
        held.append(fd)
    time.sleep(60)
    return -1
"""


def test_memory_in_memfds_counts_against_the_cap():
    submission = open_submission(module(MEMFD))
    try:
        with pytest.raises(CallFailed) as failure:
            ask(submission)
    finally:
        submission.close()
    assert failure.value.status == "memory", str(failure.value)


FORKS_WHILE_BIG = """
import os, time

def conv_output_length(*args):
    held = bytearray(100 * 1024 * 1024)
    for offset in range(0, len(held), 4096):
        held[offset] = 1  # 100 MB of its own, resident
    forks = []
    for _ in range(3):  # each shares every page with it, copy-on-write, and writes none
        pid = os.fork()
        if pid == 0:
            time.sleep(1.5)
            os._exit(0)
        forks.append(pid)
    for pid in forks:
        os.waitpid(pid, 0)
    return len(forks)
"""


def test_pages_a_fork_shares_are_not_counted_twice():
    """Without a cgroup the cap watches the tree's memory: four processes sharing one TensorFlow heap
    sum to over 2.5 GB of RSS, but hold about 700 MB; they are not stopped (as a fork about to exec
    a helper, such as matplotlib's fc-list, must not be)."""
    submission = open_submission(module(FORKS_WHILE_BIG))
    try:
        assert ask(submission) == 3
    finally:
        submission.close()


def test_the_child_is_never_root_and_has_no_capabilities():
    source = """
    import os
    def conv_output_length(*args):
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
        return [os.getuid(), os.geteuid(), status["CapEff"].strip(), status["CapBnd"].strip(),
                status["NoNewPrivs"].strip()]
    """
    submission = open_submission(module(source))
    try:
        uid, euid, capabilities, bounding, no_new_privs = ask(submission)
    finally:
        submission.close()
    if os.geteuid() == 0:
        assert uid != 0 and euid != 0
    assert int(capabilities, 16) == 0 and int(bounding, 16) == 0 and no_new_privs == "1"


POISONER = """
import builtins, os, sys
import keras, numpy

LEFT = "layerlab-sandbox-marker-5d1c-left"  # in the child's own scratch folder

def conv_output_length(action, *rest):
    import tensorflow
    if action == "poison":
        keras.layers.Dense = None
        numpy.zeros = None
        tensorflow.__version__ = "poisoned"
        builtins.layerlab_poison = True
        os.environ["LAYERLAB_POISON"] = "1"
        open(LEFT, "x").close()
        return "poisoned"
    return {"keras": keras.layers.Dense is None, "numpy": numpy.zeros is None,
            "tensorflow": tensorflow.__version__ == "poisoned", "builtins": hasattr(builtins, "layerlab_poison"),
            "environment": "LAYERLAB_POISON" in os.environ, "scratch": os.path.exists(LEFT),
            "grader modules": sorted(name for name in sys.modules
                                     if name.split(".")[0] in ("grader", "checks", "solutions", "conftest"))}
"""


def test_what_one_child_changes_the_next_never_gets():
    """Root's children are forked from one pre-imported zygote: a child that patches TensorFlow,
    Keras, numpy, builtins and its environment, and leaves a file, changes nothing for the next,
    whose memory holds no module of the grader's."""
    first = open_submission(module(POISONER))
    try:
        assert ask(first, "poison") == "poisoned"
    finally:
        first.close()
    second = open_submission(module(POISONER))
    try:
        left = ask(second, "look")
        forked = isinstance(second._child.process, Forked)
    finally:
        second.close()
    assert left == {"keras": False, "numpy": False, "tensorflow": False, "builtins": False,
                    "environment": False, "scratch": False, "grader modules": []}
    forkable = os.geteuid() == 0 and probe().mode in zygote.MODES and not os.environ.get("LAYERLAB_NO_ZYGOTE")
    assert forked == forkable, "the zygote is used where it can be, and only there"


def test_concurrent_children_get_distinct_uids():
    if os.geteuid() != 0:
        pytest.skip("an ordinary user has one uid to give; the PID namespace keeps children apart")
    first, second = open_submission(module(SLEEPER)), open_submission(module(SLEEPER))
    try:
        assert first.plan.uid != second.plan.uid and 0 not in (first.plan.uid, second.plan.uid)
    finally:
        first.close()
        second.close()


def test_the_probe_finds_nothing_reachable_and_the_mode_is_reported():
    host = probe()
    assert host.mode in ("bubblewrap", "permissions"), host
    assert reachable(kit_secrets()) == [] or host.mode == "permissions" and _kit_open_to_others()
    assert host.report()["mode"] == host.mode and host.report()["layers"]


def _kit_open_to_others() -> bool:
    return bool(KIT_ROOT.stat().st_mode & 0o005)


def test_two_threads_ending_one_child_at_once_both_return_with_nothing_left():
    """A deadline and `close` kill the same child together: no error, and the daemon is gone for both."""
    submission = open_submission(module(DAEMON))
    errors = []
    try:
        assert ask(submission) == 1 and sleepers(), "the fixture's daemon did not start (the test would prove nothing)"
        child, barrier = submission._child, threading.Barrier(4)

        def end() -> None:
            barrier.wait()
            try:
                child.kill()
                assert sleepers() == []
            except BaseException as error:  # noqa: BLE001 - reported below, thread by thread
                errors.append(error)

        threads = [threading.Thread(target=end) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        submission.close()
    assert errors == [] and sleepers() == []


def test_closing_while_a_call_runs_leaves_nothing():
    """The grader ends a submission mid-call (its own deadline): the call fails, and nothing survives."""
    submission = open_submission(module(DAEMON.replace("time.sleep(0.5)", "time.sleep(30)")))
    outcome = []

    def call() -> None:
        try:
            outcome.append(ask(submission))
        except CallFailed as failure:
            outcome.append(failure.status)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    for _ in range(1800):  # until the daemon runs (the child imports TensorFlow first; slow when busy)
        if sleepers():
            break
        caller.join(timeout=0.1)
    submission.close()
    caller.join(timeout=120)
    assert sleepers() == [] and outcome and outcome[0] != 1


def _processes(where) -> set[int]:
    """Pids of this machine's processes whose /proc status fields satisfy `where`."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except (OSError, ValueError):
            continue
        if entry.name.isdigit() and where(fields):
            found.add(int(entry.name))
    return found


def _until(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True


def _parent_of(pid: int) -> int | None:
    try:
        return int(next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                        if line.startswith("PPid:")).split()[1])
    except (OSError, StopIteration):
        return None


def test_a_forked_child_whose_waiting_process_dies_first_is_the_zygotes_to_reap():
    """The zygote is its forks' subreaper. A kill ends a child's waiting process first (its tree), and the
    learner's process it leaves is then the zygote's, reaped at once; the machine's init may take a second
    to reap it, and until then the child's PID namespace, and the grader ending it, wait."""
    template = zygote.for_host(LIMITS.startup)
    if template is None:
        pytest.skip("no zygote here: children start fresh, each under its own bubblewrap or setpriv")
    submission = open_submission(module("def conv_output_length(*args):\n    return 1\n"))
    try:
        assert ask(submission, 28, 3, 1, 0) == 1  # the child is up
        waiter = submission._child.process.pid
        learner = int(Path(f"/proc/{waiter}/task/{waiter}/children").read_text().split()[0])
        os.kill(waiter, 9)
        assert _until(lambda: _parent_of(learner) != waiter, 10)
        assert _parent_of(learner) == template.process.pid
    finally:
        submission.close()
    assert _until(lambda: _parent_of(learner) is None, 10), "the learner's process is still there, or a zombie"


def test_a_worker_killed_mid_submission_takes_what_the_zygote_forked_for_it(tmp_path):
    """Forked from the zygote, a worker's children are the zygote's forks, not the worker's descendants:
    killing the worker's tree (the grader's deadline does) cannot reach them. The zygote ends them
    once the worker's connection to it closes."""
    from grader.sandbox import kill_tree
    from grader.workers import Worker
    from test_batch import LOOPS_IN_BUILD  # stops by itself after 60 s, whatever the grader does

    template = zygote.for_host(LIMITS.startup)
    if template is None:
        pytest.skip("no zygote here: workers and children start fresh, as the worker's descendants")
    forks_of_the_zygote = lambda: _processes(lambda fields: int(fields["PPid"]) == template.process.pid)
    before = forks_of_the_zygote()
    sandboxed = lambda fields: identity.UID_BASE <= int(fields["Uid"].split()[0]) < identity.UID_BASE + identity.UID_COUNT
    learners = lambda: _processes(lambda fields: sandboxed(fields) and int(fields["PPid"]) in forks_of_the_zygote())
    (tmp_path / "sleeps").mkdir()
    (tmp_path / "sleeps" / "ex02_conv2d.py").write_text(LOOPS_IN_BUILD)
    worker = Worker(Limits(startup=180, call=30), "after_published")
    try:
        worker.start()
        assert isinstance(worker.process, Forked)  # forked from the zygote, not a fresh interpreter
        grading = ThreadPoolExecutor(1).submit(worker.grade, tmp_path / "sleeps", tmp_path / "out", [tmp_path])
        assert _until(learners, 60), "the learner's child never started"
        time.sleep(2)  # into build_conv2d's loop, which outlasts the test unless something ends it
        kill_tree(worker.process.pid)  # the worker and its descendants; its child is not one of them
        assert grading.result(timeout=60).status == "grader error"
        assert _until(lambda: not learners() and forks_of_the_zygote() <= before, 15), (
            f"left running: learner {learners()}, forks {forks_of_the_zygote() - before}")
    finally:
        worker.stop()
        identity.sweep()


def test_a_worker_whose_environment_is_too_large_for_the_zygote_starts_fresh(monkeypatch):
    """A request the zygote could not read whole is never sent: that worker is a fresh interpreter, and the
    zygote goes on forking for everyone else."""
    import subprocess

    from grader.workers import Worker

    template = zygote.for_host(LIMITS.startup)
    if template is None:
        pytest.skip("no zygote here: every worker starts fresh anyway")
    monkeypatch.setenv("LAYERLAB_TEST_PADDING", "x" * (zygote.MESSAGE_BYTES + 1))
    worker = Worker(LIMITS, "after_published")
    try:
        worker.start()
        assert isinstance(worker.process, subprocess.Popen)
    finally:
        worker.stop()
    monkeypatch.delenv("LAYERLAB_TEST_PADDING")
    worker = Worker(LIMITS, "after_published")
    try:
        worker.start()
        assert isinstance(worker.process, Forked) and template.alive()
    finally:
        worker.stop()
