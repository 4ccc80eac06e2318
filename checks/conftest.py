"""Fixtures shared by the hidden checks: the submission being graded, MNIST, seeded randomness."""

import zlib

import numpy as np
import pytest

from layerlab.data import load_mnist


@pytest.fixture(scope="session")
def submission():
    """The learner's code, behind the grader's isolated child (answers arrive as plain data)."""
    from grader.check import current_submission

    return current_submission()


@pytest.fixture(scope="session")
def mnist():
    """The grader's MNIST (never downloaded while grading)."""
    return load_mnist(allow_download=False)


@pytest.fixture
def rng(request):
    """A random generator seeded by the check's name: the same configurations on every run."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
