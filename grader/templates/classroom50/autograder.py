"""Classroom 50 autograder for the layerlab exercises (made by `python -m grader export classroom50`).

Classroom 50's runner starts this once per submission, in the student's checkout,
and reads ./result.json (schema classroom50/result/v1) when it exits 0.

It runs each exercise's *visible* tests, from this folder's own copy of the
student bundle (kit/), against the student's exercise files, and gives each
exercise its points in proportion to the tests that pass (whole points, rounded
down). It holds no solutions and no hidden checks: Classroom 50 fetches this
folder from the classroom's GitHub Pages site without authentication and runs it
in the student's own repository, so students can read every file here and the
code they push runs beside it. These points are feedback; the grade of record
comes from the instructor's `python -m grader grade` or from Gradescope.
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

HERE = Path(__file__).resolve().parent
KIT = HERE / "kit"  # the student bundle as released: visible tests, layerlab, pyproject.toml
SUPPORTED = ((3, 10), (3, 13))  # the Pythons TensorFlow 2.21 and the kit support
NEEDED = ("tensorflow", "keras", "numpy", "matplotlib", "pytest", "pytest_timeout")
MAX_FILE_BYTES = 1024 * 1024
EXERCISE_SECONDS = 600  # per exercise file: the deadline of a pytest run, TensorFlow's import included
ALL_SECONDS = 1800  # the deadline of the run of every exercise's tests together
TEST_SECONDS = 300  # one visible test (training takes about 30 s; a busy runner may be much slower)


def fail(message: str) -> None:
    """An infrastructure error: Classroom 50 records status=error and keeps the last Release."""
    print(f"::error::layerlab autograder: {message}", file=sys.stderr)
    sys.exit(1)


def install() -> None:
    """Install the kit's packages unless this Python has them already (a self-hosted runner may)."""
    missing = [name for name in NEEDED if not _importable(name)]
    if missing:
        print(f"installing {', '.join(missing)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-r", str(HERE / "requirements.txt")],
                       check=True)


def _importable(name: str) -> bool:
    found = subprocess.run([sys.executable, "-c", f"import importlib.util, sys; "
                            f"sys.exit(importlib.util.find_spec({name!r}) is None)"], capture_output=True)
    return found.returncode == 0


def copy_submission(checkout: Path, kit: Path, exercises: list) -> list:
    """The student's exercise files (regular files only) over the stubs in `kit`; returns the ones copied."""
    copied = []
    for exercise in exercises:
        source = checkout / "exercises" / f"{exercise.module}.py"
        if source.is_symlink() or not source.is_file() or source.stat().st_size > MAX_FILE_BYTES:
            continue
        shutil.copyfile(source, kit / "exercises" / source.name)
        copied.append(source.name)
    return copied


def run_visible_tests(kit: Path, tests: list, report: Path) -> tuple:
    """Run visible test files in one pytest: ({test module: (passed, total, first failure)}, pytest's last line).
    A run that ends without a report (a crash, the deadline) gives {}."""
    command = [sys.executable, "-m", "pytest", *tests, "-q", "--no-header", "-p", "no:cacheprovider",
               "-p", "pytest_timeout", "--timeout", str(TEST_SECONDS),  # exercises/conftest.py loads the plugin
               f"--junitxml={report}", "-o", "junit_family=xunit2"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "PYTHON"))}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONPATH=str(kit), TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
    report.unlink(missing_ok=True)
    deadline = EXERCISE_SECONDS if len(tests) == 1 else ALL_SECONDS
    try:
        completed = subprocess.run(command, cwd=kit, env=env, capture_output=True, text=True,
                                   timeout=deadline)
    except subprocess.TimeoutExpired:
        return {}, f"the tests did not finish in {deadline} s"
    try:
        cases = list(ElementTree.parse(report).getroot().iter("testcase"))
    except (OSError, ElementTree.ParseError):
        return {}, f"pytest ended without a report (exit {completed.returncode}): {completed.stdout[-300:]}"
    counts = {}
    for case in cases:
        module = case.get("classname", "").rsplit(".", 1)[-1]
        passed, total, first = counts.get(module, (0, 0, ""))
        failures = [child for child in case if child.tag in ("failure", "error", "skipped")]
        if failures and not first:
            first = f"{case.get('name')}: {failures[0].get('message') or failures[0].tag}"[:300]
        counts[module] = (passed + (not failures), total + 1, first)
    return counts, (completed.stdout.strip().splitlines()[-1:] or [""])[0][:300]


def grade_exercises(kit: Path, exercises: list, scratch: Path) -> dict:
    """{module: (passed, total)}: every exercise in one pytest; if that run breaks, one pytest per
    exercise, so that one exercise's crash costs only its own points."""
    files = [f"exercises/test_{exercise.module}.py" for exercise in exercises]
    counts, words = run_visible_tests(kit, files, scratch / "all.xml")
    if not counts:
        print(f"::warning::layerlab autograder: {words}; running each exercise's tests alone", flush=True)
        for test in files:
            counts.update(run_visible_tests(kit, [test], scratch / f"{Path(test).stem}.xml")[0])
    return {e.module: counts.get(f"test_{e.module}", (0, 1, words)) for e in exercises}


def identity() -> dict:
    """The fields Classroom 50's runner gives in the environment (placeholders when run by hand)."""
    commit = os.environ.get("COMMIT_URL", "")
    return {
        "classroom": os.environ.get("CLASSROOM", "local"),
        "assignment": os.environ.get("ASSIGNMENT", "local"),
        "submission": os.environ.get("SUBMISSION_TAG", "local"),
        "commit": commit,
        "release": os.environ.get("RELEASE_URL", ""),
        "review": os.environ.get("REVIEW_URL") or commit,
        "datetime": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def release_body(tests: list, score: int, maximum: int, copied: list) -> str:
    lines = [f"**layerlab: {score} / {maximum} points** from the visible tests "
             f"(your exercise files: {', '.join(copied) if copied else 'none'}).", "",
             "| exercise | tests passed | points |", "| --- | --- | --- |"]
    lines += [f"| {t['test-name']} | {t['passed-tests']} / {t['total-tests']} | {t['score']} / {t['max-score']} |"
              for t in tests]
    lines += ["", "These points come from the visible tests. The hidden checks of the grade of record run "
                  "elsewhere, on the instructor's machine or on Gradescope."]
    return "\n".join(lines) + "\n"


def main() -> None:
    if not SUPPORTED[0] <= sys.version_info[:2] <= SUPPORTED[1]:
        fail(f"Python {sys.version.split()[0]} is not supported by TensorFlow 2.21: set the assignment's "
             f'runtime to {{"python": "3.12"}} (any of 3.10 to 3.13)')
    if not KIT.is_dir():
        fail(f"{KIT} is missing: export the autograder again (python -m grader export classroom50 DEST)")
    install()
    sys.path.insert(0, str(KIT))
    from layerlab.table import load_table

    exercises = load_table()
    checkout = Path.cwd()
    tests = []
    with tempfile.TemporaryDirectory(prefix="layerlab-") as scratch:
        kit = Path(scratch) / "kit"
        shutil.copytree(KIT, kit)
        copied = copy_submission(checkout, kit, exercises)
        outcomes = grade_exercises(kit, exercises, Path(scratch))
        for exercise in exercises:
            passed, total, first_failure = outcomes[exercise.module]
            points = int(exercise.points)
            tests.append({"test-name": f"{exercise.number:02d} {exercise.id}: {exercise.title['en']}"[:100],
                          "passed": passed == total, "score": points * passed // total, "max-score": points,
                          "passed-tests": passed, "total-tests": total, "first-failure": first_failure})
    score, maximum = sum(t["score"] for t in tests), sum(t["max-score"] for t in tests)
    result = {"schema": "classroom50/result/v1", **identity(), "score": score, "max-score": maximum, "tests": tests}
    (checkout / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (checkout / "release-body.md").write_text(release_body(tests, score, maximum, copied), encoding="utf-8")
    print(f"layerlab: {score} / {maximum} points from the visible tests")


if __name__ == "__main__":
    main()
