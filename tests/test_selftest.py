"""`python -m grader selftest`: full marks for the solutions, zero for the stubs, every catalogued
mutant killed (100%), every alternative solution accepted, misconceptions named."""

import subprocess
import sys
from pathlib import Path

from grader.variants import load_variants

KIT = Path(__file__).resolve().parent.parent


def test_selftest_kills_every_mutant_and_rejects_no_alternative(tmp_path):
    mutants, alternatives = load_variants("mutant"), load_variants("alternative")
    assert len(mutants) >= 5 * 12 and len(alternatives) >= 2 * 12
    completed = subprocess.run([sys.executable, "-m", "grader", "selftest", "--out", str(tmp_path)], cwd=KIT,
                               capture_output=True, text=True, timeout=3000)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert f"mutants killed: {len(mutants)}/{len(mutants)} (kill ratio 100%)" in completed.stdout
    assert f"alternative solutions rejected: 0/{len(alternatives)}" in completed.stdout
