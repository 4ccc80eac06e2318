"""Grade: stage a submission, run the hidden checks against it, write its results.

`grade_one` is the trusted worker's whole job for one submission; `grade_many`
hands submissions to `jobs` worker processes (grader/workers.py) and collects
their results.json files.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from grader.gradebook import GRADER_ERROR, OWN_NAMES
from grader.results import ERROR, GradingResult, write_results
from grader.sandbox import Limits, Submission, kit_secrets, probe, reachable
from grader.stage import Refused, Staged, stage, submission_name
from grader.workers import Worker

DEFAULT_VISIBILITY = "after_published"  # Gradescope: students see the checks once grades are published


def isolation_report(weak_accepted: str = "") -> dict:
    """What results.json says of the sandbox: mode, layers in force, layers missing, and any override."""
    report = probe().report()
    if weak_accepted:
        report["override"] = f"the instructor accepted a weak sandbox: {weak_accepted}"
    return report


@dataclass
class Ready:
    """A submission staged, its child starting in the background: all that comes before its checks."""

    staged: Staged | None
    refusal: str  # why it was refused ('' when it was staged)
    submission: Submission
    seconds: float  # staging and setting up its child's job folder
    made_at: float  # time.monotonic() when it was ready

    def close(self) -> None:
        """For one that will not be graded after all: its child, uid and job folder go."""
        self.submission.close()


def get_ready(path: Path, out_dir: Path, limits: Limits, hide: list[Path] = ()) -> Ready:
    """Stage one submission and start its child; grade_one goes on from here."""
    started = time.monotonic()
    try:
        staged, refusal = stage(path), ""
    except Refused as error:
        staged, refusal = None, f"Submission refused: {error}"
    if staged:
        files = {module: "" for module in staged.sources}
        files.update(staged.problems)
    else:
        from layerlab.table import load_table

        files = {e.module: ("not_submitted", refusal) for e in load_table()}
    submission = Submission(staged.sources if staged else {}, files, limits, secrets=kit_secrets([out_dir, *hide]))
    if submission.sources:
        submission.prestart()  # the child starts (a fork, or a TensorFlow import) while this process goes on
    return Ready(staged, refusal, submission, time.monotonic() - started, time.monotonic())


def grade_one(path: Path, out_dir: Path, limits: Limits, hide: list[Path] = (),
              visibility: str = DEFAULT_VISIBILITY, weak_accepted: str = "", name: str | None = None,
              metadata: Path | None = None, ready: Ready | None = None,
              checks_starting: Callable[[Submission], None] | None = None) -> GradingResult:
    """Grade one submission in this (trusted) process; the learner's code runs in a child.

    `metadata`: Gradescope's submission_metadata.json, for the learner's identity.
    `ready`: get_ready's work for this submission, done earlier; `checks_starting` is called
    once this process has TensorFlow, just before the checks (a worker readies its next job then).
    """
    from grader.check import run_checks
    from layerlab.quiet import import_tensorflow

    started = time.monotonic()
    result = GradingResult(name or submission_name(path), isolation=isolation_report(weak_accepted))
    if metadata is not None:
        from grader.platforms.gradescope import learner_from_metadata

        result.learner = learner_from_metadata(metadata)
    timings = {}
    if ready is not None:  # readied while the submission before it was graded
        timings["head_start"] = started - ready.made_at
    else:
        ready = get_ready(path, out_dir, limits, hide)
    staged, submission = ready.staged, ready.submission
    if staged:
        result.events += staged.notes
        result.files = [staged.found[name] for name in sorted(staged.found)]
        if not staged.sources and not staged.problems:
            result.output = ("No exercise files found: submit the files themselves (ex01_image.py, "
                             "ex02_conv2d.py ...), or a folder or .zip that holds them (one copy of each).")
    else:
        result.status, result.output = "refused", ready.refusal
    timings["stage"] = ready.seconds
    try:
        clock = time.monotonic()
        import_tensorflow()
        timings["tensorflow_import"] = time.monotonic() - clock
        if checks_starting is not None:
            checks_starting(submission)
        clock = time.monotonic()
        checks, errors = run_checks(submission)
        timings["checks"] = time.monotonic() - clock
    finally:
        submission.close()  # the child and everything it started are gone before anything is written
    clock = time.monotonic()
    timings.update(submission.timings)
    if submission.budget is not None:  # learner time per file, as the budget counted it
        timings.update({f"learner.{module}": spent for module, spent in submission.budget.spent.items()})
    timings["training_gate"] = sum(c.details.get("seconds", 0.0) for c in checks)
    result.timings = timings
    result.checks = checks
    result.events += submission.events + errors
    broken = [check.name for check in checks if check.status == ERROR]
    if errors or broken:  # a check that could not run: the score is not the learner's, say so everywhere
        result.status = GRADER_ERROR
        result.output = (f"the grader itself failed on this submission ({len(broken)} checks could not run: "
                         f"{', '.join(broken[:5]) or 'pytest did not run'}); regrade it")
    result.versions = {"python": sys.version.split()[0], **_versions(), **{
        f"child_{k}": v for k, v in submission.versions.items() if k != "python"}}
    result.execution_time = time.monotonic() - started
    if not result.output:
        result.output = f"{result.submission}: {result.score:g} / {result.max_score:g} points"
    result.timings["report"] = time.monotonic() - clock  # scoring and the output text; writing follows
    write_results(result, out_dir, visibility)
    return result


def _versions() -> dict:
    import keras
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def submission_folders(paths: list[Path]) -> list[Path]:
    """Folders the children must not see: every submission folder and the folders that hold them."""
    folders = set()
    for path in map(Path, paths):
        path = path.resolve()
        folders.add(path.parent)
        if path.is_dir():
            folders.add(path)
    return sorted(folders)


def sweep_sandboxes() -> None:
    """End every process of a sandbox uid no live grader holds, and remove orphaned cgroups."""
    from grader.sandbox import cgroup, identity

    identity.sweep()
    cgroup.sweep()


class WeakSandbox(Exception):
    """A learner's code could read the reference here; grading would not be authoritative."""


def sandbox_verdict(hide: list[Path], allow_weak: str = "") -> str:
    """'' when no child can reach a secret; else the words for what it reaches, if the instructor allowed it."""
    reached = reachable(kit_secrets(hide))
    if not reached:
        return ""
    words = f"{probe().mode} mode; a learner's code could read {', '.join(reached)}"
    if not allow_weak:
        raise WeakSandbox(f"the sandbox cannot hide the reference here ({words}). Install bubblewrap, or "
                          "close these folders to other users (docs/SECURITY.md); --allow-weak-sandbox grades "
                          "anyway and records it in every results.json")
    return f"{words} ({allow_weak})"


def grade_many(paths: list[Path], out_root: Path, limits: Limits, jobs: int = 1,
               progress: Callable[[str, GradingResult | None], None] | None = None,
               visibility: str = DEFAULT_VISIBILITY, allow_weak: str = "",
               metadata: Path | None = None) -> list[GradingResult]:
    """Grade submissions with `jobs` workers at a time; results come back in the order given.

    The output folder and every submission folder are secrets to each child,
    so one learner's code cannot read another's files or results; if the
    sandbox cannot keep them out of reach, WeakSandbox (unless `allow_weak`).
    `metadata` (Gradescope's submission_metadata.json) names the learner of a single submission.
    """
    if metadata is not None and len(paths) != 1:
        raise ValueError("submission metadata names the learner of one submission, not of a batch")
    out_root.mkdir(parents=True, exist_ok=True)
    names = unique_names(paths)
    hide = [out_root.resolve(), *submission_folders(paths)]
    workers = [Worker(limits, visibility) for _ in range(max(1, min(jobs, len(paths))))]
    # They start (the zygote's import, or each its own) while the sandbox is proved; no job before the verdict.
    starting = [threading.Thread(target=worker.start, daemon=True) for worker in workers]
    for thread in starting:
        thread.start()
    try:
        weak_accepted = sandbox_verdict(hide, allow_weak)
    except BaseException:
        for thread in starting:
            thread.join()
        for worker in workers:
            worker.stop()
        raise
    for thread in starting:
        thread.join()
    waiting: queue.SimpleQueue[int] = queue.SimpleQueue()  # indices of submissions no worker has taken
    for index in range(len(paths)):
        waiting.put(index)
    stopping = threading.Event()
    results: list[GradingResult | None] = [None] * len(paths)

    def take() -> int | None:
        try:
            return None if stopping.is_set() else waiting.get_nowait()
        except queue.Empty:
            return None

    def work_with(worker: Worker) -> None:
        """One worker's share: it takes a submission and the one after, grading the first while readying the next."""
        index = take()
        while index is not None and not stopping.is_set():
            following = take()
            then = (paths[following], out_root / names[following]) if following is not None else None
            if progress:
                progress(names[index], None)
            results[index] = worker.grade(paths[index], out_root / names[index], hide, metadata, then=then,
                                          weak_accepted=weak_accepted)
            if progress:
                progress(names[index], results[index])
            index = following

    pool = ThreadPoolExecutor(max_workers=len(workers))
    try:
        for share in [pool.submit(work_with, worker) for worker in workers]:
            share.result()
        return results
    finally:
        stopping.set()
        for worker in workers:  # also on an interrupt: every worker and its child end here
            worker.stop()
        pool.shutdown(wait=True, cancel_futures=True)
        sweep_sandboxes()  # a worker killed at its deadline could not end its child's daemons


def unique_names(paths: list[Path]) -> list[str]:
    """Output folder names: the submission's name, with -2, -3 ... until it is like no name taken.

    Taken are the names given before it and the grader's own files in the
    output folder, compared without case (ben/, ben-2/ and ben.zip give
    ben, ben-2 and ben-3, also on a case-insensitive disk).
    """
    taken = {name.casefold() for name in OWN_NAMES}
    names = []
    for path in paths:
        base = name = submission_name(path)
        number = 2
        while name.casefold() in taken:
            name, number = f"{base}-{number}", number + 1
        taken.add(name.casefold())
        names.append(name)
    return names
