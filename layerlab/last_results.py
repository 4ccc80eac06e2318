"""The states of the last `layerlab progress`, kept until a file that decides them changes.

The key is a digest of everything the states depend on: the target folder's
exercise files, the kit's visible tests and their conftest.py, the exercise
table, layerlab's own code and version, and the Python, TensorFlow, Keras,
NumPy and pytest in use (not the language: it changes the words, not the states).
One small JSON file per target folder lives in the user's cache folder
($XDG_CACHE_HOME/layerlab, by default ~/.cache/layerlab), never in the kit, so
neither git nor a release bundle sees it. A file that cannot be read is ignored
and written again; a run that could not load MNIST is not kept (fixing the data
changes none of those files).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path

import layerlab
from layerlab.pytest_plugin import resolve_target
from layerlab.table import TABLE_PATH, load_table

CACHE_ENV = "XDG_CACHE_HOME"
LIBRARIES = ("tensorflow", "keras", "numpy", "pytest")
PACKAGE = Path(layerlab.__file__).resolve().parent


def cache_file(root: Path, target: str) -> Path:
    """Where the last results for this target folder are kept."""
    folder = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache") / "layerlab"
    name = hashlib.sha256(str(resolve_target(root, target).resolve()).encode()).hexdigest()[:16]
    return folder / f"progress-{name}.json"


def _version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "absent"


def digest(root: Path, target: str) -> str:
    """A digest of every file and version whose change could change an exercise's state."""
    folder = resolve_target(root, target)
    files = [folder / f"{e.module}.py" for e in load_table()]
    files += [e.test_path(root) for e in load_table()] + [Path(root) / "exercises" / "conftest.py", TABLE_PATH]
    files += sorted(PACKAGE.rglob("*.py"))
    hashed = hashlib.sha256()
    for part in (layerlab.__version__, sys.version, *(f"{name} {_version(name)}" for name in LIBRARIES)):
        hashed.update(part.encode() + b"\0")
    for path in files:
        hashed.update(str(path).encode() + b"\0")
        try:
            hashed.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:  # a missing exercise file is a state too: not the same as any content
            hashed.update(b"unreadable")
    return hashed.hexdigest()


def recall(root: Path, target: str, key: str) -> dict[str, str] | None:
    """The states kept under `key`, or None: nothing kept, something changed, or a file that is not ours."""
    try:
        kept = json.loads(cache_file(root, target).read_text(encoding="utf-8"))
        states = kept["states"]
        if kept["digest"] != key or not all(isinstance(v, str) for v in states.values()):
            return None
        return dict(states)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # unreadable, not JSON, not our shape
        return None


def remember(root: Path, target: str, key: str, states: dict[str, str]) -> None:
    """Keep `states` under `key`; a cache folder that cannot be written only costs the next run its speed."""
    path = cache_file(root, target)
    document = {"target": str(resolve_target(root, target)), "digest": key, "states": states}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, path)  # a reader sees the old file or the new one, never half of one
    except OSError:
        pass
