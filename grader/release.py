"""Release: write the student bundle — what a learner receives, and nothing else.

    DEST/exercises/      the stubs and visible tests of every exercise in the table
    DEST/layerlab/       the helper package (learner plugin, messages, table)
    DEST/README.md       the learner's README (grader/templates around docs/LEARNERS.md)
    DEST/pyproject.toml  the kit's, packaging `layerlab` only, testing `exercises`
    DEST/Makefile        `make demo` and `make test`, as in the kit
    DEST/.gitignore

No solutions, hidden checks, grader, calibration data or kit tests. The bundle
is built in a scratch folder and searched for the body of every reference
solution before anything reaches DEST; a stub that was solved by mistake stops
the release.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import string
import tempfile
from pathlib import Path

from grader.paths import KIT_ROOT, SOLUTIONS_DIR, TEMPLATES_DIR as TEMPLATES
from layerlab.table import load_table

from layerlab.compat import tomllib

# What a release owns in DEST: replaced on --force; anything else there (.git, .github) stays.
BUNDLE_PACKAGES = ["layerlab", "layerlab.messages"]  # what the bundle's pyproject.toml installs
LEARNER_TIMEOUT = 120  # seconds per visible test: the slowest (training) takes about 22 s on a busy 2-core machine
BUNDLE_PYTHONS = ">=3.10,<3.14"  # what the bundle installs and runs on (.ci/bundle-lane checks both ends)
BUNDLE_DESCRIPTION = "The layerlab exercises: follow one MNIST image through the layers of a Keras 3 CNN."
BUNDLE_HEADER = f"""\
# The project file of your layerlab exercises. `make test` (or `pytest exercises`) reads it,
# and `make install` installs the `layerlab` helper package your exercises import.
# Each visible test may take at most {LEARNER_TIMEOUT} seconds: a function of yours that never
# returns (an endless loop) fails with "Timeout" instead of hanging; the slowest test,
# training the model, takes about half a minute.

"""
BUNDLE_ENTRIES = ("exercises", "layerlab", "README.md", "pyproject.toml", "Makefile", ".gitignore")
KIT_TREES = ("exercises", "solutions", "checks", "grader", "layerlab", "tests")
NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


class ReleaseError(Exception):
    """The bundle cannot be written; the message says why and what to do."""


def release(dest: Path, force: bool = False) -> Path:
    """Write the student bundle into `dest` (empty or new, or anything with force)."""
    dest = Path(dest).expanduser().resolve()
    _refuse_unsafe(dest, force)
    scratch = Path(tempfile.mkdtemp(prefix="layerlab-release-"))
    try:
        build(scratch)
        leaks = solution_leaks(scratch)
        if leaks:
            raise ReleaseError("the bundle would give solutions away (nothing was written):\n  "
                               + "\n  ".join(leaks[:10]))
        move_entries(scratch, dest, BUNDLE_ENTRIES)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return dest


def _refuse_unsafe(dest: Path, force: bool) -> None:
    if dest == KIT_ROOT or dest in KIT_ROOT.parents:
        raise ReleaseError(f"{dest}: that would overwrite the master copy; choose a folder outside it "
                           "(or inside it, e.g. out/student)")
    for tree in KIT_TREES:
        if dest == KIT_ROOT / tree or KIT_ROOT / tree in dest.parents:
            raise ReleaseError(f"{dest}: inside the kit's {tree}/ folder; choose another folder (e.g. out/student)")
    if dest.exists() and not dest.is_dir():
        raise ReleaseError(f"{dest}: is a file, not a folder")
    if dest.exists() and any(dest.iterdir()) and not force:
        raise ReleaseError(f"{dest}: not empty; use --force to write the bundle into it "
                           f"({', '.join(BUNDLE_ENTRIES)} are replaced, anything else such as .git stays)")


def build(folder: Path) -> None:
    """Every bundle entry, written into `folder`."""
    missing = []
    (folder / "exercises").mkdir()
    for exercise in load_table():
        for source in (exercise.path(KIT_ROOT), exercise.test_path(KIT_ROOT)):
            if source.is_file():
                shutil.copy2(source, folder / "exercises" / source.name)
            else:
                missing.append(f"exercise '{exercise.id}' has no {source.relative_to(KIT_ROOT)}")
    if missing:
        raise ReleaseError("layerlab/exercises.toml lists files the kit does not have:\n  " + "\n  ".join(missing))
    shutil.copy2(KIT_ROOT / "exercises" / "conftest.py", folder / "exercises")  # loads the tests' plugin
    shutil.copytree(KIT_ROOT / "layerlab", folder / "layerlab", ignore=NOT_SHIPPED)
    (folder / "README.md").write_text(student_readme(), encoding="utf-8")
    (folder / "pyproject.toml").write_text(student_pyproject(), encoding="utf-8")
    shutil.copyfile(TEMPLATES / "Makefile.student", folder / "Makefile")
    shutil.copyfile(TEMPLATES / "gitignore.student", folder / ".gitignore")


def move_entries(scratch: Path, dest: Path, names) -> None:
    """Move each of `names` from scratch into dest, replacing what dest had under that name (nothing else)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        target = dest / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        shutil.move(str(scratch / name), str(target))


def student_readme() -> str:
    """The bundle's README: the template around docs/LEARNERS.md, the learners' guide."""
    guide = (KIT_ROOT / "docs" / "LEARNERS.md").read_text(encoding="utf-8")
    body = guide.split("\n", 1)[1].strip() if guide.startswith("# ") else guide.strip()
    template = string.Template((TEMPLATES / "README.student.md").read_text(encoding="utf-8"))
    return template.substitute(learners=f"## For learners\n\n{body}\n").rstrip() + "\n"


def student_pyproject() -> str:
    """The kit's pyproject.toml for learners: only the layerlab packages, the tests in exercises/, a
    per-test timeout sized for a learner's endless loop, and comments that speak to learners."""
    text = _without_comments((KIT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    substitutions = {
        "packages": (r"^packages\s*=.*$", f"packages = {json.dumps(BUNDLE_PACKAGES)}"),
        # The kit's own tests set their timeout in tests/conftest.py; the learner's comes with the tests' path.
        "testpaths": (r"^testpaths\s*=.*$", f'testpaths = ["exercises"]\ntimeout = {LEARNER_TIMEOUT}'),
        "description": (r"^description\s*=.*$", f"description = {json.dumps(BUNDLE_DESCRIPTION)}"),
        # TensorFlow 2.21 has no wheels past Python 3.13: pip then says so, instead of "no tensorflow".
        "requires-python": (r"^requires-python\s*=.*$", f"requires-python = {json.dumps(BUNDLE_PYTHONS)}"),
    }
    for key, (pattern, replacement) in substitutions.items():
        text, count = re.subn(pattern, replacement, text, flags=re.M)
        if count != 1:
            raise ReleaseError(f"pyproject.toml: expected one `{key} = ...` line for the student bundle")
    text = BUNDLE_HEADER + text
    parsed = tomllib.loads(text)
    if parsed.get("tool", {}).get("setuptools", {}).get("packages") != BUNDLE_PACKAGES \
            or parsed["tool"]["pytest"]["ini_options"].get("timeout") != LEARNER_TIMEOUT:
        raise ReleaseError("pyproject.toml: `packages` belongs under [tool.setuptools] and `timeout` under "
                           "[tool.pytest.ini_options]")
    return text


def _without_comments(text: str) -> str:
    """TOML without the master copy's comments (whole-line and trailing; '#' inside a string stays)."""
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        code, quote = line, None
        for index, char in enumerate(line):
            if char in "\"'" and (quote is None or quote == char):
                quote = None if quote == char else char
            elif char == "#" and quote is None:
                code = line[:index].rstrip()
                break
        lines.append(code)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


# --------------------------------------------------------------- the leak check


def _normalized_lines(text: str) -> list[str]:
    """Lines without indentation, blank lines or comment-only lines (how a pasted body would differ)."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def solution_bodies(solutions: Path = SOLUTIONS_DIR) -> dict[str, str]:
    """'ex02_conv2d.build_conv2d' -> the body of that function, normalized (docstring and stub raise left out)."""
    bodies = {}
    for path in sorted(solutions.glob("ex*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            statements = [s for s in node.body if not _is_docstring(s) and not _is_stub_raise(s)]
            if statements:
                segment = "\n".join(ast.get_source_segment(source, s) for s in statements)
                bodies[f"{path.stem}.{node.name}"] = "\n".join(_normalized_lines(segment))
    return bodies


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def _is_stub_raise(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def solution_leaks(bundle: Path, solutions: Path = SOLUTIONS_DIR) -> list[str]:
    """Where a solution's function body occurs in a bundle file: 'exercises/x.py has ex02_conv2d.build_conv2d'."""
    bodies = solution_bodies(solutions)
    leaks = []
    for path in sorted(p for p in Path(bundle).rglob("*") if p.is_file()):
        try:
            text = "\n".join(_normalized_lines(path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
        leaks += [f"{path.relative_to(bundle)} has the body of solutions/{name.replace('.', '.py: ', 1)}()"
                  for name, body in bodies.items() if f"\n{body}\n" in f"\n{text}\n"]  # whole lines only
    return leaks
