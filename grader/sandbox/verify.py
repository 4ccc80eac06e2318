"""Before grading: prove, by looking as the child would, that the reference is out of its reach.

A probe child is started exactly as a learner's would be (same mode, a
leased uid, the same binds) and tries to list or read each secret folder.
What it reaches is named; grading is authoritative only when it reaches none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from grader.paths import CHECKS_DIR, EXAMPLE_SUBMISSION, GRADER_DIR, KIT_ROOT, SOLUTIONS_DIR
from grader.sandbox import host, identity
from grader.sandbox.confine import SAFE_ENV, Plan

PROBE = r"""
import json, os, sys
reached = []
for path, entries in json.loads(sys.argv[1]):
    try:
        if os.path.isdir(path):
            if set(os.listdir(path)) & set(entries):
                reached.append(path)
        else:
            open(path, "rb").close()
            reached.append(path)
    except OSError:
        pass
print(json.dumps(reached))
"""


def kit_secrets(extra: list[Path] = ()) -> list[Path]:
    """What no child may read: the reference, the checks, the kit's history and samples, data, outputs."""
    paths = [KIT_ROOT, SOLUTIONS_DIR, CHECKS_DIR, GRADER_DIR, KIT_ROOT / ".git", KIT_ROOT / "tests",
             EXAMPLE_SUBMISSION, Path.home() / ".keras"]
    if os.environ.get("LAYERLAB_DATA"):
        paths.append(Path(os.environ["LAYERLAB_DATA"]).expanduser())
    return sorted({Path(p).resolve() for p in [*paths, *extra] if Path(p).exists()})


def evidence(plan: Plan, secrets: list[Path]) -> list[tuple[str, list[str]]]:
    """Each secret with the entries that would show it was reached (not the empty parents of a bind)."""
    mount_parents = {parent for _, inside in plan.binds() for parent in [inside, *inside.parents]}
    looks = []
    for secret in secrets:
        entries = []
        if secret.is_dir():
            entries = [e for e in os.listdir(secret) if secret / e not in mount_parents]
        looks.append((str(secret), entries))
    return looks


def reachable(secrets: list[Path]) -> list[str]:
    """The secrets a child of this host's mode can list or read ([] is the only authoritative answer)."""
    found = host.probe()
    if found.mode == "unconfined":
        return [str(p) for p in secrets if os.access(p, os.R_OK)]
    with identity.lease() as uid:
        plan = Plan(found.mode, uid, found.is_root, secrets=list(secrets))
        argv = plan.wrap([sys.executable, "-I", "-c", PROBE, json.dumps(evidence(plan, secrets))])
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd="/", env=SAFE_ENV,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as error:
            return [f"(the probe child could not start: {error})"]
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return [f"(the probe child did not answer: {done.stderr.strip()[-300:]})"]
