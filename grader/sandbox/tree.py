"""The processes a child started: their tree, their memory, and how to end them all."""

from __future__ import annotations

import os
import signal
import threading
import time


def process_tree(root_pid: int) -> dict[int, int]:
    """pid -> resident KiB of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)  # fields[1] is the ppid
        rss[pid] = int(fields[21]) * page_kb  # fields[21] is rss in pages
    tree, stack = {}, [root_pid]
    while stack:
        pid = stack.pop()
        tree[pid] = rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return tree


def tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    return sum(process_tree(root_pid).values()) / 1024


def kill_tree(root_pid: int) -> None:
    """SIGKILL a process, every descendant, and their process groups (never the caller's own group).

    A learner's child runs in a session of its own, so killing only the
    grader's group would leave it running; collect the tree first, then kill.
    """
    own_group = os.getpgrp()
    for pid in process_tree(root_pid):
        try:
            group = os.getpgid(pid)
            if group != own_group:
                os.killpg(group, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def shared_memory_mb(pids) -> float:
    """Memory held in memfds (and deleted shared-memory files) the processes keep open, in MiB.

    Pages written into a memfd and never mapped count nowhere in RSS; without a
    memory cgroup this is how they are counted. Each file is counted once.
    """
    seen, total = set(), 0
    for pid in pids:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for descriptor in descriptors:
            path = f"/proc/{pid}/fd/{descriptor}"
            try:
                target = os.readlink(path)
                if not (target.startswith("/memfd:") or target.startswith("/dev/shm/")):
                    continue
                info = os.stat(path)
            except OSError:
                continue
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_blocks * 512
    return total / (1024 * 1024)


def tree_memory_mb(root_pid: int) -> float:
    """Resident plus shared memory of a process tree, in MiB (the watch used where no cgroup is)."""
    tree = process_tree(root_pid)
    return sum(tree.values()) / 1024 + shared_memory_mb(tree)


class PeakMemory:
    """The peak resident memory (MiB) of a running process and all its descendants, polled every
    `every` seconds in a thread until the process ends (bench/ and .ci/ measure commands with it)."""

    def __init__(self, process, every: float = 0.1):
        self.peak = 0.0
        self._process, self._every = process, every
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while self._process.poll() is None:
            self.peak = max(self.peak, tree_rss_mb(self._process.pid))
            time.sleep(self._every)

    def result(self) -> float:
        """The peak, once the process has ended."""
        self._watcher.join()
        return self.peak
