"""Fixtures shared by the hidden checks: MNIST, seeded randomness, the training gate and the one-fit
replay (the grader's CheckPlugin gives `submission`)."""

import zlib
from concurrent import futures

import numpy as np
import pytest

from grader import replay
from grader.gate import start_gate
from layerlab.data import load_mnist


@pytest.fixture(scope="session")
def mnist():
    """The grader's MNIST (never downloaded while grading)."""
    return load_mnist(allow_download=False)


@pytest.fixture
def rng(request):
    """A random generator seeded by the check's name: the same configurations on every run."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


def _wanted(request, fixture: str) -> bool:
    """Whether a check of this session asks for `fixture`."""
    return any(fixture in item.fixturenames for item in request.session.items)


@pytest.fixture(scope="session")
def training_gate(submission, mnist):
    """A Future of the gate's result: the grader's training of the learner's model (grader/gate.py start_gate)."""
    gate = start_gate(submission, mnist)
    yield gate
    futures.wait([gate])  # no training outlives the session


@pytest.fixture(scope="session", autouse=True)
def _the_gate_trains_beside_the_other_checks(request):
    """Start the training gate before the first check, when a check of this session needs it."""
    if _wanted(request, "training_gate"):
        try:
            request.getfixturevalue("training_gate")
        except Exception:  # e.g. no MNIST: the gate's own check reports it, the other checks run
            pass


@pytest.fixture(scope="session")
def one_fit_replay(mnist):
    """What the grader's one fit gives (grader/replay.py), as a function: it waits for the replay's fork."""
    return lambda: replay.replayed(mnist)


@pytest.fixture(scope="session", autouse=True)
def _the_replay_runs_beside_the_other_checks(request):
    """Start the one-fit replay (once per worker) before the first check, when a check of this session needs it."""
    if _wanted(request, "one_fit_replay"):
        try:
            replay.start(request.getfixturevalue("mnist"))
        except Exception:  # e.g. no MNIST: the check that needs it reports it
            pass
