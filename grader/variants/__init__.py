"""Variants of the reference solutions: mutants and alternatives (one TOML file per exercise module here).

A mutant is a plausible learner mistake written as text replacements on a
reference solution; every mutant must lose points on some hidden check. An
alternative is another correct way to write the solution; it must keep full
marks. `python -m grader selftest` grades both (see grader/selftest.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.paths import SOLUTIONS_DIR
from layerlab.compat import tomllib
from layerlab.table import by_module, load_table

VARIANTS_DIR = Path(__file__).resolve().parent


class VariantError(ValueError):
    """A variant that does not apply to its solution; the message names the file and entry."""


@dataclass(frozen=True)
class Variant:
    kind: str  # "mutant" or "alternative"
    module: str
    name: str
    source: str
    misconception: str | None = None

    @property
    def exercise(self) -> str:
        return by_module(self.module).id


def _apply(module: str, entry: dict, where: str) -> str:
    source = (SOLUTIONS_DIR / f"{module}.py").read_text(encoding="utf-8")
    for old, new in entry["replace"]:
        count = source.count(old)
        if count != 1:
            raise VariantError(f"{where}: '{entry['name']}': the text {old!r} occurs {count} times in "
                               f"solutions/{module}.py (it must occur exactly once)")
        source = source.replace(old, new)
    return source


def load_variants(kind: str) -> list[Variant]:
    """Every mutant (kind='mutant') or alternative (kind='alternative'), in table order."""
    variants = []
    for exercise in load_table():
        path = VARIANTS_DIR / f"{exercise.module}.toml"
        if not path.exists():
            continue
        with open(path, "rb") as handle:
            entries = tomllib.load(handle).get(kind, [])
        for entry in entries:
            variants.append(Variant(kind, exercise.module, entry["name"],
                                    _apply(exercise.module, entry, path.name), entry.get("misconception")))
    return variants


def batches(variants: list[Variant]) -> list[dict[str, Variant]]:
    """Group variants into submissions holding at most one variant per module.

    Exercises are scored separately, so a mutant in one file cannot change the
    score of another; grouping keeps the number of graded submissions small.
    """
    groups: list[dict[str, Variant]] = []
    for variant in variants:
        for group in groups:
            if variant.module not in group:
                group[variant.module] = variant
                break
        else:
            groups.append({variant.module: variant})
    return groups
