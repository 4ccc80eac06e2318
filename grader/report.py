"""Report: the per-exercise table printed after grading, made from results.json data."""

from __future__ import annotations

from grader.results import GradingResult


def table(result: GradingResult) -> str:
    """A plain-text table: one row per exercise, then the total and anything that went wrong."""
    lines = [f"{result.submission}  ({result.status})", f"  {'exercise':<52} {'score':>11}  status"]
    for row in result.exercises():
        label = f"{row.number:02d} {row.title}"
        lines.append(f"  {label:<52} {row.score:>5g} / {row.max_score:<3g}  {row.status}")
    lines.append(f"  {'total':<52} {result.score:>5g} / {result.max_score:<3g}")
    failing = [c for c in result.checks if c.status not in ("passed", "not started", "not submitted")]
    for check in failing[:12]:
        first = check.output.splitlines()[0] if check.output else check.status
        lines.append(f"    ✗ {check.name}: {first}")
    if len(failing) > 12:
        lines.append(f"    … and {len(failing) - 12} more failing checks (see results.json)")
    if result.status != "graded":
        lines.append(f"  {result.output}")
    return "\n".join(lines)
