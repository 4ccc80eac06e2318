"""One untrusted child process: started confined, asked over two pipes, killed at its limits."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from grader.sandbox import frames
from grader.sandbox.host import NOBODY, UNPRIVILEGED, _HIDE_SCRIPT, namespaces_available, sandbox_layers
from grader.sandbox.limits import CallFailed, Limits
from grader.sandbox.runner import wire
from grader.sandbox.tree import tree_rss_mb

OUTPUT_TAIL = 16 * 1024  # bytes of the child's stdout/stderr kept for the report
SAFE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "CUDA_VISIBLE_DEVICES": "",
}


class Child:
    """One untrusted child process and the two pipes it answers on."""

    def __init__(self, job_dir: Path, limits: Limits, hidden: list[Path]):
        self.job_dir, self.limits, self.hidden = job_dir, limits, hidden
        self.process: subprocess.Popen | None = None
        self.output = bytearray()
        self.versions: dict = {}
        self.imported: set[str] = set()  # learner modules this child has imported
        self._next_id = 0
        self._reader = frames.FrameReader()  # bytes of answers as they arrive

    def start(self) -> None:
        runner, work = self.job_dir / "runner", self.job_dir / "work"
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        python = [sys.executable, "-I", "-X", "utf8", str(runner / "child.py"), str(request_read), str(response_write)]
        if namespaces_available():
            argv = ["unshare", "--pid", "--fork", "--kill-child", "--mount", "--net", "--mount-proc", "--",
                    "sh", "-c", _HIDE_SCRIPT, "sh", str(work), str(self.job_dir / "stage"),
                    str(self.limits.work_mb), *map(str, self.hidden), "--", *python]
            cwd = str(self.job_dir)
        else:
            if work.exists():
                shutil.rmtree(work)
            shutil.copytree(self.job_dir / "stage", work)
            argv, cwd = python, str(work)
        user = {}
        if UNPRIVILEGED in sandbox_layers():
            # No namespaces to hide anything: run as nobody, who can write only its scratch folder.
            for path in [work, *work.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
            user = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        env = {**SAFE_ENV, "HOME": str(work), "TMPDIR": str(work), "LAYERLAB_DATA": str(self.job_dir / "data")}
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=(request_read, response_write), start_new_session=True, close_fds=True, **user)
        os.close(request_read)
        os.close(response_write)
        threading.Thread(target=self._drain, daemon=True).start()
        ready = self._await(self.limits.startup, "ready")
        self.versions = ready.get("versions", {})

    def _drain(self) -> None:
        """Keep the last OUTPUT_TAIL bytes of whatever the child prints; discard the rest."""
        stream = self.process.stdout
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                return
            self.output += chunk
            if len(self.output) > 2 * OUTPUT_TAIL:
                del self.output[: len(self.output) - OUTPUT_TAIL]

    def tail(self) -> str:
        return bytes(self.output[-OUTPUT_TAIL:]).decode("utf-8", "replace")

    def request(self, message: dict, deadline: float) -> dict:
        self._next_id += 1
        message = {**message, "id": self._next_id}
        try:
            frames.send(self._request_write, message, time.monotonic() + deadline)
        except TimeoutError:
            self.kill()
            raise CallFailed("timeout", f"no answer within {deadline:g} s (stopped)") from None
        except OSError:
            self.kill()
            raise CallFailed("crashed", self._death_words()) from None
        return self._await(deadline, self._next_id)

    def _await(self, deadline: float, wanted) -> dict:
        """The answer to request `wanted`, or kill the child at the deadline or the RSS cap.

        Every byte is read without blocking, so a frame that stops half-way is stopped at the
        deadline like any slow call; a frame that is not plain data is the learner's protocol failure.
        """
        until = time.monotonic() + deadline
        os.set_blocking(self._response_read, False)
        watched = 0.0  # when memory and liveness were last looked at
        while True:
            try:
                answer = self._next_answer()
            except wire.WireError as error:
                self.kill()
                raise CallFailed("protocol", f"the child sent something that is not plain data ({error})") from None
            if answer is not None:
                if answer.get("id") == wanted:
                    return answer
                continue  # an answer to nothing we asked: ignore it
            remaining = until - time.monotonic()
            if remaining <= 0:
                self.kill()
                half = " (part of an answer had arrived)" if self._reader.partial else ""
                raise CallFailed("timeout", f"no answer within {deadline:g} s{half} (stopped)")
            if select.select([self._response_read], [], [], min(0.25, remaining))[0]:
                try:
                    chunk = os.read(self._response_read, frames.READ_CHUNK)
                except BlockingIOError:
                    chunk = None
                if chunk == b"":
                    self.kill()
                    raise CallFailed("crashed", self._death_words())
                try:
                    if chunk:
                        self._reader.feed(chunk)
                except wire.WireError as error:
                    self.kill()
                    raise CallFailed("protocol", f"the child sent something that is not plain data ({error})") \
                        from None
                if time.monotonic() - watched < 0.25:
                    continue
            watched = time.monotonic()
            rss = tree_rss_mb(self.process.pid)
            if rss > self.limits.memory_mb:
                self.kill()
                raise CallFailed("memory", f"used more than {self.limits.memory_mb} MB of memory (stopped)")
            if self.process.poll() is not None and not select.select([self._response_read], [], [], 0)[0]:
                raise CallFailed("crashed", self._death_words())

    def _next_answer(self) -> dict | None:
        body = self._reader.next_body()
        return None if body is None else frames.parse(body)

    def _death_words(self) -> str:
        code = self.process.wait(timeout=10) if self.process else None
        if code is not None and code < 0:
            return f"the learner's code ended the process (signal {signal.Signals(-code).name})"
        return f"the learner's code ended the process (exit code {code})"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole session; with a PID namespace, every process in it dies too."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self._request_write, self._response_read):
            try:
                os.close(fd)
            except OSError:
                pass

    def stop(self) -> None:
        if self.alive():
            try:
                wire.write_frame(self._request_write, {"op": "exit"})
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
