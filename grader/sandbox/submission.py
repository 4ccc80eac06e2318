"""A submission as the checks see it: calls into the learner's code, answered as plain data."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox import cgroup, host, identity
from grader.sandbox.confine import Plan
from grader.sandbox.job import Job, prepare_job
from grader.sandbox.limits import Budget, CallFailed, Limits
from grader.sandbox.process import Child
from grader.sandbox.runner import wire

STOPS_PER_MODULE = 2  # after this many deadline/memory stops, a file's other calls are not run
MIN_CALL_SECONDS = 0.2  # with less of the time budget left, a call is not started


@dataclass
class Returned:
    """What a learner's function gave back, as plain data."""

    value: object
    origin: str | None = None  # 'numpy', 'tensor' or 'variable' for arrays


@dataclass
class Submission:
    """A staged submission and the child that answers for it.

    `sources` maps module name -> source text of the staged files; `files`
    maps module name -> '' when the file is there and parses, else a
    (status, words) pair for what is wrong with it (not submitted, syntax error
    ...); a module not in `files` was not submitted. `secrets` are folders the child must never see (the output folder,
    other submissions): hidden again if an allowlisted folder holds one.
    The submission leases its child's uid and makes its job folder at once;
    `close` gives both back.
    """

    sources: dict
    files: dict
    limits: Limits = field(default_factory=Limits)
    secrets: list = field(default_factory=list)
    events: list = field(default_factory=list)  # what went wrong with the child, for the report
    _child: Child | None = None
    _broken: dict = field(default_factory=dict)  # (module, function or None) -> CallFailed
    _stops: dict = field(default_factory=dict)  # module -> how many calls hit a deadline or the memory cap
    timings: dict = field(default_factory=dict)  # seconds spent starting children (for the report)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False
    _starting: threading.Thread | None = None  # prestart's thread
    budget: Budget | None = None  # learner time, shared by the files that parse (made on first use)
    _restart_owner: str | None = None  # the module whose failure ended the last child pays for the next
    _waited: float = 0.0  # seconds calls spent waiting for a child to start (not the learner's time)
    _lease: identity.Lease = field(default_factory=identity.Lease)
    job: Job | None = None

    def __post_init__(self) -> None:
        self.host = host.probe()
        uid = self._lease.acquire()
        self.job = prepare_job(self.sources, self.host.mode, uid)
        self.plan = Plan(self.host.mode, uid, self.host.is_root, self.job, self.limits.work_mb,
                         secrets=[Path(p) for p in self.secrets])

    def _new_child(self) -> Child:
        group = None
        controllers = cgroup.available() if self.host.mode != "unconfined" else ()
        if controllers:
            group = cgroup.Group.make(controllers, self.limits.memory_mb, self.limits.processes)
        self.plan.cgroup_procs = group.procs_files() if group else []
        return Child(self.plan, self.limits, group)

    def _ensure_child(self) -> Child:
        entered = time.monotonic()
        try:
            return self._live_child()
        finally:
            self._waited += time.monotonic() - entered

    def _live_child(self) -> Child:
        with self._lock:
            if self._closed:
                raise CallFailed("crashed", "grading of this submission has ended")
            if self._child is None or not self._child.alive():
                if self._child is not None:
                    self._child.kill()
                self._child = self._new_child()
                started = time.monotonic()
                try:
                    self._child.start()
                except CallFailed as failure:
                    self.events.append(f"child start-up failed: {failure} {self._child.tail()[-500:]}")
                    raise CallFailed("crashed",
                                     f"the grader could not start Python for this submission ({failure})") from None
                finally:
                    seconds = time.monotonic() - started
                    self.timings["child_startup"] = self.timings.get("child_startup", 0.0) + seconds
                    self.timings["last_child_startup"] = seconds
                    if self._restart_owner:  # a restart is the learner's time; the first start is not
                        self._budget().charge(self._restart_owner, seconds)
                        self._restart_owner = None
            return self._child

    def _budget(self) -> Budget:
        if self.budget is None:
            self.budget = Budget(self.limits.budget, [module for module, problem in self.files.items() if not problem])
        return self.budget

    def prestart(self) -> None:
        """Start the first child in the background (forked from the zygote, or importing TensorFlow)."""
        def start() -> None:
            try:
                self._live_child()  # not a call's wait: calls count only their own
            except CallFailed:
                pass  # recorded in events; the first call tries again and reports it

        self._starting = threading.Thread(target=start, daemon=True)
        self._starting.start()

    def wait_started(self) -> None:
        """Return once the child prestart began is up (or failed); at once if there was none."""
        if self._starting is not None:
            self._starting.join()

    @property
    def versions(self) -> dict:
        return self._child.versions if self._child else {}

    def _check_file(self, module: str) -> None:
        problem = self.files.get(module)
        if problem is None:
            raise CallFailed("not_submitted", f"{module}.py was not submitted")
        if problem:
            raise CallFailed(problem[0], problem[1])

    def _ask(self, module: str, function: str | None, message: dict, deadline: float,
             budgeted: bool = True) -> dict:
        for key in ((module, None), (module, function)):
            if key in self._broken:
                failed = self._broken[key]
                raise CallFailed(failed.status, f"{failed} (earlier; not run again)")
        started, waited = time.monotonic(), self._waited
        left = self._budget().allowance(module) if budgeted else deadline
        if budgeted and self._restart_owner == module:  # this file's own restart comes out of its time
            left -= self.timings.get("last_child_startup", 0.0)
        if left < MIN_CALL_SECONDS:
            raise CallFailed("timeout", self._budget().used_up(module))

        def remaining() -> float:  # the call's time so far leaves out waiting for a child to start
            return max(MIN_CALL_SECONDS, started + min(deadline, left) + self._waited - waited - time.monotonic())

        try:
            self._import(module, remaining)
            child = self._ensure_child()
            answer = child.request(message, remaining())
        except CallFailed as failure:
            if failure.status == "timeout" and left < deadline:
                failure = CallFailed("timeout", f"{failure}: that was what was left of the time budget "
                                                f"({self.limits.budget:g} s for the whole submission)")
            self._note_failure(module, function, failure)
            raise failure from None
        finally:
            if budgeted:  # child start-ups are charged apart (to the module that ended the last child)
                self._budget().charge(module, time.monotonic() - started - (self._waited - waited))
        if answer.get("ok") is not True:
            error = answer.get("error")
            raise _failure_from(error if type(error) is dict else {}, module, function)
        return answer

    def _note_failure(self, module: str, function: str | None, failure: CallFailed) -> None:
        if self._child is not None and not self._child.alive():
            self._restart_owner = module
        if function is None or (module, None) in self._broken:
            return  # an import failure, already recorded by _import
        self._broken[(module, function)] = failure
        self.events.append(f"{module}.{function}: {failure}")
        if failure.status in ("timeout", "memory"):
            self._stops[module] = self._stops.get(module, 0) + 1
            if self._stops[module] >= STOPS_PER_MODULE:
                self._broken[(module, None)] = CallFailed(
                    failure.status, f"{module}.py was stopped {STOPS_PER_MODULE} times; the rest of it is not run")

    def _import(self, module: str, remaining) -> None:
        """Import a module once in a live child; a crash here marks the whole file broken."""
        child = self._ensure_child()
        if module in child.imported:
            return
        try:
            answer = child.request({"op": "import", "module": module}, remaining())
        except CallFailed as failure:
            failure = CallFailed(failure.status, f"importing {module}.py: {failure}")
            self._broken[(module, None)] = failure
            self.events.append(str(failure))
            raise failure from None
        if answer.get("ok") is not True:
            error = answer.get("error")
            failure = _failure_from(error if type(error) is dict else {}, module, None)
            self._broken[(module, None)] = failure
            raise failure
        child.imported.add(module)

    def _decoded(self, answer: dict, module: str, function: str) -> Returned:
        """The answer's value as plain data; a value that is not is the learner's protocol failure."""
        try:
            return Returned(wire.decode(answer.get("value")), wire.origin(answer.get("value")))
        except wire.WireError as error:
            if self._child is not None:
                self._child.kill()
            failure = CallFailed("protocol", f"the child sent something that is not plain data ({error})")
            self._note_failure(module, function, failure)
            raise failure from None

    def call(self, module: str, function: str, *args, **kwargs) -> Returned:
        """Call the learner's `module.function(*args, **kwargs)` in the child."""
        self._check_file(module)
        message = {"op": "call", "module": module, "function": function,
                   "args": wire.encode(list(args)), "kwargs": wire.encode(dict(kwargs))}
        answer = self._ask(module, function, message, self.limits.call)
        return self._decoded(answer, module, function)

    def set_up(self, module: str, functions: list) -> Returned:
        """The training gate's call: [build, compile] in the child, one after the other; the model back."""
        self._check_file(module)
        message = {"op": "set_up", "module": module, "functions": list(functions)}
        answer = self._ask(module, "<set up>", message, self.limits.call)
        return self._decoded(answer, module, "<set up>")

    def close(self) -> None:
        """Stop the child (waiting for a start-up in progress), end everything it started, give back its
        uid and remove its job folder; no child starts after this."""
        with self._lock:
            self._closed = True
            if self._child is not None:
                self._child.stop()
                survivors = self._child.survivors()
                if survivors:
                    self.events.append(f"processes still alive after the child was killed: {survivors}")
                self._child = None
            self._lease.release()
            if self.job is not None:
                self.job.remove()


def _failure_from(error: dict, module: str, function: str | None) -> CallFailed:
    """A failure in words from the child's error report (every field of which the learner controls)."""
    def field(key: str) -> str:
        value = error.get(key)
        return value[:500] if type(value) is str else ""

    kind = field("kind") or "raised"
    line = error.get("line")
    where = f" ({field('file')} line {line})" if type(line) is int and line > 0 else ""
    name = f"`{function}`" if function else f"{module}.py"
    if kind == "not_started":
        return CallFailed("not_started", f"{name} is not started (raises NotImplementedError)")
    if kind == "missing_function":
        return CallFailed("missing_function", f"{module}.py has no function `{field('message')}`")
    if kind == "syntax_error":
        return CallFailed("syntax_error", f"syntax error{where}: {field('message')}")
    verb = "importing" if function is None else "calling"
    return CallFailed("raised", f"{verb} {name} raised {field('type')}{where}: {field('message')}")
