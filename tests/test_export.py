"""Exports: the Gradescope autograder runs in a fake /autograder, and the Classroom workflow is well-formed.

The autograder zip is unpacked into tmp_path as Gradescope lays it out
(source/, submission/, results/, run_autograder) and run_autograder is run with
AUTOGRADER_ROOT pointing there, no LAYERLAB_DATA and an empty HOME (the MNIST
files must come from the zip), and as python3 a fresh environment with the
kit's third-party packages but no layerlab — what Gradescope has after setup.sh,
which pip installs requirements.txt and is not run here (it was run once by
hand in a fresh virtual environment: 142 s). results/results.json is checked
against the facts of Gradescope's results schema.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from layerlab.table import load_table, tomllib

KIT = Path(__file__).resolve().parent.parent
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def grader(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=KIT, capture_output=True, text=True,
                          timeout=300)


def gradescope_problems(document: dict) -> list[str]:
    """What in a results.json breaks Gradescope's schema (empty when nothing does)."""
    problems = []

    def need(where: str, value, kinds, allowed=None) -> None:
        if isinstance(value, bool) or not isinstance(value, kinds):
            problems.append(f"{where}: {value!r} is not {kinds}")
        elif allowed is not None and value not in allowed:
            problems.append(f"{where}: {value!r} is not one of {sorted(allowed)}")

    need("score", document.get("score"), (int, float))
    need("execution_time", document.get("execution_time"), (int, float))
    need("output", document.get("output"), str)
    need("visibility", document.get("visibility"), str, VISIBILITY)
    need("stdout_visibility", document.get("stdout_visibility"), str, VISIBILITY)
    need("tests", document.get("tests"), list)
    for number, test in enumerate(document.get("tests") or []):
        where = f"tests[{number}]"
        need(where, test, dict)
        if not isinstance(test, dict):
            continue
        need(f"{where}.score", test.get("score"), (int, float))
        need(f"{where}.max_score", test.get("max_score"), (int, float))
        need(f"{where}.name", test.get("name"), str)
        need(f"{where}.output", test.get("output"), str)
        need(f"{where}.visibility", test.get("visibility"), str, VISIBILITY)
        need(f"{where}.status", test.get("status"), str, {"passed", "failed"})
        need(f"{where}.tags", test.get("tags"), list)
        for tag in test.get("tags") or []:
            need(f"{where}.tags[]", tag, str)
    return problems


def test_the_validator_rejects_what_gradescope_rejects():
    good = {"score": 1, "execution_time": 2.0, "output": "", "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [{"score": 1, "max_score": 1, "name": "a", "output": "", "visibility": "hidden",
                       "status": "passed", "tags": ["x"]}]}
    assert gradescope_problems(good) == []
    bad = json.loads(json.dumps(good))
    bad["visibility"] = "later"
    bad["tests"][0].update(status="ok", score="1", tags="x")
    assert len(gradescope_problems(bad)) == 4


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
    with open(KIT / "pyproject.toml", "rb") as handle:
        declared = tomllib.load(handle)["project"]["dependencies"]
    for requirement in declared:
        if ";" not in requirement:  # the ones this Python installs are pinned exactly
            name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)
            assert re.search(rf"^{re.escape(name)}==\S+$", pins, flags=re.M), f"{name} is not pinned:\n{pins}"
    assert re.search(r"^keras==\S+$", pins, flags=re.M)


def fake_gradescope(tmp_path: Path, autograder: Path, submission: Path) -> Path:
    """/autograder as Gradescope lays it out: the zip in source/, the files in submission/, results/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder) as archive:
        for info in archive.infolist():
            target = archive.extract(info, root / "source")
            os.chmod(target, (info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copytree(submission, root / "submission", ignore=shutil.ignore_patterns("__pycache__", "test_*"))
    (root / "results").mkdir()
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope does
    return root


@pytest.fixture(scope="module")
def gradescope_python(make_environment) -> Path:
    """python3 as on Gradescope after setup.sh: the pinned packages, and no layerlab installed."""
    python = make_environment("gradescope")
    missing = subprocess.run([str(python), "-c", "import layerlab"], cwd=python.parent, capture_output=True, text=True)
    assert "No module named 'layerlab'" in missing.stderr
    return python


def run_autograder(root: Path, tmp_path: Path, python: Path) -> tuple[dict, subprocess.CompletedProcess]:
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "AUTOGRADER_ROOT": str(root),
           "HOME": str(home), "LANG": "C.UTF-8"}  # no LAYERLAB_DATA, no Keras cache: the zip's data or nothing
    completed = subprocess.run([str(root / "run_autograder")], cwd=tmp_path, env=env, capture_output=True,
                               text=True, timeout=900)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
    assert f"grader: {root / 'source' / 'grader'}" in completed.stdout  # the zip's grader, not the kit's
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8")), completed


def test_solutions_get_full_marks_on_gradescope(autograder, tmp_path, gradescope_python):
    document, _ = run_autograder(fake_gradescope(tmp_path, autograder, KIT / "solutions"), tmp_path,
                                 gradescope_python)
    assert gradescope_problems(document) == []
    maximum = document["extra_data"]["max_score"]
    assert maximum > 0 and document["score"] == maximum, [t["output"] for t in document["tests"]
                                                          if t["status"] != "passed"]
    assert {t["visibility"] for t in document["tests"]} == {"after_published"}  # the default, passed through


def test_stubs_get_zero_on_gradescope(tmp_path, gradescope_python):
    hidden = tmp_path / "hidden.zip"
    completed = grader("export", "gradescope", str(hidden), "--visibility", "hidden")
    assert completed.returncode == 0, completed.stderr
    document, _ = run_autograder(fake_gradescope(tmp_path, hidden, KIT / "exercises"), tmp_path, gradescope_python)
    assert gradescope_problems(document) == []
    assert document["score"] == 0 and document["tests"]
    assert document["visibility"] == "hidden" and {t["visibility"] for t in document["tests"]} == {"hidden"}


def test_visibility_must_be_one_gradescope_knows(tmp_path):
    completed = grader("export", "gradescope", str(tmp_path / "x.zip"), "--visibility", "tomorrow")
    assert completed.returncode == 2 and "invalid choice" in completed.stderr
    assert not (tmp_path / "x.zip").exists()


# ------------------------------------------------------------------ GitHub Classroom


def parse_block_yaml(text: str):
    """A strict reader for the YAML subset the export writes: block mappings and sequences,
    two-space indentation, scalars that are numbers or double-quoted (JSON) strings.
    Anything else raises ValueError, so the file is well-formed YAML of that shape."""
    lines = [(len(line) - len(line.lstrip(" ")), line.strip(), number)
             for number, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")]

    def scalar(token: str, number: int):
        if token.startswith('"'):
            return json.loads(token)
        if re.fullmatch(r"-?\d+(\.\d+)?", token):
            return json.loads(token)
        raise ValueError(f"line {number}: {token!r} is neither a number nor a quoted string")

    def block(index: int, indent: int):
        if lines[index][1].startswith("- "):
            items = []
            while index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("- "):
                _, content, number = lines[index]
                rest = content[2:]
                if re.match(r"[\w-]+:( |$)", rest):  # a mapping item: its first key is on the dash line
                    lines[index] = (indent + 2, rest, number)
                    value, index = block(index, indent + 2)
                else:
                    value, index = scalar(rest, number), index + 1
                items.append(value)
            return items, index
        mapping = {}
        while index < len(lines) and lines[index][0] == indent:
            _, content, number = lines[index]
            match = re.fullmatch(r"([\w-]+):(?: (.*))?", content)
            if not match or match.group(1) in mapping:
                raise ValueError(f"line {number}: {content!r} is not a new 'key: value'")
            if match.group(2) is not None:
                mapping[match.group(1)], index = scalar(match.group(2), number), index + 1
            elif index + 1 < len(lines) and lines[index + 1][0] > indent:
                mapping[match.group(1)], index = block(index + 1, lines[index + 1][0])
            else:
                raise ValueError(f"line {number}: '{match.group(1)}:' has no value")
        if index < len(lines) and lines[index][0] > indent:
            raise ValueError(f"line {lines[index][2]}: unexpected indentation")
        return mapping, index

    value, end = block(0, 0)
    if end != len(lines):
        raise ValueError(f"line {lines[end][2]}: left over")
    return value


def load_workflow(text: str) -> dict:
    try:
        import yaml
    except ImportError:
        return parse_block_yaml(text)
    document = yaml.safe_load(text)
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    assert document == parse_block_yaml(text)
    return document


def test_the_yaml_reader_refuses_what_is_not_well_formed():
    assert parse_block_yaml('a:\n  - "x"\n  - b: 1\n    c: "d"\n') == {"a": ["x", {"b": 1, "c": "d"}]}
    for broken in ('a: x\n', 'a:\n  b: 1\n   c: 2\n', 'a: 1\na: 2\n', 'a:\n', 'a: "unterminated\n'):
        with pytest.raises(ValueError):
            parse_block_yaml(broken)


def test_classroom_workflow_runs_every_exercise(tmp_path):
    bundle = tmp_path / "student"
    assert grader("release", str(bundle)).returncode == 0
    completed = grader("export", "classroom", str(bundle))
    assert completed.returncode == 0, completed.stderr
    text = (bundle / ".github" / "workflows" / "classroom.yml").read_text(encoding="utf-8")
    assert "the grade of\n# record comes from the instructor" in text  # the honest caveat, in the file itself
    workflow = load_workflow(text)
    assert workflow["name"] == "Autograding Tests" and workflow["on"] == ["push", "repository_dispatch"]
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    graders = [s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-command-grader")]
    assert len(graders) == len(load_table())
    for exercise, step in zip(load_table(), graders):
        test_file = f"exercises/test_{exercise.module}.py"
        assert (bundle / test_file).is_file()
        assert step["with"]["command"].startswith(f"python -m pytest {test_file} ")
        assert step["with"]["max-score"] == exercise.points and exercise.id in step["with"]["test-name"]
    reporter = steps[-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter")
    ids = [step["id"] for step in graders]
    assert reporter["with"]["runners"] == ",".join(ids)
    assert reporter["env"] == {f"{i.upper()}_RESULTS": f"${{{{steps.{i}.outputs.result}}}}" for i in ids}
