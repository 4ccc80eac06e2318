"""The zygote: imports TensorFlow once, then forks every child of a worker from that import.

Started by the grader (grader/sandbox/zygote.py) as `python -I -X utf8 zygote.py SOCKET_FD`
with the sandbox's scrubbed environment, so its memory holds nothing a child must not see:
libraries, child.py and wire.py. It never runs learner code. For each request it forks; the
fork confines itself before any learner code exists in it, in this order:

    cgroups joined -> the namespaces bubblewrap made for this child entered (mount, PID, net,
    IPC, UTS) -> bounding set dropped -> groups, gid, uid set to the child's -> no_new_privs
    -> fork: this process waits (and reports the exit code), its child runs child.run()

A fork that fails to confine itself exits; it never comes back to this loop.

Three kinds of request are the grader's own, and their forks stay root outside any sandbox:
"train" runs the training gate (grader/gate.py) and "replay" the one-fit replay of the
train_model check (grader/replay.py), each on plain data the grader sent, beside the checks
(a worker's trainings all go to one lasting fork, which reuses what it traced);
"worker" (from the grading command only) becomes a trusted worker (grader/workers.py) that
imports nothing, with a connection of its own on which it asks for its children and
trainings. When a worker's connection closes, what was forked for it is killed.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import select
import signal
import socket
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # child.py and wire.py beside this file

import child  # noqa: E402

PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 24, 36, 38
NAMESPACES = {"mnt": 0x00020000, "pid": 0x20000000, "net": 0x40000000, "ipc": 0x08000000, "uts": 0x04000000,
              "cgroup": 0x02000000}  # CLONE_NEW* flags
CONFINE_FAILED = 111  # the fork's exit code when it could not confine itself
ANSWERS = {"train": "grader.gate", "replay": "grader.replay"}  # the grader's own computations, by kind
_libc = ctypes.CDLL(None, use_errno=True)


def _checked(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _enter_namespaces(init_pidfd: int) -> None:
    """Join every namespace of the sandbox's init (bubblewrap's) that is not already ours."""
    init_pid = _pid_of(init_pidfd)
    flags = 0
    for name, flag in NAMESPACES.items():
        if os.stat(f"/proc/{init_pid}/ns/{name}").st_ino != os.stat(f"/proc/self/ns/{name}").st_ino:
            flags |= flag
    _checked(_libc.setns(init_pidfd, flags), "setns")
    if not flags & NAMESPACES["mnt"]:
        raise OSError("the sandbox has no mount namespace of its own")


def _pid_of(pidfd: int) -> int:
    with open(f"/proc/self/fdinfo/{pidfd}") as info:
        for line in info:
            if line.startswith("Pid:"):
                return int(line.split()[1])
    raise OSError("not a pidfd")


def _drop_privileges(uid: int) -> None:
    for capability in range(64):  # the last capability number differs between kernels
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to another uid: every capability is cleared
    _checked(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _close_all_but(keep: set[int]) -> None:
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the descriptor listdir itself had open


def _confine_and_run(job: dict, fds: list[int]) -> None:
    """In the fork: confine this process, then wait for its child, which answers the grader."""
    request_read, response_write, output_write, status_write, *init = fds
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output_write, 1)
    os.dup2(output_write, 2)
    _close_all_but({0, 1, 2, request_read, response_write, status_write, *init})
    for procs in job["cgroup_procs"]:
        with open(procs, "w") as handle:
            handle.write(str(os.getpid()))
    if init:
        _enter_namespaces(init[0])
        os.close(init[0])
    _drop_privileges(job["uid"])

    def run() -> None:  # in the sandbox's PID namespace, where the learner's code runs
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        tempfile.tempdir = None  # found again from TMPDIR, not the zygote's
        sys.path[0] = job["runner"]  # the job's copy of layerlab, not the zygote's folder
        child.run(request_read, response_write, job["submission"])
        os._exit(0)

    _run_and_report(run, status_write, (request_read, response_write, 1, 2))


def _run_and_report(run, status_write: int, handed_on: tuple) -> None:
    """Fork once more: the new process calls `run`, which never returns; this one closes `handed_on`
    (so that the other's death reaches the grader as EOF), waits, and writes its exit code."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        os.close(status_write)
        run()
    for fd in handed_on:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    os.write(status_write, str(os.waitstatus_to_exitcode(status)).encode())


def _answer(job: dict, fds: list[int]) -> None:
    """In the fork: the grader's own computations (ANSWERS), as root and outside any sandbox. It runs no
    learner code: the gate rebuilds a checked config with Keras' safe mode, as the grader does. One task
    comes on `fds` (its answer's pipe, its file); a "lasting" fork (a worker's trainer) takes every task
    that comes on its socket, so what it traced for one submission serves the next."""
    os.setsid()  # a session of its own, which _end_forks can end
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    _close_all_but({0, 1, 2, *fds})
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    sys.path.insert(0, job["kit"])
    if not job.get("lasting"):
        _answer_one(job["kind"], *fds)
        return
    tasks = socket.socket(fileno=fds[0])
    while True:
        try:
            message, handed, _, _ = socket.recv_fds(tasks, 64, 2)
        except OSError:
            return
        if not message or len(handed) != 2:
            return  # the worker has gone
        _answer_one(job["kind"], *handed)


def _answer_one(kind: str, answer_write: int, task_read: int) -> None:
    try:
        answer = importlib.import_module(ANSWERS[kind]).answer_in_a_fork(task_read)
    except BaseException as error:  # the grader's own failure: its words go back, the asker reports it
        answer = {"error": f"{type(error).__name__}: {error}"}
    with os.fdopen(answer_write, "w", encoding="utf-8") as pipe:
        json.dump(answer, pipe)


def _serve_as_worker(job: dict, fds: list[int], connection: socket.socket) -> None:
    """In the fork: a trusted worker of the grader (grader/workers.py), given TensorFlow already imported.
    A process between waits for it and reports its exit code, as for a child. `connection` is its own
    way back here: the children and trainings it asks for are forked from this same import."""
    job_read, reply_write, stderr_write, status_write = fds
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(job_read, 0)
    os.dup2(null, 1)
    os.dup2(stderr_write, 2)
    _close_all_but({0, 1, 2, reply_write, status_write, connection.fileno()})

    def run() -> None:
        os.chdir(job["kit"])
        os.environ.clear()
        os.environ.update(job["env"], LAYERLAB_ZYGOTE_FD=str(connection.fileno()))
        tempfile.tempdir = None  # found again from TMPDIR, the worker's scratch folder
        sys.path[0] = job["kit"]  # the kit's grader, where this zygote had its own folder
        sys.argv = ["python -m grader", *job["arguments"], "--serve", str(reply_write)]
        from grader.cli import main as grader_main

        try:
            code = grader_main(sys.argv[1:])
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)

    _run_and_report(run, status_write, (0, 2, reply_write, connection.fileno()))


def _end_forks(pidfds: list[int]) -> None:
    """What was forked for a worker whose connection closed: each fork and its session, if still there.
    By pidfd, so that a pid the kernel gave to another process since is never signalled."""
    for pidfd in pidfds:
        pid = _pid_of(pidfd)  # -1 once the process has ended
        for end in (lambda: signal.pidfd_send_signal(pidfd, signal.SIGKILL),
                    lambda: os.killpg(pid, signal.SIGKILL)):  # its session's group: every fork calls setsid()
            try:
                if pid > 0:
                    end()
            except OSError:
                pass  # ended meanwhile
        os.close(pidfd)


def _ended(pidfd: int) -> bool:
    return bool(select.select([pidfd], [], [], 0)[0])  # a pidfd is readable once its process has ended


def main() -> None:
    server = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the forks
    # ... and what a killed fork leaves: a child whose waiting process died first comes here, not to the
    # machine's init (which may reap it a second later, all that time holding its PID namespace open).
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # a speed-up only: no failure stops the zygote
    child.preload()
    import matplotlib.pyplot  # noqa: F401  (exercises draw with it)

    server.send(json.dumps({"ready": True}).encode())
    forks: dict[socket.socket, list[int]] = {server: []}  # each connection, and pidfds of what was forked for it
    while True:
        for connection in select.select(list(forks), [], [])[0]:
            try:
                message, fds, _, _ = socket.recv_fds(connection, 65536, 8)
            except OSError:  # a connection reset: its worker has gone
                message, fds = b"", []
            if not message:
                if connection is server:
                    return  # the grader has gone; its workers end with it
                _end_forks(forks.pop(connection))
                connection.close()
                continue
            job = json.loads(message)
            worker = job.get("kind") == "worker" and connection is server
            if worker:
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            pid = os.fork()
            if pid == 0:
                try:
                    for held in forks:
                        held.close()
                    if worker:
                        ours.close()
                        _serve_as_worker(job, fds, theirs)
                    elif job.get("kind") in ANSWERS:
                        _answer(job, fds)
                    else:
                        _confine_and_run(job, fds)
                    os._exit(0)
                except BaseException:
                    traceback.print_exc()
                    os._exit(CONFINE_FAILED)
            for fd in fds:
                os.close(fd)
            for ended in [pidfd for pidfd in forks[connection] if _ended(pidfd)]:
                forks[connection].remove(ended)
                os.close(ended)
            try:
                forks[connection].append(os.pidfd_open(pid))
            except ProcessLookupError:
                pass  # it has ended already
            if worker:
                theirs.close()
                forks[ours] = []
            try:
                connection.send(json.dumps({"pid": pid}).encode())
            except OSError:
                pass  # the worker that asked has gone: its connection's end comes next


if __name__ == "__main__":
    main()
