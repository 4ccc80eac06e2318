"""The learner's command: `layerlab progress | hint | check | watch | show`.

progress, and hint without an exercise (to find the next one), run the visible
tests with pytest in this process (layerlab/visible_tests.py): the learner's code
runs here, as under `pytest exercises`. progress answers from the last results
when nothing they depend on changed (layerlab/last_results.py). check and watch
run pytest in a child process whose output is the learner's. hint reads the
exercise table; show draws an exercise's figures with the learner's own plot_*
functions (layerlab/show.py), `show all` the kit's walkthrough (layerlab/figures.py).
Every sentence comes from the message catalog (layerlab/messages/cli.toml), in
English or Korean.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from layerlab import last_results, messages
from layerlab.messages import say
from layerlab.pytest_plugin import NOT_STARTED, PASSING, resolve_target, summary_lines
from layerlab.saves import snapshot, wait_for_change
from layerlab.table import Exercise, find, load_table
from layerlab.visible_tests import pytest_command, run_quietly

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130


class CliError(Exception):
    """Something the learner can fix; the message says how."""


# ------------------------------------------------------------ where things are


def find_kit_root(start: Path) -> Path:
    """The nearest folder, from `start` upward, whose exercises/ holds the table's test files."""
    for folder in (start, *start.parents):
        if any(e.test_path(folder).is_file() for e in load_table()):
            return folder
    raise CliError(say("cli.no_kit_root", start=start))


def find_exercise(key: str) -> Exercise:
    try:
        return find(key)
    except KeyError:
        raise CliError(say("cli.unknown_exercise", key=key, known=", ".join(e.id for e in load_table()))) from None


def target_argument(target: str) -> str:
    """What `--target` tells pytest: exercises, solutions, or an absolute path (pytest runs elsewhere)."""
    if target in ("exercises", "solutions"):
        return target
    folder = Path(target).expanduser().resolve()
    if not folder.is_dir():
        raise CliError(say("cli.no_target", target=target))
    return str(folder)


def _shown(path: Path) -> str:
    """A path as the learner types it where they stand: exercises/ex02_conv2d.py in the kit's folder."""
    path = Path(path)
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


# ------------------------------------------------------------ running the tests


def _reported_states(root: Path, target: str, *options: str, key: str | None = None) -> dict[str, str]:
    """{exercise id: state} for the exercises one quiet run reached; a complete run's are kept under `key`."""
    run = run_quietly(root, target, *options)
    if run.states is None:
        raise CliError(say("cli.tests_did_not_run", code=run.exit_code, output=run.tail))
    if not run.complete:
        print(say("cli.tests_incomplete", code=run.exit_code, output=run.tail))
    elif key is not None and not run.data_missing:
        last_results.remember(root, target, key, run.states)
    return run.states


def exercise_states(root: Path, target: str, fresh: bool = False) -> dict[str, str]:
    """{exercise id: passing | failing | not_started}: the last results if nothing changed, else a quiet run."""
    key = last_results.digest(root, target)
    states = None if fresh else last_results.recall(root, target, key)
    if states is not None:
        print(say("cli.from_last_run"), flush=True)
    else:
        print(say("cli.running_all", target=_shown(resolve_target(root, target))), flush=True)
        states = _reported_states(root, target, key=key)
    return {e.id: states.get(e.id, NOT_STARTED) for e in load_table()}


def first_unfinished(root: Path, target: str) -> Exercise | None:
    """The first exercise that does not pass yet, from a run that stops at the first failing test.

    The visible tests run in the table's order, so the first failure belongs to
    that exercise: early in the kit this takes seconds, not a run of every test.
    """
    print(say("cli.finding_next", target=_shown(resolve_target(root, target))), flush=True)
    return _first_not_passing(_reported_states(root, target, "-x"))


def run_check(root: Path, exercise: Exercise, target: str, verbose: bool = False) -> int:
    """One exercise's visible tests, output straight to the terminal; pytest's exit code."""
    learner_file = resolve_target(root, target) / f"{exercise.module}.py"
    print(say("cli.check_header", label=exercise.label(messages.language()), path=_shown(learner_file)), flush=True)
    test = str(exercise.test_path(root).relative_to(root))
    # -rN: no short summary of the failures; the plugin's summary closes the output instead.
    options = ("-v",) if verbose else ("-q", "-rN")
    return subprocess.run(pytest_command([test], target, *options), cwd=root).returncode


def _first_not_passing(states: dict[str, str]) -> Exercise | None:
    return next((e for e in load_table() if states.get(e.id) != PASSING), None)


# ------------------------------------------------------------ the commands


def progress(args: argparse.Namespace) -> int:
    root = find_kit_root(Path.cwd())
    target = target_argument(args.target)
    states = exercise_states(root, target, args.fresh)
    lines, closing, next_up = summary_lines(states, messages.language())
    print("\n".join(line for _, line in lines))
    print(closing)
    if next_up is None:
        print(say("cli.all_done"))
    else:
        path = _shown(resolve_target(root, target) / f"{next_up.module}.py")
        print(say("cli.next_steps", path=path, exercise=next_up.id))
    return EXIT_OK


def hint(args: argparse.Namespace) -> int:
    if args.exercise is None:  # the hint for the exercise to do next
        exercise = first_unfinished(find_kit_root(Path.cwd()), target_argument(args.target))
        if exercise is None:
            print(say("cli.all_done"))
            return EXIT_OK
    else:
        exercise = find_exercise(args.exercise)
    count = len(exercise.hints)
    if not 1 <= args.level <= count:
        raise CliError(say("cli.bad_level", exercise=exercise.id, count=count))
    lang = messages.language()
    print(say("cli.hint_header", label=exercise.label(lang), level=args.level, count=count))
    print(f"  {exercise.hints[args.level - 1][lang]}")
    if args.level < count:
        print(say("cli.hint_more", exercise=exercise.id, next=args.level + 1))
    else:
        print(say("cli.hint_last", path=f"exercises/{exercise.module}.py"))
    return EXIT_OK


def check(args: argparse.Namespace) -> int:
    root = find_kit_root(Path.cwd())
    return run_check(root, find_exercise(args.exercise), target_argument(args.target), args.verbose)


def watch(args: argparse.Namespace) -> int:
    root = find_kit_root(Path.cwd())
    target = target_argument(args.target)
    folder = resolve_target(root, target)
    files = [folder / f"{e.module}.py" for e in load_table()]
    lang = messages.language()
    pinned = args.exercise is not None
    states: dict[str, str] = {}
    try:
        if pinned:
            current = find_exercise(args.exercise)
        else:
            current = first_unfinished(root, target)
            if current is None:
                print(say("cli.all_done"))
                return EXIT_OK
            # the exercises before it pass: after it passes, the next one is the one after it
            states = {e.id: PASSING for e in load_table() if e.number < current.number}
        runs = 0
        while True:
            before = snapshot(files)  # taken before the run: a save during the run is not missed
            code = run_check(root, current, target, args.verbose)
            runs += 1
            if code == EXIT_OK and not pinned:
                states[current.id] = PASSING
                following = _first_not_passing(states)
                if following is None:
                    print(say("cli.all_done"))
                    return EXIT_OK
                print(say("cli.watch_passed", label=current.label(lang), next_label=following.label(lang),
                          path=_shown(folder / f"{following.module}.py")))
                current = following
            if args.max_runs is not None and runs >= args.max_runs:
                print(say("cli.watch_max_runs", runs=runs))
                return code
            if code == EXIT_OK and not pinned:
                continue  # straight on to the next exercise's tests: it may pass already
            print(say("cli.watch_waiting", folder=_shown(folder)), flush=True)
            changed = wait_for_change(files, before, args.interval)
            print(say("cli.watch_changed", path=_shown(changed)), flush=True)
    except KeyboardInterrupt:  # Ctrl-C: the child pytest got it too and has stopped
        print("\n" + say("cli.stopped"))
        return EXIT_INTERRUPTED


def show(args: argparse.Namespace) -> int:
    from layerlab import figures  # imports TensorFlow: only this command pays for it
    from layerlab.data import DataError
    from layerlab.show import draw, seed_image

    names = figures.FIGURE_NAMES
    if args.exercise != "all":
        exercise = find_exercise(args.exercise)
        names = figures.FOR_EXERCISE[exercise.id]
        if not names:
            print(say("cli.show_none", label=exercise.label(messages.language())))
            return EXIT_OK
    try:
        image, label = seed_image(args.index)  # (1, 28, 28, 1) float32 and its digit
    except DataError as error:
        raise CliError(say("data.missing", detail=str(error))) from None
    except IndexError as error:
        raise CliError(str(error)) from None
    print(say("cli.show_intro", index=args.index, label=label, seed=figures.SEED))
    folder = resolve_target(find_kit_root(Path.cwd()), target_argument(args.target)) if args.exercise != "all" else None
    for line in draw(args.exercise, names, Path(args.out), image, label, folder):
        print(line)
    return EXIT_OK


# ------------------------------------------------------------ the parser


def _language_from(argv: list[str]) -> str | None:
    """--lang wherever it stands, before the parser is built: the help text is in that language."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", choices=messages.LANGUAGES)
    known, _ = early.parse_known_args(argv)
    return known.lang


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=messages.LANGUAGES, default=argparse.SUPPRESS, help=say("cli.help.lang"))
    testing = argparse.ArgumentParser(add_help=False)
    testing.add_argument("--target", default="exercises", help=say("cli.help.target"))
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", help=say("cli.help.verbose"))

    parser = argparse.ArgumentParser(prog="layerlab", description=say("cli.description"), parents=[common])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    command = commands.add_parser("progress", parents=[common, testing], help=say("cli.help.progress"))
    command.add_argument("--fresh", action="store_true", help=say("cli.help.fresh"))
    command.set_defaults(run=progress)

    command = commands.add_parser("hint", parents=[common, testing], help=say("cli.help.hint"))
    command.add_argument("exercise", nargs="?", help=say("cli.help.hint_exercise"))
    command.add_argument("--level", type=int, default=1, help=say("cli.help.level"))
    command.set_defaults(run=hint)

    command = commands.add_parser("check", parents=[common, testing, verbose], help=say("cli.help.check"))
    command.add_argument("exercise", help=say("cli.help.exercise"))
    command.set_defaults(run=check)

    command = commands.add_parser("watch", parents=[common, testing, verbose], help=say("cli.help.watch"))
    command.add_argument("exercise", nargs="?", help=say("cli.help.watch_exercise"))
    command.add_argument("--interval", type=float, default=1.0, help=say("cli.help.interval"))
    command.add_argument("--max-runs", type=int, default=None, help=say("cli.help.max_runs"))
    command.set_defaults(run=watch)

    command = commands.add_parser("show", parents=[common, testing], help=say("cli.help.show"))
    command.add_argument("exercise", help=say("cli.help.show_exercise"))
    command.add_argument("--out", default="figures", help=say("cli.help.out"))
    command.add_argument("--index", type=int, default=0, help=say("cli.help.index"))
    command.set_defaults(run=show)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    messages.set_language(_language_from(argv))
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CliError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\n" + say("cli.stopped"), file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
