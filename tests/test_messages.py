"""English and Korean: every message, hint, title and exercise docstring exists in both languages."""

from __future__ import annotations

import ast
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from layerlab.messages import LANGUAGES, catalog, say
from layerlab.table import load_table

KIT = Path(__file__).resolve().parent.parent
EXERCISES = load_table()
HANGUL = re.compile("[\uac00-\ud7a3]")
CLI = KIT / "layerlab" / "cli.py"


def fields(text: str) -> set[str]:
    """The {fields} of a str.format text: {title!r} and {accuracy:.3f} count as title and accuracy."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def has_words(text: str) -> bool:
    """Text with words in it, once fields and `code` are taken out (so '{label} — {path}' has none)."""
    return re.search(r"[A-Za-z]{2,}", re.sub(r"\{[^}]*\}|`[^`]*`", "", text)) is not None


@pytest.mark.parametrize("key", sorted(catalog()))
def test_every_message_has_english_and_korean_with_the_same_fields(key):
    texts = catalog()[key]
    assert sorted(texts) == sorted(LANGUAGES), f"message '{key}' has languages {sorted(texts)}"
    assert texts["en"].strip() and texts["ko"].strip(), f"message '{key}' has an empty text"
    assert fields(texts["en"]) == fields(texts["ko"]), f"message '{key}': the fields differ"
    if has_words(texts["en"]):
        assert HANGUL.search(texts["ko"]), f"message '{key}': the ko text is not Korean"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_every_title_and_hint_level_has_english_and_korean(exercise):
    for text in (exercise.title, *exercise.hints):
        assert text["en"].strip() and HANGUL.search(text["ko"]), f"exercises.toml: '{exercise.id}': {text}"


@pytest.mark.parametrize("tree", ["exercises", "solutions"])
@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_every_exercise_docstring_has_english_and_korean(exercise, tree):
    docstring = ast.get_docstring(ast.parse(exercise.path(KIT, tree).read_text(encoding="utf-8")))
    assert docstring and HANGUL.search(docstring), f"{tree}/{exercise.module}.py: no Korean in the docstring"
    assert re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", docstring), f"{tree}/{exercise.module}.py: no English"


def cli_literals() -> tuple[list[str], list[str]]:
    """(message keys given to say(), every other string literal) in layerlab/cli.py, docstrings left out."""
    tree = ast.parse(CLI.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node)}
    keys = [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say"
            and isinstance(node.args[0], ast.Constant)]
    others = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings and node.value not in keys]
    return keys, others


def test_cli_strings_come_from_the_catalog_in_both_languages():
    keys, others = cli_literals()
    assert len(keys) > 20  # the parse found the command's messages
    for key in keys:
        assert key in catalog(), f"layerlab/cli.py uses message '{key}', which the catalog does not have"
        assert all(catalog()[key][lang].strip() for lang in LANGUAGES)
    sentences = [text for text in others if re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", text)]
    assert sentences == [], f"layerlab/cli.py has words outside the message catalog: {sentences}"


def test_pytest_exercises_speaks_korean_with_layerlab_lang():
    environment = {**os.environ, "LAYERLAB_LANG": "ko"}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises/test_ex05_relu.py", "-q", "-p", "no:cacheprovider"],
        cwd=KIT, capture_output=True, text=True, timeout=300, env=environment)
    relu = next(e for e in EXERCISES if e.id == "relu")
    output = completed.stdout
    assert completed.returncode == 1, output[-2000:]
    assert say("not_started", "ko", function="build_relu", path="exercises/ex05_relu.py") in output
    assert relu.label("ko") in output and say("state_not_started", "ko") in output
    assert say("summary", "ko", passing=0, total=1) in output
    assert say("try_hint", "ko", exercise="relu") in output
    assert "not started" not in output and "Stuck?" not in output
