"""Gradescope (`export gradescope OUT.zip`): the autograder zip for Gradescope's base image.

The zip holds setup.sh (makes a virtual environment with the image's python3 and
pip installs requirements.txt into it), run_autograder (grades
$AUTOGRADER_ROOT/submission with `python -m grader grade` and writes
$AUTOGRADER_ROOT/results/results.json), and the grader, checks, solutions,
layerlab (with the exercise table) and the MNIST files the training gate needs,
so nothing is downloaded while grading.

requirements.txt is a lock for the image's Python, not what this machine runs:
Gradescope's newest base image is Ubuntu 22.04 with Python 3.10, where numpy 2.4
and Keras 3.13+ do not install. The locks live in grader/platforms/locks/
(`python3.10.txt`), made by `export pins PYTHON` with an interpreter of that
version, which asks pip what it would install there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

from grader.paths import KIT_ROOT, TEMPLATES_DIR
from grader.platforms import EXECUTABLE, ExportError, add_to_zip, kit_files
from grader.results import GRADESCOPE_VISIBILITY
from layerlab.compat import tomllib

AUTOGRADER_TREES = ("grader", "checks", "solutions", "layerlab")
DATA_FOLDER = "data/mnist"  # inside the zip, i.e. source/data/mnist on Gradescope
MNIST_FILE = re.compile(r"(train|t10k)-(images-idx3|labels-idx1)-ubyte(\.gz)?|mnist\.npz")
LOCKS_DIR = Path(__file__).resolve().parent / "locks"
DEFAULT_PYTHON = "3.10"  # Gradescope's newest base image, Ubuntu 22.04
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)$")


def locked_pythons() -> list[str]:
    """The Python versions a lock exists for ('3.10', ...)."""
    return sorted(path.stem.removeprefix("python") for path in LOCKS_DIR.glob("python*.txt"))


def lock(python: str = DEFAULT_PYTHON) -> str:
    """requirements.txt for an image whose python3 is `python` (e.g. '3.10')."""
    path = LOCKS_DIR / f"python{python}.txt"
    if not path.is_file():
        raise ExportError(f"--python {python}: no lock for that Python (there are: {', '.join(locked_pythons())}); "
                          f"make one with `python -m grader export pins PYTHON{python}` > {path.relative_to(KIT_ROOT)}")
    return path.read_text(encoding="utf-8")


def declared_requirements() -> list[str]:
    """The kit's dependencies, and Keras (which the calibration depends on)."""
    with open(KIT_ROOT / "pyproject.toml", "rb") as handle:
        return [*tomllib.load(handle)["project"]["dependencies"], "keras"]


def resolve_pins(interpreter: Path) -> str:
    """Ask `interpreter`'s pip what it would install for the kit (needs PyPI); the lock's text."""
    try:
        version = subprocess.run([str(interpreter), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                                 capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise ExportError(f"{interpreter}: cannot run it as Python ({error})") from None
    with tempfile.TemporaryDirectory() as folder:
        wanted = Path(folder) / "requirements.in"
        wanted.write_text("\n".join(declared_requirements()) + "\n", encoding="utf-8")
        completed = subprocess.run([str(interpreter), "-m", "pip", "install", "--dry-run", "--ignore-installed",
                                    "--quiet", "--report", "-", "-r", str(wanted)],
                                   capture_output=True, text=True, timeout=1200)
    try:
        report = json.loads(completed.stdout)
        pins = sorted(((item["metadata"]["name"], item["metadata"]["version"]) for item in report["install"]),
                      key=lambda pin: pin[0].lower())
    except (ValueError, KeyError, TypeError):
        raise ExportError(f"pip under Python {version} could not resolve the kit's requirements:\n"
                          f"{completed.stderr.strip()[-2000:]}") from None
    minor = ".".join(version.split(".")[:2])
    header = [f"# Python {minor}: every package pinned, as pip resolved the kit's ranges (pyproject.toml) and",
              f"# Keras under Python {version}.",
              f"# Refresh: python -m grader export pins PYTHON{minor} > grader/platforms/locks/python{minor}.txt"]
    return "\n".join(header + [f"{name}=={version}" for name, version in pins]) + "\n"


def pinned(text: str) -> dict[str, str]:
    """A lock's pins: {'numpy': '2.2.6', ...} (names lower-case, '_' as '-')."""
    pins = {}
    for line in text.splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def export_gradescope(zip_path: Path, visibility: str = "after_published", python: str = DEFAULT_PYTHON) -> Path:
    """Write the Gradescope autograder zip for an image whose python3 is `python`; returns its path."""
    if visibility not in GRADESCOPE_VISIBILITY:
        raise ExportError(f"--visibility must be one of {', '.join(GRADESCOPE_VISIBILITY)}")
    zip_path = Path(zip_path).expanduser().resolve()
    if zip_path.suffix != ".zip":
        raise ExportError(f"{zip_path.name}: the autograder must be a .zip file")
    requirements = lock(python)
    data = mnist_files()
    _check_data(data)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        add_to_zip(archive, "setup.sh", _template("setup.sh", PYTHON=python), EXECUTABLE)
        add_to_zip(archive, "run_autograder", _template("run_autograder", VISIBILITY=visibility), EXECUTABLE)
        add_to_zip(archive, "requirements.txt", requirements)
        for tree in AUTOGRADER_TREES:
            for path in kit_files(KIT_ROOT / tree):
                add_to_zip(archive, path.relative_to(KIT_ROOT).as_posix(), path.read_bytes())
        for path in data:
            name = "mnist.npz" if path.suffix == ".npz" else path.name
            add_to_zip(archive, f"{DATA_FOLDER}/{name}", path.read_bytes())
    return zip_path


def _template(name: str, **fields: str) -> str:
    text = (TEMPLATES_DIR / "gradescope" / name).read_text(encoding="utf-8")
    for key, value in fields.items():
        if f"@{key}@" not in text:
            raise ExportError(f"grader/templates/gradescope/{name} has no @{key}@ to fill in")
        text = text.replace(f"@{key}@", value)
    return text


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


def learner_from_metadata(path: Path) -> dict:
    """The submitter's identity (name, sid, email, id) from Gradescope's submission_metadata.json.

    Several submitters (a group) are joined with '; '. A file that is missing or
    not Gradescope's shape gives {} and grading goes on: identity is a label, never a score.
    """
    from grader.platforms import plain_text
    from grader.results import IDENTITY_FIELDS

    try:
        with open(path, encoding="utf-8") as handle:
            users = json.loads(handle.read(1_000_000)).get("users")
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(users, list):
        return {}
    people = [user for user in users[:20] if isinstance(user, dict)]
    identity = {key: "; ".join(plain_text(user.get(key)) for user in people if user.get(key) not in (None, ""))
                for key in IDENTITY_FIELDS}
    return {key: value for key, value in identity.items() if value}
