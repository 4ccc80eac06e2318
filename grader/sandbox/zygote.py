"""The zygote: one pre-imported process per grader that every child of a root grader is forked from.

A fresh child pays for a TensorFlow import (about a bare `import tensorflow`, the largest
share of a submission's CPU). Forked from runner/zygote.py, which imported it once, a child
is ready in a fraction of a second. The fork is confined as a fresh child is: in the
bubblewrap mode it enters the namespaces bubblewrap made for this child (a placeholder
holds them; see Child.start), then takes the child's uid, as setpriv would; in the
permissions mode it only takes the uid. Only root can give a fork another uid, so an
ordinary user's children start fresh, as does every child where the zygote cannot start.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading

from grader.paths import RUNNER_DIR
from grader.sandbox.confine import SAFE_ENV, Plan

MODES = ("bubblewrap", "permissions")  # where a fork can be confined like a fresh child


class Forked:
    """A child the zygote forked, seen as a Popen is: `pid` (the process that waits for the learner's
    one and then reports its exit code), `stdout`, `poll` and `wait`."""

    def __init__(self, pid: int, output_read: int, status_read: int) -> None:
        self.pid, self.returncode = pid, None
        self.stdout = os.fdopen(output_read, "rb", buffering=0)
        self._status, self._lock = status_read, threading.Lock()  # a deadline and `close` may both ask

    def wait(self, timeout: float | None = None) -> int:
        with self._lock:
            if self.returncode is None:
                if not select.select([self._status], [], [], timeout)[0]:
                    raise subprocess.TimeoutExpired("forked child", timeout)
                text = os.read(self._status, 64).strip()
                # No exit code: the waiting process itself was killed (Child.kill ends every process of the uid).
                self.returncode = int(text) if text.lstrip(b"-").isdigit() else -signal.SIGKILL
                os.close(self._status)
            return self.returncode

    def poll(self) -> int | None:
        try:
            return self.wait(0)
        except subprocess.TimeoutExpired:
            return None


class Zygote:
    """The zygote process and the socket it takes requests on; `fork` is safe from several threads."""

    def __init__(self, startup: float) -> None:
        self._home = tempfile.mkdtemp(prefix="layerlab-zygote-")  # its matplotlib cache; no child reads it
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**SAFE_ENV, "HOME": self._home, "TMPDIR": self._home, "MPLCONFIGDIR": self._home}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-X", "utf8", str(RUNNER_DIR / "zygote.py"), str(theirs.fileno())],
            cwd="/", env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),), start_new_session=True, close_fds=True)
        theirs.close()
        self._socket, self._lock = ours, threading.Lock()
        self._socket.settimeout(startup)
        try:
            ready = json.loads(self._socket.recv(4096) or b"{}")
        except (OSError, ValueError):
            ready = {}
        if not ready.get("ready"):
            self.close()
            raise OSError("the zygote did not start")

    def fork(self, plan: Plan, job: dict, fds: list[int], timeout: float) -> int:
        """Hand the zygote one child's job and its descriptors; the pid of the fork that waits for it."""
        request = json.dumps({**job, "uid": plan.uid, "cgroup_procs": list(map(str, plan.cgroup_procs))})
        with self._lock:
            try:
                self._socket.settimeout(timeout)
                socket.send_fds(self._socket, [request.encode()], fds)
                return int(json.loads(self._socket.recv(4096) or b"{}")["pid"])
            except (OSError, ValueError, KeyError):
                self.process.kill()  # an answer that comes late would be taken for the next child's
                raise

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self._socket.close()
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self._home, ignore_errors=True)


_shared: Zygote | None = None
_failed = False
_starting = threading.Lock()


def for_plan(plan: Plan, startup: float) -> Zygote | None:
    """This grader's zygote when a child under `plan` can be forked from it (started on first use);
    None where children start fresh: an ordinary user, the unconfined mode, or a zygote that failed."""
    return _shared_for(plan.mode, plan.is_root, startup)


def warm(startup: float) -> None:
    """Start the zygote now, if this host's children will be forked from it (a worker, before its first job)."""
    from grader.sandbox.host import probe

    host = probe()
    _shared_for(host.mode, host.is_root, startup)


def _shared_for(mode: str, is_root: bool, startup: float) -> Zygote | None:
    global _shared, _failed
    if not is_root or mode not in MODES or os.environ.get("LAYERLAB_NO_ZYGOTE"):
        return None
    with _starting:
        if _shared is not None and not _shared.alive():
            _shared.close()
            _shared = None
        if _shared is None and not _failed:
            try:
                _shared = Zygote(startup)
                atexit.register(_shared.close)  # its folder goes; the process would end anyway, on EOF
            except OSError:
                _failed = True  # fresh children from now on; each still gets the whole sandbox
        return _shared
