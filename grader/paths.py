"""Where the kit's parts live: one home for every path the grader reads or ships."""

from __future__ import annotations

from pathlib import Path

GRADER_DIR = Path(__file__).resolve().parent
KIT_ROOT = GRADER_DIR.parent
SOLUTIONS_DIR = KIT_ROOT / "solutions"
EXERCISES_DIR = KIT_ROOT / "exercises"
CHECKS_DIR = KIT_ROOT / "checks"
LAYERLAB_DIR = KIT_ROOT / "layerlab"
TEMPLATES_DIR = GRADER_DIR / "templates"
RUNNER_DIR = GRADER_DIR / "sandbox" / "runner"  # the only grader code copied into the child
EXAMPLE_SUBMISSION = KIT_ROOT / "examples" / "sample_submission"
