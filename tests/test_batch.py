"""Batch grading: a folder of submissions, two at a time, gives the gradebook that grading each alone gives.

The hostile fixtures are harmless even if the grader failed to contain them:
they write nothing, and the one that loops stops by itself after 60 s (the
grader's --call-timeout of 5 s stops it long before). Submissions hold one or
two exercise files, so each grades in seconds.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader.gradebook import columns, read_gradebook, summary, write_gradebook
from grader.results import CheckResult, GradingResult
from grader.sandbox import probe
from grader.stage import expand
from layerlab.table import find, load_table

KIT = Path(__file__).resolve().parent.parent
CALL_TIMEOUT = "5"
CONV2D = find("conv2d")

WRONG_PARAM_COUNT = '''

def predict_param_count():
    """Forgets the biases."""
    return 3 * 3 * 1 * 3
'''

LOOPS_IN_BUILD = '''

def build_conv2d(*args, **kwargs):
    """Hostile: swallows every exception (timeout signals too); stops by itself after 60 s."""
    import time

    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            time.sleep(0.05)
        except BaseException:
            pass
'''

POISONS_KERAS = '''

import keras

_conv2d = keras.layers.Conv2D.__init__


def _one_filter(self, filters, *args, **kwargs):
    """Hostile: every Conv2D made after this file is imported gets one filter, in any later submission
    that shared this process's memory."""
    _conv2d(self, 1, *args, **kwargs)


keras.layers.Conv2D.__init__ = _one_filter
'''

EXITS_AT_IMPORT = '''"""Hostile: ends the process that imports it, hoping for a clean exit and no report."""
import os

os._exit(0)
'''


def solution(module: str) -> str:
    return (KIT / "solutions" / f"{module}.py").read_text(encoding="utf-8")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_class(folder: Path) -> Path:
    """Seven submissions (folders and a zip) and one stray file, as an instructor might collect them."""
    write(folder / "cheats" / "ex02_conv2d.py", solution("ex02_conv2d") + POISONS_KERAS)
    write(folder / "correct" / "ex02_conv2d.py", solution("ex02_conv2d"))
    write(folder / "correct" / "ex07_flatten.py", solution("ex07_flatten"))
    write(folder / "partial" / "exercises" / "ex02_conv2d.py", solution("ex02_conv2d") + WRONG_PARAM_COUNT)
    with zipfile.ZipFile(folder / "broken.zip", "w") as archive:
        archive.writestr("broken/ex02_conv2d.py", "def build_conv2d(filters:\n    return None\n")
    write(folder / "exits" / "ex02_conv2d.py", EXITS_AT_IMPORT)
    write(folder / "loops" / "ex02_conv2d.py", solution("ex02_conv2d") + LOOPS_IN_BUILD)
    (folder / "empty").mkdir()
    write(folder / "roster.txt", "not a submission\n")
    return folder


def grade(*arguments: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    return subprocess.run([sys.executable, "-m", "grader", "grade", *arguments, "--call-timeout", CALL_TIMEOUT],
                          cwd=KIT, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    folder = make_class(root / "class")
    completed = grade(str(folder), "--out", str(root / "out"), "--jobs", "2")
    return folder, root, completed


def test_batch_finishes_with_a_gradebook_and_a_summary(batch):
    folder, root, completed = batch
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "roster.txt: skipped" in completed.stderr
    assert "[7/7]" in completed.stdout  # plain progress lines: stdout is not a terminal here
    assert "7 submissions: 7 graded, 0 refused, 0 grader errors" in completed.stdout
    assert f"gradebook: {root / 'out' / 'gradebook.csv'}" in completed.stdout
    assert "  total  " not in completed.stdout  # no per-submission tables without --tables
    rows = read_gradebook(root / "out" / "gradebook.csv")
    assert list(rows[0]) == columns() == ["name", *(e.id for e in load_table()), "total", "max", "status", "source"]
    assert rows[0]["source"] == str(folder / "broken.zip")  # the path graded under each name
    by_name = {row["name"]: row for row in rows}
    assert [row["name"] for row in rows] == ["broken", "cheats", "correct", "empty", "exits", "loops", "partial"]
    assert by_name["correct"]["conv2d"] == str(CONV2D.points)  # graded after cheats, maybe by its worker
    assert float(by_name["cheats"]["conv2d"]) < CONV2D.points  # its patch of Keras broke its own layers
    assert 0 < float(by_name["partial"]["conv2d"]) < CONV2D.points  # read from partial/exercises/
    assert 0 < float(by_name["loops"]["conv2d"]) < CONV2D.points  # the looping function alone loses
    for name in ("broken", "exits", "empty"):
        assert float(by_name[name]["total"]) == 0, by_name[name]
    assert all(row["status"] == "graded" for row in rows)


def test_hostile_submissions_fail_only_what_they_break(batch):
    _, root, _ = batch
    loops = json.loads((root / "out" / "loops" / "results.json").read_text(encoding="utf-8"))
    timed_out = [t for t in loops["tests"] if "build_conv2d" in t["name"]]
    assert timed_out and all(t["status"] == "failed" for t in timed_out)
    assert "no answer within 5 s" in timed_out[0]["output"]
    exits = json.loads((root / "out" / "exits" / "results.json").read_text(encoding="utf-8"))
    assert "ended the process" in " ".join(t["output"] for t in exits["tests"])
    empty = json.loads((root / "out" / "empty" / "results.json").read_text(encoding="utf-8"))
    assert "No exercise files found" in empty["output"]


def test_each_worker_readies_the_next_submission_while_it_grades_one(batch):
    """A worker stages the submission it grades next and starts its child during the checks of the one
    before; the first of each of the two workers had no one before it. Unconfined, every submission
    gets a fresh worker, so none is readied ahead."""
    _, root, _ = batch
    timings = [json.loads(path.read_text(encoding="utf-8"))["extra_data"]["timings"]
               for path in sorted((root / "out").glob("*/results.json"))]
    readied = [t["head_start"] for t in timings if "head_start" in t]
    assert len(timings) == 7
    assert len(readied) == (0 if probe().mode == "unconfined" else 7 - 2)
    assert all(seconds >= 0 for seconds in readied)


def test_each_submission_alone_gives_the_same_row(batch):
    """Regrade every submission in a grader run of its own: the batch's gradebook, byte for byte."""
    folder, root, _ = batch
    submissions = expand([folder])

    def alone(path: Path) -> str:
        out = root / "alone" / path.name
        completed = grade(str(path), "--out", str(out), "--jobs", "1")
        assert completed.returncode == 0, completed.stderr[-3000:]
        return (out / "gradebook.csv").read_text(encoding="utf-8")

    with ThreadPoolExecutor(max_workers=2) as pool:  # two separate grader runs at a time
        books = list(pool.map(alone, submissions))
    header = books[0].splitlines()[0]
    assert all(book.splitlines()[0] == header and len(book.splitlines()) == 2 for book in books)
    regraded = "\n".join([header, *(book.splitlines()[1] for book in books)]) + "\n"
    assert (root / "out" / "gradebook.csv").read_text(encoding="utf-8") == regraded


def test_a_folder_of_submissions_is_expanded_by_name(tmp_path):
    write(tmp_path / "one" / "ex02_conv2d.py", "")
    write(tmp_path / "repo" / "exercises" / "ex02_conv2d.py", "")
    for name in ("zoe", "adam", ".hidden", "__MACOSX"):
        (tmp_path / "class" / name).mkdir(parents=True)
    (tmp_path / "class" / "bea.zip").write_bytes(b"")
    (tmp_path / "class" / "notes.txt").write_text("")
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "conftest.py").write_text("")
    notes: list[str] = []
    found = expand([tmp_path / "one", tmp_path / "repo", tmp_path / "class", tmp_path / "flat"], notes)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "one", "repo", "class/adam", "class/bea.zip", "class/zoe", "flat"]
    assert notes == ["class/notes.txt: skipped (not a submission folder or .zip)"]


def _result(name: str, status: str, scores: dict[str, tuple[str, float]]) -> GradingResult:
    checks = []
    for exercise_id, (state, share) in scores.items():
        points = find(exercise_id).points
        checks.append(CheckResult(exercise_id, f"{exercise_id}: check", state, share * points, points))
    return GradingResult(name, status=status, checks=checks)


def test_gradebook_rows_and_summary_from_results(tmp_path):
    graded = [
        ("ann", _result("ann", "graded", {"conv2d": ("passed", 1.0), "train": ("passed", 1.0)})),
        ("ben", _result("ben", "graded", {"conv2d": ("failed", 0.0), "train": ("passed", 1.0)})),
        ("cy", _result("cy", "refused", {"conv2d": ("not submitted", 0.0), "train": ("not submitted", 0.0)})),
        ("dee", GradingResult("dee", status="grader error")),
    ]
    rows = list(csv.DictReader(io.StringIO(write_gradebook(tmp_path, graded).read_text(encoding="utf-8"))))
    full = find("conv2d").points + find("train").points
    assert rows[0] == {**{e.id: "" for e in load_table()}, "name": "ann", "conv2d": str(find("conv2d").points),
                       "train": str(find("train").points), "total": str(full), "max": str(full), "status": "graded",
                       "source": ""}
    assert rows[3]["status"] == "grader error" and rows[3]["conv2d"] == "" and rows[3]["total"] == ""
    text = summary(graded)
    assert "4 submissions: 2 graded, 1 refused, 1 grader errors" in text
    assert "grader errors (not counted below; regrade them): dee" in text
    assert "full marks 1 of 3" in text
    assert f"mean {(full + find('train').points) / 3:.4g} / {full}" in text
    conv2d_line = next(line for line in text.splitlines() if " conv2d " in line)
    assert "1 of 3" in conv2d_line and "33%" in conv2d_line
    assert "no checks" in next(line for line in text.splitlines() if " image " in line)


def test_a_hung_worker_is_stopped_and_the_batch_goes_on(tmp_path):
    write(tmp_path / "class" / "slow" / "ex02_conv2d.py", solution("ex02_conv2d"))
    completed = grade(str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--submission-timeout", "2")
    assert completed.returncode == 1 and "could not be graded" in completed.stderr, completed.stderr[-3000:]
    row = read_gradebook(tmp_path / "out" / "gradebook.csv")[0]
    assert row["status"] == "grader error" and row["total"] == "" and row["conv2d"] == ""  # never a 0
    results = json.loads((tmp_path / "out" / "slow" / "results.json").read_text(encoding="utf-8"))
    assert "stopped after 2 s" in results["output"]


def test_jobs_default_to_the_number_of_cpus():
    completed = subprocess.run([sys.executable, "-m", "grader", "grade", "--help"], cwd=KIT, capture_output=True,
                               text=True, timeout=60)
    assert f"the number of CPUs, {os.cpu_count()} here" in " ".join(completed.stdout.split())
