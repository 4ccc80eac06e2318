"""Platform plumbing without grading: exact points, finding exercise files, identities, rosters, Canvas."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.gradebook import read_gradebook, write_gradebook
from grader.sanitize import cell as csv_cell
from grader.platforms.canvas import RosterError, read_roster, write_canvas
from grader.platforms.gradescope import learner_from_metadata
from grader.results import CheckResult, GradingResult, split_points, to_gradescope
from grader.stage import Refused, stage
from layerlab.table import find, load_table

KIT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ exact points


@pytest.mark.parametrize("points, count", [(8, 7), (100, 7), (6, 3), (10, 4), (12, 11), (2.5, 3), (7, 1), (0, 3),
                                           (1, 5), (8, 40), (6, 24), (6, 25)])
def test_shares_add_up_to_the_points_exactly(points, count):
    shares = split_points(points, count)
    assert len(shares) == count and all(share >= 0 for share in shares)
    assert max(shares) - min(shares) <= 0.25  # as even as the unit allows
    if count <= 4 * points:  # whole points or quarters: binary fractions, exact in any order
        assert sum(shares) == points and sum(reversed(shares)) == points
        assert all((share * 4).is_integer() for share in shares)
    else:  # more checks than quarters: hundredths, exact to the cent
        assert round(sum(shares), 2) == points and all(round(share, 2) == share for share in shares)
    if points == int(points) and count and points % count == 0:
        assert all(share == points // count for share in shares)


def test_a_whole_table_of_checks_sums_to_its_total():
    total = sum(sum(split_points(exercise.points, 7)) for exercise in load_table())
    assert total == sum(exercise.points for exercise in load_table())
    with pytest.raises(ValueError):
        split_points(1.001, 3)


# ------------------------------------------------------------------ exercise files at any depth

STUB = "def f():\n    raise NotImplementedError\n"


def write(path: Path, text: str = STUB) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def zipped(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(folder).as_posix())
    return archive


@pytest.mark.parametrize("layout", ["ex02_conv2d.py", "exercises/ex02_conv2d.py",
                                    "layerlab-main/exercises/ex02_conv2d.py", "a/b/c/d/ex02_conv2d.py"])
def test_exercise_files_are_found_at_any_depth_in_folders_and_zips(tmp_path, layout):
    folder = tmp_path / "sub"
    write(folder / layout)
    write(folder / "layerlab-main" / "exercises" / "test_ex02_conv2d.py", "x = 1\n")  # a visible test: not a module
    write(folder / ".git" / "old" / "ex02_conv2d.py")  # hidden folders are not searched
    write(folder / "__MACOSX" / "ex02_conv2d.py")
    write(folder / "venv" / "pyvenv.cfg", "home = /usr\n")
    write(folder / "venv" / "lib" / "ex05_relu.py")  # nor virtual environments
    for staged in (stage(folder), stage(zipped(folder, tmp_path / "sub.zip"))):
        assert set(staged.sources) == {"ex02_conv2d"}, staged
        assert staged.found["ex02_conv2d.py"] == layout
        if "/" in layout:
            assert any(layout.rsplit("/", 1)[0] in note for note in staged.notes)


@pytest.mark.parametrize("second", ["backup/ex02_conv2d.py", "exercises/old/ex02_conv2d.py"])
def test_two_copies_of_one_exercise_file_are_refused_by_name(tmp_path, second):
    folder = tmp_path / "sub"
    write(folder / "exercises" / "ex02_conv2d.py")
    write(folder / second)
    for path in (folder, zipped(folder, tmp_path / "sub.zip")):
        with pytest.raises(Refused) as refusal:
            stage(path)
        assert "ex02_conv2d.py is there twice" in str(refusal.value) and second in str(refusal.value)


def test_a_zip_with_the_same_member_twice_is_refused(tmp_path):
    archive = tmp_path / "twice.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("ex02_conv2d.py", STUB)
        with pytest.warns(UserWarning):
            bundle.writestr("ex02_conv2d.py", "def f():\n    return 1\n")
    with pytest.raises(Refused, match="twice"):
        stage(archive)


def test_a_symbolic_link_deep_down_is_not_followed(tmp_path):
    outside = write(tmp_path / "outside" / "ex02_conv2d.py")
    folder = tmp_path / "sub"
    (folder / "deep").mkdir(parents=True)
    (folder / "deep" / "link").symlink_to(outside.parent, target_is_directory=True)
    (folder / "deep" / "ex05_relu.py").symlink_to(outside)
    staged = stage(folder)
    assert staged.sources == {} and any("symbolic link" in note for note in staged.notes)


# ------------------------------------------------------------------ results.json: summary, identity


def _result(name: str, status: str = "graded", score_share: float = 1.0, learner: dict | None = None):
    exercise = find("conv2d")
    shares = split_points(exercise.points, 3)
    checks = [CheckResult("conv2d", f"conv2d: check {i}", "passed" if score_share else "failed",
                          share * score_share, share) for i, share in enumerate(shares)]
    return GradingResult(name, status=status, checks=checks if status == "graded" else [],
                         files=["exercises/ex02_conv2d.py"], learner=learner or {})


def test_the_summary_test_is_visible_whatever_the_checks_visibility():
    document = to_gradescope(_result("ann"), visibility="hidden")
    summary, *checks = document["tests"]
    assert summary["visibility"] == "visible" and {c["visibility"] for c in checks} == {"hidden"}
    assert summary["score"] == summary["max_score"] == 0
    assert "exercises/ex02_conv2d.py" in summary["output"] and "02 conv2d" in summary["output"]
    assert f"Total: {find('conv2d').points} / {find('conv2d').points} points." in summary["output"]


@pytest.mark.parametrize("content, expected", [
    ({"users": [{"name": "Ann Lee", "email": "a@x.org", "sid": "007", "id": 5}]},
     {"name": "Ann Lee", "email": "a@x.org", "sid": "007", "id": "5"}),
    ({"users": [{"name": "A"}, {"name": "B", "sid": "2"}]}, {"name": "A; B", "sid": "2"}),
    ({"users": [{"name": "evil\x1b[2J\nname" + "x" * 500}]}, {"name": ("evil [2J name" + "x" * 500)[:200]}),
    ({"users": "nobody"}, {}), ({"users": [1, None]}, {}), ([1, 2], {}), ("not json", {}),
])
def test_submission_metadata_gives_a_clean_identity_or_none(tmp_path, content, expected):
    path = tmp_path / "submission_metadata.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    assert learner_from_metadata(path) == expected
    assert learner_from_metadata(tmp_path / "missing.json") == {}


# ------------------------------------------------------------------ roster and Canvas


def roster_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_a_roster_keeps_identifiers_as_text_and_takes_canvas_headers(tmp_path):
    path = roster_file(tmp_path, "\ufeffSubmission,Student,ID,SIS User ID,SIS Login ID,Section,Email\n"
                                 "ann,\"Lee, Ann\",0042,00123,ann01,A1,ann@x.org\n\n"
                                 "ben,\"Kim, Ben\",77,,,A2,\n")
    roster = read_roster(path)
    assert roster.students["ann"] == {"student": "Lee, Ann", "id": "0042", "sis_user_id": "00123",
                                      "sis_login_id": "ann01", "section": "A1", "email": "ann@x.org"}
    assert roster.students["ben"] == {"student": "Kim, Ben", "id": "77", "section": "A2"}


@pytest.mark.parametrize("text, words", [
    ("", "empty"), ("student,id\nann,1\n", "no 'submission' column"),
    ("submission,id\nann,1\nann,2\n", "line 3: submission 'ann' is listed twice"),
    ("submission,id\n,1\n", "line 2: no submission name"),
])
def test_a_bad_roster_is_named_with_its_line(tmp_path, text, words):
    with pytest.raises(RosterError, match=words):
        read_roster(roster_file(tmp_path, text))
    with pytest.raises(RosterError, match="no such roster"):
        read_roster(tmp_path / "nope.csv")
    (tmp_path / "latin1.csv").write_bytes("submission,student\nann,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(RosterError, match="UTF-8"):
        read_roster(tmp_path / "latin1.csv")


def test_canvas_export_is_canvas_shaped_and_a_grader_error_is_an_empty_cell(tmp_path):
    roster = read_roster(roster_file(tmp_path, "submission,student,id,sis_user_id,sis_login_id,section\n"
                                               "ann,\"Lee, Ann\",0042,00123,ann01,A1\n"
                                               "ben,=HYPERLINK(\"x\"),43,,,A1\n"
                                               "cy,Cy,,,,A2\n"
                                               "dee,Dee,45,,,A2\n"
                                               "eve,Eve,46,,,A2\n"))
    graded = [("ann", _result("ann")), ("ben", _result("ben", score_share=0.0)), ("cy", _result("cy")),
              ("dee", _result("dee", status="grader error")), ("zed", _result("zed"))]
    path, notes = write_canvas(tmp_path, graded, roster, "Layers (1234)", 100)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Layers (1234)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "100"
    by_id = {row[1]: row for row in rows[2:]}
    assert by_id["0042"] == ["Lee, Ann", "0042", "00123", "ann01", "A1", str(find("conv2d").points)]
    assert by_id["43"][0] == "'=HYPERLINK(\"x\")" and by_id["43"][5] == "0"  # a real 0, and no formula
    assert by_id["45"][5] == ""  # grader error: Canvas leaves the grade alone
    assert set(by_id) == {"0042", "43", "45"}
    assert any("cy" in note and "cannot find" in note for note in notes)
    assert any("zed: not in the roster" in note for note in notes)
    assert any("eve" in note and "not graded" in note for note in notes)
    assert any("dee: grader error" in note for note in notes)


def test_the_gradebook_gets_identity_columns_only_when_known(tmp_path):
    graded = [("ann", _result("ann")), ("ben", _result("ben", learner={"name": "Ben", "sid": "0099"}))]
    plain = read_gradebook(write_gradebook(tmp_path, [graded[0]]))
    assert list(plain[0])[:2] == ["name", load_table()[0].id]
    rows = read_gradebook(write_gradebook(tmp_path, graded))
    assert list(rows[0])[:4] == ["name", "student", "sis_user_id", load_table()[0].id]
    assert rows[1]["sis_user_id"] == "0099" and rows[0]["student"] == ""
    roster = read_roster(roster_file(tmp_path, "submission,student,id\nann,\"@Ann\",0001\n"))
    rows = read_gradebook(write_gradebook(tmp_path, graded, roster=roster))
    assert rows[0]["student"] == "'@Ann" and rows[0]["id"] == "0001" and rows[1]["student"] == "Ben"


@pytest.mark.parametrize("value, shown", [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"),
                                          ("ann", "ann"), ("", "")])
def test_csv_cells_never_start_a_formula(value, shown):
    assert csv_cell(value) == shown


def test_grade_with_a_roster_writes_canvas_csv(tmp_path):
    submissions = tmp_path / "class"
    write(submissions / "ann" / "ex02_conv2d.py", (KIT / "solutions" / "ex02_conv2d.py").read_text())
    write(submissions / "ben" / "exercises" / "ex07_flatten.py", (KIT / "exercises" / "ex07_flatten.py").read_text())
    roster = roster_file(tmp_path, "submission,student,id\nann,Ann,0001\nben,Ben,0002\n")
    completed = subprocess.run([sys.executable, "-m", "grader", "grade", str(submissions), "--out",
                                str(tmp_path / "out"), "--roster", str(roster), "--jobs", "2"],
                               cwd=KIT, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-2000:]
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "canvas.csv").read_text(encoding="utf-8"))))
    assert [row[1] for row in rows[2:]] == ["0001", "0002"]
    assert rows[2][5] == str(find("conv2d").points) and rows[3][5] == "0"
    assert read_gradebook(tmp_path / "out" / "gradebook.csv")[0]["id"] == "0001"
    bad = subprocess.run([sys.executable, "-m", "grader", "grade", str(submissions), "--out", str(tmp_path / "x"),
                          "--roster", str(tmp_path / "missing.csv")], cwd=KIT, capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2 and "no such roster file" in bad.stderr
