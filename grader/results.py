"""Results as data: one CheckResult per hidden check, one GradingResult per submission.

`results.json` follows Gradescope's results schema (top-level score,
execution_time, output, tests[] with name, score, max_score, status, output,
visibility, tags) with layerlab's own details in `extra_data`; the terminal
table, the gradebook and junit.xml are all made from it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.sanitize import document, text

# Statuses in words. Only PASSED earns points.
PASSED, FAILED, NOT_STARTED, NOT_SUBMITTED, ERROR = "passed", "failed", "not started", "not submitted", "error"
NO_CHECKS = "no checks"  # an exercise row with nothing checked: worth 0 of 0, neither passed nor failed
GRADESCOPE_VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
SUMMARY_TEST = "Your submission"  # the always-visible test: files found, exercises graded, the total
IDENTITY_FIELDS = ("name", "sid", "email", "id")  # a learner's identity, from Gradescope's metadata


@dataclass
class CheckResult:
    exercise: str  # the table's id
    name: str  # the check's name, e.g. "conv-arithmetic: conv_output_length on random sizes [3]"
    status: str
    score: float
    max_score: float
    output: str = ""
    misconception: str | None = None
    details: dict = field(default_factory=dict)


@dataclass
class ExerciseScore:
    exercise: str
    number: int
    title: str
    score: float
    max_score: float
    status: str  # passed | partial | failed | not started | not submitted | no checks


@dataclass
class GradingResult:
    submission: str
    status: str = "graded"  # graded | refused | grader error
    checks: list = field(default_factory=list)
    execution_time: float = 0.0
    output: str = ""
    versions: dict = field(default_factory=dict)
    isolation: dict = field(default_factory=dict)  # mode, layers, missing, override (grade.isolation_report)
    events: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)  # seconds: stage, tensorflow_import, child_startup, checks ...
    files: list = field(default_factory=list)  # the exercise files found in the submission
    learner: dict = field(default_factory=dict)  # identity (IDENTITY_FIELDS), when the platform gives one

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 4)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.checks), 4)

    def exercises(self) -> list[ExerciseScore]:
        """Per-exercise totals, in table order."""
        from layerlab.table import load_table

        rows = []
        for exercise in load_table():
            mine = [c for c in self.checks if c.exercise == exercise.id]
            score = round(sum(c.score for c in mine), 4)
            statuses = {c.status for c in mine}
            if not mine:  # nothing was checked (no hidden checks yet, or the grader failed)
                status = NO_CHECKS
            elif statuses == {PASSED}:
                status = PASSED
            elif statuses == {NOT_SUBMITTED}:
                status = NOT_SUBMITTED
            elif statuses == {NOT_STARTED}:
                status = NOT_STARTED
            elif score > 0:
                status = "partial"
            else:
                status = FAILED
            maximum = round(sum(c.max_score for c in mine), 4)  # the table's points, split over the checks
            rows.append(ExerciseScore(exercise.id, exercise.number, exercise.title["en"], score, maximum, status))
        return rows


def summary_text(result: GradingResult) -> str:
    """What every learner may see at once: which files were found, which exercises were graded, the total."""
    graded = [f"{row.number:02d} {row.exercise}" for row in result.exercises()
              if row.status not in (NOT_SUBMITTED, NO_CHECKS)]
    lines = [f"Status: {result.status}.",
             f"Exercise files found: {', '.join(result.files) if result.files else 'none'}.",
             f"Exercises graded: {', '.join(graded) if graded else 'none'}.",
             f"Total: {result.score:g} / {result.max_score:g} points."]
    if result.output and result.status != "graded":
        lines.append(result.output)
    return "\n".join(lines)


def to_gradescope(result: GradingResult, visibility: str = "visible") -> dict:
    """The results.json document (Gradescope's schema).

    The first test, worth nothing, is always visible: it says what was found and
    graded. The checks themselves keep the instructor's `visibility`.
    """
    if visibility not in GRADESCOPE_VISIBILITY:
        raise ValueError(f"visibility must be one of {GRADESCOPE_VISIBILITY}")
    tests = [{"name": SUMMARY_TEST, "score": 0, "max_score": 0, "status": "passed",
              "output": summary_text(result), "visibility": "visible", "tags": ["summary"],
              "extra_data": {"summary": True}}]
    for number, check in enumerate(result.checks, 1):
        tests.append({
            "name": check.name,
            "number": str(number),
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.status == PASSED else "failed",
            "output": f"{check.status}: {check.output}" if check.output else check.status,
            "visibility": visibility,
            "tags": [check.exercise] + ([f"misconception:{check.misconception}"] if check.misconception else []),
            "extra_data": {"state": check.status, "exercise": check.exercise, **check.details},
        })
    return document({  # learner text (messages, names) made safe for JSON, terminals and spreadsheets
        "score": result.score,
        "execution_time": round(result.execution_time, 2),
        "output": result.output,
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "submission": result.submission,
            "status": result.status,
            "max_score": result.max_score,
            "files": result.files,
            "learner": result.learner,
            "exercises": [asdict(row) for row in result.exercises()],
            "versions": result.versions,
            "isolation": result.isolation,
            "events": result.events,
            "timings": {key: round(value, 3) for key, value in result.timings.items()},
        },
    })


def from_gradescope(document: dict) -> GradingResult:
    """Read a results.json back (for tables and gradebooks)."""
    extra = document.get("extra_data", {})
    checks = [
        CheckResult(
            exercise=test["extra_data"]["exercise"],
            name=test["name"],
            status=test["extra_data"]["state"],
            score=test["score"],
            max_score=test["max_score"],
            output=test.get("output", ""),
            misconception=next((t.split(":", 1)[1] for t in test.get("tags", []) if t.startswith("misconception:")),
                               None),
        )
        for test in document.get("tests", [])
        if not test.get("extra_data", {}).get("summary")
    ]
    return GradingResult(
        submission=extra.get("submission", ""), status=extra.get("status", "graded"), checks=checks,
        execution_time=document.get("execution_time", 0.0), output=document.get("output", ""),
        versions=extra.get("versions", {}), isolation=extra.get("isolation", {}), events=extra.get("events", []),
        timings=extra.get("timings", {}), files=extra.get("files", []), learner=extra.get("learner", {}))


def write_results(result: GradingResult, directory: Path, visibility: str = "visible") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "results.json"
    path.write_text(json.dumps(to_gradescope(result, visibility), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    write_junit(result, directory / "junit.xml")
    return path


def write_junit(result: GradingResult, path: Path) -> None:
    """JUnit XML: one testsuite per submission, one testcase per check; a grader error is an <error> case.

    Every text goes through grader.sanitize.text, so the file is well-formed XML whatever the learner wrote.
    """
    failures = sum(c.status in (FAILED, NOT_STARTED, NOT_SUBMITTED) for c in result.checks)
    grader_failed = result.status == "grader error"
    errors = sum(c.status == ERROR for c in result.checks) + grader_failed
    suite = ElementTree.Element("testsuite", {
        "name": text(f"layerlab.{result.submission}"), "tests": str(len(result.checks) + grader_failed),
        "failures": str(failures), "errors": str(errors), "skipped": "0",
        "time": f"{result.execution_time:.3f}"})
    properties = ElementTree.SubElement(suite, "properties")
    for key, value in {"score": result.score, "max_score": result.max_score, "status": result.status,
                       **{f"version.{k}": v for k, v in result.versions.items()}}.items():
        ElementTree.SubElement(properties, "property", {"name": text(key), "value": text(value)})
    if grader_failed:
        case = ElementTree.SubElement(suite, "testcase", {"classname": "layerlab.grader", "name": "grader error",
                                                          "time": f"{result.execution_time:.3f}"})
        ElementTree.SubElement(case, "error", {"message": text(result.output[:500]),
                                               "type": "grader error"}).text = text(result.output)
    for check in result.checks:
        output = text(check.output)
        case = ElementTree.SubElement(suite, "testcase", {
            "classname": text(f"layerlab.{check.exercise}"), "name": text(check.name), "time": "0"})
        if check.status == ERROR:
            ElementTree.SubElement(case, "error", {"message": output[:500]}).text = output
        elif check.status != PASSED:
            ElementTree.SubElement(case, "failure", {"message": f"{check.status}: {output}"[:500],
                                                     "type": text(check.status)}).text = output
    root = ElementTree.Element("testsuites")
    root.append(suite)
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def split_points(points: float, count: int) -> list[float]:
    """`points` shared by `count` checks so that the shares add up exactly: whole points when they divide
    evenly, else quarters (binary fractions: every sum of them is exact), else, when there are more
    checks than quarters, hundredths (their sum is exact to the cent). The first checks take the remainder."""
    if count <= 0:
        return []
    for unit in (1, 4, 100):
        units = round(points * unit)
        if abs(points * unit - units) > 1e-9:
            continue  # `points` is not a whole number of these units
        base, remainder = divmod(units, count)
        if (unit == 1 and remainder == 0) or (unit == 4 and base >= 1) or unit == 100:
            return [(base + (index < remainder)) / unit for index in range(count)]
    raise ValueError(f"{points!r} points: an exercise's points have at most two decimals")
