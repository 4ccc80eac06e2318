"""The zygote: one pre-imported process per grader that every child of a root grader is forked from.

A fresh child pays for a TensorFlow import (about a bare `import tensorflow`, the largest
share of a submission's CPU). Forked from runner/zygote.py, which imported it once, a child
is ready in a fraction of a second. The fork is confined as a fresh child is: in the
bubblewrap mode it enters the namespaces bubblewrap made for this child (a placeholder
holds them; see Child.start), then takes the child's uid, as setpriv would; in the
permissions mode it only takes the uid. Only root can give a fork another uid, so an
ordinary user's children start fresh, as does every child where the zygote cannot start.

The grading command's zygote also forks its trusted workers (`spawn_worker`: no worker
imports TensorFlow, and each asks for its children on a connection of its own) and, for
a worker, processes of the grader's own computations (`answer`: the training gate, in one
lasting process per worker; the one-fit replay). docs/SECURITY.md says how each is kept apart.
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

from grader.paths import KIT_ROOT, RUNNER_DIR
from grader.sandbox.confine import SAFE_ENV, Plan
from grader.sandbox.limits import Limits

MODES = ("bubblewrap", "permissions")  # where a fork can be confined like a fresh child
INHERITED = "LAYERLAB_ZYGOTE_FD"  # in a worker forked from the zygote: its connection to that zygote
MESSAGE_BYTES = 60_000  # the most a request may hold; runner/zygote.py reads up to 65,536 at once
LASTING = ("train",)  # kinds a worker keeps one process for: a model it traced for one task serves the next
LASTING_TASKS = 10  # then a new one: each model a trainer traces stays in its memory (about 12 MiB)


class Forked:
    """A child (or worker) the zygote forked, seen as a Popen is: `pid` (the process that waits for it
    and then reports its exit code), `stdout` (a worker's: `stdin`, `stderr`), `poll` and `wait`."""

    def __init__(self, pid: int, output_read: int, status_read: int) -> None:
        self.pid, self.returncode = pid, None
        self.stdout = os.fdopen(output_read, "rb", buffering=0) if output_read >= 0 else None
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
    """The zygote process and the socket it takes requests on; `fork` is safe from several threads.
    In a worker forked from it (`spawn_worker`), `inherited` is that worker's own connection to it."""

    def __init__(self, startup: float, inherited: int | None = None) -> None:
        self.process: subprocess.Popen | None = None
        self._home, self._lock, self._startup, self._broken = None, threading.Lock(), startup, False
        self._lasting: dict[str, socket.socket] = {}  # kind -> the socket of this process's lasting fork
        self._handed: dict[str, int] = {}  # kind -> tasks handed to that fork
        self._lasting_lock = threading.Lock()
        if inherited is not None:
            self._socket = socket.socket(fileno=inherited)
            return
        self._home = tempfile.mkdtemp(prefix="layerlab-zygote-")  # its matplotlib cache; no child reads it
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**SAFE_ENV, "HOME": self._home, "TMPDIR": self._home, "MPLCONFIGDIR": self._home}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-X", "utf8", str(RUNNER_DIR / "zygote.py"), str(theirs.fileno())],
            cwd="/", env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),), start_new_session=True, close_fds=True)
        theirs.close()
        self._socket = ours
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
        return self._ask({**job, "uid": plan.uid, "cgroup_procs": list(map(str, plan.cgroup_procs))}, fds, timeout)

    def answer(self, kind: str, task: dict, arrays: dict) -> int:
        """Have a process of the grader's own (root, outside any sandbox) answer a `kind` of `task` (plain
        data) on `arrays` (by name): "train", the training gate, goes to this worker's lasting trainer;
        "replay", the one-fit replay, to a fork of its own (runner/zygote.py ANSWERS). The pipe its
        answer comes on, one JSON text, then EOF."""
        import numpy as np

        answer_read, answer_write = os.pipe()
        try:
            with tempfile.TemporaryFile() as file:  # task and arrays as one .npz, of any size
                np.savez(file, task=np.array(json.dumps(task)), **arrays)
                file.seek(0)  # the fork's copy of the descriptor shares this offset
                if kind in LASTING:
                    self._hand_on(kind, [answer_write, file.fileno()])
                else:
                    self._ask({"kind": kind, "kit": str(KIT_ROOT)}, [answer_write, file.fileno()], self._startup)
        except BaseException:
            os.close(answer_read)
            raise
        finally:
            os.close(answer_write)
        return answer_read

    def _hand_on(self, kind: str, fds: list[int]) -> None:
        """Send a task to this process's lasting fork of `kind`: started on first use, again once if it has
        died (a task it dies on has no answer: that asker reports it, the next one gets a new fork), and
        retired after LASTING_TASKS (its socket closed: it answers what it has, then ends)."""
        with self._lasting_lock:
            for attempt in range(2):
                tasks = self._lasting.get(kind)
                if tasks is None:
                    tasks, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                    try:
                        self._ask({"kind": kind, "kit": str(KIT_ROOT), "lasting": True}, [theirs.fileno()],
                                  self._startup)
                    except OSError:
                        tasks.close()
                        raise
                    finally:
                        theirs.close()
                    self._lasting[kind], self._handed[kind] = tasks, 0
                try:
                    socket.send_fds(tasks, [b"task"], fds)
                    self._handed[kind] += 1
                    if self._handed[kind] >= LASTING_TASKS:
                        self._lasting.pop(kind).close()
                    return
                except OSError:
                    self._lasting.pop(kind).close()
                    if attempt:
                        raise

    def spawn_worker(self, arguments: list[str], env: dict, reply_write: int) -> Forked:
        """A trusted worker forked from this import (`python -m grader` with `arguments`, and `--serve`
        its copy of `reply_write`): the zygote's forks are root, and a worker needs nothing imported again."""
        job_read, job_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        status_read, status_write = os.pipe()
        try:
            pid = self._ask({"kind": "worker", "kit": str(KIT_ROOT), "arguments": arguments, "env": env},
                            [job_read, reply_write, stderr_write, status_write], self._startup)
        except BaseException:
            for fd in (job_write, stderr_read, status_read):
                os.close(fd)
            raise
        finally:
            for fd in (job_read, stderr_write, status_write):
                os.close(fd)
        worker = Forked(pid, -1, status_read)
        worker.stdin, worker.stderr = os.fdopen(job_write, "wb"), os.fdopen(stderr_read, "rb")
        return worker

    def _ask(self, request: dict, fds: list[int], timeout: float) -> int:
        """Send one request and its descriptors; the pid of the fork that serves it (else OSError)."""
        message = json.dumps(request).encode()
        if len(message) > MESSAGE_BYTES:  # e.g. a worker's environment of over 60 kB: it starts fresh instead
            raise OSError(f"a request of {len(message)} bytes is more than the zygote reads at once")
        with self._lock:
            try:
                self._socket.settimeout(timeout)
                socket.send_fds(self._socket, [message], fds)
                return int(json.loads(self._socket.recv(4096) or b"{}")["pid"])
            except (OSError, ValueError, KeyError) as error:
                self._broken = True  # an answer that comes late would be taken for the next request's
                if self.process is not None:
                    self.process.kill()
                raise OSError(f"the zygote did not answer ({type(error).__name__}: {error})") from None

    def alive(self) -> bool:
        return not self._broken and (self.process is None or self.process.poll() is None)

    def close(self) -> None:
        for tasks in self._lasting.values():
            tasks.close()  # the lasting fork ends on EOF
        self._socket.close()
        if self.process is not None:  # the zygote this process started (an inherited one is not ours to end)
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


def for_host(startup: float = Limits.startup) -> Zygote | None:
    """This grader's zygote if this host's children are forked from it (started now if it is not yet)."""
    from grader.sandbox.host import probe

    host = probe()
    return _shared_for(host.mode, host.is_root, startup)


def _shared_for(mode: str, is_root: bool, startup: float) -> Zygote | None:
    global _shared, _failed
    if not is_root or mode not in MODES or os.environ.get("LAYERLAB_NO_ZYGOTE"):
        return None
    with _starting:
        if _shared is not None and not _shared.alive():
            _shared.close()
            _shared = None
        inherited = os.environ.pop(INHERITED, None)  # once: a zygote started here after it would not be that one
        if _shared is None and inherited:
            _shared = Zygote(startup, inherited=int(inherited))
        elif _shared is None and not _failed:
            try:
                _shared = Zygote(startup)
                atexit.register(_shared.close)  # its folder goes; the process would end anyway, on EOF
            except OSError:
                _failed = True  # fresh children from now on; each still gets the whole sandbox
        return _shared
