"""The job folder: what one submission's child gets (runner, staged files, learner-facing data, scratch).

    runner/   child.py, wire.py, describe.py and a copy of the layerlab helpers (exercise 01 imports layerlab.data)
    stage/    the learner's exercise files, as staged by the grader
    data/     learner-facing MNIST (see _write_learner_data)
    scratch/  the child's cwd in the permissions mode (bubblewrap gives it a tmpfs instead)

In the permissions mode the folder is the only thing the child's uid may read:
root owns it, the child's group reads it, and only scratch/ is the child's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.paths import LAYERLAB_DIR, RUNNER_DIR

RUNNER_FILES = ("child.py", "wire.py", "describe.py")
SHARED_JOBS = Path("/var/tmp/layerlab-jobs")  # permissions mode: every parent is traversable by others


@dataclass(frozen=True)
class Job:
    folder: Path

    @property
    def runner(self) -> Path:
        return self.folder / "runner"

    @property
    def stage(self) -> Path:
        return self.folder / "stage"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def scratch(self) -> Path:
        return self.folder / "scratch"

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _job_base(mode: str) -> str | None:
    if mode != "permissions":
        return None  # the grader's own temporary folder
    SHARED_JOBS.mkdir(mode=0o711, parents=True, exist_ok=True)
    os.chmod(SHARED_JOBS, 0o711)
    return str(SHARED_JOBS)


def prepare_job(sources: dict[str, str], mode: str = "bubblewrap", uid: int | None = None) -> Job:
    """A private job folder for one submission; readable by the child's uid only in the permissions mode."""
    job = Job(Path(tempfile.mkdtemp(prefix="layerlab-job-", dir=_job_base(mode))))
    job.runner.mkdir()
    for name in RUNNER_FILES:
        shutil.copy2(RUNNER_DIR / name, job.runner / name)
    # Exercises may import layerlab.data: the child gets the grader's own copy beside child.py,
    # so grading never depends on layerlab being installed (it is not, on Gradescope).
    shutil.copytree(LAYERLAB_DIR, job.runner / "layerlab", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    job.stage.mkdir()
    job.scratch.mkdir()
    for module, source in sources.items():
        (job.stage / f"{module}.py").write_text(source, encoding="utf-8")
    _write_learner_data(job.data)
    _set_owners(job, mode, uid)
    return job


def _set_owners(job: Job, mode: str, uid: int | None) -> None:
    """Root keeps every file; the child's group may read them; scratch/ alone is the child's."""
    if mode != "permissions" or uid is None or os.geteuid() != 0:
        os.chmod(job.folder, 0o700)  # bubblewrap binds what the child needs; nobody else reads this
        return
    for folder, subfolders, files in os.walk(job.folder):
        os.chown(folder, 0, uid)
        os.chmod(folder, 0o750)
        for name in files:
            os.chown(os.path.join(folder, name), 0, uid)
            os.chmod(os.path.join(folder, name), 0o640)
    os.chown(job.scratch, uid, uid)
    os.chmod(job.scratch, 0o700)


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
