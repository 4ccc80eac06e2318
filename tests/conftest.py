"""Fixtures shared by the kit's tests."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from grader.sandbox.confine import TENSORFLOW_ENV

os.environ.update(TENSORFLOW_ENV)  # TensorFlow in the tests runs as in the grader's workers and children

# tests/adversarial/ holds hostile submissions (a conftest.py, a tensorflow.py ...): data to grade, never
# to collect; collecting them would put their folder first on sys.path.
collect_ignore = ["adversarial"]


@pytest.fixture(scope="session")
def make_environment(tmp_path_factory):
    """A factory of fresh virtual environments that have the kit's third-party packages but not layerlab.

    The environment borrows TensorFlow, pytest ... from the kit's .venv through a
    .pth path entry (installing them would need the internet and minutes). A path
    entry's own .pth files are not processed, so the kit's editable layerlab,
    itself a .pth, is not importable there: what a test installs or ships is
    what runs. Returns the environment's python.
    """

    def make(name: str) -> Path:
        folder = tmp_path_factory.mktemp(name) / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
        python = folder / "bin" / "python"
        purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        (Path(purelib) / "kit-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        return python

    return make


KIT_TESTS = Path(__file__).resolve().parent
KIT_TEST_TIMEOUT = 1800  # seconds per test: the adversarial batch and the selftest grade dozens of submissions


def pytest_collection_modifyitems(items):
    """The kit's own tests get a generous timeout; a learner's run (exercises/) never sees this one."""
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(KIT_TESTS) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(KIT_TEST_TIMEOUT))
