"""The zygote: imports TensorFlow once, then forks every child of a worker from that import.

Started by the grader (grader/sandbox/zygote.py) as `python -I -X utf8 zygote.py SOCKET_FD`
with the sandbox's scrubbed environment, so its memory holds nothing a child must not see:
libraries, child.py and wire.py. It never runs learner code. For each request it forks; the
fork confines itself before any learner code exists in it, in this order:

    cgroups joined -> the namespaces bubblewrap made for this child entered (mount, PID, net,
    IPC, UTS) -> bounding set dropped -> groups, gid, uid set to the child's -> no_new_privs
    -> fork: this process waits (and reports the exit code), its child runs child.run()

A fork that fails to confine itself exits; it never comes back to this loop.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # child.py and wire.py beside this file

import child  # noqa: E402

PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
NAMESPACES = {"mnt": 0x00020000, "pid": 0x20000000, "net": 0x40000000, "ipc": 0x08000000, "uts": 0x04000000,
              "cgroup": 0x02000000}  # CLONE_NEW* flags
CONFINE_FAILED = 111  # the fork's exit code when it could not confine itself
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


def _confine_and_run(job: dict, fds: list[int]) -> None:
    """In the fork: confine this process, then wait for its child, which answers the grader."""
    request_read, response_write, output_write, status_write, *init = fds
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output_write, 1)
    os.dup2(output_write, 2)
    keep = {0, 1, 2, request_read, response_write, status_write, *init}
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the descriptor listdir itself had open
    for procs in job["cgroup_procs"]:
        with open(procs, "w") as handle:
            handle.write(str(os.getpid()))
    if init:
        _enter_namespaces(init[0])
        os.close(init[0])
    _drop_privileges(job["uid"])
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()  # in the sandbox's PID namespace, where the learner's code runs
    if pid == 0:
        os.close(status_write)
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        tempfile.tempdir = None  # found again from TMPDIR, not the zygote's
        sys.path[0] = job["runner"]  # the job's copy of layerlab, not the zygote's folder
        child.run(request_read, response_write, job["submission"])
        os._exit(0)
    for fd in (request_read, response_write, 1, 2):  # the child's death must reach the grader as EOF
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    os.write(status_write, str(os.waitstatus_to_exitcode(status)).encode())


def main() -> None:
    server = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the forks
    child.preload()
    import matplotlib.pyplot  # noqa: F401  (exercises draw with it)

    server.send(json.dumps({"ready": True}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(server, 65536, 8)
        if not message:
            return  # the grader has gone
        pid = os.fork()
        if pid == 0:
            try:
                server.close()
                _confine_and_run(json.loads(message), fds)
                os._exit(0)
            except BaseException:
                traceback.print_exc()
                os._exit(CONFINE_FAILED)
        for fd in fds:
            os.close(fd)
        server.send(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    main()
