"""Noticing that the learner saved a file: `layerlab watch` polls modification times and sizes."""

from __future__ import annotations

import time
from pathlib import Path


def snapshot(files: list[Path]) -> dict[Path, tuple[int, int] | None]:
    """Modification time and size of each file (None when it does not exist)."""
    stamps = {}
    for path in files:
        try:
            status = path.stat()
            stamps[path] = (status.st_mtime_ns, status.st_size)
        except FileNotFoundError:
            stamps[path] = None
    return stamps


def wait_for_change(files: list[Path], before: dict, interval: float) -> Path:
    """Poll every `interval` seconds until a file differs from `before`; the file that changed."""
    while True:
        now = snapshot(files)
        changed = [path for path in files if now[path] != before[path]]
        if changed:
            return changed[0]
        time.sleep(interval)
