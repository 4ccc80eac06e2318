"""The grader against cheats, crashes and broken files, through the real `python -m grader grade`.

Every case in tests/adversarial/ (plus the zip cases built here) is graded in
one batch, with a hostile PYTEST_PLUGINS / PYTEST_ADDOPTS / PYTHONPATH in the
grader's own environment. Each must: leave the grader's exit status 0, get a
valid results.json, score exactly what its case.toml expects, finish within
the bound, and write nothing outside the output folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from layerlab.compat import tomllib
from layerlab.table import load_table

KIT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).with_name("adversarial")
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "case.toml").is_file())
CALL_TIMEOUT = 10  # seconds per call of a learner's function
PER_SUBMISSION_BOUND = 300  # seconds: the slowest case (six native-op timeouts) stays well under this
EXERCISES = {e.id: e for e in load_table()}


def read_case(name: str) -> dict:
    with open(CASES_DIR / name / "case.toml", "rb") as handle:
        return tomllib.load(handle)


def build_submission(name: str, destination: Path, test_root: Path) -> Path:
    """The case's own files (@KIT_ROOT@ and @TEST_ROOT@ filled in), plus honest solutions and stubs it asks for."""
    case = read_case(name)
    destination.mkdir(parents=True)
    for source in (CASES_DIR / name).iterdir():
        if source.name != "case.toml":
            data = source.read_bytes()
            for placeholder, value in ((b"@KIT_ROOT@", KIT), (b"@TEST_ROOT@", test_root)):
                data = data.replace(placeholder, str(value).encode())
            (destination / source.name).write_bytes(data)
    for module in case.get("honest", []):
        shutil.copyfile(KIT / "solutions" / f"{module}.py", destination / f"{module}.py")
    for module in case.get("stubs", []):
        shutil.copyfile(KIT / "exercises" / f"{module}.py", destination / f"{module}.py")
    return destination


def _zip_with(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


def build_zips(folder: Path) -> dict[str, Path]:
    """Hostile archives (refused whole) and one honest archive (graded normally)."""
    relu = (KIT / "solutions" / "ex05_relu.py").read_bytes()
    link = zipfile.ZipInfo("work/ex05_relu.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    bomb = zipfile.ZipInfo("work/ex03_conv_arithmetic.py")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    return {
        "zip_honest": _zip_with(folder / "zip_honest.zip", [("work/ex05_relu.py", relu)]),
        "zip_traversal": _zip_with(folder / "zip_traversal.zip",
                                   [("work/ex05_relu.py", relu), ("../../escaped.py", b"print('escaped')")]),
        "zip_absolute": _zip_with(folder / "zip_absolute.zip",
                                  [("work/ex05_relu.py", relu), ("/tmp/layerlab-absolute-escape.py", b"x = 1")]),
        "zip_symlink": _zip_with(folder / "zip_symlink.zip", [(link, b"/etc/passwd")]),
        # 200 MB of zeros in about 200 KB (bounded by construction).
        "zip_bomb": _zip_with(folder / "zip_bomb.zip", [(bomb, b"\0" * (200 * 1024 * 1024))]),
    }


ZIP_EXPECT = {
    "zip_honest": {"relu": "full"},
    "zip_traversal": {}, "zip_absolute": {}, "zip_symlink": {}, "zip_bomb": {},
}
ZIP_WORDS = {"zip_traversal": "'..'", "zip_absolute": "absolute path", "zip_symlink": "symbolic link",
             "zip_bomb": "zip bomb"}

EVIL_PLUGIN = '''
"""Would make every check pass, if the grader let the environment load it."""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
'''


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """Grade every case in one batch; returns (output folder, completed process, snapshots)."""
    root = tmp_path_factory.mktemp("adversarial")
    submissions = root / "submissions"
    paths = [build_submission(name, submissions / name, root) for name in CASES]
    paths += list(build_zips(submissions).values())
    evil = root / "evil"
    evil.mkdir()
    (evil / "evil_plugin.py").write_text(EVIL_PLUGIN)
    scratch = root / "tmp"  # the grader's temporary folders go here, and must all be gone afterwards
    scratch.mkdir()
    before = tree_digest(root)
    out = root / "out"
    env = {**os.environ, "PYTEST_PLUGINS": "evil_plugin", "PYTEST_ADDOPTS": "-p evil_plugin",
           "PYTHONPATH": str(evil), "TMPDIR": str(scratch)}
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "grade", *map(str, paths), "--out", str(out), "--jobs", "2",
         "--call-timeout", str(CALL_TIMEOUT), "--memory-mb", "1536"],
        cwd=KIT, env=env, capture_output=True, text=True, timeout=3000)
    after = {k: v for k, v in tree_digest(root).items() if not k.startswith("out/")}
    leftover_jobs = set(scratch.iterdir())
    return out, completed, before, after, root, leftover_jobs


def results_of(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text(encoding="utf-8"))


def exercise_outcome(document: dict, exercise_id: str) -> tuple[float, float, set, str]:
    tests = [t for t in document["tests"] if t["extra_data"].get("exercise") == exercise_id]
    score = round(sum(t["score"] for t in tests), 4)
    maximum = round(sum(t["max_score"] for t in tests), 4)
    return score, maximum, {t["extra_data"]["state"] for t in tests}, "\n".join(t["output"] for t in tests)


def assert_expected(document: dict, expect: dict, words: dict) -> None:
    for exercise_id in EXERCISES:
        score, maximum, states, output = exercise_outcome(document, exercise_id)
        wanted = expect.get(exercise_id, "zero")
        if wanted == "full":
            assert score == maximum > 0, f"{exercise_id}: {score}/{maximum}, expected full marks:\n{output}"
        elif wanted == "partial":
            assert 0 < score < maximum, f"{exercise_id}: {score}/{maximum}, expected partial credit"
        elif wanted == "not submitted":
            assert score == 0 and states == {"not submitted"}, f"{exercise_id}: {states}"
        else:
            assert score == 0, f"{exercise_id}: scored {score}/{maximum}, expected zero:\n{output}"
        for word in words.get(exercise_id, []):
            assert word in output, f"{exercise_id}: the report should say {word!r}:\n{output}"


def test_grader_exits_zero_for_any_submission(graded):
    out, completed, *_ = graded
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_at_least_twenty_cases():
    assert len(CASES) + len(ZIP_EXPECT) >= 20


@pytest.mark.parametrize("name", CASES)
def test_case_scores_exactly_as_expected(graded, name):
    out, *_ = graded
    case = read_case(name)
    document = results_of(out, name)
    assert document["extra_data"]["status"] == "graded"
    assert document["execution_time"] < PER_SUBMISSION_BOUND
    assert_expected(document, case.get("expect", {}), case.get("words", {}))


@pytest.mark.parametrize("name", sorted(ZIP_EXPECT))
def test_zip_case(graded, name):
    out, *_ = graded
    document = results_of(out, name)
    assert_expected(document, ZIP_EXPECT[name], {})
    if name in ZIP_WORDS:
        assert document["extra_data"]["status"] == "refused"
        assert ZIP_WORDS[name] in document["output"]


def test_results_are_valid_and_untouched(graded):
    """Every results.json parses, has the schema's fields, and no submission planted a file in the output."""
    out, *_ = graded
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        assert sorted(p.name for p in folder.iterdir()) == ["junit.xml", "results.json"], folder.name
        document = results_of(out, folder.name)
        for key in ("score", "execution_time", "output", "tests"):
            assert key in document, f"{folder.name}: results.json has no {key}"
        summaries = [t for t in document["tests"] if t["extra_data"].get("summary")]
        assert [t["visibility"] for t in summaries] == ["visible"], folder.name
        assert document["score"] <= document["extra_data"]["max_score"]
    planted = [p for p in out.iterdir() if p.is_file() and p.name not in ("gradebook.csv",)]
    assert planted == []


def test_reports_are_well_formed_and_the_terminal_clean(graded):
    """Whatever the learners wrote: junit.xml parses, results.json and the gradebook carry no control
    characters or formulas, no row is a grader error, and the instructor's terminal gets no escapes."""
    import csv
    import xml.etree.ElementTree as ElementTree

    from grader.sanitize import text

    out, completed, *_ = graded
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        ElementTree.parse(folder / "junit.xml")
        raw = (folder / "results.json").read_text(encoding="utf-8")
        assert text(json.dumps(json.loads(raw), ensure_ascii=False)) == json.dumps(json.loads(raw), ensure_ascii=False)
    with open(out / "gradebook.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["status"] for row in rows if row["status"] not in ("graded", "refused")] == []
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    for stream in (completed.stdout, completed.stderr):
        assert text(stream) == stream, "raw control characters reached the terminal"


def marker_files(root: Path) -> list[Path]:
    """Every file a case's `markers` named, wherever the grader's processes could have put it."""
    names = {marker for name in CASES for marker in read_case(name).get("markers", [])}
    folders = [Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    folders += [KIT, KIT / "layerlab", KIT / ".git" / "hooks", root, Path("/var/tmp/layerlab-jobs"), Path("/tmp")]
    found = []
    for folder in folders:
        deep = folder in (root, Path("/var/tmp/layerlab-jobs"))
        for path in (folder.rglob("*") if deep else folder.glob("*")) if folder.is_dir() else []:
            if any(path.name.startswith(marker) for marker in names):
                found.append(path)
    return found


def test_no_file_planted_for_later_gradings(graded):
    """site-packages, the kit, its hooks, the job folders: no marker a case tried to plant exists."""
    *_, root, _ = graded
    planted = marker_files(root)
    for path in planted:
        path.unlink()
    assert planted == []


def test_nothing_written_outside_the_output(graded):
    """The submissions and the test's own folder are byte-for-byte as before; nothing escaped to /tmp."""
    out, completed, before, after, root, leftover_jobs = graded
    assert after == before
    assert not Path("/tmp/layerlab-absolute-escape.py").exists()
    assert not (root / "escaped.py").exists() and not (root.parent / "escaped.py").exists()
    assert leftover_jobs == set()
