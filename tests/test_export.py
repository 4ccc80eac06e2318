"""Exports: the Gradescope autograder runs in a fake /autograder, and the Classroom 50 autograder in a
fake student checkout, each checked against its platform's contract (tests/contracts.py).

The autograder zip is unpacked into tmp_path as Gradescope lays it out
(source/, submission/, results/, run_autograder, submission_metadata.json) and
run_autograder is run with AUTOGRADER_ROOT pointing there, no LAYERLAB_DATA and
an empty HOME (the MNIST files must come from the zip), and as python3 the kit's
environment (what Gradescope has after setup.sh: the packages), where the zip's
own grader and layerlab must be the ones imported. setup.sh itself (a virtual environment from PyPI
on Python 3.10) runs in the CI lane .ci/gradescope-lane, not here: this suite is offline.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.platforms.gradescope import declared_requirements, lock, locked_pythons, pinned
from layerlab.table import load_table
from tests.contracts import classroom50_problems, gradescope_problems

KIT = Path(__file__).resolve().parent.parent


def grader(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=KIT, capture_output=True, text=True,
                          timeout=300)


def test_the_validators_reject_what_the_platforms_reject():
    good = {"score": 1, "execution_time": 2.0, "output": "", "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [{"score": 1, "max_score": 1, "name": "a", "output": "", "visibility": "hidden",
                       "status": "passed", "tags": ["x"]}]}
    assert gradescope_problems(good) == []
    bad = json.loads(json.dumps(good))
    bad["visibility"] = "later"
    bad["tests"][0].update(status="ok", score="1", tags="x")
    assert len(gradescope_problems(bad)) == 4
    result = {"schema": "classroom50/result/v1", **{k: "x" for k in ("classroom", "assignment", "submission",
              "commit", "release", "review", "datetime")}, "score": 4, "max-score": 5,
              "tests": [{"test-name": "a", "passed": True, "score": 4, "max-score": 4},
                        {"test-name": "b", "passed": False, "score": 0, "max-score": 1}]}
    assert classroom50_problems(result) == []
    for change in ({"schema": "classroom50/result/v2"}, {"score": 4.0}, {"max-score": 6}, {"score": True},
                   {"tests": [{"test-name": "a", "passed": 1, "score": 4, "max-score": 4}]},
                   {"tests": [{"test-name": "a", "passed": True, "score": 5, "max-score": 4}]}):
        assert classroom50_problems({**result, **change}), change


def test_the_python_3_10_lock_pins_everything_the_kit_declares():
    """Gradescope's image has Python 3.10: its lock satisfies pyproject.toml's ranges there, pins Keras,
    and holds nothing that needs a newer Python (numpy 2.4 needs 3.11)."""
    from packaging.requirements import Requirement

    assert "3.10" in locked_pythons()
    pins = pinned(lock("3.10"))
    environment = {"python_version": "3.10", "python_full_version": "3.10.13"}
    for text in declared_requirements():
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not in the 3.10 lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} vs {requirement}"
    assert pins["keras"].startswith("3.12.") and pins["numpy"].startswith("2.2.")


def test_an_unknown_python_is_refused_with_the_locks_there_are(tmp_path):
    completed = grader("export", "gradescope", str(tmp_path / "x.zip"), "--python", "3.9")
    assert completed.returncode == 2 and "no lock for that Python" in completed.stderr and "3.10" in completed.stderr
    assert not (tmp_path / "x.zip").exists()


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "autograder.zip"
    completed = grader("export", "gradescope", str(path))
    assert completed.returncode == 0, completed.stderr
    return path


def test_the_zip_holds_the_autograder_and_the_data(autograder):
    with zipfile.ZipFile(autograder) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        pins = archive.read("requirements.txt").decode()
    for script in ("setup.sh", "run_autograder"):
        assert modes[script] & stat.S_IXUSR, f"{script} is not executable"
    for tree in ("grader", "checks", "solutions", "layerlab"):
        assert any(name.startswith(f"{tree}/") for name in names), tree
    for exercise in load_table():
        assert f"solutions/{exercise.module}.py" in names
    assert "layerlab/exercises.toml" in names
    assert not [n for n in names if n.startswith(("tests/", "exercises/")) or "__pycache__" in n]
    assert {"data/mnist/t10k-images-idx3-ubyte.gz", "data/mnist/t10k-labels-idx1-ubyte.gz"} <= names \
        or "data/mnist/mnist.npz" in names
    assert pins == lock("3.10")  # the image's Python, not this machine's
    setup = archive_text(autograder, "setup.sh")
    assert 'wanted="3.10"' in setup and "venv" in setup


def archive_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


def fake_gradescope(tmp_path: Path, autograder: Path, submission: Path, metadata: dict | None = None) -> Path:
    """/autograder as Gradescope lays it out: the zip in source/, the files in submission/, results/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder) as archive:
        for info in archive.infolist():
            target = archive.extract(info, root / "source")
            os.chmod(target, (info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copytree(submission, root / "submission", ignore=shutil.ignore_patterns("__pycache__", "test_*"))
    (root / "results").mkdir()
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope does
    return root


@pytest.fixture(scope="module")
def gradescope_python() -> Path:
    """python3 as on Gradescope after setup.sh: one with the pinned packages. It is the kit's own
    environment (the sandbox must be able to run the child's interpreter, which a venv borrowing
    packages through a .pth is not); run_autograder's `python -m grader` from source/ puts the zip's
    grader and layerlab first, and run_autograder checks that they are the ones imported."""
    return Path(sys.executable)


def run_autograder(root: Path, tmp_path: Path, python: Path) -> tuple[dict, subprocess.CompletedProcess]:
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "AUTOGRADER_ROOT": str(root),
           "HOME": str(home), "LANG": "C.UTF-8"}  # no LAYERLAB_DATA, no Keras cache: the zip's data or nothing
    completed = subprocess.run([str(root / "run_autograder")], cwd=tmp_path, env=env, capture_output=True,
                               text=True, timeout=900)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
    assert f"grader: {root / 'source' / 'grader'}" in completed.stdout  # the zip's grader, not the kit's
    assert f"layerlab: {root / 'source' / 'layerlab'}" in completed.stdout
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8")), completed


METADATA = {"id": 1, "users": [{"name": "Ada\u0007 Lovelace", "email": "ada@example.org", "sid": "00123", "id": 9}]}


def test_solutions_get_full_marks_on_gradescope(autograder, tmp_path, gradescope_python):
    """A learner who uploads the whole folder (layerlab-main/exercises/...) is found, named and graded."""
    nested = tmp_path / "upload" / "layerlab-main" / "exercises"
    shutil.copytree(KIT / "solutions", nested, ignore=shutil.ignore_patterns("__pycache__"))
    document, _ = run_autograder(fake_gradescope(tmp_path, autograder, tmp_path / "upload", METADATA), tmp_path,
                                 gradescope_python)
    assert gradescope_problems(document) == []
    maximum = document["extra_data"]["max_score"]
    summary, *checks = document["tests"]
    assert maximum > 0 and document["score"] == maximum, [t["output"] for t in checks if t["status"] != "passed"]
    assert sum(t["max_score"] for t in checks) == maximum  # exact, in any order of adding
    assert {t["visibility"] for t in checks} == {"after_published"}  # the default, passed through
    assert summary["visibility"] == "visible" and summary["max_score"] == 0
    assert "layerlab-main/exercises/ex02_conv2d.py" in summary["output"] and f"{maximum:g} / {maximum:g}" in summary["output"]
    assert document["extra_data"]["learner"] == {"name": "Ada Lovelace", "email": "ada@example.org", "sid": "00123",
                                                 "id": "9"}


def test_stubs_get_zero_on_gradescope(tmp_path, gradescope_python):
    hidden = tmp_path / "hidden.zip"
    completed = grader("export", "gradescope", str(hidden), "--visibility", "hidden")
    assert completed.returncode == 0, completed.stderr
    document, _ = run_autograder(fake_gradescope(tmp_path, hidden, KIT / "exercises"), tmp_path, gradescope_python)
    assert gradescope_problems(document) == []
    summary, *checks = document["tests"]
    assert document["score"] == 0 and checks
    assert document["visibility"] == "hidden" and {t["visibility"] for t in checks} == {"hidden"}
    assert summary["visibility"] == "visible" and "Total: 0 / " in summary["output"]
    assert document["extra_data"]["learner"] == {}  # no metadata: no identity, and grading went on


def test_visibility_must_be_one_gradescope_knows(tmp_path):
    completed = grader("export", "gradescope", str(tmp_path / "x.zip"), "--visibility", "tomorrow")
    assert completed.returncode == 2 and "invalid choice" in completed.stderr
    assert not (tmp_path / "x.zip").exists()


# ------------------------------------------------------------------ Classroom 50


@pytest.fixture(scope="module")
def classroom50(tmp_path_factory) -> Path:
    """CLASSROOM/autograders/ASSIGNMENT, as the export writes it."""
    folder = tmp_path_factory.mktemp("config") / "cnn-fall" / "autograders" / "layerlab"
    completed = grader("export", "classroom50", str(folder))
    assert completed.returncode == 0, completed.stderr
    return folder


def test_the_classroom50_folder_holds_nothing_secret(classroom50):
    from grader.release import solution_leaks

    names = {p.relative_to(classroom50).as_posix() for p in classroom50.rglob("*") if p.is_file()}
    assert {"autograder.py", "requirements.txt", "kit/pyproject.toml", "kit/layerlab/exercises.toml"} <= names
    assert not [n for n in names if n.startswith(("kit/solutions", "kit/checks", "kit/grader", "grader/", "checks/"))]
    assert solution_leaks(classroom50) == []
    completed = grader("export", "classroom50", str(classroom50))
    assert completed.returncode == 2 and "--force" in completed.stderr


def checkout_with(tmp_path: Path, classroom50: Path, files: Path | None) -> Path:
    """A student's repository: the released bundle, with `files`' exercise files over the stubs."""
    checkout = tmp_path / "student-repo"
    shutil.copytree(classroom50 / "kit", checkout)
    if files is not None:
        for path in files.glob("ex[0-9][0-9]_*.py"):
            shutil.copyfile(path, checkout / "exercises" / path.name)
    return checkout


def run_classroom50(checkout: Path, classroom50: Path, python: Path) -> dict:
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(checkout.parent), "LANG": "C.UTF-8",
           "LAYERLAB_DATA": os.environ.get("LAYERLAB_DATA", ""), "LAYERLAB_OFFLINE": "1",
           "CLASSROOM": "cnn-fall", "ASSIGNMENT": "layerlab", "SUBMISSION_TAG": "submit/2026-12-01T10-00-00Z-abc1234",
           "COMMIT_URL": "https://github.com/org/repo/commit/abc1234", "RELEASE_URL": "https://github.com/org/repo/r"}
    completed = subprocess.run([str(python), str(classroom50 / "autograder.py")], cwd=checkout, env=env,
                               capture_output=True, text=True, timeout=1500)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
    return json.loads((checkout / "result.json").read_text(encoding="utf-8"))


def test_classroom50_autograder_meets_their_contract(classroom50, tmp_path, make_environment):
    """The sample submission: solved exercises get their points, missing files stay stubs and get 0."""
    python = make_environment("classroom50")
    sample = KIT / "examples" / "sample_submission"
    checkout = checkout_with(tmp_path, classroom50, sample)
    document = run_classroom50(checkout, classroom50, python)
    assert classroom50_problems(document) == []
    assert document["classroom"] == "cnn-fall" and document["submission"].startswith("submit/")
    assert document["max-score"] == sum(e.points for e in load_table()) and len(document["tests"]) == len(load_table())
    assert 0 < document["score"] < document["max-score"]
    tests = {test["test-name"].split(":")[0].split()[1]: test for test in document["tests"]}
    for exercise in load_table():
        if not (sample / f"{exercise.module}.py").is_file():
            assert tests[exercise.id]["score"] == 0 and not tests[exercise.id]["passed"], exercise.id
    for solved in ("image", "conv2d", "relu", "flatten"):
        assert tests[solved]["passed"] and tests[solved]["score"] == tests[solved]["max-score"], solved
    assert "visible tests" in (checkout / "release-body.md").read_text(encoding="utf-8")


def test_a_crash_in_one_exercise_costs_only_its_points_on_classroom50(classroom50, tmp_path, make_environment):
    """os._exit at import ends the shared pytest without a report: each exercise then runs alone."""
    python = make_environment("classroom50-crash")
    checkout = checkout_with(tmp_path, classroom50, KIT / "solutions")
    crashing = checkout / "exercises" / "ex05_relu.py"
    crashing.write_text("import os\nos._exit(0)\n" + crashing.read_text(encoding="utf-8"), encoding="utf-8")
    document = run_classroom50(checkout, classroom50, python)
    assert classroom50_problems(document) == []
    relu = find_test(document, "relu")
    assert relu["score"] == 0 and not relu["passed"]
    assert document["score"] == document["max-score"] - relu["max-score"]


def find_test(document: dict, exercise_id: str) -> dict:
    return next(t for t in document["tests"] if t["test-name"].split(":")[0].split()[1] == exercise_id)
