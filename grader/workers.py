"""Workers: trusted processes that grade submissions one after another, importing TensorFlow once.

A worker (`python -m grader worker --serve FD`) reads one job per line on its
stdin and answers one line on FD once that submission's results are written.
Keeping a worker across submissions is sound only because no child can write
anything that lasts (docs/SECURITY.md); where the sandbox cannot promise that
(the unconfined mode) every submission gets a fresh worker. A worker that
crashes or passes the limit for one submission is killed with everything it
started; that submission becomes a grader error and a fresh worker goes on.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from grader.paths import KIT_ROOT
from grader.results import GradingResult, from_gradescope, write_results
from grader.sandbox import Limits, kill_tree, probe, zygote
from grader.sandbox.confine import TENSORFLOW_ENV

# Variables that would change how Python or pytest behave in the trusted worker.
UNTRUSTED_ENV_PREFIXES = ("PYTEST_", "PYTHON", "COV_", "TF_XLA")
SUBMISSIONS_PER_WORKER = 40  # then a fresh worker: whatever TensorFlow or pytest keeps never piles up
STDERR_TAIL = 4000


def worker_environment() -> dict[str, str]:
    """The grader's environment without anything that could steer Python or pytest."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(UNTRUSTED_ENV_PREFIXES)}
    env.update(TENSORFLOW_ENV, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONHASHSEED="0",
               MPLBACKEND="Agg")
    return env


class Worker:
    """One trusted worker process and its two pipes; started on first use, restarted after a failure."""

    def __init__(self, limits: Limits, visibility: str) -> None:
        self.limits, self.visibility = limits, visibility
        self.process: subprocess.Popen | None = None
        self.graded = 0
        self._stderr = bytearray()
        self._scratch: Path | None = None
        self._reply = -1

    def start(self) -> None:
        """Start the process now (it imports TensorFlow and starts its zygote while nothing is asked yet)."""
        if self.process is None or self.process.poll() is not None:
            self.stop()
            self._start()

    def _start(self) -> None:
        # Its temporary files (job folders) go under a scratch folder removed however the worker ends.
        self._scratch = Path(tempfile.mkdtemp(prefix="layerlab-worker-"))
        reply_read, reply_write = os.pipe()
        arguments = ["worker", "--call-timeout", str(self.limits.call), "--memory-mb", str(self.limits.memory_mb),
                     "--budget", str(self.limits.budget), "--visibility", self.visibility]
        env = {**worker_environment(), "TMPDIR": str(self._scratch)}
        template = zygote.for_host(self.limits.startup)
        try:
            if template is None:
                raise OSError("no zygote")
            # Forked from the zygote's import: nothing to import, and its children come from the same one.
            self.process = template.spawn_worker(arguments, env, reply_write)
        except OSError:
            # A session of its own: a deadline can end the worker and its children together.
            self.process = subprocess.Popen([sys.executable, "-E", "-s", "-m", "grader", *arguments, "--serve",
                                             str(reply_write)], cwd=KIT_ROOT, env=env, stdin=subprocess.PIPE,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                            pass_fds=(reply_write,), start_new_session=True)
        os.close(reply_write)
        self._reply, self.graded, self._stderr = reply_read, 0, bytearray()
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()

    def _drain(self, stream) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            self._stderr += chunk
            del self._stderr[: max(0, len(self._stderr) - STDERR_TAIL)]

    def grade(self, path: Path, out_dir: Path, hide: list[Path], metadata: Path | None = None,
              then: tuple[Path, Path] | None = None, weak_accepted: str = "") -> GradingResult:
        """Grade one submission; a worker crash or hang becomes a grader-error result, never an exception.

        `then`: the (path, out_dir) this worker grades next, readied (staged, its child started)
        while this one's checks run. `weak_accepted`: the instructor's words for a weak sandbox.
        """
        results = out_dir / "results.json"
        if results.exists():
            results.unlink()
        self.start()
        fresh_each_time = probe().mode == "unconfined"
        last = fresh_each_time or self.graded + 1 >= SUBMISSIONS_PER_WORKER
        job = {"path": str(path), "out": str(out_dir), "hide": [str(folder) for folder in hide],
               "metadata": str(metadata) if metadata is not None else None,
               "then": [str(then[0]), str(then[1])] if then and not last else None, "weak_accepted": weak_accepted}
        why = self._ask(job)
        self.graded += 1
        if why or last:
            self.stop()
        if not why and results.exists():  # written by the worker only once its child was gone
            try:
                return from_gradescope(json.loads(results.read_text(encoding="utf-8")))
            except (ValueError, KeyError):
                why = "its results.json could not be read"
        failed = GradingResult(out_dir.name, status="grader error",  # the name grade_many gave it
                               output=f"the grader itself failed on this submission ({why or 'no results'}): "
                                      f"{bytes(self._stderr).decode('utf-8', 'replace').strip()[-1500:]}")
        write_results(failed, out_dir, self.visibility)
        return failed

    def _ask(self, job: dict) -> str:
        """Send one job and wait for its answer; '' when it was graded, else why not."""
        try:
            self.process.stdin.write((json.dumps(job) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            return f"the worker ended (exit {self.process.poll()})"
        until = time.monotonic() + self.limits.submission
        answer = b""
        while not answer.endswith(b"\n"):
            remaining = until - time.monotonic()
            if remaining <= 0:
                return f"stopped after {self.limits.submission:g} s, the limit for one submission"
            ready, _, _ = select.select([self._reply], [], [], min(remaining, 1.0))
            if ready:
                chunk = os.read(self._reply, 4096)
                if not chunk:
                    return f"the worker ended (exit {self.process.wait()})"
                answer += chunk
        reply = json.loads(answer)
        return "" if reply.get("ok") else reply.get("error", "the worker reported a failure")

    def stop(self) -> None:
        """End the worker and everything it started; remove its scratch folder."""
        if self.process is not None:
            kill_tree(self.process.pid)
            self.process.wait()
            self.process = None
        if self._reply >= 0:
            os.close(self._reply)
            self._reply = -1
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def serve(reply_fd: int, limits: Limits, visibility: str) -> int:
    """The worker's side: grade each job read from stdin; answer on `reply_fd` when it is written.

    Before the first job comes, TensorFlow is imported and the zygote started (grader/sandbox/zygote.py).
    A job may name the one that follows it: that one is staged and its child started once this
    one's checks begin, so the next child's start overlaps this submission's checks.
    """
    from grader.grade import get_ready, grade_one
    from grader.sandbox import zygote
    from layerlab.quiet import import_tensorflow

    threading.Thread(target=import_tensorflow, daemon=True).start()  # grade_one's import waits for this one
    threading.Thread(target=zygote.for_host, args=(limits.startup,), daemon=True).start()  # or connect to it

    following: dict = {}  # the job named next: its (path, out) "key", the "thread" readying it, then its "ready"

    def ready_next(job: dict, current) -> None:
        then = job.get("then")
        if not then:
            return
        hide = [Path(h) for h in job["hide"]]

        def make() -> None:
            current.wait_started()  # one child start at a time (fresh children each import TensorFlow)
            following["ready"] = get_ready(Path(then[0]), Path(then[1]), limits, hide)

        following.update(key=tuple(then), thread=threading.Thread(target=make, daemon=True))
        following["thread"].start()

    def take_ready(job: dict):
        """The Ready made for this job, if the job before named it; any other is closed."""
        if not following:
            return None
        following["thread"].join()
        ready, key = following.pop("ready", None), following.get("key")
        following.clear()
        if ready is not None and key != (job["path"], job["out"]):
            ready.close()
            return None
        return ready

    for line in sys.stdin:
        job = json.loads(line)
        try:
            grade_one(Path(job["path"]), Path(job["out"]), limits, [Path(h) for h in job["hide"]], visibility,
                      job.get("weak_accepted", ""), name=Path(job["out"]).name,
                      metadata=Path(job["metadata"]) if job.get("metadata") else None,
                      ready=take_ready(job), checks_starting=lambda current, job=job: ready_next(job, current))
            reply = {"ok": True}
        except Exception as error:  # the grader's own failure: reported for this submission only
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        os.write(reply_fd, (json.dumps(reply) + "\n").encode())  # then tidy up, off the submission's path
        import keras

        keras.backend.clear_session()  # it runs gc.collect() itself: a second pass of this heap cost 0.3 CPU-s
    take_ready({"path": None, "out": None})  # stdin closed: a job readied is not coming, so it is closed
    return 0
