"""The instructor's command line: grade, selftest, demo, release, export (and the internal worker)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from grader.grade import DEFAULT_VISIBILITY, WeakSandbox  # noqa: E402
from grader.paths import EXAMPLE_SUBMISSION, KIT_ROOT  # noqa: E402
from grader.sandbox import Limits  # noqa: E402
from grader.results import GRADESCOPE_VISIBILITY  # noqa: E402


def _limits(arguments) -> Limits:
    return Limits(call=arguments.call_timeout, memory_mb=arguments.memory_mb,
                  budget=arguments.budget, submission=arguments.submission_timeout)


def _add_limits(parser: argparse.ArgumentParser) -> None:
    defaults = Limits()
    parser.add_argument("--call-timeout", type=float, default=defaults.call, metavar="S",
                        help=f"seconds one call of a learner's function may take (default {defaults.call:g})")
    parser.add_argument("--budget", type=float, default=defaults.budget, metavar="S",
                        help=f"seconds of learner time for all of one submission's calls, shared fairly by "
                             f"its files (default {defaults.budget:g})")
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_mb, metavar="MB",
                        help=f"memory cap of the learner's process (default {defaults.memory_mb})")
    parser.add_argument("--submission-timeout", type=float, default=defaults.submission, metavar="S",
                        help=f"seconds one whole submission may take before its worker is stopped "
                             f"(default {defaults.submission:g})")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    parser.set_defaults(needs_data=False)  # grade, demo and selftest need MNIST
    verbs = parser.add_subparsers(dest="verb", required=True)
    grade = verbs.add_parser("grade", help="grade submissions (folders or .zip files, or folders of them)")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                       help="a submission (folder or .zip), or a folder whose entries are submissions")
    grade.add_argument("--out", type=Path, required=True, metavar="DIR", help="where results go")
    grade.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="submissions graded at once (default: the number of CPUs, %(default)s here)")
    grade.add_argument("--tables", action="store_true",
                       help="print every submission's table (default: only when grading one)")
    grade.add_argument("--allow-weak-sandbox", action="store_true",
                       help="grade even where a learner's code could read the reference (recorded in results.json)")
    grade.add_argument("--no-expand", action="store_true",
                       help="each SUBMISSION is one submission, even a folder without exercise files")
    grade.add_argument("--metadata", type=Path, default=None, metavar="FILE",
                       help="Gradescope's submission_metadata.json: the learner's identity, in results and gradebook")
    grade.add_argument("--roster", type=Path, default=None, metavar="FILE",
                       help="CSV with a 'submission' column and the students' identities (student, id, sis_user_id, "
                            "sis_login_id, section, email): joined into the gradebook, and canvas.csv is written")
    grade.add_argument("--canvas-assignment", default="layerlab", metavar="NAME",
                       help="the assignment's column in canvas.csv (default %(default)s; 'Name (123)' updates "
                            "Canvas's assignment 123)")
    _add_visibility(grade)
    _add_limits(grade)
    grade.set_defaults(run=grade_command, needs_data=True)
    selftest = verbs.add_parser("selftest", help="grade solutions/ (full marks) and exercises/ (zero)")
    selftest.add_argument("--out", type=Path, default=None, metavar="DIR")
    selftest.add_argument("--only", default=None, metavar="IDS",
                          help="comma-separated exercise ids: run only their mutants and alternatives")
    _add_limits(selftest)
    selftest.set_defaults(run=selftest_command, needs_data=True)
    demo = verbs.add_parser("demo", help="grade the sample submission in examples/")
    demo.add_argument("--out", type=Path, default=KIT_ROOT / "out" / "demo", metavar="DIR")
    _add_limits(demo)
    demo.set_defaults(run=demo_command, needs_data=True)
    release = verbs.add_parser("release", help="write the student bundle (exercises, layerlab, README ...)")
    release.add_argument("dest", type=Path, metavar="DEST")
    release.add_argument("--force", action="store_true", help="write into DEST even if it is not empty")
    release.set_defaults(run=release_command)
    export = verbs.add_parser("export", help="package the grader for Gradescope or Classroom 50")
    export.set_defaults(run=export_command)
    targets = export.add_subparsers(dest="target", required=True)
    gradescope = targets.add_parser("gradescope", help="an autograder .zip for Gradescope")
    gradescope.add_argument("zip", type=Path, metavar="OUT.zip")
    _add_visibility(gradescope)
    gradescope.add_argument("--python", default="3.10", metavar="X.Y",
                            help="the base image's Python; its lock in grader/platforms/locks/ pins the packages "
                                 "(default %(default)s: Gradescope's newest image, Ubuntu 22.04)")
    classroom50 = targets.add_parser("classroom50", help="an autograder folder for Classroom 50 (visible tests only)")
    classroom50.add_argument("dest", type=Path, metavar="DEST",
                             help="CLASSROOM/autograders/ASSIGNMENT in the classroom50 config repository")
    classroom50.add_argument("--force", action="store_true", help="write into DEST even if it is not empty")
    pins = targets.add_parser("pins", help="print a lock of the kit's packages for another Python (needs PyPI)")
    pins.add_argument("interpreter", type=Path, metavar="PYTHON", help="a python of the version to lock for")
    worker = verbs.add_parser("worker", help=argparse.SUPPRESS)  # grader/workers.py starts it
    worker.add_argument("--serve", type=int, required=True, metavar="FD")
    _add_visibility(worker)
    _add_limits(worker)
    worker.set_defaults(run=worker_command)
    return parser


def _add_visibility(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--visibility", choices=GRADESCOPE_VISIBILITY, default=DEFAULT_VISIBILITY,
                        help="when students see the hidden checks on Gradescope (default %(default)s)")


def _fail(message: str) -> int:
    print(f"grader: {message}", file=sys.stderr)
    return 2


def grade_and_print(paths: list[Path], out: Path, limits: Limits, jobs: int = 1, tables: bool | None = None,
                    visibility: str = DEFAULT_VISIBILITY, allow_weak: str = "", metadata: Path | None = None,
                    roster=None, canvas_assignment: str = "layerlab") -> list:
    """Grade with a progress display; then one table per submission, or the class summary and gradebook."""
    from grader.gradebook import summary, write_gradebook
    from grader.grade import grade_many, unique_names
    from grader.report import BatchProgress, table

    from grader.sandbox import probe
    from grader.sanitize import text

    host = probe()
    print(f"sandbox: {host.mode}" + "".join(f"\n  warning: {missing}" for missing in host.missing), file=sys.stderr)
    names = unique_names(paths)
    for path, name in zip(paths, names):
        if name != Path(path).name and name != Path(path).stem:
            print(text(f"grader: {path} is graded as {name}"), file=sys.stderr)
    with BatchProgress(len(paths), jobs) as progress:
        results = grade_many(paths, out, limits, jobs=jobs, progress=progress, visibility=visibility,
                             allow_weak=allow_weak, metadata=metadata)
    graded = list(zip(names, results))
    gradebook = write_gradebook(out, graded, {name: _shown(path) for path, name in zip(paths, names)}, roster)
    if roster is not None:
        from grader.platforms.canvas import write_canvas
        from layerlab.table import load_table

        canvas, notes = write_canvas(out, graded, roster, canvas_assignment,
                                     sum(exercise.points for exercise in load_table()))
        for note in notes:
            print(text(f"grader: {note}"), file=sys.stderr)
        print(f"canvas: {canvas}")
    if tables if tables is not None else len(results) == 1:
        for result in results:
            print()
            print(table(result))
    print()
    if len(results) > 1:
        print(summary(graded))
    print(text(f"gradebook: {gradebook}"))
    print(text(f"results: {out}/<name>/results.json and junit.xml"))
    return results


def _shown(path: Path) -> str:
    """A submission's path as the gradebook shows it: relative to here when it is below here."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _grader_errors(results: list) -> int:
    """Exit status 1, with the names, when the grader could not grade a submission (regrade it)."""
    from grader.gradebook import GRADER_ERROR
    from grader.sanitize import text

    failed = [result.submission for result in results if result.status == GRADER_ERROR]
    if failed:
        print(text(f"grader: {len(failed)} submission(s) could not be graded (grader error, no score): "
                   f"{', '.join(failed)}; regrade them"), file=sys.stderr)
    return 1 if failed else 0


def _data_problem() -> str | None:
    """The grader needs MNIST (other images, the training gate): find it, or say how to fix it."""
    from layerlab.data import DataError, load_mnist

    try:
        load_mnist()  # may download once into the Keras cache, where the checks then find it
    except DataError as error:
        return str(error)
    return None


# ------------------------------------------------------------ the verbs


def grade_command(arguments) -> int:
    from grader.sanitize import text
    from grader.stage import expand

    missing = [str(p) for p in arguments.submissions if not p.exists()]
    if missing:
        return _fail(f"no such submission: {', '.join(missing)}")
    if arguments.jobs < 1:
        return _fail("--jobs must be at least 1")
    notes: list[str] = []
    paths = [p.resolve() for p in arguments.submissions]
    if not arguments.no_expand:
        paths = expand(paths, notes)
    for note in notes:
        print(text(f"grader: {note}"), file=sys.stderr)
    if arguments.metadata is not None and len(paths) != 1:
        return _fail(f"--metadata names the learner of one submission; {len(paths)} were given")
    roster = None
    if arguments.roster is not None:
        from grader.platforms.canvas import RosterError, read_roster

        try:
            roster = read_roster(arguments.roster)
        except RosterError as error:
            return _fail(str(error))
    allow_weak = "--allow-weak-sandbox" if arguments.allow_weak_sandbox else ""
    try:
        results = grade_and_print(paths, arguments.out.resolve(), _limits(arguments), arguments.jobs,
                                  arguments.tables or None, arguments.visibility, allow_weak,
                                  arguments.metadata, roster, arguments.canvas_assignment)
    except WeakSandbox as refusal:
        return _fail(str(refusal))
    except KeyboardInterrupt:
        print(f"\ngrader: interrupted; every worker was stopped. Results so far are in {arguments.out}/",
              file=sys.stderr)
        return 130
    return _grader_errors(results)


def demo_command(arguments) -> int:
    try:
        results = grade_and_print([EXAMPLE_SUBMISSION], arguments.out.resolve(), _limits(arguments),
                                  allow_weak="the demo grades the kit's own sample")
    except WeakSandbox as refusal:
        return _fail(str(refusal))
    return _grader_errors(results)


def selftest_command(arguments) -> int:
    from grader.selftest import selftest
    from layerlab.table import find

    only = [find(key).module for key in arguments.only.split(",")] if arguments.only else None
    return selftest(arguments.out, _limits(arguments), only=only)


def release_command(arguments) -> int:
    from grader.release import ReleaseError, release

    try:
        written = release(arguments.dest, force=arguments.force)
    except ReleaseError as error:
        return _fail(str(error))
    print(f"student bundle: {written.resolve()}")
    return 0


def export_command(arguments) -> int:
    from grader.platforms import ExportError
    from grader.platforms.classroom50 import export_classroom50
    from grader.platforms.gradescope import export_gradescope, resolve_pins

    try:
        if arguments.target == "pins":
            print(resolve_pins(arguments.interpreter), end="")
            return 0
        if arguments.target == "gradescope":
            written = export_gradescope(arguments.zip, visibility=arguments.visibility, python=arguments.python)
        else:
            written = export_classroom50(arguments.dest, force=arguments.force)
    except ExportError as error:
        return _fail(str(error))
    for path in written if isinstance(written, list) else [written]:
        print(f"wrote {path}")
    return 0


def worker_command(arguments) -> int:
    from grader.workers import serve

    return serve(arguments.serve, _limits(arguments), arguments.visibility)


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.needs_data and (problem := _data_problem()):
        return _fail(problem)
    return arguments.run(arguments)
