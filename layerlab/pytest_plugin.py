"""The learner's pytest plugin: `--target`, the `exercise` fixture, and feedback that teaches.

Registered through the `pytest11` entry point, so `pytest exercises` uses it.
For a test file exercises/test_<module>.py the `exercise` fixture is the
learner's exercises/<module>.py (or solutions/<module>.py with
`--target solutions`, or any folder with `--target PATH`).
By default a wrong answer shows only its teaching message; `-v` adds the traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from layerlab import messages
from layerlab.expect import Incorrect, NotStarted, load_exercise
from layerlab.quiet import import_tensorflow
from layerlab.table import load_table

TARGET_ENV = "LAYERLAB_TARGET"
PASSING, FAILING, NOT_STARTED = "passing", "failing", "not_started"
_states: dict[str, list[str]] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("layerlab")
    group.addoption(
        "--target",
        default=os.environ.get(TARGET_ENV, "exercises"),
        help="folder whose exercise files the visible tests check: exercises (default), solutions, or a path",
    )
    group.addoption("--lang", choices=messages.LANGUAGES, default=None, help="language of the feedback (en or ko)")


def pytest_configure(config: pytest.Config) -> None:
    import_tensorflow()  # once, quietly, before any test file imports it
    if config.getoption("lang"):
        messages.set_language(config.getoption("lang"))
    _states.clear()


def target_directory(config: pytest.Config, test_path: Path) -> Path:
    """exercises/ beside the test, or the folder --target names."""
    target = config.getoption("target")
    kit_root = test_path.parent.parent
    if target in ("exercises", "solutions"):
        return kit_root / target
    return Path(target).expanduser().resolve()


def _module_of(path: Path) -> str | None:
    """ex02_conv2d for exercises/test_ex02_conv2d.py; None for any other test file."""
    name = path.stem.removeprefix("test_")
    return name if name in {e.module for e in load_table()} else None


@pytest.fixture(scope="module")
def exercise(request: pytest.FixtureRequest):
    """The learner's module for this test file (loaded once per file)."""
    test_path = Path(request.module.__file__)
    module = _module_of(test_path)
    return load_exercise(target_directory(request.config, test_path) / f"{module}.py")


def _is_learner_feedback(excinfo) -> bool:
    return excinfo is not None and excinfo.errisinstance((Incorrect, NotStarted))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    module = _module_of(Path(str(item.fspath)))
    if module is not None and (report.when == "call" or report.failed):
        if report.passed:
            state = PASSING
        elif call.excinfo is not None and call.excinfo.errisinstance(NotStarted):
            state = NOT_STARTED
        else:
            state = FAILING
        _states.setdefault(module, []).append(state)
    if _is_learner_feedback(call.excinfo) and item.config.getoption("verbose") <= 0:
        # The teaching message alone; `pytest -v` keeps the full traceback.
        report.longrepr = str(call.excinfo.value)


def exercise_state(results: list[str]) -> str:
    """passing when every test passes; not started when every test is not started."""
    if results and all(r == PASSING for r in results):
        return PASSING
    if results and all(r == NOT_STARTED for r in results):
        return NOT_STARTED
    return FAILING


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    if not _states:
        return
    lang = messages.language()
    writer = terminalreporter
    writer.section("layerlab")
    seen = [e for e in load_table() if e.module in _states]
    next_up = None
    for exercise in seen:
        state = exercise_state(_states[exercise.module])
        if state != PASSING and next_up is None:
            next_up = exercise
        marker = {PASSING: "✓", FAILING: "✗", NOT_STARTED: "·"}[state]
        label = messages.say(f"state_{state}", lang)
        writer.line(f" {marker} {exercise.label(lang):<58} {label}",
                    green=state == PASSING, red=state == FAILING, yellow=state == NOT_STARTED)
    passing = sum(exercise_state(_states[e.module]) == PASSING for e in seen)
    summary = messages.say("summary", lang, passing=passing, total=len(seen))
    tail = messages.say("summary_next", lang, label=next_up.label(lang)) if next_up else messages.say("summary_done", lang)
    writer.line(f"{summary} — {tail}", bold=True)
    if next_up is not None:
        writer.line(messages.say("try_hint", lang, exercise=next_up.id))
