"""The processes a child started: their tree, their memory, and how to end them all."""

from __future__ import annotations

import os
import signal


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
