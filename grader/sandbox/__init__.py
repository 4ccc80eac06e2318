"""The trust boundary: everything that confines the learner's code lives in this folder.

host        which confinement layers this machine allows
process     one child process, its pipes, deadlines and memory cap
submission  the calls the hidden checks make, answered as plain data
job         the folder a child gets (runner, staged files, learner-facing data)
tree        process trees: memory, and killing everything a child started
runner/     child.py and wire.py: the only grader code that runs beside learner code
"""

from grader.sandbox.host import namespaces_available, sandbox_layers, secret_paths
from grader.sandbox.job import prepare_job
from grader.sandbox.limits import CallFailed, Limits
from grader.sandbox.runner.wire import Described, Unsupported
from grader.sandbox.submission import Returned, Submission
from grader.sandbox.tree import kill_tree

__all__ = ["CallFailed", "Described", "Limits", "Returned", "Submission", "Unsupported", "kill_tree",
           "namespaces_available", "prepare_job", "sandbox_layers", "secret_paths"]
