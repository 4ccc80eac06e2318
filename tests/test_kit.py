"""The kit checks itself: the table, the files, the stubs and the solutions agree."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from layerlab.compat import tomllib
from layerlab.table import load_table

KIT = Path(__file__).resolve().parent.parent
EXERCISES = load_table()


def functions_of(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_at_least_twelve_exercises_in_order():
    assert len(EXERCISES) >= 12
    assert [e.number for e in EXERCISES] == list(range(1, len(EXERCISES) + 1))
    assert [e.module for e in EXERCISES] == sorted(e.module for e in EXERCISES)


# What one exercise needs, in the order docs/CONTRIBUTING.md ("Adding an exercise") lists it.
PIECES = (
    ("its stub", "exercises/{module}.py"),
    ("its visible test", "exercises/test_{module}.py"),
    ("its reference solution", "solutions/{module}.py"),
    ("its hidden check", "checks/check_{module}.py"),
    ("its mutants and alternatives", "grader/variants/{module}.toml"),
)


def missing_pieces(exercise, root: Path = KIT) -> list[str]:
    """What the exercise still lacks, each named with its file: [] when it is complete."""
    missing = []
    for what, pattern in PIECES:
        path = root / pattern.format(module=exercise.module)
        if not path.is_file():
            missing.append(f"{what} ({path.relative_to(root)})")
        elif what == "its hidden check" and not any(name.startswith("check_") for name in functions_of(path)):
            missing.append(f"a check_* function in {path.relative_to(root)}")
        elif what == "its mutants and alternatives" and not tomllib.loads(path.read_text(encoding="utf-8")).get("mutant"):
            missing.append(f"a [[mutant]] in {path.relative_to(root)}")
    if len(exercise.hints) < 2 or not all(hint["en"].strip() and hint["ko"].strip() for hint in exercise.hints):
        missing.append("two hints or more, each in English and Korean (layerlab/exercises.toml)")
    if exercise.points <= 0:
        missing.append("points (layerlab/exercises.toml)")
    return missing


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_every_entry_has_every_piece(exercise):
    missing = missing_pieces(exercise)
    assert missing == [], f"exercise '{exercise.id}' lacks " + "; ".join(missing) + " (docs/CONTRIBUTING.md)"


def test_a_new_entry_is_told_each_missing_piece(tmp_path):
    """An entry whose files are not written yet: every piece is named, and writing one takes it off the list."""
    new = dataclasses.replace(EXERCISES[0], module="ex99_new", hints=EXERCISES[0].hints[:1])
    assert len(missing_pieces(new, tmp_path)) == len(PIECES) + 1
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "check_ex99_new.py").write_text("def helper():\n    pass\n", encoding="utf-8")
    assert "a check_* function in checks/check_ex99_new.py" in missing_pieces(new, tmp_path)
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "ex99_new.py").write_text("", encoding="utf-8")
    assert not any("exercises/ex99_new.py" in piece for piece in missing_pieces(new, tmp_path))


def test_no_stray_exercise_files():
    modules = {e.module for e in EXERCISES}
    for folder, pattern, prefix in (("exercises", "ex*.py", ""), ("solutions", "ex*.py", ""),
                                    ("exercises", "test_*.py", "test_"), ("checks", "check_*.py", "check_")):
        for path in (KIT / folder).glob(pattern):
            assert path.stem.removeprefix(prefix) in modules, f"{folder}/{path.name} is not in exercises.toml"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_stub_and_solution_mirror_each_other(exercise):
    stub_path, solution_path = exercise.path(KIT, "exercises"), exercise.path(KIT, "solutions")
    stub, solution = functions_of(stub_path), functions_of(solution_path)
    assert list(stub) == list(solution) == list(exercise.functions)
    stub_doc = ast.get_docstring(ast.parse(stub_path.read_text(encoding="utf-8")))
    assert stub_doc == ast.get_docstring(ast.parse(solution_path.read_text(encoding="utf-8")))
    for name in exercise.functions:
        assert ast.dump(stub[name].args) == ast.dump(solution[name].args), f"{name}: signatures differ"
        assert ast.get_docstring(stub[name]) == ast.get_docstring(solution[name]), f"{name}: docstrings differ"
        last = stub[name].body[-1]
        assert isinstance(last, ast.Raise) and "NotImplementedError" in ast.unparse(last), f"{name}: stub body"
    assert stub_path.read_text(encoding="utf-8").count("# TODO") >= len(exercise.functions)


def run_visible_tests(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "exercises", "-p", "no:cacheprovider", *arguments],
                          cwd=KIT, capture_output=True, text=True, timeout=900)


def test_every_solution_passes_its_visible_tests():
    completed = run_visible_tests("--target", "solutions", "-q")
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert f"{len(EXERCISES)}/{len(EXERCISES)} exercises passing" in completed.stdout


def test_every_untouched_stub_is_reported_not_started_without_a_traceback():
    completed = run_visible_tests("-q")
    assert completed.returncode == 1
    assert f"0/{len(EXERCISES)} exercises passing" in completed.stdout
    assert completed.stdout.count("not started") >= len(EXERCISES)
    for noise in ("Traceback", "\nE   ", "NotImplementedError\n", "cuda", "absl"):
        assert noise not in completed.stdout + completed.stderr, f"{noise!r} in the learner's output"
    for exercise in EXERCISES:
        assert f"{exercise.label('en')}" in completed.stdout
