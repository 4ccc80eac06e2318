"""The trust boundary: everything that confines the learner's code lives in this folder.

host        which confinement this machine allows (bubblewrap, permissions, unconfined), found by trying it
confine     the command line that starts a child confined (bubblewrap allowlist, or a drop to its uid)
identity    a distinct unprivileged uid per child, leased, and everything of it cleared afterwards
cgroup      kernel-enforced memory and process caps where the host allows a cgroup
verify      before grading: prove that a child cannot reach the reference
process     one child process, its pipes, deadlines and memory cap
zygote      the pre-imported process a root grader forks every child from (confined as a fresh one)
submission  the calls the hidden checks make, answered as plain data
job         the folder a child gets (runner, staged files, learner-facing data, scratch)
tree        process trees: memory, and killing everything a child started
runner/     child.py, wire.py, describe.py, zygote.py: the only grader code that runs beside learner code
"""

from grader.sandbox.host import Host, namespaces_available, probe, sandbox_layers
from grader.sandbox.limits import CallFailed, Limits
from grader.sandbox.runner.wire import Described, Unsupported
from grader.sandbox.submission import Returned, Submission
from grader.sandbox.tree import kill_tree
from grader.sandbox.verify import kit_secrets, reachable

__all__ = ["CallFailed", "Described", "Host", "Limits", "Returned", "Submission", "Unsupported", "kill_tree",
           "kit_secrets", "namespaces_available", "probe", "reachable", "sandbox_layers"]
