"""Export: the grader packaged for Gradescope, and the autograding workflow for GitHub Classroom.

Gradescope (`export gradescope OUT.zip`): an autograder zip with setup.sh
(pip installs requirements.txt, pinned to the versions this grader runs with),
run_autograder (grades $AUTOGRADER_ROOT/submission with `python -m grader grade`
and copies its results.json to $AUTOGRADER_ROOT/results/), and the grader,
checks, solutions, layerlab (with the exercise table) and the MNIST files the
training gate needs, so nothing is downloaded while grading.

GitHub Classroom (`export classroom DEST`): .github/workflows/classroom.yml for
the student repository: on every push it runs each exercise's *visible* tests
and gives the exercise's points when they all pass. Students can change those
tests in their own repository, so it is feedback; the grade of record comes
from the instructor's run or Gradescope.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import tempfile
import zipfile
from pathlib import Path

from grader.paths import KIT_ROOT, TEMPLATES_DIR as TEMPLATES
from grader.results import GRADESCOPE_VISIBILITY
from layerlab.table import load_table, tomllib

AUTOGRADER_TREES = ("grader", "checks", "solutions", "layerlab")
NOT_SHIPPED = ("__pycache__", ".pyc", ".egg-info")
DATA_FOLDER = "data/mnist"  # inside the zip, i.e. source/data/mnist on Gradescope
MNIST_FILE = re.compile(r"(train|t10k)-(images-idx3|labels-idx1)-ubyte(\.gz)?|mnist\.npz")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same export twice gives the same bytes
EXECUTABLE, REGULAR = 0o100755, 0o100644


class ExportError(Exception):
    """The export cannot be made; the message says why and what to do."""


# ------------------------------------------------------------------ Gradescope


def export_gradescope(zip_path: Path, visibility: str = "after_published") -> Path:
    """Write the Gradescope autograder zip; returns its path."""
    if visibility not in GRADESCOPE_VISIBILITY:
        raise ExportError(f"--visibility must be one of {', '.join(GRADESCOPE_VISIBILITY)}")
    zip_path = Path(zip_path).expanduser().resolve()
    if zip_path.suffix != ".zip":
        raise ExportError(f"{zip_path.name}: the autograder must be a .zip file")
    data = mnist_files()
    _check_data(data)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "setup.sh", _template("setup.sh", PYTHON=platform.python_version()), EXECUTABLE)
        _add(archive, "run_autograder", _template("run_autograder", VISIBILITY=visibility), EXECUTABLE)
        _add(archive, "requirements.txt", requirements())
        for tree in AUTOGRADER_TREES:
            for path in _files(KIT_ROOT / tree):
                _add(archive, path.relative_to(KIT_ROOT).as_posix(), path.read_bytes())
        for path in data:
            name = "mnist.npz" if path.suffix == ".npz" else path.name
            _add(archive, f"{DATA_FOLDER}/{name}", path.read_bytes())
    return zip_path


def _template(name: str, **fields: str) -> str:
    text = (TEMPLATES / "gradescope" / name).read_text(encoding="utf-8")
    for key, value in fields.items():
        if f"@{key}@" not in text:
            raise ExportError(f"grader/templates/gradescope/{name} has no @{key}@ to fill in")
        text = text.replace(f"@{key}@", value)
    return text


def _add(archive: zipfile.ZipFile, name: str, content: str | bytes, mode: int = REGULAR) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.external_attr = mode << 16  # Unix permissions: Gradescope runs setup.sh and run_autograder
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, content)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.endswith(NOT_SHIPPED) for part in p.relative_to(KIT_ROOT).parts))


def requirements() -> str:
    """The kit's dependencies (and Keras, which the calibration depends on), pinned to what runs here."""
    with open(KIT_ROOT / "pyproject.toml", "rb") as handle:
        declared = tomllib.load(handle)["project"]["dependencies"]
    lines = [f"# pinned by `python -m grader export gradescope` (Python {platform.python_version()})"]
    for requirement in [*declared, "keras"]:
        name, marker = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0), requirement.partition(";")[2].strip()
        try:
            pinned = f"{name}=={importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            pinned = requirement.partition(";")[0].strip()  # not needed here (a marker excludes it): keep the range
        lines.append(f"{pinned}; {marker}" if marker else pinned)
    return "\n".join(lines) + "\n"


def mnist_files() -> list[Path]:
    """The MNIST files the grader reads here: $LAYERLAB_DATA's IDX files or mnist.npz, else the Keras cache."""
    from layerlab.data import DATA_ENV, KERAS_CACHE

    if os.environ.get(DATA_ENV):
        source = Path(os.environ[DATA_ENV]).expanduser()
        if source.is_file():
            return [source]
        if source.is_dir():
            if (source / "mnist.npz").is_file():
                return [source / "mnist.npz"]
            found = sorted(p for p in source.iterdir() if p.is_file() and MNIST_FILE.fullmatch(p.name))
            if found:
                return found
        raise ExportError(f"{DATA_ENV}={source}: no MNIST files there (IDX .gz files or mnist.npz)")
    if KERAS_CACHE.expanduser().is_file():
        return [KERAS_CACHE.expanduser()]
    raise ExportError(f"no MNIST to put in the autograder: set {DATA_ENV} to a folder of MNIST IDX files "
                      f"(or an mnist.npz), or run `python -c 'from layerlab.data import load_mnist; load_mnist()'` "
                      f"once with internet to fill {KERAS_CACHE}")


def _check_data(files: list[Path]) -> None:
    """The copied files load on their own, as the same data the grader uses here."""
    from layerlab.data import DataError, load_mnist

    with tempfile.TemporaryDirectory() as folder:
        for path in files:
            (Path(folder) / ("mnist.npz" if path.suffix == ".npz" else path.name)).write_bytes(path.read_bytes())
        try:
            copied, here = load_mnist(folder, allow_download=False), load_mnist(allow_download=False)
        except DataError as error:
            raise ExportError(f"the MNIST files do not load: {error}") from None
    if (len(copied.x_train), len(copied.x_test)) != (len(here.x_train), len(here.x_test)):
        raise ExportError(f"the MNIST files found ({', '.join(p.name for p in files)}) are not the data the "
                          f"grader uses here ({here.source})")


# ------------------------------------------------------------------ GitHub Classroom

WORKFLOW = Path(".github") / "workflows" / "classroom.yml"
WORKFLOW_HEADER = """\
# GitHub Classroom autograding for the layerlab exercises (made by `python -m grader export classroom`).
# On every push, each exercise's visible tests run; the exercise's points are given when all of them
# pass. Students can edit these tests in their own repository, so this is feedback: the grade of
# record comes from the instructor's `python -m grader grade` (hidden checks) or from Gradescope.
# Classroom requires the workflow name and the job name below as they are.
"""


def classroom_workflow() -> dict:
    """The workflow as data: one command-grader step per exercise, then the reporter."""
    graders, results = [], {}
    for exercise in load_table():
        step_id = f"ex{exercise.number:02d}"
        test_file = exercise.test_path(Path(".")).as_posix()
        graders.append({
            "name": exercise.label("en"),
            "id": step_id,
            "uses": "classroom-resources/autograding-command-grader@v1",
            "with": {
                "test-name": f"{exercise.id}: {exercise.title['en']}",
                "setup-command": "",
                "command": f"python -m pytest {test_file} -q --tb=short -p no:cacheprovider",
                "timeout": 10,
                "max-score": exercise.points,
            },
        })
        results[f"{step_id.upper()}_RESULTS"] = f"${{{{steps.{step_id}.outputs.result}}}}"
    return {
        "name": "Autograding Tests",
        "on": ["push", "repository_dispatch"],
        "permissions": {"checks": "write", "actions": "read", "contents": "read"},
        "jobs": {"run-autograding-tests": {
            "runs-on": "ubuntu-latest",
            "if": "github.actor != 'github-classroom[bot]'",
            "steps": [
                {"name": "Checkout code", "uses": "actions/checkout@v4"},
                {"name": "Set up Python", "uses": "actions/setup-python@v5",
                 "with": {"python-version": "3.11", "cache": "pip", "cache-dependency-path": "pyproject.toml"}},
                {"name": "Install the exercises' package", "run": "python -m pip install -e ."},
                {"name": "Fetch MNIST", "run": "python -c \"from layerlab.data import load_mnist; load_mnist()\""},
                *graders,
                {"name": "Autograding Reporter", "uses": "classroom-resources/autograding-grading-reporter@v1",
                 "env": results, "with": {"runners": ",".join(step["id"] for step in graders)}},
            ],
        }},
    }


def to_yaml(value, indent: int = 0) -> str:
    """Block-style YAML for dicts, lists, strings and numbers. Every string is double-quoted with JSON
    escapes (a JSON string is a valid YAML double-quoted scalar), so nothing is read as another type."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:\n{to_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, dict) and item:
                body = to_yaml(item, indent + 2)
                lines.append(f"{pad}- {body[indent + 2:]}")
            else:
                lines.append(f"{pad}- {_scalar(item)}")
        return "\n".join(lines)
    return f"{pad}{_scalar(value)}"


def _scalar(value) -> str:
    if isinstance(value, bool) or value is None:
        raise ExportError(f"to_yaml: {value!r} would be ambiguous; use a string")
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(str(value), ensure_ascii=False)


def export_classroom(dest: Path) -> list[Path]:
    """Write DEST/.github/workflows/classroom.yml (DEST: the student repository, e.g. a released bundle)."""
    dest = Path(dest).expanduser().resolve()
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest}: is a file; give the student repository's folder")
    missing = [exercise.test_path(dest).relative_to(dest).as_posix() for exercise in load_table()
               if (dest / "exercises").is_dir() and not exercise.test_path(dest).is_file()]
    if missing:
        raise ExportError(f"{dest} has no {', '.join(missing)}: export into a released bundle "
                          "(python -m grader release DEST) or an empty folder")
    path = dest / WORKFLOW
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WORKFLOW_HEADER + to_yaml(classroom_workflow()) + "\n", encoding="utf-8")
    return [path]
