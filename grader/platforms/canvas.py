"""Canvas: a roster joins submissions to students, and the scores go out in Canvas's gradebook format.

The roster is a CSV file with a header and one row per student. Its `submission`
column is the submission's name as graded (the folder or zip name, as in
gradebook.csv); the others say who that is. Canvas's own export headers work as
they are, so an instructor can add a `Submission` column to Canvas's gradebook
export and use that file:

    Submission, Student, ID, SIS User ID, SIS Login ID, Section, Email

Every cell is read as text: an identifier like 00123 keeps its leading zeros.

canvas.csv has Canvas's import columns (Student, ID, SIS User ID, SIS Login ID,
Section, then the assignment's points) and a Points Possible row. A submission the
grader could not grade gets an empty cell, which Canvas imports as "no change",
never as 0.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.platforms import plain_text
from grader.sanitize import cell

CANVAS_NAME = "canvas.csv"
IDENTITY_COLUMNS = ("student", "id", "sis_user_id", "sis_login_id", "section", "email")
CANVAS_HEADERS = {"student": "Student", "id": "ID", "sis_user_id": "SIS User ID", "sis_login_id": "SIS Login ID",
                  "section": "Section"}
MATCHING = ("id", "sis_user_id", "sis_login_id")  # Canvas finds the student by one of these
ROSTER_ALIASES = {"submission": "submission", "name": "student", "student": "student", "id": "id",
                  "sis_user_id": "sis_user_id", "sid": "sis_user_id", "sis_login_id": "sis_login_id",
                  "section": "section", "email": "email"}
MAX_ROSTER_BYTES = 16 * 1024 * 1024
GRADER_ERROR = "grader error"


class RosterError(Exception):
    """The roster cannot be used; the message names the file and the fix."""


@dataclass
class Roster:
    """submission name -> identity (IDENTITY_COLUMNS that the file has)."""

    students: dict = field(default_factory=dict)
    columns: tuple = ()


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def read_roster(path: Path) -> Roster:
    """Read a roster CSV; every problem is a RosterError that says which line."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise RosterError(f"{path}: larger than {MAX_ROSTER_BYTES // (1024 * 1024)} MB; is it the roster?")
        text = path.read_text(encoding="utf-8-sig")  # Excel writes a byte-order mark
    except FileNotFoundError:
        raise RosterError(f"{path}: no such roster file") from None
    except UnicodeDecodeError:
        raise RosterError(f"{path}: not UTF-8 text; save the roster as CSV UTF-8") from None
    except OSError as error:
        raise RosterError(f"{path}: cannot read it ({error})") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise RosterError(f"{path}: empty; the first line names the columns (submission, student, id ...)")
    fields = [ROSTER_ALIASES.get(_key(name)) for name in header]
    if "submission" not in fields:
        raise RosterError(f"{path}: no 'submission' column (the submission's folder or zip name); "
                          f"its columns are {', '.join(header)}")
    roster = Roster(columns=tuple(c for c in IDENTITY_COLUMNS if c in fields))
    for number, cells in enumerate(reader, 2):
        if not any(value.strip() for value in cells):
            continue
        values = {f: plain_text(value) for f, value in zip(fields, cells) if f}
        name = values.pop("submission", "")
        if not name:
            raise RosterError(f"{path} line {number}: no submission name")
        if name in roster.students:
            raise RosterError(f"{path} line {number}: submission '{name}' is listed twice")
        roster.students[name] = {key: value for key, value in values.items() if value}
    return roster


def identity_from_learner(learner: dict) -> dict:
    """Gradescope's submitter (name, sid, email) in the roster's terms."""
    mapped = {"student": learner.get("name", ""), "sis_user_id": learner.get("sid", ""),
              "email": learner.get("email", "")}
    return {key: value for key, value in mapped.items() if value}


def write_canvas(directory: Path, graded: list, roster: Roster, assignment: str, points: float) -> tuple[Path, list]:
    """DIR/canvas.csv for the submissions the roster names; returns its path and notes for the instructor.

    `graded`: (name, GradingResult) pairs. Canvas needs ID, SIS User ID or SIS Login
    ID to find a student: a submission whose roster row has none is left out, with a note.
    """
    from grader.gradebook import _number as number_text

    notes, rows = [], []
    for name, result in graded:
        identity = roster.students.get(name)
        if identity is None:
            notes.append(f"{name}: not in the roster, so not in {CANVAS_NAME}")
            continue
        if not any(identity.get(key) for key in MATCHING):
            notes.append(f"{name}: the roster gives no ID, SIS User ID or SIS Login ID, so Canvas cannot "
                         f"find the student: not in {CANVAS_NAME}")
            continue
        score = "" if result.status == GRADER_ERROR else number_text(result.score)
        if not score:
            notes.append(f"{name}: grader error; its cell is empty (Canvas leaves the grade unchanged): regrade it")
        rows.append([*(cell(identity.get(key, "")) for key in CANVAS_HEADERS), score])
    graded_names = {name for name, _ in graded}
    missing = sorted(set(roster.students) - graded_names)
    if missing:
        notes.append(f"in the roster but not graded (no row in {CANVAS_NAME}): {', '.join(missing)}")
    path = Path(directory) / CANVAS_NAME
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*CANVAS_HEADERS.values(), cell(plain_text(assignment))])
        writer.writerow(["    Points Possible", "", "", "", "", number_text(points)])
        writer.writerows(rows)
    return path, notes
