"""Selftest: prove the hidden checks on the master copy.

1. solutions/ gets full marks and the untouched exercises/ gets zero;
2. every mutant (grader/variants/) loses points on its exercise (the kill ratio must be
   100%), and names its misconception where the variant gives one;
3. every alternative solution keeps full marks (no false rejections).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from grader.variants import Variant, batches, load_variants
from grader.paths import KIT_ROOT
from grader.sandbox import Limits
from grader.results import GradingResult


def _write_batches(groups: list[dict[str, Variant]], folder: Path, prefix: str) -> list[Path]:
    paths = []
    for number, group in enumerate(groups, 1):
        submission = folder / f"{prefix}-{number:02d}"
        submission.mkdir(parents=True)
        for module, variant in group.items():
            (submission / f"{module}.py").write_text(variant.source, encoding="utf-8")
        paths.append(submission)
    return paths


def _exercise_row(result: GradingResult, exercise_id: str):
    return next(row for row in result.exercises() if row.exercise == exercise_id)


def _named(result: GradingResult, variant: Variant) -> bool:
    return any(c.misconception == variant.misconception for c in result.checks if c.exercise == variant.exercise)


def selftest(out: Path | None, limits: Limits, jobs: int = 2, only: list[str] | None = None) -> int:
    """Grade the master copy and every variant (or, with `only`, those modules' variants); 0 when all hold."""
    from grader.grade import grade_many

    out = Path(out or tempfile.mkdtemp(prefix="layerlab-selftest-")).resolve()
    mutants, alternatives = load_variants("mutant"), load_variants("alternative")
    if only:
        mutants = [v for v in mutants if v.module in only]
        alternatives = [v for v in alternatives if v.module in only]
    mutant_groups, alternative_groups = batches(mutants), batches(alternatives)
    staging = Path(tempfile.mkdtemp(prefix="layerlab-variants-"))
    paths = [KIT_ROOT / "solutions", KIT_ROOT / "exercises"]
    paths += _write_batches(mutant_groups, staging, "mutants")
    paths += _write_batches(alternative_groups, staging, "alternatives")
    print(f"selftest: grading solutions, stubs, {len(mutants)} mutants in {len(mutant_groups)} submissions "
          f"and {len(alternatives)} alternatives in {len(alternative_groups)} submissions ...", flush=True)
    results = grade_many(paths, out, limits, jobs=jobs, allow_weak="selftest grades the kit's own trees")
    solutions, stubs = results[0], results[1]
    mutant_results = results[2:2 + len(mutant_groups)]
    alternative_results = results[2 + len(mutant_groups):]

    problems = []
    if solutions.max_score == 0 or solutions.score != solutions.max_score:
        problems.append(f"solutions scored {solutions.score:g} / {solutions.max_score:g} (expected full marks)")
    if stubs.score != 0:
        problems.append(f"untouched stubs scored {stubs.score:g} (expected 0)")

    killed, unnamed = 0, []
    for group, result in zip(mutant_groups, mutant_results):
        for module, variant in group.items():
            row = _exercise_row(result, variant.exercise)
            if row.score < row.max_score:
                killed += 1
                if variant.misconception and not _named(result, variant):
                    unnamed.append(f"{variant.exercise}: '{variant.name}' lost points but the report did not "
                                   f"name '{variant.misconception}'")
            else:
                problems.append(f"mutant survived: {variant.exercise}: '{variant.name}'")
    rejected = 0
    for group, result in zip(alternative_groups, alternative_results):
        for module, variant in group.items():
            row = _exercise_row(result, variant.exercise)
            if row.score != row.max_score:
                rejected += 1
                failing = [c for c in result.checks if c.exercise == variant.exercise and c.status != "passed"]
                why = failing[0].output.splitlines()[0] if failing and failing[0].output else ""
                problems.append(f"alternative rejected: {variant.exercise}: '{variant.name}' "
                                f"({row.score:g}/{row.max_score:g}) {why}")
    problems += unnamed

    ratio = killed / len(mutants) if mutants else 1.0
    print(f"solutions: {solutions.score:g}/{solutions.max_score:g}   stubs: {stubs.score:g}")
    print(f"mutants killed: {killed}/{len(mutants)} (kill ratio {ratio:.0%})")
    print(f"alternative solutions rejected: {rejected}/{len(alternatives)}")
    print(f"misconceptions named: {sum(1 for v in mutants if v.misconception) - len(unnamed)}"
          f"/{sum(1 for v in mutants if v.misconception)}")
    if only:  # a partial run proves only these variants; say so, so that a partial pass is never read as a full one
        print(f"variants covered: {', '.join(only)} only (run without --only for every exercise)")
    for problem in problems:
        print(f"  ✗ {problem}")
    print("selftest passed" if not problems else f"selftest FAILED ({len(problems)} problems)")
    return 1 if problems else 0
