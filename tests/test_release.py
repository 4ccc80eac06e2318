"""The student bundle: everything a learner needs, nothing an instructor keeps, and it works on its own.

The bundle is written by the real `python -m grader release`. To prove that the
bundle's *own* copy of layerlab works (the kit's .venv has the kit's layerlab
installed editable, which would hide a broken bundle), the bundle is installed
the way a learner installs it — `pip install` of the bundle folder, from its
own pyproject.toml — into a fresh virtual environment that has the third-party
packages but no layerlab (see `make_environment` in conftest.py). A full
install, TensorFlow included, was done once by hand: 3 min 32 s.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.release import (BUNDLE_ENTRIES, BUNDLE_PACKAGES, LEARNER_TIMEOUT, solution_bodies, solution_leaks,
                            student_pyproject)
from layerlab.table import load_table

KIT = Path(__file__).resolve().parent.parent
INSTRUCTOR_TREES = ("solutions", "checks", "grader", "tests")


def grader(*arguments: str, cwd: Path = KIT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("release") / "student"
    completed = grader("release", str(dest))
    assert completed.returncode == 0, completed.stderr
    return dest


def test_bundle_has_what_a_learner_needs(bundle):
    assert sorted(p.name for p in bundle.iterdir()) == sorted(BUNDLE_ENTRIES)
    shipped = {p.name for p in (bundle / "exercises").iterdir()}
    for exercise in load_table():
        assert {f"{exercise.module}.py", f"test_{exercise.module}.py", "conftest.py"} <= shipped, exercise.id
        assert digest(bundle / "exercises" / f"{exercise.module}.py") == digest(exercise.path(KIT))
    for name in ("exercises.toml", "table.py", "pytest_plugin.py", "messages/__init__.py"):
        assert (bundle / "layerlab" / name).is_file(), name
    assert list((bundle / "layerlab" / "messages").glob("*.toml"))
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    assert "## For learners" in readme and "## Credits" in readme
    assert "## For instructors" not in readme and "python -m grader" not in readme
    makefile = (bundle / "Makefile").read_text(encoding="utf-8")
    assert "demo:" in makefile and "test:" in makefile and "pytest exercises" in makefile
    pyproject = (bundle / "pyproject.toml").read_text(encoding="utf-8")
    assert f"packages = {json.dumps(BUNDLE_PACKAGES)}" in pyproject and 'testpaths = ["exercises"]' in pyproject


def test_the_bundles_project_file_is_for_learners(bundle):
    """A learner's endless loop fails in minutes, not half an hour; no master-copy comment reaches them;
    `make demo` on unsolved exercises is not an error (no ignored failures in the Makefile)."""
    import re

    from layerlab.compat import tomllib

    text = (bundle / "pyproject.toml").read_text(encoding="utf-8")
    settings = tomllib.loads(text)
    assert settings["tool"]["pytest"]["ini_options"]["timeout"] == LEARNER_TIMEOUT <= 300
    assert settings["project"]["requires-python"] == ">=3.10,<3.14"
    kit_comments = [line.split("#", 1)[1].strip() for line in (KIT / "pyproject.toml").read_text().splitlines()
                    if "#" in line and not line.lstrip().startswith(('"', "'"))]
    assert kit_comments and not [c for c in kit_comments if c and c in text]
    assert "your exercises" in text.lower() and f"{LEARNER_TIMEOUT} seconds" in text
    assert text == student_pyproject()
    makefile = (bundle / "Makefile").read_text(encoding="utf-8")
    assert not re.search(r"^\t-", makefile, flags=re.M), "a recipe line whose failure make ignores (and reports)"
    assert re.search(r"^demo:.*\n(?:#.*\n)*\t\$\(BIN\)/layerlab progress$", makefile, flags=re.M)


def test_bundle_has_nothing_an_instructor_keeps(bundle):
    names = [str(p.relative_to(bundle)) for p in files_under(bundle)]
    assert not [n for n in names if n.split("/")[0] in INSTRUCTOR_TREES], names
    assert not [n for n in names if "calibration" in n], names
    templates = KIT / "grader" / "templates"  # the bundle's own Makefile and .gitignore: made to ship
    kept = {digest(p): str(p.relative_to(KIT)) for tree in ("solutions", "checks", "grader")
            for p in files_under(KIT / tree) if p.stat().st_size > 0 and templates not in p.parents}
    copied = [f"{p.relative_to(bundle)} = {kept[digest(p)]}" for p in files_under(bundle) if digest(p) in kept]
    assert copied == []


def test_no_solution_body_occurs_in_the_bundle(bundle):
    assert len(solution_bodies()) >= len(load_table())  # every solution function was read
    assert solution_leaks(bundle) == []


def test_the_leak_check_finds_a_solved_stub(bundle, tmp_path):
    """A solution's body pasted into a stub (re-indented, with its comments) is found."""
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    source = (KIT / "solutions" / "ex02_conv2d.py").read_text(encoding="utf-8")
    function = next(node for node in ast.parse(source).body
                    if isinstance(node, ast.FunctionDef) and node.name == "build_conv2d")
    first = function.body[1] if isinstance(function.body[0], ast.Expr) else function.body[0]  # after the docstring
    lines = source.splitlines()[first.lineno - 1:function.end_lineno]
    stub = copy / "exercises" / "ex02_conv2d.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "\n\nclass Oops:\n    def build(self):\n"
                    + "\n".join("    " + line for line in lines) + "\n", encoding="utf-8")
    assert solution_leaks(copy) == ["exercises/ex02_conv2d.py has the body of solutions/ex02_conv2d.py: build_conv2d()"]


def test_release_refuses_a_folder_that_is_not_empty(tmp_path):
    dest = tmp_path / "repository"
    (dest / ".git").mkdir(parents=True)
    (dest / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    refused = grader("release", str(dest))
    assert refused.returncode == 2 and "not empty" in refused.stderr and "--force" in refused.stderr
    assert sorted(p.name for p in dest.iterdir()) == [".git"]
    forced = grader("release", str(dest), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (dest / ".git" / "HEAD").is_file() and (dest / "exercises").is_dir()
    assert grader("release", str(KIT)).returncode == 2  # never over the master copy


def test_pytest_exercises_runs_in_the_installed_bundle(bundle, tmp_path, make_environment):
    python = make_environment("learner")
    environment = python.parent.parent
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-build-isolation", "--no-index", "--quiet", str(bundle)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST_"))}
    env["LAYERLAB_LANG"] = "en"
    # -P: the current folder is not put on sys.path, so what runs is the installed copy.
    where = subprocess.run([str(python), "-P", "-c", "import layerlab.pytest_plugin as p; print(p.__file__)"],
                           cwd=bundle, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(environment), where.stdout
    completed = subprocess.run([str(python), "-P", "-m", "pytest", "exercises"], cwd=bundle, env=env,
                               capture_output=True, text=True, timeout=600)
    output = completed.stdout
    assert completed.returncode == 1, output[-3000:] + completed.stderr[-3000:]  # every test fails: not started
    for exercise in load_table():
        line = next((l for l in output.splitlines() if exercise.label("en") in l), "")
        assert line.rstrip().endswith("not started"), f"{exercise.id}: {line!r}\n{output[-3000:]}"
    assert f"0/{len(load_table())} exercises passing" in output
    assert " passed" not in output.splitlines()[-1]
