"""The instructor's command line: grade, selftest, demo (and the internal worker)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from grader.isolate import KIT_ROOT, Limits  # noqa: E402

EXAMPLE_SUBMISSION = KIT_ROOT / "examples" / "sample_submission"


def _limits(arguments) -> Limits:
    return Limits(call=arguments.call_timeout, train=arguments.train_timeout, memory_mb=arguments.memory_mb)


def _add_limits(parser: argparse.ArgumentParser) -> None:
    defaults = Limits()
    parser.add_argument("--call-timeout", type=float, default=defaults.call, metavar="S",
                        help=f"seconds one call of a learner's function may take (default {defaults.call:g})")
    parser.add_argument("--train-timeout", type=float, default=defaults.train, metavar="S",
                        help=f"seconds the training gate may take (default {defaults.train:g})")
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_mb, metavar="MB",
                        help=f"memory cap of the learner's process (default {defaults.memory_mb})")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    grade = verbs.add_parser("grade", help="grade submissions (folders or .zip files)")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION")
    grade.add_argument("--out", type=Path, required=True, metavar="DIR", help="where results go")
    grade.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded at once")
    _add_limits(grade)
    selftest = verbs.add_parser("selftest", help="grade solutions/ (full marks) and exercises/ (zero)")
    selftest.add_argument("--out", type=Path, default=None, metavar="DIR")
    _add_limits(selftest)
    demo = verbs.add_parser("demo", help="grade the sample submission in examples/")
    demo.add_argument("--out", type=Path, default=KIT_ROOT / "out" / "demo", metavar="DIR")
    _add_limits(demo)
    worker = verbs.add_parser("worker", help=argparse.SUPPRESS)
    worker.add_argument("submission", type=Path)
    worker.add_argument("--out", type=Path, required=True)
    _add_limits(worker)
    return parser


def _fail(message: str) -> int:
    print(f"grader: {message}", file=sys.stderr)
    return 2


def grade_and_print(paths: list[Path], out: Path, limits: Limits, jobs: int = 1) -> list:
    from grader.grade import grade_many
    from grader.report import table

    results = grade_many(paths, out, limits, jobs=jobs)
    for result in results:
        print(table(result))
        print()
    print(f"results: {out}/<name>/results.json and junit.xml")
    return results


def _data_problem() -> str | None:
    """The grader needs MNIST (other images, the training gate): find it, or say how to fix it."""
    from layerlab.data import DataError, load_mnist

    try:
        load_mnist()  # may download once into the Keras cache, where the checks then find it
    except DataError as error:
        return str(error)
    return None


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    limits = _limits(arguments)
    if arguments.verb in ("grade", "demo", "selftest") and (problem := _data_problem()):
        return _fail(problem)
    if arguments.verb == "worker":
        from grader.grade import grade_one
        from layerlab.quiet import import_tensorflow

        import_tensorflow()
        grade_one(arguments.submission, arguments.out, limits)
        return 0
    if arguments.verb == "grade":
        missing = [str(p) for p in arguments.submissions if not p.exists()]
        if missing:
            return _fail(f"no such submission: {', '.join(missing)}")
        if arguments.jobs < 1:
            return _fail("--jobs must be at least 1")
        grade_and_print([p.resolve() for p in arguments.submissions], arguments.out.resolve(), limits,
                        arguments.jobs)
        return 0
    if arguments.verb == "demo":
        grade_and_print([EXAMPLE_SUBMISSION], arguments.out.resolve(), limits)
        return 0
    if arguments.verb == "selftest":
        from grader.selftest import selftest

        return selftest(arguments.out, limits)
    return _fail(f"unknown verb {arguments.verb}")
