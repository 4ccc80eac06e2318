"""Classroom 50 (`export classroom50 DEST`): an autograder folder that runs the visible tests.

DEST is CLASSROOM/autograders/ASSIGNMENT in the classroom's `classroom50` config
repository. Classroom 50 publishes that folder to the classroom's GitHub Pages
site, fetches it there without authentication for every submission, and runs
its autograder.py in the student's own repository, beside the student's code
(their wiki: Autograders.md, Advanced-Autograding.md). So nothing in it is
secret: the folder holds the released student bundle (kit/), the kit's package
ranges (requirements.txt) and autograder.py, never solutions or hidden checks,
and the export proves that by searching it for every solution's body.

    DEST/autograder.py     writes ./result.json (schema classroom50/result/v1)
    DEST/requirements.txt  what autograder.py installs when the runner's Python lacks it
    DEST/kit/              `grader release` output: stubs, visible tests, layerlab, pyproject.toml
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from grader.paths import KIT_ROOT, TEMPLATES_DIR
from grader.platforms import ExportError
from grader.platforms.gradescope import declared_requirements

AUTOGRADER = "autograder.py"
KIT_FOLDER = "kit"
REQUIREMENTS = "requirements.txt"
ENTRIES = (AUTOGRADER, KIT_FOLDER, REQUIREMENTS)
SECRET_TREES = ("solutions", "checks", "grader")  # none of these may reach a Classroom 50 folder


def export_classroom50(dest: Path, force: bool = False) -> list[Path]:
    """Write the autograder folder into DEST (empty or new, or anything with force); returns what was written."""
    from grader.release import ReleaseError, move_entries, release, solution_leaks

    dest = Path(dest).expanduser().resolve()
    if dest == KIT_ROOT or dest in KIT_ROOT.parents or any(
            dest == KIT_ROOT / tree or KIT_ROOT / tree in dest.parents for tree in SECRET_TREES):
        raise ExportError(f"{dest}: inside the master copy; give the config repository's "
                          "CLASSROOM/autograders/ASSIGNMENT folder")
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest}: is a file, not a folder")
    if dest.exists() and any(dest.iterdir()) and not force:
        raise ExportError(f"{dest}: not empty; use --force to replace {', '.join(ENTRIES)} there")
    scratch = Path(tempfile.mkdtemp(prefix="layerlab-classroom50-"))
    try:
        try:
            release(scratch / KIT_FOLDER)
        except ReleaseError as error:
            raise ExportError(f"the student bundle cannot be made: {error}") from None
        shutil.copyfile(TEMPLATES_DIR / "classroom50" / AUTOGRADER, scratch / AUTOGRADER)
        (scratch / REQUIREMENTS).write_text(
            "# the kit's packages (pyproject.toml); autograder.py installs them when the runner lacks them\n"
            + "\n".join(declared_requirements()) + "\n", encoding="utf-8")
        leaks = solution_leaks(scratch)
        if leaks:
            raise ExportError("the autograder folder would give solutions away (nothing was written):\n  "
                              + "\n  ".join(leaks[:10]))
        move_entries(scratch, dest, ENTRIES)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [dest / name for name in ENTRIES]
