"""Who the child is: an unprivileged uid of its own, leased per submission, and cleared when it is done.

As root the grader gives each concurrent child a distinct uid from a range no
account uses (`LAYERLAB_SANDBOX_UID_BASE`, default 3100000, 256 uids). A lease
is an exclusive lock on a file in a root-only folder, so grading processes
never share a uid; before and after a lease every process of that uid is
killed and whatever it left in the shared temporary folders is removed.
As an ordinary user there is no uid to give: the child keeps the user's own.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import signal
import time
from pathlib import Path

UID_BASE = int(os.environ.get("LAYERLAB_SANDBOX_UID_BASE", "3100000"))
UID_COUNT = 256
LOCK_FOLDERS = (Path("/run/layerlab"), Path("/var/tmp/layerlab-uids"))
SHARED_TEMPORARY = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")


class NoUidFree(RuntimeError):
    """Every sandbox uid is leased (more than UID_COUNT children at once)."""


def _lock_folder() -> Path:
    for folder in LOCK_FOLDERS:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
            return folder
        except OSError:
            continue
    raise OSError("no folder for the sandbox uid locks (/run or /var/tmp must be writable by root)")


class Lease:
    """One uid, held until `release`; for an ordinary user, the user's own uid."""

    def __init__(self) -> None:
        self.uid = os.getuid()
        self._handle = None

    def acquire(self) -> int:
        if os.geteuid() != 0:
            return self.uid
        folder = _lock_folder()
        for uid in range(UID_BASE, UID_BASE + UID_COUNT):
            if _has_account(uid):
                continue
            handle = open(folder / f"uid-{uid}.lock", "a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self.uid, self._handle = uid, handle
            clear(uid)  # whatever a grader that crashed left behind
            return uid
        raise NoUidFree(f"all {UID_COUNT} sandbox uids from {UID_BASE} are in use")

    def release(self) -> None:
        if self._handle is None:
            return
        clear(self.uid)
        self._handle.close()  # closing drops the lock
        self._handle = None


@contextlib.contextmanager
def lease():
    held = Lease()
    try:
        yield held.acquire()
    finally:
        held.release()


def _has_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def processes_of(uid: int) -> list[int]:
    """Live (not zombie) processes whose real uid is `uid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("State", "").strip().startswith("Z"):
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            found.append(int(entry))
    return found


def kill_all_of(uid: int, wait: float = 10.0) -> bool:
    """SIGKILL every process of `uid` until none is left; False if some outlived `wait` seconds."""
    until = time.monotonic() + wait
    while True:
        alive = processes_of(uid)
        if not alive:
            return True
        if time.monotonic() > until:
            return False
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)


def remove_files_of(uid: int) -> list[str]:
    """Remove what `uid` left at the top of the shared temporary folders; returns what was removed."""
    removed = []
    for folder in SHARED_TEMPORARY:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed.append(entry.path)
            except OSError:
                continue
    return removed


def clear(uid: int) -> None:
    """Nothing of a sandbox uid survives: its processes, then its files in shared folders."""
    if os.geteuid() == 0 and uid != 0:
        kill_all_of(uid)
        remove_files_of(uid)


def sweep() -> None:
    """Clear every sandbox uid no live grader holds (a worker that was killed cannot clear its own)."""
    if os.geteuid() != 0:
        return
    try:
        folder = _lock_folder()
    except OSError:
        return
    for lock in folder.glob("uid-*.lock"):
        with open(lock, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # leased by a grader that is still running
            clear(int(lock.stem.removeprefix("uid-")))
