"""The learner's pytest plugin: `--target`, the `exercise` fixture, and feedback that teaches.

Registered through the `pytest11` entry point, so `pytest exercises` uses it.
For a test file exercises/test_<module>.py the `exercise` fixture is the
learner's exercises/<module>.py (or solutions/<module>.py with
`--target solutions`, or any folder with `--target PATH`).
By default a wrong answer shows only its teaching message; `-v` adds the traceback.
A learner's run hides library warnings the learner cannot act on, and
`--layerlab-report PATH` writes each exercise's state as JSON for the `layerlab` command.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from layerlab import messages
from layerlab.data import DataError
from layerlab.expect import Incorrect, NotStarted, load_exercise
from layerlab.quiet import import_tensorflow
from layerlab.table import Exercise, load_table

TARGET_ENV = "LAYERLAB_TARGET"
PASSING, FAILING, NOT_STARTED = "passing", "failing", "not_started"
MARKERS = {PASSING: "✓", FAILING: "✗", NOT_STARTED: "·"}
# Warnings the libraries raise about themselves (deprecations, Keras' advice): noise to a learner.
QUIET_WARNINGS = tuple(
    f"ignore::{category}:{library}"
    for category in ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning", "UserWarning")
    for library in ("keras", "tensorflow", "numpy")
)
_states: dict[str, list[str]] = {}
_data_errors_shown: set[str] = set()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("layerlab")
    group.addoption(
        "--target",
        default=os.environ.get(TARGET_ENV, "exercises"),
        help="folder whose exercise files the visible tests check: exercises (default), solutions, or a path",
    )
    group.addoption("--lang", choices=messages.LANGUAGES, default=None, help="language of the feedback (en or ko)")
    group.addoption("--layerlab-report", default=None, metavar="PATH",
                    help="write each exercise's state (passing, failing, not_started) to PATH as JSON")


def pytest_configure(config: pytest.Config) -> None:
    import_tensorflow()  # once, quietly, before any test file imports it
    if config.getoption("lang"):
        messages.set_language(config.getoption("lang"))
    if _is_learner_run(config):
        for line in QUIET_WARNINGS:
            config.addinivalue_line("filterwarnings", line)
    _states.clear()
    _data_errors_shown.clear()


def _is_learner_run(config: pytest.Config) -> bool:
    """`pytest exercises` or an exercise's test file: not the kit's own tests or the grader's checks."""
    for argument in config.args:
        path = Path(config.invocation_params.dir, str(argument).split("::")[0])
        tests = path.glob("test_*.py") if path.is_dir() else [path]
        if any(_module_of(test) for test in tests):
            return True
    return False


def resolve_target(kit_root: Path, target: str) -> Path:
    """The folder of exercise files that `--target` names: exercises, solutions, or a path."""
    if target in ("exercises", "solutions"):
        return Path(kit_root) / target
    return Path(target).expanduser().resolve()


def target_directory(config: pytest.Config, test_path: Path) -> Path:
    """exercises/ beside the test, or the folder --target names."""
    return resolve_target(test_path.parent.parent, config.getoption("target"))


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


def _data_error(excinfo) -> DataError | None:
    """The DataError behind a failure, also when `call` turned it into an Incorrect."""
    error = excinfo.value if excinfo is not None else None
    while error is not None and not isinstance(error, DataError):
        error = error.__cause__ or error.__context__
    return error


def _data_error_message(error: DataError) -> str:
    """MNIST is missing: the four fixes in full the first time, a pointer to them after that."""
    if str(error) in _data_errors_shown:
        return messages.say("data.missing_again")
    _data_errors_shown.add(str(error))
    return messages.say("data.missing", detail=str(error))


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
    if item.config.getoption("verbose") > 0:
        return  # `pytest -v` keeps the full traceback
    data_error = _data_error(call.excinfo)
    if data_error is not None:  # not the learner's code: the data is missing, say how to get it
        report.longrepr = _data_error_message(data_error)
    elif _is_learner_feedback(call.excinfo):
        report.longrepr = str(call.excinfo.value)  # the teaching message alone


def exercise_state(results: list[str]) -> str:
    """passing when every test passes; not started when every test is not started."""
    if results and all(r == PASSING for r in results):
        return PASSING
    if results and all(r == NOT_STARTED for r in results):
        return NOT_STARTED
    return FAILING


def summary_lines(states: dict[str, str], lang: str) -> tuple[list[tuple[str, str]], str, Exercise | None]:
    """For {exercise id: state}: (state, line) per exercise in table order, the closing line, the next one to do."""
    seen = [e for e in load_table() if e.id in states]
    next_up = next((e for e in seen if states[e.id] != PASSING), None)
    lines = [(states[e.id], f" {MARKERS[states[e.id]]} {messages.pad(e.label(lang), 58)} "
                            f"{messages.say(f'state_{states[e.id]}', lang)}") for e in seen]
    passing = sum(states[e.id] == PASSING for e in seen)
    summary = messages.say("summary", lang, passing=passing, total=len(seen))
    if next_up is not None:
        summary += " — " + messages.say("summary_next", lang, label=next_up.label(lang))
    elif len(seen) == len(load_table()):  # "all done" only when every exercise ran
        summary += " — " + messages.say("summary_done", lang)
    return lines, summary, next_up


def _exercise_states() -> dict[str, str]:
    """{exercise id: state} for the exercises this session ran."""
    return {e.id: exercise_state(_states[e.module]) for e in load_table() if e.module in _states}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("layerlab_report")
    if path:
        report = {"states": _exercise_states(), "exitstatus": int(exitstatus)}
        Path(path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config):
    yield  # pytest's own sections first, so that the learner's summary closes the output
    if not _states:
        return
    lang = messages.language()
    writer = terminalreporter
    writer.section("layerlab")
    lines, closing, next_up = summary_lines(_exercise_states(), lang)
    for state, line in lines:
        writer.line(line, green=state == PASSING, red=state == FAILING, yellow=state == NOT_STARTED)
    writer.line(closing, bold=True)
    if next_up is not None:
        writer.line(messages.say("try_hint", lang, exercise=next_up.id))
