"""The processes a child started: their tree, their memory, and how to end them all."""

from __future__ import annotations

import os
import signal
import threading
import time


def _processes() -> tuple[dict[int, list[int]], dict[int, list[bytes]]]:
    """ppid -> children, and pid -> the fields of /proc/PID/stat after the command name."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[bytes]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry))  # fields[1] is the ppid
    return children, stats


def _descendants(root_pid: int, children: dict[int, list[int]]) -> list[int]:
    found, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def process_tree(root_pid: int) -> dict[int, int]:
    """pid -> resident KiB of a process and all its descendants (from /proc)."""
    children, stats = _processes()
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    return {pid: int(stats[pid][21]) * page_kb if pid in stats else 0  # fields[21] is rss in pages
            for pid in _descendants(root_pid, children)}


def proportional_kb(pid: int) -> int:
    """A process's Pss in KiB: its private pages, plus each shared page split among the processes that
    map it (TensorFlow's libraries, mapped by worker and child alike, count once in a sum); 0 if gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


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


def tree_memory_mb(root_pid: int, count_root: bool = True, proportional: bool = False) -> float:
    """Resident (or, `proportional`, Pss) plus shared memory of a process tree, in MiB: the watch used
    where no cgroup is. Summed RSS counts a page that two processes share once in each of them."""
    tree = process_tree(root_pid)
    if not count_root:
        tree.pop(root_pid, None)
    if proportional:  # about 20 ms per TensorFlow process: read only when the cheap sum is in doubt
        tree = {pid: proportional_kb(pid) for pid in tree}
    return sum(tree.values()) / 1024 + shared_memory_mb(tree)


class PeakMemory:
    """A running process and all its descendants, polled in a thread until the process ends (bench/
    and .ci/ measure commands with it): the peak of their resident memory summed (MiB; shared pages
    count once per process) and their CPU seconds (user + system, also of processes no one of them
    reaped), every `every` seconds; the peak of their Pss summed (MiB; physical memory) every
    `pss_every` seconds, since reading a TensorFlow process's smaps costs the machine CPU time too."""

    def __init__(self, process, every: float = 0.1, pss_every: float = 1.0):
        self.peak = self.peak_pss = 0.0
        self._cpu: dict[tuple[int, bytes], float] = {}  # (pid, start time) -> CPU seconds last seen
        self._process, self._every, self._pss_every = process, every, pss_every
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        page_kb, ticks = os.sysconf("SC_PAGE_SIZE") // 1024, os.sysconf("SC_CLK_TCK")
        pss_due = 0.0
        while self._process.poll() is None:
            children, stats = _processes()
            pids = [pid for pid in _descendants(self._process.pid, children) if pid in stats]
            self.peak = max(self.peak, sum(int(stats[pid][21]) for pid in pids) * page_kb / 1024)
            if time.monotonic() >= pss_due:
                self.peak_pss = max(self.peak_pss, sum(map(proportional_kb, pids)) / 1024)
                pss_due = time.monotonic() + self._pss_every
            for pid in pids:  # fields 11 and 12: utime and stime in ticks; 19: start time
                self._cpu[(pid, stats[pid][19])] = (int(stats[pid][11]) + int(stats[pid][12])) / ticks
            time.sleep(self._every)

    def result(self) -> float:
        """The peak resident memory, once the process has ended."""
        self._watcher.join()
        return self.peak

    @property
    def cpu_seconds(self) -> float:
        """CPU time of every process seen, as last polled (a process's last 0.1 s may be missed)."""
        return sum(self._cpu.values())
