"""The exercise table (layerlab/exercises.toml), read once into dataclasses."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from layerlab.compat import tomllib

TABLE_PATH = Path(__file__).with_name("exercises.toml")


class TableError(ValueError):
    """exercises.toml is malformed; the message names the entry and the fix."""


@dataclass(frozen=True)
class Training:
    """Budget and threshold of the training gate (never wall-clock)."""

    train_images: int
    heldout_images: int
    epochs: int
    batch_size: int
    seed: int
    threshold: float


@dataclass(frozen=True)
class Exercise:
    """One row of the table."""

    number: int
    id: str
    module: str
    title: dict
    points: int
    functions: tuple
    hints: tuple
    training: Training | None = None

    def label(self, lang: str = "en") -> str:
        """'02 Conv2D: build, apply, predict'."""
        return f"{self.number:02d} {self.title[lang]}"

    def path(self, root: Path, tree: str = "exercises") -> Path:
        return Path(root) / tree / f"{self.module}.py"

    def test_path(self, root: Path) -> Path:
        return Path(root) / "exercises" / f"test_{self.module}.py"


_REQUIRED = ("id", "module", "title", "points", "functions", "hints")


def _parse(entry: dict, number: int) -> Exercise:
    name = entry.get("id", f"#{number}")
    for key in _REQUIRED:
        if key not in entry:
            raise TableError(f"{TABLE_PATH.name}: exercise '{name}' has no '{key}'")
    for lang in ("en", "ko"):
        if lang not in entry["title"]:
            raise TableError(f"{TABLE_PATH.name}: exercise '{name}' has no {lang} title")
        for level, hint in enumerate(entry["hints"], 1):
            if not hint.get(lang):
                raise TableError(
                    f"{TABLE_PATH.name}: exercise '{name}' hint level {level} has no {lang} text"
                )
    training = Training(**entry["training"]) if "training" in entry else None
    return Exercise(
        number=number,
        id=entry["id"],
        module=entry["module"],
        title=dict(entry["title"]),
        points=int(entry["points"]),
        functions=tuple(entry["functions"]),
        hints=tuple(dict(h) for h in entry["hints"]),
        training=training,
    )


@functools.lru_cache(maxsize=None)
def load_table(path: Path = TABLE_PATH) -> tuple[Exercise, ...]:
    """All exercises in order."""
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)
    exercises = tuple(_parse(e, n) for n, e in enumerate(raw["exercises"], 1))
    ids = [e.id for e in exercises]
    if len(set(ids)) != len(ids):
        raise TableError(f"{Path(path).name}: exercise ids repeat: {ids}")
    return exercises


def find(key: str) -> Exercise:
    """Look an exercise up by id, module name, or number ('2', '02', 'conv2d', 'ex02_conv2d')."""
    for exercise in load_table():
        if key in (exercise.id, exercise.module, str(exercise.number), f"{exercise.number:02d}"):
            return exercise
    known = ", ".join(e.id for e in load_table())
    raise KeyError(f"no exercise '{key}'; known: {known}")


def by_module(module: str) -> Exercise:
    for exercise in load_table():
        if exercise.module == module:
            return exercise
    raise KeyError(module)


def training_exercise() -> Exercise:
    """The exercise whose model goes through the training gate."""
    return next(e for e in load_table() if e.training is not None)
