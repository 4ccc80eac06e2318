"""How a failed visible test is shown: what the learner can use, never the answer.

pytest's own report of a failure prints the arguments of every frame in long
style (`got = 1234, expected = 75296`) and their locals with `-l`: the kit's
frames hold the reference answers. So a failed exercise test is always shown
as text built here, at every verbosity and traceback style: the teaching
message, and, when the learner's own code raised, the traceback of that code
from the learner's first frame down (with its locals under `-l`), never a frame
of the kit above it.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from types import TracebackType

import pytest

from layerlab.messages import say

KIT_FOLDER = Path(__file__).resolve().parent


def _in_kit(tb: TracebackType, test_files: tuple[Path, ...]) -> bool:
    """True for a frame of layerlab/ or of a visible test file: frames that may hold answers."""
    filename = Path(tb.tb_frame.f_code.co_filename).resolve()
    return filename.is_relative_to(KIT_FOLDER) or filename in test_files


def learner_frames(error: BaseException, test_files: tuple[Path, ...] = ()) -> TracebackType | None:
    """The traceback of `error` from the first frame outside the kit: the learner's code and what it called."""
    tb = error.__traceback__
    while tb is not None and _in_kit(tb, test_files):
        tb = tb.tb_next
    return tb


def learner_traceback(error: BaseException, showlocals: bool, test_files: tuple[Path, ...] = ()) -> str:
    """The learner's part of the traceback of `error`, as Python prints it ('' when none is left)."""
    tb = learner_frames(error, test_files)
    if tb is None:
        return ""
    shown = traceback.TracebackException(type(error), error, tb, capture_locals=showlocals, compact=True)
    return "".join(shown.format(chain=False)).rstrip()


def wants_traceback(config: pytest.Config) -> bool:
    """-v, or a traceback style that asks for frames (--tb=long, --tb=native ...)."""
    style = config.getoption("tbstyle", "auto")
    return style not in ("no", "line") and (config.getoption("verbose") > 0 or style != "auto")


def describe_failure(message: str, learner_error: BaseException | None, config: pytest.Config,
                     test_files: tuple[Path, ...] = ()) -> str:
    """The teaching message, then the learner's own traceback when the run asks for tracebacks."""
    if learner_error is None or not wants_traceback(config):
        return message
    shown = learner_traceback(learner_error, bool(config.getoption("showlocals")), test_files)
    return f"{message}\n\n{say('your_traceback')}\n{shown}" if shown else message


def unexpected_failure(error: BaseException, config: pytest.Config, test_files: tuple[Path, ...]) -> str:
    """An error the test did not turn into words: its type and text, and the frames outside the kit."""
    text = "".join(traceback.format_exception_only(type(error), error)).rstrip()
    return describe_failure(say("test_crashed", error=text), error, config, test_files)
