"""The job folder: what one submission's child gets (runner, staged files, learner-facing data)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from grader.paths import LAYERLAB_DIR, RUNNER_DIR

RUNNER_FILES = ("child.py", "wire.py")


def prepare_job(sources: dict[str, str]) -> Path:
    """A private job folder: runner/ (child.py, wire.py, layerlab/), stage/ (the exercise files), work/, data/."""
    job_dir = Path(tempfile.mkdtemp(prefix="layerlab-job-"))
    os.chmod(job_dir, 0o755)
    (job_dir / "runner").mkdir()
    for name in RUNNER_FILES:
        shutil.copy2(RUNNER_DIR / name, job_dir / "runner" / name)
    # Exercises may import layerlab.data: the child gets the grader's own copy beside child.py,
    # so grading never depends on layerlab being installed (it is not, on Gradescope).
    shutil.copytree(LAYERLAB_DIR, job_dir / "runner" / "layerlab",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (job_dir / "stage").mkdir()
    (job_dir / "work").mkdir()
    for module, source in sources.items():
        (job_dir / "stage" / f"{module}.py").write_text(source, encoding="utf-8")
    _write_learner_data(job_dir / "data")
    return job_dir


def _write_learner_data(folder: Path) -> None:
    """MNIST as the learner's own code may load it in the child: the training part only.

    Exercise 01 loads MNIST inside the learner's function (its x_train), so the
    child needs data. The held-out part never comes here, images or labels: the
    training gate measures on it, and MNIST's labels are public, so a child that
    saw those images could fit itself to them. x_test is an empty array of the
    right rank, so layerlab.data still reads the file.
    """
    import numpy as np

    from layerlab.data import DataError, load_mnist

    try:
        mnist = load_mnist(allow_download=False)
    except DataError:
        return  # the grader itself reports missing data before any grading starts
    folder.mkdir()
    np.savez(folder / "mnist.npz", x_train=mnist.x_train, y_train=mnist.y_train,
             x_test=np.zeros((0, *mnist.x_test.shape[1:]), mnist.x_test.dtype),
             y_test=np.zeros((0,), mnist.y_test.dtype))
