"""One untrusted child process: started confined, asked over two pipes, killed at its limits."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time

from grader.sandbox import frames, identity
from grader.sandbox.cgroup import Group
from grader.sandbox.confine import SAFE_ENV, Plan
from grader.sandbox.limits import CallFailed, Limits
from grader.sandbox.runner import wire
from grader.sandbox.tree import kill_tree, process_tree, tree_memory_mb
from grader.sandbox.zygote import Forked, for_plan

# What holds a forked child's namespaces: it says it runs (bubblewrap has mounted everything), then waits.
PLACEHOLDER = ["/bin/sh", "-c", "echo running; exec sleep infinity"]
OUTPUT_TAIL = 16 * 1024  # bytes of the child's stdout/stderr kept for the report
NAMESPACE_GRACE = 10.0  # seconds the kernel gets to end a PID namespace once its init is killed


def _namespace_init(info_read: int, until: float) -> int:
    """A pidfd of the namespace init that bubblewrap names on its info pipe ({"child-pid": N}), or -1."""
    text = b""
    try:
        while b"}" not in text and (remaining := until - time.monotonic()) > 0:
            if not select.select([info_read], [], [], remaining)[0]:
                break
            chunk = os.read(info_read, 4096)
            if not chunk:
                break
            text += chunk
    finally:
        os.close(info_read)
    try:
        return os.pidfd_open(int(json.loads(text)["child-pid"]))
    except (ValueError, KeyError, TypeError, OSError):  # no info (bubblewrap failed), or the init already ended
        return -1


class Child:
    """One untrusted child process, confined by `plan`, and the two pipes it answers on."""

    def __init__(self, plan: Plan, limits: Limits, group: Group | None = None):
        self.plan, self.limits, self.group = plan, limits, group
        self.process: subprocess.Popen | Forked | None = None
        self._placeholder: subprocess.Popen | None = None  # holds a forked child's namespaces (bubblewrap)
        self.output = bytearray()
        self.versions: dict = {}
        self.imported: set[str] = set()  # learner modules this child has imported
        self._next_id = 0
        self._reader = frames.FrameReader()  # bytes of answers as they arrive
        self.killed_for_memory = False  # the kernel's cgroup OOM killer ended it
        self._over_cap = False  # the last memory reading was over the cap
        self._request_write = self._response_read = -1
        self._in_request = threading.RLock()  # held while a thread waits for an answer on the pipes
        self._pipes_doomed = False
        # A pidfd of the PID namespace's init (bubblewrap): the namespace lives while any process in it
        # does, even after bubblewrap itself has exited (a daemon keeps it), and dies with its init.
        self._namespace = -1
        self._namespace_lock = threading.Lock()

    def start(self) -> None:
        """Start the child (forked from the zygote where there is one, else a fresh interpreter) and
        wait until it says it is ready."""
        plan = self.plan
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        env = {**SAFE_ENV, "HOME": plan.work(), "TMPDIR": plan.work(), "LAYERLAB_DATA": plan.data(),
               "MPLCONFIGDIR": f"{plan.work()}/.matplotlib", "LAYERLAB_NPROC": str(self._process_limit())}
        until = time.monotonic() + self.limits.startup
        zygote = for_plan(plan, self.limits.startup)
        if zygote is not None:
            self._fork(zygote, request_read, response_write, env, until)
        else:
            self._exec(request_read, response_write, env, until)
        threading.Thread(target=self._drain, daemon=True).start()
        ready = self._await(max(0.0, until - time.monotonic()), "ready")
        self.versions = ready.get("versions", {})

    def _exec(self, request_read: int, response_write: int, env: dict, until: float) -> None:
        """A fresh interpreter, confined by the plan's command line; it imports TensorFlow itself."""
        plan = self.plan
        command = [sys.executable, "-I", "-X", "utf8", f"{plan.runner()}/child.py", str(request_read),
                   str(response_write), plan.submission()]
        cwd = plan.job.folder if plan.mode == "bubblewrap" else plan.job.scratch
        info_read, info_write = os.pipe() if plan.mode == "bubblewrap" else (-1, -1)
        passed = (request_read, response_write) + ((info_write,) if info_write >= 0 else ())
        self.process = subprocess.Popen(
            plan.wrap(command, info_write if info_write >= 0 else None), cwd=cwd, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=passed,
            start_new_session=True, close_fds=True)
        for fd in passed:
            os.close(fd)
        if info_read >= 0:
            self._namespace = _namespace_init(info_read, until)

    def _fork(self, zygote, request_read: int, response_write: int, env: dict, until: float) -> None:
        """A fork of the zygote, which confines itself: in the bubblewrap mode it enters the namespaces
        of a placeholder that bubblewrap started for this child alone, and every mount is in place."""
        plan = self.plan
        output_read, output_write = os.pipe()
        status_read, status_write = os.pipe()
        fds = [request_read, response_write, output_write, status_write]
        try:
            if plan.mode == "bubblewrap":
                self._hold_namespaces(output_write, until)
                fds.append(self._namespace)
            job = {"cwd": plan.work(), "env": env, "runner": plan.runner(), "submission": plan.submission()}
            try:
                pid = zygote.fork(plan, job, fds, max(0.1, until - time.monotonic()))
            except OSError as error:
                raise CallFailed("crashed", f"the zygote could not fork a child ({error})") from None
        except BaseException:
            os.close(output_read)
            os.close(status_read)
            raise
        finally:
            for fd in fds[:4]:
                os.close(fd)
        self.process = Forked(pid, output_read, status_read)

    def _hold_namespaces(self, output_write: int, until: float) -> None:
        """bubblewrap around a placeholder that only holds this child's namespaces; back once it runs,
        so that bubblewrap has put every mount in place (a fork entering earlier could see the host's)."""
        info_read, info_write = os.pipe()
        ready_read, ready_write = os.pipe()
        self._placeholder = subprocess.Popen(
            self.plan.wrap(PLACEHOLDER, info_write, holder=True), cwd=self.plan.job.folder, env=SAFE_ENV,
            stdin=subprocess.DEVNULL, stdout=ready_write, stderr=output_write, pass_fds=(info_write,),
            start_new_session=True, close_fds=True)
        os.close(info_write)
        os.close(ready_write)
        self._namespace = _namespace_init(info_read, until)
        try:
            running = select.select([ready_read], [], [], max(0.0, until - time.monotonic()))[0] \
                and os.read(ready_read, 16).startswith(b"running")
        finally:
            os.close(ready_read)
        if self._namespace < 0 or not running:
            raise CallFailed("crashed", "bubblewrap did not start the sandbox")

    def _process_limit(self) -> int:
        """RLIMIT_NPROC for the child: its own uid's count, or this user's processes plus a margin."""
        if self.plan.uid != os.getuid() or os.geteuid() == 0:
            return self.limits.processes
        return len(identity.processes_of(os.getuid())) + self.limits.processes

    def memory_mb(self) -> float:
        """What the memory cap compares: the cgroup's anonymous + shared memory, else the tree's memory +
        memfds: its summed RSS, or, above the cap, its summed Pss. A fork shares every page of its parent
        (TensorFlow's 600 MB, in a fork about to exec `fc-list`), which RSS counts once per process."""
        if self.group is not None and "memory" in self.group.folders:
            return self.group.memory_mb()
        # A fork's waiting process maps only the zygote's pages: counted, they would count twice.
        root, counted = self.process.pid, not isinstance(self.process, Forked)
        measured = tree_memory_mb(root, count_root=counted)
        if measured > self.limits.memory_mb:
            measured = tree_memory_mb(root, count_root=counted, proportional=True)
        return measured

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
        with self._in_request:
            try:
                return self._request(message, deadline)
            finally:
                if self._pipes_doomed:
                    self._close_pipes()

    def _request(self, message: dict, deadline: float) -> dict:
        self._next_id += 1
        message = {**message, "id": self._next_id}
        try:
            frames.send(self._request_write, message, time.monotonic() + deadline)
        except TimeoutError:
            self.kill()
            raise CallFailed("timeout", f"no answer within {round(deadline, 1):g} s (stopped)") from None
        except OSError:
            self.kill()
            raise self._death() from None
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
                raise CallFailed("timeout", f"no answer within {round(deadline, 1):g} s{half} (stopped)")
            if select.select([self._response_read], [], [], min(0.25, remaining))[0]:
                try:
                    chunk = os.read(self._response_read, frames.READ_CHUNK)
                except BlockingIOError:
                    chunk = None
                if chunk == b"":
                    self.kill()
                    raise self._death()
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
            # Over the cap twice in a row (0.25 s apart): a fork's moment before it execs is not a hog.
            over, self._over_cap = self._over_cap, self.memory_mb() > self.limits.memory_mb
            if over and self._over_cap:
                self.kill()
                raise CallFailed("memory", f"used more than {self.limits.memory_mb} MB of memory (stopped)")
            if self.process.poll() is not None and not select.select([self._response_read], [], [], 0)[0]:
                raise self._death()

    def _next_answer(self) -> dict | None:
        body = self._reader.next_body()
        return None if body is None else frames.parse(body)

    def _death(self) -> CallFailed:
        """Why the child is gone: the kernel's memory cap, or the learner's code ending it."""
        code = self.process.wait(timeout=10) if self.process else None
        if self.killed_for_memory or (self.group is not None and self.group.oom_killed()):
            return CallFailed("memory", f"used more than {self.limits.memory_mb} MB of memory (stopped)")
        if code is not None and code < 0:
            return CallFailed("crashed", f"the learner's code ended the process (signal {signal.Signals(-code).name})")
        return CallFailed("crashed", f"the learner's code ended the process (exit code {code})")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL everything the child started: its process tree (with a PID namespace, all in it die),
        every process of its uid when it has one of its own, and whatever is left in its cgroup."""
        if self.process is not None and self.process.poll() is None:  # once reaped, its pid may be reused
            kill_tree(self.process.pid)
        self._end_namespace()
        if self._placeholder is not None:
            kill_tree(self._placeholder.pid)
            self._placeholder.wait()
        if self.process is None and self._placeholder is None:  # nothing was started
            self._close_pipes()
            return
        if self.plan.uid != os.getuid():
            identity.kill_all_of(self.plan.uid)
        if self.group is not None:
            for pid in self.group.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        try:
            if self.process is not None:
                self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if self.group is not None:
            self.killed_for_memory = self.killed_for_memory or self.group.oom_killed()
            self.group.remove()
        # Another thread may be reading the pipes right now: it closes them when its request ends.
        self._pipes_doomed = True
        if self._in_request.acquire(blocking=False):
            try:
                self._close_pipes()
            finally:
                self._in_request.release()

    def _end_namespace(self) -> None:
        """SIGKILL the PID namespace's init, so that every process in it dies, and wait until it has.

        Two threads may kill at once (a deadline and `close`): under the lock exactly one signals and
        closes the pidfd, and the other returns only once the namespace is gone.
        """
        with self._namespace_lock:
            if self._namespace < 0:
                return
            try:
                signal.pidfd_send_signal(self._namespace, signal.SIGKILL)
                select.select([self._namespace], [], [], NAMESPACE_GRACE)  # readable once the init has exited
            except ProcessLookupError:
                pass
            finally:
                os.close(self._namespace)
                self._namespace = -1

    def _close_pipes(self) -> None:
        """Close each pipe once: a second close could hit a descriptor reused since (a uid's lease lock)."""
        for fd in (self._request_write, self._response_read):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._request_write = self._response_read = -1

    def survivors(self) -> list[int]:
        """Processes of this child still alive after `kill` (the grader must not return while any is)."""
        alive = set(process_tree(self.process.pid)) if self.process and self.process.poll() is None else set()
        if self._placeholder is not None and self._placeholder.poll() is None:
            alive.update(process_tree(self._placeholder.pid))
        if self.plan.uid != os.getuid():
            alive.update(identity.processes_of(self.plan.uid))
        if self.group is not None:
            alive.update(self.group.pids())
        return sorted(alive)

    def stop(self) -> None:
        """End the child at once: it keeps nothing worth a clean exit, which costs TensorFlow's teardown
        (about a second, on the path of every submission) and would run the learner's atexit hooks."""
        self.kill()
