"""The command line that starts a child confined: bubblewrap's allowlist, or a drop to its own uid.

A `Plan` turns a command into the confined command for one mode. In the
bubblewrap mode the child's whole filesystem is what `Plan.binds` lists, read
only, plus tmpfs scratch; in the permissions mode the child keeps the host's
filesystem and its uid decides what it can read (job.py sets the modes).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader.paths import KIT_ROOT

# How TensorFlow runs in the grader, in its workers and in every child alike: no C++ log lines, and
# oneDNN's kernels on. TensorFlow leaves those off on CPUs without AVX-512 (AMD EPYC here), where its
# own convolutions cost twice the CPU: the gate's training 4.4 CPU-s instead of 7.0, the same losses.
TENSORFLOW_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "1"}
SAFE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    **TENSORFLOW_ENV,
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "CUDA_VISIBLE_DEVICES": "",
}
# What every Python and TensorFlow needs of the system, read only (absent ones are skipped).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache",
                "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/fonts", "/etc/localtime")
INSIDE = Path("/sandbox")  # where the child's own parts appear in the bubblewrap mode
SMALL_TMPFS = 16 * 1024 * 1024  # /tmp and /dev/shm inside the sandbox
DROP_PRIVILEGES = ["--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
JOIN_CGROUPS = 'while [ "$1" != "--" ]; do echo $$ > "$1" || exit 111; shift; done; shift; exec "$@"'


def python_paths() -> list[Path]:
    """The interpreter, its standard library and site-packages: the outermost folders, never the kit itself."""
    candidates = {Path(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    candidates.add(Path(os.path.realpath(sys.executable)).parent.parent)
    prefix = Path(sys.prefix).resolve()
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        inside_kit = path == KIT_ROOT or KIT_ROOT in path.parents or path in KIT_ROOT.parents
        if path.is_dir() and (not inside_kit or prefix in path.parents or _in_a_venv(path)):
            candidates.add(path)
    resolved = {p.resolve() for p in candidates if p.exists()}
    return sorted(p for p in resolved if not any(other in p.parents for other in resolved))


def _in_a_venv(path: Path) -> bool:
    """A folder of some virtual environment's (a venv inside the kit, borrowed through a .pth)."""
    return any((parent / "pyvenv.cfg").is_file() for parent in path.parents)


@dataclass
class Plan:
    """How one child is confined. `job` is None only for the host probe."""

    mode: str  # bubblewrap | permissions | unconfined
    uid: int
    is_root: bool
    job: "object | None" = None  # grader.sandbox.job.Job
    work_mb: int = 256
    cgroup_procs: list = field(default_factory=list)  # cgroup.procs files the child joins first
    secrets: list = field(default_factory=list)  # folders hidden again if a bind happens to contain them

    # Paths as the child sees them.
    def runner(self) -> str:
        return str(INSIDE / "runner") if self.mode == "bubblewrap" else str(self.job.runner)

    def submission(self) -> str:
        return str(INSIDE / "submission") if self.mode == "bubblewrap" else str(self.job.stage)

    def data(self) -> str:
        return str(INSIDE / "data") if self.mode == "bubblewrap" else str(self.job.data)

    def work(self) -> str:
        return str(INSIDE / "work") if self.mode == "bubblewrap" else str(self.job.scratch)

    def binds(self) -> list[tuple[Path, Path]]:
        """(host path, path inside) for every read-only bind of the bubblewrap mode."""
        pairs = [(Path(p), Path(p)) for p in SYSTEM_PATHS if os.path.lexists(p) and not os.path.islink(p)]
        pairs += [(p, p) for p in python_paths()]
        if self.job is not None:
            pairs += [(self.job.runner, INSIDE / "runner"), (self.job.stage, INSIDE / "submission")]
            if self.job.data.is_dir():
                pairs.append((self.job.data, INSIDE / "data"))
        return pairs

    def _bubblewrap(self, command: list[str], info_fd: int | None = None, holder: bool = False) -> list[str]:
        argv = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--new-session"]  # no --die-with-parent: it is tied to the thread that started bwrap (see kill)
        if info_fd is not None:
            argv += ["--info-fd", str(info_fd)]
        if not self.is_root:
            argv += ["--unshare-user", "--disable-userns"]
        binds = self.binds()
        # bubblewrap makes missing parents of a mount point 0700 as root: make them 0755 first.
        parents = sorted({parent for _, inside in binds for parent in inside.parents if parent != Path("/")},
                         key=lambda p: len(p.parts))
        for parent in parents:
            argv += ["--perms", "0755", "--dir", str(parent)]
        for link in SYSTEM_PATHS:  # merged /usr: /bin -> usr/bin and so on stay symlinks
            if os.path.islink(link):
                argv += ["--symlink", os.readlink(link), link]
        for host, inside in binds:
            argv += ["--ro-bind", str(host), str(inside)]
        for secret in self.secrets:
            if any(host == secret or host in Path(secret).parents for host, _ in binds):
                argv += ["--tmpfs", str(secret)]  # defence in depth: an allowlisted folder held it
        argv += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", str(self.work_mb * 1024 * 1024), "--tmpfs", self.work(),
                 "--perms", "1777", "--size", str(SMALL_TMPFS), "--tmpfs", "/tmp",
                 "--perms", "1777", "--size", str(SMALL_TMPFS), "--tmpfs", "/dev/shm",
                 "--chdir", self.work() if self.job is not None else "/"]
        if self.is_root:  # bubblewrap itself stays root to mount; setpriv then drops to the child's uid
            uid = [] if holder else [f"--reuid={self.uid}", f"--regid={self.uid}"]  # a holder: root, no capability
            argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP", "--",
                     "/usr/bin/setpriv", *uid, *DROP_PRIVILEGES, "--"]
        else:
            argv += ["--"]
        return argv + command

    def wrap(self, command: list[str], info_fd: int | None = None, holder: bool = False) -> list[str]:
        """`command` as this plan runs it (cgroups joined first, then confined). With bubblewrap,
        `info_fd` receives {"child-pid": N}: the PID namespace's init, which holds every process in it.
        A `holder` only holds the namespaces a forked child enters (zygote.py): run as root with no
        capability, it is a process that child cannot signal or look into."""
        if self.mode == "bubblewrap":
            argv = self._bubblewrap(command, info_fd, holder)
        elif self.mode == "permissions":
            argv = ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", *DROP_PRIVILEGES, "--", *command]
        else:
            argv = list(command)
        if self.cgroup_procs:
            argv = ["/bin/sh", "-c", JOIN_CGROUPS, "sh", *map(str, self.cgroup_procs), "--", *argv]
        return argv


def layers(mode: str, is_root: bool, cgroups: tuple[str, ...]) -> tuple[str, ...]:
    """The layers in force, in words for the report."""
    words = ["scrubbed environment and isolated interpreter", "deadlines, memory watch and learner-time budget",
             "file-size limit"]
    if mode == "bubblewrap":
        words += ["bubblewrap allowlist: read-only system, Python, runner and submission; nothing else",
                  "size-capped tmpfs scratch (cwd, HOME, TMPDIR)", "own PID namespace", "no network",
                  "own IPC and UTS namespaces", "no capabilities, no_new_privs"]
        words.append("distinct unprivileged uid per child" if is_root
                     else "user namespace (the child keeps the grader's own uid outside it)")
    elif mode == "permissions":
        words += ["distinct unprivileged uid per child (reads only its own job folder, checked by probing)",
                  "no capabilities, no_new_privs", "every process of the child's uid killed at the end"]
    else:
        words += ["nothing hidden: the child can read everything this user can"]
    if mode != "unconfined":
        words += [f"{name} cgroup" for name in cgroups]
        if "pids" not in cgroups:
            words.append("process limit (RLIMIT_NPROC)")
    return tuple(words)
