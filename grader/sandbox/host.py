"""The host probe: which confinement this machine allows the child, found by trying it.

Three modes, best first (docs/SECURITY.md says what each promises):

bubblewrap   the child's filesystem is an allowlist of read-only binds plus a
             size-capped tmpfs scratch; own PID, network, IPC and UTS
             namespaces. As root the child also runs as an unprivileged uid of
             its own; as an ordinary user it runs in a user namespace.
permissions  root without namespaces (Docker's default profile, Gradescope):
             a distinct unprivileged uid per child that can read only its own
             job folder, checked by probing before any grading.
unconfined   neither: nothing is hidden from the child. Grading refuses to
             give authoritative grades here unless the instructor says so.

`LAYERLAB_SANDBOX=permissions` (or `unconfined`) asks for a weaker mode than
the host allows, for testing the fallbacks; it can never ask for a stronger one.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from grader.sandbox import cgroup, confine, identity

MODES = ("bubblewrap", "permissions", "unconfined")
PROBE_TIMEOUT = 60.0


@dataclass(frozen=True)
class Host:
    """What this host gives the child: the mode, the layers in force, and what is missing (with why)."""

    mode: str
    layers: tuple[str, ...]
    missing: tuple[str, ...]
    is_root: bool

    @property
    def hides_the_kit(self) -> bool:
        return self.mode != "unconfined"

    def report(self) -> dict:
        """For results.json's extra_data.isolation."""
        return {"mode": self.mode, "layers": list(self.layers), "missing": list(self.missing)}


def _runs(argv: list[str], **options) -> tuple[bool, str]:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=PROBE_TIMEOUT, stdin=subprocess.DEVNULL,
                              env=confine.SAFE_ENV, **options)
    except (OSError, subprocess.SubprocessError) as error:
        return False, str(error)
    return done.returncode == 0, (done.stderr or b"").decode("utf-8", "replace").strip()[-300:]


PROBE_CODE = "import numpy"  # the child's interpreter and its site-packages load under these rights


def _bubblewrap_works(is_root: bool) -> tuple[bool, str]:
    if not shutil.which("bwrap"):
        return False, "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    with identity.lease() as uid:
        plan = confine.Plan(mode="bubblewrap", uid=uid, is_root=is_root)
        return _runs(plan.wrap([sys.executable, "-I", "-c", PROBE_CODE]))


def _permissions_work() -> tuple[bool, str]:
    with identity.lease() as uid:
        plan = confine.Plan(mode="permissions", uid=uid, is_root=True)
        return _runs(plan.wrap([sys.executable, "-I", "-c", PROBE_CODE]), cwd="/")


@functools.lru_cache(maxsize=None)
def probe() -> Host:
    """Try the strongest mode this host allows; every layer that could not be had is named."""
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    wanted = os.environ.get("LAYERLAB_SANDBOX", "bubblewrap")
    wanted = wanted if wanted in MODES else "bubblewrap"
    missing = []
    mode = "unconfined"
    if wanted == "bubblewrap":
        works, why = _bubblewrap_works(is_root)
        if works:
            mode = "bubblewrap"
        else:
            missing.append(f"bubblewrap sandbox: {why or 'it does not start here'}")
    else:
        missing.append(f"bubblewrap sandbox: not used (LAYERLAB_SANDBOX={wanted})")
    if mode == "unconfined" and wanted != "unconfined":
        if not is_root:
            missing.append("distinct uid per child: needs root")
        else:
            works, why = _permissions_work()
            if works:
                mode = "permissions"
            else:
                missing.append(f"distinct uid per child: this Python cannot run as an unprivileged user ({why})")
    limits = cgroup.available() if is_root else ()
    if mode != "unconfined":
        for controller in ("memory", "pids"):
            if controller not in limits:
                missing.append(f"{controller} cgroup: {cgroup.why_not(controller)}")
    return Host(mode, confine.layers(mode, is_root, limits), tuple(missing), is_root)


def namespaces_available() -> bool:
    return probe().mode == "bubblewrap"


def sandbox_layers() -> tuple[str, ...]:
    return probe().layers
