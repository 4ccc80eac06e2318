"""Selftest: the solutions get full marks and the untouched stubs get zero."""

from __future__ import annotations

import tempfile
from pathlib import Path

from grader.isolate import KIT_ROOT, Limits


def selftest(out: Path | None, limits: Limits) -> int:
    from grader.cli import grade_and_print

    out = Path(out or tempfile.mkdtemp(prefix="layerlab-selftest-")).resolve()
    solutions, stubs = grade_and_print([KIT_ROOT / "solutions", KIT_ROOT / "exercises"], out, limits, jobs=2)
    problems = []
    if solutions.score != solutions.max_score or solutions.max_score == 0:
        problems.append(f"solutions scored {solutions.score:g} / {solutions.max_score:g} (expected full marks)")
    if stubs.score != 0:
        problems.append(f"untouched stubs scored {stubs.score:g} (expected 0)")
    for problem in problems:
        print(f"selftest FAILED: {problem}")
    if not problems:
        print(f"selftest passed: solutions {solutions.score:g}/{solutions.max_score:g}, stubs 0")
    return 1 if problems else 0
