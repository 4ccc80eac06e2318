"""Platforms: the grader packaged for where instructors grade.

    gradescope   an autograder zip for Gradescope's base image (Ubuntu 22.04, Python 3.10)
    classroom50  an autograder.py folder for Classroom 50 (visible tests only: its files are public)
    canvas       the gradebook in Canvas's import format, joined with a roster

Each target has one module; what they share (deterministic zips, the kit's file
lists, the error every export raises) is here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from grader.paths import KIT_ROOT

NOT_SHIPPED = ("__pycache__", ".pyc", ".egg-info")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same export twice gives the same bytes
EXECUTABLE, REGULAR = 0o100755, 0o100644


class ExportError(Exception):
    """The export cannot be made; the message says why and what to do."""


def add_to_zip(archive: zipfile.ZipFile, name: str, content: str | bytes, mode: int = REGULAR) -> None:
    """One member with fixed time and Unix permissions (Gradescope runs setup.sh and run_autograder)."""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, content)


def kit_files(folder: Path) -> list[Path]:
    """Every file under one of the kit's folders, sorted, without caches and build leftovers."""
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.endswith(NOT_SHIPPED) for part in p.relative_to(KIT_ROOT).parts))


def plain_text(value: object, limit: int = 200) -> str:
    """A platform-supplied label (a learner's name, an id) as one printable line of at most `limit` characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value if value is not None else ""))
    return " ".join(text.split())[:limit]
