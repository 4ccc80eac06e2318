"""Check: run the hidden checks (pytest, in this trusted process) against one submission.

The checks ask the `submission` fixture for the learner's answers (plain data
from the child) and compare them with the reference solutions. This plugin
records every check's outcome as a CheckResult; points are split per exercise.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.paths import CHECKS_DIR
from grader.sandbox import CallFailed, Submission
from grader.results import ERROR, FAILED, NOT_STARTED, NOT_SUBMITTED, PASSED, CheckResult, split_points
from layerlab.expect import Incorrect, NotStarted
from layerlab.table import by_module, find



class CheckPlugin:
    """Hands the checks their submission (a session fixture) and turns pytest reports into CheckResults."""

    def __init__(self, submission: Submission):
        self._submission = submission
        self.order: list[str] = []
        self.outcomes: dict[str, CheckResult] = {}
        self.errors: list[str] = []

    @pytest.fixture(scope="session")
    def submission(self) -> Submission:
        """The learner's code, behind the grader's isolated child (answers arrive as plain data)."""
        return self._submission

    def pytest_collection_modifyitems(self, items) -> None:
        self.order = [item.nodeid for item in items]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.failed and item.nodeid not in self.outcomes):
            self.outcomes[item.nodeid] = self._result(item, report, call)

    def pytest_internalerror(self, excrepr, excinfo) -> None:  # its words, where no terminal shows them
        self.errors.append(f"pytest's internal error: {str(excrepr)[-2000:]}")

    def pytest_keyboard_interrupt(self, excinfo) -> None:
        self.errors.append(f"the checks were interrupted: {excinfo.typename}: {excinfo.value}")

    def _result(self, item, report, call) -> CheckResult:
        exercise = by_module(Path(str(item.fspath)).stem.removeprefix("check_")).id
        name = f"{exercise}: {item.name}"
        details = {key: value for key, value in item.user_properties if key != "message"}
        message = dict(item.user_properties).get("message", "")
        if report.passed:
            return CheckResult(exercise, name, PASSED, 0.0, 0.0, message, details=details)
        error = call.excinfo.value if call.excinfo else None
        if isinstance(error, CallFailed):
            status = {"not_started": NOT_STARTED, "not_submitted": NOT_SUBMITTED}.get(error.status, FAILED)
            return CheckResult(exercise, name, status, 0.0, 0.0, str(error), details={"failure": error.status})
        if isinstance(error, NotStarted):
            return CheckResult(exercise, name, NOT_STARTED, 0.0, 0.0, str(error))
        if isinstance(error, Incorrect):
            return CheckResult(exercise, name, FAILED, 0.0, 0.0, str(error), error.misconception, details)
        if isinstance(error, AssertionError):
            # pytest's rewritten `assert a == b` would show both sides: keep only a check's own words.
            words = str(error).split("\nassert")[0].strip()
            if not words or words.startswith("assert "):
                words = "the answer did not pass this check"
            return CheckResult(exercise, name, FAILED, 0.0, 0.0, words)
        # A check that could not run is the grader's problem, never hidden as the learner's.
        self.errors.append(f"{item.nodeid}: {report.longreprtext[-2000:]}")
        words = f"{type(error).__name__}: {error}" if error else "setup failed"
        return CheckResult(exercise, name, ERROR, 0.0, 0.0, f"the check could not run ({words})")

    def results(self) -> list[CheckResult]:
        """Every collected check, in order, with its share of the exercise's points."""
        by_exercise: dict[str, list[CheckResult]] = {}
        ordered = []
        for nodeid in self.order:
            result = self.outcomes.get(nodeid)
            if result is None:  # collected but never reported (interrupted): counts as an error
                exercise = by_module(Path(nodeid.split("::")[0]).stem.removeprefix("check_")).id
                result = CheckResult(exercise, f"{exercise}: {nodeid.split('::')[-1]}", ERROR, 0, 0, "did not run")
            by_exercise.setdefault(result.exercise, []).append(result)
            ordered.append(result)
        for exercise_id, results in by_exercise.items():
            points = find(exercise_id).points
            for result, share in zip(results, split_points(points, len(results))):
                result.max_score = share
                result.score = share if result.status == PASSED else 0.0
        return ordered


def run_checks(submission: Submission, selection: list[str] | None = None) -> tuple[list[CheckResult], list[str]]:
    """Run the hidden checks; returns the results and any check errors (for the report)."""
    plugin = CheckPlugin(submission)
    arguments = [
        str(CHECKS_DIR), "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "pytest_timeout",
        "-p", "no:unraisableexception",  # its gc.collect() x 5 at the end cost a second on a TensorFlow heap
        "-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(CHECKS_DIR), "-o", "addopts=",
    ]
    if selection:
        arguments += ["-k", " or ".join(selection)]
    # Only the plugins named above: nothing from the environment or site-packages.
    for variable in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        os.environ.pop(variable, None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    code = pytest.main(arguments, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        plugin.errors.append(f"pytest exited with {code!r}" + ("" if plugin.outcomes else " before running any check"))
    return plugin.results(), plugin.errors
