"""Gradebook: one CSV row per submission and a short summary of the class.

    name, <one column per exercise id, in table order>, total, max, status, source

With a roster (or Gradescope's submission metadata) the student's identity
follows the name: student, id, sis_user_id, sis_login_id, section, email (the
ones known).

A grader error's score cells are empty (never a 0 an LMS import would count);
`source` is the path that was graded under `name`. Every text cell goes
through grader.sanitize.cell (no formulas, no control characters).

Rows come from the results.json documents (through GradingResult), so a
regrade of the same submissions writes the same file: no times, no dates.
"""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

from grader.results import NO_CHECKS, PASSED, GradingResult
from grader.sanitize import cell, text
from layerlab.table import load_table

GRADEBOOK_NAME = "gradebook.csv"
GRADER_ERROR = "grader error"  # a submission the grader could not grade: regrade it, never count it
OWN_NAMES = (GRADEBOOK_NAME, "gradebook", "summary")  # no submission's output folder may take these


def _number(value: float) -> str:
    """12 not 12.0, 1.6667 and 100.3333 as they are (scores are rounded to 4 places)."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def columns(identity: tuple[str, ...] = ()) -> list[str]:
    return ["name", *identity, *(exercise.id for exercise in load_table()), "total", "max", "status", "source"]


def identities(graded: list[tuple[str, GradingResult]], roster=None) -> dict[str, dict]:
    """name -> the student's identity: the roster's row, else what the platform said (Gradescope's metadata)."""
    from grader.platforms.canvas import identity_from_learner

    known = {name: identity_from_learner(result.learner) for name, result in graded if result.learner}
    if roster is not None:
        known.update({name: roster.students[name] for name, _ in graded if name in roster.students})
    return known


def row(name: str, result: GradingResult, source: str = "", identity: dict | None = None) -> dict[str, str]:
    """One submission's row; an exercise with nothing checked, and every score of a grader error, is empty."""
    failed = result.status == GRADER_ERROR
    cells = {"name": cell(name), **{key: cell(value) for key, value in (identity or {}).items()}}
    for exercise in result.exercises():
        cells[exercise.exercise] = "" if failed or exercise.status == NO_CHECKS else _number(exercise.score)
    cells.update(total="" if failed else _number(result.score), max=_number(result.max_score),
                 status=cell(result.status), source=cell(source))
    return cells


def write_gradebook(directory: Path, graded: list[tuple[str, GradingResult]],
                    sources: dict[str, str] | None = None, roster=None) -> Path:
    """DIR/gradebook.csv, rows in the order graded; `sources` maps a name to the path graded under it;
    `roster` (grader.platforms.canvas.Roster) adds the students' identities."""
    from grader.platforms.canvas import IDENTITY_COLUMNS

    path = Path(directory) / GRADEBOOK_NAME
    sources = sources or {}
    known = identities(graded, roster)
    present = {key for identity in known.values() for key in identity}
    identity_columns = tuple(key for key in IDENTITY_COLUMNS if key in present or (roster and key in roster.columns))
    fields = columns(identity_columns)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for name, result in graded:
            cells = row(name, result, sources.get(name, ""), known.get(name))
            writer.writerow({column: cells.get(column, "") for column in fields})
    return path


def read_gradebook(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def summary(graded: list[tuple[str, GradingResult]]) -> str:
    """Mean, median, full marks and per-exercise pass rates, over the submissions that were graded."""
    counted = [result for _, result in graded if result.status != GRADER_ERROR]
    failed = [name for name, result in graded if result.status == GRADER_ERROR]
    lines = [f"{len(graded)} submissions: {len(counted) - sum(r.status == 'refused' for r in counted)} graded, "
             f"{sum(r.status == 'refused' for r in counted)} refused, {len(failed)} grader errors"]
    if failed:
        lines.append(f"  grader errors (not counted below; regrade them): {text(', '.join(failed))}")
    if not counted:
        return "\n".join(lines)
    scores = [result.score for result in counted]
    maximum = max(result.max_score for result in counted)
    full = sum(result.max_score > 0 and result.score == result.max_score for result in counted)
    lines.append(f"  total: mean {statistics.mean(scores):.4g} / {_number(maximum)}, "
                 f"median {statistics.median(scores):.4g} / {_number(maximum)}, "
                 f"full marks {full} of {len(counted)}")
    lines.append("  passed, per exercise:")
    rows = [result.exercises() for result in counted]
    for index, exercise in enumerate(load_table()):
        statuses = [exercises[index].status for exercises in rows]
        label = f"{exercise.number:02d} {exercise.id}"
        if all(status == NO_CHECKS for status in statuses):
            lines.append(f"    {label:<22} no checks")
            continue
        passed = statuses.count(PASSED)
        lines.append(f"    {label:<22} {passed:>3} of {len(statuses):<3} {passed / len(statuses):>5.0%}")
    return "\n".join(lines)
