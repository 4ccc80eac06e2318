"""A cgroup per child, where the host lets the grader make one: memory and process caps the kernel enforces.

The kernel charges a cgroup for anonymous memory *and* for shared memory
(memfd, tmpfs, /dev/shm pages), which an RSS watch alone misses. Both cgroup
v1 (a `memory` and a `pids` hierarchy) and v2 (one unified tree) are handled;
the group lives under the grader's own cgroup and is removed with the child.
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from pathlib import Path

CONTROLLERS = ("memory", "pids")
PIDS_MAX = 1024  # TensorFlow's own threads count here too
_names = itertools.count()


def _own_cgroups() -> dict[str, Path]:
    """controller -> the folder of this process's cgroup for it ('unified' for v2)."""
    paths: dict[str, str] = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for name in (controllers.split(",") if controllers else ["unified"]):
                paths[name] = path
    except (OSError, ValueError):
        return {}
    folders: dict[str, Path] = {}
    try:
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return {}
    for line in mounts:
        left, _, right = line.partition(" - ")
        fields, kinds = left.split(), right.split()
        if len(fields) < 5 or len(kinds) < 3:
            continue
        root, point, fstype, options = fields[3], fields[4], kinds[0], kinds[2].split(",")
        names = ["unified"] if fstype == "cgroup2" else [o for o in options if o in CONTROLLERS]
        for name in names:
            if fstype in ("cgroup", "cgroup2") and name in paths and paths[name].startswith(root):
                folders[name] = Path(point) / paths[name][len(root):].lstrip("/")
    return folders


def _parent(controller: str) -> Path | None:
    """Where a child group for `controller` is made: its v1 hierarchy, else the v2 tree if it offers it."""
    folders = _own_cgroups()
    if controller in folders:
        return folders[controller]
    unified = folders.get("unified")
    if unified is not None:
        try:
            if controller in (unified / "cgroup.controllers").read_text().split():
                return unified
        except OSError:
            return None
    return None


@functools.lru_cache(maxsize=None)
def _probe(controller: str) -> str:
    """'' when a group for `controller` can be made and capped here, else why not."""
    if os.environ.get("LAYERLAB_NO_CGROUP"):
        return "not used (LAYERLAB_NO_CGROUP is set)"
    parent = _parent(controller)
    if parent is None:
        return "the kernel offers no such cgroup to this process"
    try:
        group = Group.make(controllers=(controller,), memory_mb=4096)
    except OSError as error:
        return f"cannot make a group under {parent} ({error.strerror or error})"
    group.remove()
    return ""


def available() -> tuple[str, ...]:
    return tuple(name for name in CONTROLLERS if not _probe(name))


def why_not(controller: str) -> str:
    return _probe(controller) or "available"


class Group:
    """One child's cgroup folders (one per controller in v1, one folder in v2)."""

    def __init__(self, folders: dict[str, Path]):
        self.folders = folders

    @classmethod
    def make(cls, controllers: tuple[str, ...], memory_mb: int, pids_max: int = PIDS_MAX) -> "Group":
        name = f"layerlab-{os.getpid()}-{next(_names)}"
        folders: dict[str, Path] = {}
        group = cls(folders)
        try:
            for controller in controllers:
                parent = _parent(controller)
                if parent is None:
                    raise OSError(f"no {controller} cgroup")
                folder = parent / name
                if folder not in folders.values():
                    if (parent / "cgroup.subtree_control").exists():
                        _enable_v2(parent, controller)
                    folder.mkdir(exist_ok=True)
                folders[controller] = folder
                if controller == "memory":
                    group._write_memory_limit(memory_mb)
                else:
                    (folder / "pids.max").write_text(str(pids_max))
        except OSError:
            group.remove()
            raise
        return group

    def _write_memory_limit(self, memory_mb: int) -> None:
        folder, limit = self.folders["memory"], str(memory_mb * 1024 * 1024)
        if (folder / "memory.max").exists():  # v2
            (folder / "memory.max").write_text(limit)
            if (folder / "memory.swap.max").exists():
                (folder / "memory.swap.max").write_text("0")
        else:  # v1: the swap limit (if the kernel accounts swap) must not be below the memory limit
            (folder / "memory.limit_in_bytes").write_text(limit)
            if (folder / "memory.memsw.limit_in_bytes").exists():
                (folder / "memory.memsw.limit_in_bytes").write_text(limit)

    def procs_files(self) -> list[Path]:
        return sorted({folder / "cgroup.procs" for folder in self.folders.values()})

    def _stat(self) -> dict[str, int]:
        try:
            lines = (self.folders["memory"] / "memory.stat").read_text().split("\n")
        except (KeyError, OSError):
            return {}
        return {key: int(value) for key, _, value in (line.partition(" ") for line in lines) if value.isdigit()}

    def memory_mb(self) -> float:
        """Anonymous plus shared memory of every process in the group (page cache excluded), in MiB."""
        stat = self._stat()
        used = stat.get("total_rss", stat.get("anon", 0)) + stat.get("total_shmem", stat.get("shmem", 0))
        return used / (1024 * 1024)

    def oom_killed(self) -> bool:
        """Did the kernel kill a process of this group for memory?"""
        folder = self.folders.get("memory")
        for name in ("memory.events", "memory.oom_control"):
            try:
                lines = (folder / name).read_text().splitlines() if folder else []
            except OSError:
                continue
            for line in lines:
                key, _, value = line.partition(" ")
                if key == "oom_kill" and value.strip().isdigit() and int(value) > 0:
                    return True
        return False

    def pids(self) -> set[int]:
        found: set[int] = set()
        for procs in self.procs_files():
            try:
                found.update(int(line) for line in procs.read_text().split())
            except (OSError, ValueError):
                pass
        return found

    def remove(self, wait: float = 5.0) -> None:
        """Remove the folders once the last process has left them (the caller killed them)."""
        until = time.monotonic() + wait
        for folder in sorted(set(self.folders.values()), key=lambda p: len(p.parts), reverse=True):
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > until:
                        break
                    time.sleep(0.05)


def _enable_v2(parent: Path, controller: str) -> None:
    """v2: a child group gets `controller` only if the parent delegates it."""
    control = parent / "cgroup.subtree_control"
    if controller not in control.read_text().split():
        control.write_text(f"+{controller}")


def sweep() -> None:
    """Remove the empty groups of graders that are gone (a killed worker cannot remove its own)."""
    for controller in CONTROLLERS:
        parent = _parent(controller)
        for folder in parent.glob("layerlab-*") if parent is not None else []:
            maker = folder.name.split("-")[1]
            if maker.isdigit() and not os.path.exists(f"/proc/{maker}"):
                Group({controller: folder}).remove(wait=0)
