"""The host probe: which confinement layers this machine allows the child."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.paths import GRADER_DIR, KIT_ROOT


@functools.lru_cache(maxsize=None)
def sandbox_layers() -> tuple[str, ...]:
    """Which isolation layers this host allows (always: session, scrubbed env, isolated mode)."""
    layers = ["own session", "scrubbed environment", "isolated interpreter", "scratch copy as cwd",
              "deadlines and RSS cap", "file-size limit"]
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if unshare and setpriv and hasattr(os, "geteuid") and os.geteuid() == 0:
        probe = [unshare, "--pid", "--fork", "--kill-child", "--mount", "--net", "--mount-proc", "--",
                 setpriv, "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--", "true"]
        try:
            if subprocess.run(probe, capture_output=True, timeout=20).returncode == 0:
                layers += ["pid namespace", "no network", "private mounts (solutions, checks, data hidden)",
                           "no capabilities"]
        except (OSError, subprocess.TimeoutExpired):
            pass
    if "pid namespace" not in layers and _nobody_can_run_python():
        layers.append(UNPRIVILEGED)
    return tuple(layers)


UNPRIVILEGED = "unprivileged user (nobody)"
NOBODY = 65534


def _nobody_can_run_python() -> bool:
    """Root without namespaces (a container): can the child at least drop to user nobody?"""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    try:
        probe = subprocess.run([sys.executable, "-I", "-c", "import numpy"], capture_output=True, timeout=60,
                               user=NOBODY, group=NOBODY, extra_groups=[], cwd="/")
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def namespaces_available() -> bool:
    return "pid namespace" in sandbox_layers()


_HIDE_SCRIPT = r"""
set -e
work="$1"; stage="$2"; work_mb="$3"; shift 3
mount -t tmpfs -o "size=${work_mb}m,mode=0755" tmpfs "$work"
cp -a "$stage"/. "$work"/
while [ "$1" != "--" ]; do
  [ -d "$1" ] && mount -t tmpfs -o size=4k,mode=000 tmpfs "$1"
  shift
done
shift
for shm in /dev/shm /var/tmp; do [ -d "$shm" ] && mount -t tmpfs -o size=16m tmpfs "$shm"; done
cd "$work"
exec setpriv --bounding-set=-all --inh-caps=-all --no-new-privs -- "$@"
"""


def secret_paths(extra: list[Path]) -> list[Path]:
    """Folders the child must not see: solutions, checks, the grader, data, the output."""
    paths = [KIT_ROOT / "solutions", KIT_ROOT / "checks", GRADER_DIR, KIT_ROOT / "tests"]
    if os.environ.get("LAYERLAB_DATA"):
        paths.append(Path(os.environ["LAYERLAB_DATA"]).expanduser())
    paths += [Path.home() / ".keras"]
    needed = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.executable, tempfile.gettempdir())]
    # A folder that holds the learner's Python (or the job folder) cannot be hidden: the child would not start.
    hidden = {p.resolve() for p in paths + list(extra)
              if p.exists() and not any(n == p.resolve() or p.resolve() in n.parents for n in needed)}
    # Hiding a folder hides everything in it: only the outermost ones need a mount.
    return sorted(p for p in hidden if not any(other in p.parents for other in hidden))
