"""The results boundary: learner text, names and archives can never break a report or the grader.

Each class has cases of its own: control characters and lone surrogates in
any text (terminal, results.json, junit.xml, gradebook.csv), spreadsheet
formulas, names that collide with each other or with the grader's own files,
zips that zipfile cannot read, and grader errors that must not look like a 0.
"""

from __future__ import annotations

import io
import json
import struct
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import pytest

from grader import sanitize
from grader.grade import unique_names
from grader.gradebook import GRADEBOOK_NAME, read_gradebook, write_gradebook
from grader.report import table
from grader.results import ERROR, FAILED, CheckResult, GradingResult, write_results
from grader.stage import Refused, stage, submission_name

KIT = Path(__file__).resolve().parent.parent
HOSTILE_TEXTS = [
    "\ud800 a lone surrogate", "\x1b[2J\x1b[Htotal 100 / 100", "NUL\x00BEL\x07BS\x08", "carriage\rreturn",
    "C1 \x85 \x9b31m", "DEL \x7f", "bidi \u202egnp.exe", "not characters \ufffe\uffff", "\udcff\udcfe from bytes",
]
READABLE = "합성곱 층: 커널 (3, 3, 1, 8) — café ✓\n\tindented"


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS)
def test_text_escapes_what_terminals_and_xml_cannot_carry(hostile):
    cleaned = sanitize.text(hostile)
    assert not any(ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF
                   for c in cleaned)
    cleaned.encode("utf-8")  # no surrogates left
    assert "\\x" in cleaned or "\\u" in cleaned  # escaped visibly, not silently dropped


def test_learner_text_stays_readable():
    assert sanitize.text(READABLE) == READABLE


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"])
def test_formula_cells_are_neutralised(value):
    cleaned = sanitize.cell(value)
    assert cleaned.startswith(("'", "\\x0d")) and "\r" not in cleaned


def hostile_result(name: str = "eve\x1b[2J\ud800") -> GradingResult:
    checks = [CheckResult("relu", f"relu: check {i} {text}", FAILED, 0.0, 3.0, f"raised ValueError: {text}")
              for i, text in enumerate(HOSTILE_TEXTS)]
    checks.append(CheckResult("conv2d", "conv2d: check", ERROR, 0.0, 10.0, "the check could not run (\x00)"))
    return GradingResult(name, checks=checks, output="\x1b]0;owned\x07 refused: 'ex\udcff.py'",
                         events=HOSTILE_TEXTS, versions={"child_keras": "\x1b[31m3"})


def no_unsafe_characters(text: str) -> bool:
    return sanitize.text(text) == text


def test_results_json_junit_and_table_are_clean_whatever_the_learner_wrote(tmp_path):
    result = hostile_result()
    write_results(result, tmp_path)
    raw = (tmp_path / "results.json").read_text(encoding="utf-8")
    document = json.loads(raw)
    assert no_unsafe_characters(json.dumps(document, ensure_ascii=False))
    assert "total 100 / 100" in raw  # the learner's words are kept, only the escapes are defused
    root = ElementTree.parse(tmp_path / "junit.xml").getroot()  # well-formed
    assert len(root.find("testsuite").findall("testcase")) == len(result.checks)
    printed = table(result)
    assert "\x1b" not in printed and no_unsafe_characters(printed)


def test_gradebook_cells_are_clean_and_a_grader_error_is_no_zero(tmp_path):
    graded = [("=HYPERLINK(\"http://evil\")", GradingResult("x", checks=[
                  CheckResult("relu", "relu: a", "passed", 6.0, 6.0)])),
              ("dee", GradingResult("dee", status="grader error", output="the grader itself failed"))]
    path = write_gradebook(tmp_path, graded, {"dee": "class/dee\x1b[2J", "=HYPERLINK(\"http://evil\")": "-x.zip"})
    rows = read_gradebook(path)
    assert rows[0]["name"].startswith("'=") and rows[0]["source"] == "'-x.zip" and rows[0]["relu"] == "6"
    assert rows[1]["status"] == "grader error" and rows[1]["total"] == "" and rows[1]["relu"] == ""
    assert "\x1b" not in path.read_text(encoding="utf-8")


def test_junit_has_an_error_case_for_a_grader_error(tmp_path):
    write_results(GradingResult("dee", status="grader error", output="worker exit 1"), tmp_path)
    suite = ElementTree.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite.get("errors") == "1" and suite.find("testcase/error").get("message") == "worker exit 1"


# ------------------------------------------------------------------ names

@pytest.mark.parametrize("paths", [
    ["c/ben", "c/ben-2", "c/ben.zip"],
    ["c/ben.zip", "c/ben", "c/ben-2", "c/ben-2.zip", "d/ben"],
    ["c/Ben", "c/ben", "c/BEN.zip"],
    ["c/gradebook.csv.zip", "c/gradebook.zip", "c/Gradebook.CSV", "c/summary"],
    ["c/..zip", "c/.hidden", "c/...zip", "c/.zip.zip"],
])
def test_names_are_unique_and_never_the_graders_own_files(paths):
    names = unique_names([Path(p) for p in paths])
    assert len({name.casefold() for name in names}) == len(names), names
    for name in names:
        assert name.casefold() not in (GRADEBOOK_NAME, "gradebook", "summary") and not name.startswith(".")
        assert "/" not in name and no_unsafe_characters(name)


@pytest.mark.parametrize("raw, expected", [
    ("김민준.zip", "김민준"), ("ana", "ana"), ("eve\x1b[2J.zip", "eve__2J"), ("a/b", "b"),
    ("\udcff\udcfe", "__"), ("=cmd|' -C calc'!A0.zip", "=cmd_' -C calc'_A0"),
])
def test_names_are_safe_folder_names(raw, expected):
    assert submission_name(Path("/tmp") / raw) == expected


# ------------------------------------------------------------------- zips

RELU = (KIT / "solutions" / "ex05_relu.py").read_bytes()


def zip_bytes(name: str = "ex05_relu.py", data: bytes = RELU, method: int = zipfile.ZIP_DEFLATED, flags: int = 0):
    buffer = io.BytesIO()
    info = zipfile.ZipInfo(name)
    info.compress_type = method
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, data)
    raw = bytearray(buffer.getvalue())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # general purpose flags in both headers
        at = raw.find(header)
        flag_at = at + (6 if header == b"PK\x03\x04" else 8)
        struct.pack_into("<H", raw, flag_at, struct.unpack_from("<H", raw, flag_at)[0] | flags)
    return raw


def local_data_offset(raw: bytes) -> int:
    name_length, extra_length = struct.unpack_from("<HH", raw, 26)
    return 30 + name_length + extra_length


def not_utf8_name() -> bytes:
    return bytes(zip_bytes("ex05_relX.py", flags=0x800)).replace(b"ex05_relX.py", b"ex05_rel\xff.py")


def corrupt_deflate() -> bytes:
    raw = zip_bytes()
    start = local_data_offset(raw)
    raw[start:start + 40] = b"\xff" * 40
    return bytes(raw)


def crc_error() -> bytes:
    raw = zip_bytes(method=zipfile.ZIP_STORED)
    raw[local_data_offset(raw) + 10] ^= 0x55
    return bytes(raw)


def unknown_method() -> bytes:
    raw = zip_bytes(method=zipfile.ZIP_STORED)
    for header, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        struct.pack_into("<H", raw, raw.find(header) + at, 99)
    return bytes(raw)


@pytest.mark.parametrize("make", [
    not_utf8_name, corrupt_deflate, crc_error, unknown_method,
    lambda: bytes(zip_bytes(flags=0x1)),  # "encrypted", with no password to give
    lambda: bytes(zip_bytes())[:60],  # truncated
    lambda: b"PK\x05\x06" + b"\x00" * 18,  # an empty central directory and nothing else
    lambda: b"not a zip at all",
])
def test_any_zip_that_cannot_be_read_is_refused_with_a_message(tmp_path, make):
    archive = tmp_path / "ana.zip"
    archive.write_bytes(make())
    try:
        staged = stage(archive)
    except Refused as refusal:
        assert "ana.zip" in str(refusal)
    else:  # zipfile read it after all: then it must have found nothing it could not read
        assert set(staged.sources) <= {"ex05_relu"}


def test_a_refused_member_name_reaches_the_report_defused(tmp_path):
    archive = tmp_path / "eve.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../\x1b[2J\x07.py", b"x = 1")
    with pytest.raises(Refused) as refusal:
        stage(archive)
    write_results(GradingResult("eve", status="refused", output=f"Submission refused: {refusal.value}"), tmp_path)
    ElementTree.parse(tmp_path / "junit.xml")
    assert "\x1b" not in (tmp_path / "results.json").read_text(encoding="utf-8")


# ------------------------------------------------------------ grader errors

def test_a_check_that_could_not_run_makes_a_grader_error_not_a_grade(tmp_path, monkeypatch):
    import grader.check
    import grader.grade
    import layerlab.quiet

    broken = CheckResult("relu", "relu: check_build_relu", ERROR, 0.0, 6.0, "the check could not run (KeyError)")
    monkeypatch.setattr(grader.check, "run_checks", lambda submission: ([broken], ["check_ex05: KeyError"]))
    monkeypatch.setattr(layerlab.quiet, "import_tensorflow", lambda: None)
    monkeypatch.setattr(grader.grade, "_versions", lambda: {})
    (tmp_path / "ana").mkdir()
    result = grader.grade.grade_one(tmp_path / "ana", tmp_path / "out", grader.grade.Limits())
    assert result.status == "grader error" and "regrade" in result.output
    document = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert document["extra_data"]["status"] == "grader error"
    suite = ElementTree.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite")
    assert [case.get("name") for case in suite.findall("testcase") if case.find("error") is not None][0] == \
        "grader error"
