"""One quiet run of the visible tests in this process, and the states it reports.

`layerlab progress` and `layerlab hint` (without an exercise) call pytest.main
here rather than start a child pytest: one interpreter, one TensorFlow import.
The learner's code therefore runs in this process, as under `pytest exercises`;
pytest turns an exception or a `sys.exit` in it into a failing test, and only
an `os._exit` or a crash of the interpreter ends the command without a word.
pytest's terminal output is kept, not shown: the command prints its own table.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from layerlab import messages
from layerlab.quiet import captured_output

OUTPUT_TAIL = 15  # lines of pytest output shown when the tests could not run


@dataclass(frozen=True)
class Run:
    """What one run reported: states (None when pytest wrote no report), its exit code, its last lines."""

    states: dict[str, str] | None
    exit_code: int
    tail: str
    data_missing: bool = False  # MNIST could not be loaded: the states say nothing about the learner's code

    @property
    def complete(self) -> bool:
        """Every test ran to a pass or a failure (pytest's exit codes 0 and 1)."""
        return self.states is not None and self.exit_code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)


def pytest_arguments(tests: list[str], target: str, *options: str) -> list[str]:
    """pytest's arguments for the visible tests, in the chosen language, without a cache folder."""
    return [*tests, "-p", "no:cacheprovider", "--layerlab-target", target, "--lang", messages.language(), *options]


def pytest_command(tests: list[str], target: str, *options: str) -> list[str]:
    """The same tests in a child pytest (`layerlab check` and `watch`, whose output is the learner's)."""
    return [sys.executable, "-m", "pytest", *pytest_arguments(tests, target, *options)]


@contextmanager
def _working_directory(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run_quietly(root: Path, target: str, *options: str) -> Run:
    """`pytest exercises -q` in the kit's folder, in this process, its output kept for when it goes wrong.

    Ctrl-C during the run is raised again once pytest has stopped (pytest itself only reports it).
    """
    with tempfile.TemporaryDirectory(prefix="layerlab-") as scratch:
        report = Path(scratch) / "states.json"
        with _working_directory(root), captured_output() as output:
            code = int(pytest.main(pytest_arguments(["exercises"], target, "-q", *options,
                                                    "--layerlab-report", str(report))))
        if code == pytest.ExitCode.INTERRUPTED:
            raise KeyboardInterrupt
        tail = "\n".join(output[0].rstrip().splitlines()[-OUTPUT_TAIL:])
        if not report.is_file():
            return Run(None, code, tail)
        document = json.loads(report.read_text(encoding="utf-8"))
        return Run(document["states"], code, tail, bool(document.get("data_missing")))
