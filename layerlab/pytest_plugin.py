"""The learner's pytest plugin: `--target`, the `exercise` fixture, and feedback that teaches.

exercises/conftest.py loads it, so only the visible tests use it: any other
pytest run in the same environment imports neither this plugin nor TensorFlow.
For a test file exercises/test_<module>.py the `exercise` fixture is the
learner's exercises/<module>.py (or solutions/<module>.py with
`--target solutions`, or any folder with `--target PATH`; `--layerlab-target`
is the same option, for when another plugin already owns `--target`).
A failure shows its teaching message at every verbosity, and with -v (or a
--tb style) the traceback of the learner's own code: never a kit frame, whose
arguments hold the answer (layerlab/failures.py). An exercise not started yet
is one line of the closing summary, not a failure per test.
A learner's run hides library warnings the learner cannot act on, and
`--layerlab-report PATH` writes each exercise's state as JSON for the `layerlab` command.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from layerlab import messages
from layerlab.data import DataError
from layerlab.expect import Incorrect, NotStarted, load_exercise
from layerlab.failures import describe_failure, unexpected_failure
from layerlab.quiet import import_tensorflow
from layerlab.table import Exercise, load_table

__all__ = [  # what exercises/conftest.py takes: the hooks and the fixture
    "exercise", "pytest_addoption", "pytest_configure", "pytest_collect_file", "pytest_runtest_makereport",
    "pytest_report_teststatus", "pytest_sessionfinish", "pytest_terminal_summary",
]

TARGET_ENV = "LAYERLAB_TARGET"
PASSING, FAILING, NOT_STARTED = "passing", "failing", "not_started"
MARKERS = {PASSING: "✓", FAILING: "✗", NOT_STARTED: "·"}
# Warnings the libraries raise about themselves (deprecations, Keras' advice): noise to a learner.
QUIET_WARNINGS = tuple(
    f"ignore::{category}:{library}"
    for category in ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning", "UserWarning")
    for library in ("keras", "tensorflow", "numpy")
)


@dataclass
class Record:
    """What one pytest session learned about the exercises; kept in config.stash, never in the module."""

    states: dict[str, list[str]] = field(default_factory=dict)  # module -> state of each of its tests
    data_errors_shown: set[str] = field(default_factory=set)
    not_started_messages: dict[str, str] = field(default_factory=dict)  # module -> where to begin

    def exercise_states(self) -> dict[str, str]:
        """{exercise id: state} for the exercises this session ran."""
        return {e.id: exercise_state(self.states[e.module]) for e in load_table() if e.module in self.states}


RECORD = pytest.StashKey[Record]()


def _taken(parser: pytest.Parser, name: str) -> bool:
    """True when a plugin or conftest loaded before this one already defines the option `name`."""
    groups = [parser._anonymous, *parser._groups]  # pytest has no public way to ask
    return any(name in option.names() for group in groups for option in group.options)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("layerlab")
    names = ["--layerlab-target"] if _taken(parser, "--target") else ["--target", "--layerlab-target"]
    group.addoption(
        *names,
        dest="layerlab_target",
        default=os.environ.get(TARGET_ENV, "exercises"),
        help="folder whose exercise files the visible tests check: exercises (default), solutions, or a path",
    )
    group.addoption("--lang", choices=messages.LANGUAGES, default=None, help="language of the feedback (en or ko)")
    group.addoption("--layerlab-report", default=None, metavar="PATH",
                    help="write each exercise's state (passing, failing, not_started) to PATH as JSON")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("lang", None):
        messages.set_language(config.getoption("lang"))
    if _is_learner_run(config):
        for line in QUIET_WARNINGS:
            config.addinivalue_line("filterwarnings", line)
    config.stash[RECORD] = Record()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> None:
    """Before an exercise's test file imports Keras: TensorFlow, once and quietly."""
    if _module_of(file_path) is not None:
        import_tensorflow()


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
    return resolve_target(test_path.parent.parent, config.getoption("layerlab_target", "exercises"))


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


def _data_error_message(error: DataError, record: Record) -> str:
    """MNIST is missing: the four fixes in full the first time, a pointer to them after that."""
    if str(error) in record.data_errors_shown:
        return messages.say("data.missing_again")
    record.data_errors_shown.add(str(error))
    return messages.say("data.missing", detail=str(error))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    module = _module_of(Path(str(item.fspath)))
    record = item.config.stash[RECORD]
    if module is not None and (report.when == "call" or report.failed):
        if report.passed:
            state = PASSING
        elif call.excinfo is not None and call.excinfo.errisinstance(NotStarted):
            state = NOT_STARTED
        else:
            state = FAILING
        record.states.setdefault(module, []).append(state)
        report.layerlab_state = state
        if state == NOT_STARTED:
            record.not_started_messages.setdefault(module, str(call.excinfo.value))
    if module is None or not report.failed or call.excinfo is None:
        return
    data_error = _data_error(call.excinfo)
    if data_error is not None:  # not the learner's code: the data is missing, say how to get it
        report.longrepr = _data_error_message(data_error, record)
    elif _is_learner_feedback(call.excinfo):  # the teaching message, and the learner's traceback with -v
        error = call.excinfo.value
        report.longrepr = describe_failure(str(error), getattr(error, "learner_error", None), item.config)
    else:  # an error the test did not put into words: still no kit frame, whose locals hold the answer
        report.longrepr = unexpected_failure(call.excinfo.value, item.config, (Path(str(item.fspath)).resolve(),))


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    """A test of an exercise not started yet is tallied apart: no failure section, no short-summary line."""
    if report.failed and getattr(report, "layerlab_state", None) == NOT_STARTED:
        words = messages.say("state_not_started")  # pytest's closing tally says "7 not started" in its words
        return words, MARKERS[NOT_STARTED], (words.upper(), {"yellow": True})
    return None


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


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("layerlab_report")
    if path:
        record = session.config.stash[RECORD]
        report = {"states": record.exercise_states(), "exitstatus": int(exitstatus),
                  "data_missing": bool(record.data_errors_shown)}
        Path(path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config):
    yield  # pytest's own sections first, so that the learner's summary closes the output
    record = config.stash[RECORD]
    if not record.states:
        return
    lang = messages.language()
    writer = terminalreporter
    writer.section("layerlab")
    lines, closing, next_up = summary_lines(record.exercise_states(), lang)
    for state, line in lines:
        writer.line(line, green=state == PASSING, red=state == FAILING, yellow=state == NOT_STARTED)
    writer.line(closing, bold=True)
    if next_up is not None and next_up.module in record.not_started_messages:
        writer.line(record.not_started_messages[next_up.module])  # where to begin, once
    if next_up is not None:
        writer.line(messages.say("try_hint", lang, exercise=next_up.id))
