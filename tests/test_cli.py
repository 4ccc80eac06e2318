"""The learner's command line: `layerlab progress | hint | check | watch` and what `pytest exercises` prints.

Commands that run tests start a real `layerlab` process (which runs pytest),
as a learner would; hint, the errors that stop a command early and progress's
last results (with the test run replaced) run in this process. Every test keeps
its last results in a cache folder of its own. Expected text comes from the
message catalog, never retyped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from layerlab import cli, last_results, messages
from layerlab.messages import say
from layerlab.pytest_plugin import FAILING, NOT_STARTED, PASSING
from layerlab.table import find, load_table
from layerlab.visible_tests import Run

KIT = Path(__file__).resolve().parent.parent
EXERCISES = load_table()
TOTAL = len(EXERCISES)


def layerlab(*arguments: str, cwd: Path = KIT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "layerlab.cli", *arguments], cwd=cwd, capture_output=True,
                          text=True, timeout=900, env=env)


@pytest.fixture(autouse=True)
def language_reset():
    yield
    messages.set_language(None)  # cli.main sets the language for its process


@pytest.fixture(autouse=True)
def own_cache_folder(tmp_path, monkeypatch):
    """progress's last results in this test's folder (the commands it starts inherit the variable)."""
    monkeypatch.setenv(last_results.CACHE_ENV, str(tmp_path / "cache"))


def copy_of(tree: str, folder: Path) -> Path:
    """A target folder holding a copy of every exercise file of `tree` (exercises or solutions)."""
    folder.mkdir()
    for exercise in EXERCISES:
        shutil.copy(exercise.path(KIT, tree), folder)
    return folder


# ------------------------------------------------------------ progress


def test_progress_on_untouched_stubs_is_zero_and_next_is_the_first():
    completed = layerlab("progress", "--lang", "en")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    first = EXERCISES[0]
    assert completed.stdout.startswith(say("cli.running_all", "en", target="exercises"))
    assert f"0/{TOTAL} exercises passing — next: {first.label('en')}" in completed.stdout
    assert say("cli.next_steps", "en", path=f"exercises/{first.module}.py", exercise=first.id) in completed.stdout
    for exercise in EXERCISES:
        line = next(line for line in completed.stdout.splitlines() if exercise.label("en") in line)
        assert line.startswith(" · ") and line.endswith(say("state_not_started", "en")), line
    again = layerlab("progress", "--lang", "en")  # nothing changed: the same table, from the last run
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith(say("cli.from_last_run", "en") + "\n")
    assert again.stdout.splitlines()[1:] == completed.stdout.splitlines()[1:]


def test_progress_on_the_solutions_is_complete():
    completed = layerlab("progress", "--target", "solutions", "--lang", "en")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"{TOTAL}/{TOTAL} exercises passing — all done!" in completed.stdout
    assert say("cli.all_done", "en") in completed.stdout
    assert completed.stdout.count(" ✓ ") == TOTAL


def test_a_learner_file_that_exits_at_import_is_a_failing_exercise_not_a_silent_stop(tmp_path):
    """The tests run in the command's own process: a sys.exit in a learner's file must not end it."""
    work = copy_of("exercises", tmp_path / "mine")
    relu = work / "ex05_relu.py"
    relu.write_text("import sys\nsys.exit(3)\n" + relu.read_text(encoding="utf-8"), encoding="utf-8")
    completed = layerlab("progress", "--target", str(work), "--lang", "en")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    line = next(line for line in completed.stdout.splitlines() if find("relu").label("en") in line)
    assert line.startswith(" ✗ ") and line.endswith(say("state_failing", "en")), line
    assert f"0/{TOTAL} exercises passing" in completed.stdout
    assert "short test summary" not in completed.stdout and "=====" not in completed.stdout  # pytest's own lines


def quiet_runs(monkeypatch, states: dict[str, str]) -> list[Path]:
    """Replace progress's test run by one that reports `states`; the list collects the folders it ran in."""
    runs = []

    def run(root: Path, target: str, *options: str) -> Run:
        runs.append(Path(target))
        return Run(dict(states), 1, "")

    monkeypatch.setattr(cli, "run_quietly", run)
    return runs


def test_progress_reruns_only_when_a_file_changed_or_it_is_asked_to(tmp_path, monkeypatch, capsys):
    work = copy_of("exercises", tmp_path / "mine")
    states = {e.id: NOT_STARTED for e in EXERCISES} | {"image": PASSING, "conv2d": FAILING}
    runs = quiet_runs(monkeypatch, states)
    monkeypatch.chdir(KIT)
    progress = ["progress", "--target", str(work), "--lang", "en"]

    assert cli.main(progress) == 0
    first = capsys.readouterr().out
    assert say("cli.running_all", "en", target=work) in first and len(runs) == 1
    assert cli.main(progress) == 0  # nothing changed: no run, the same table
    second = capsys.readouterr().out
    assert len(runs) == 1 and second.startswith(say("cli.from_last_run", "en") + "\n")
    assert second.splitlines()[1:] == first.splitlines()[1:]
    assert f"1/{TOTAL} exercises passing — next: {find('conv2d').label('en')}" in second

    assert cli.main([*progress, "--fresh"]) == 0
    assert len(runs) == 2 and say("cli.from_last_run", "en") not in capsys.readouterr().out

    conv2d = work / "ex02_conv2d.py"
    conv2d.write_text(conv2d.read_text(encoding="utf-8") + "\n# a save\n", encoding="utf-8")
    assert cli.main(progress) == 0
    assert len(runs) == 3 and say("cli.from_last_run", "en") not in capsys.readouterr().out
    assert cli.main(progress) == 0  # the rerun's results are the last results now
    assert len(runs) == 3 and say("cli.from_last_run", "en") in capsys.readouterr().out


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"digest": 1, "states": []}', b"\xff\xfe", b"[]"])
def test_a_corrupt_last_results_file_is_ignored_and_written_again(content, tmp_path, monkeypatch, capsys):
    work = copy_of("exercises", tmp_path / "mine")
    runs = quiet_runs(monkeypatch, {e.id: NOT_STARTED for e in EXERCISES})
    monkeypatch.chdir(KIT)
    kept = last_results.cache_file(KIT, str(work))
    kept.parent.mkdir(parents=True)
    kept.write_bytes(content)
    assert cli.main(["progress", "--target", str(work), "--lang", "en"]) == 0
    assert len(runs) == 1 and say("cli.from_last_run", "en") not in capsys.readouterr().out
    assert cli.main(["progress", "--target", str(work), "--lang", "en"]) == 0
    assert len(runs) == 1 and say("cli.from_last_run", "en") in capsys.readouterr().out


def test_a_run_without_mnist_is_not_kept(tmp_path, monkeypatch, capsys):
    """Getting the data changes none of the digested files: those results must not outlive the fix."""
    work = copy_of("exercises", tmp_path / "mine")
    monkeypatch.setattr(cli, "run_quietly", lambda root, target, *options: Run({"image": FAILING}, 1, "", True))
    monkeypatch.chdir(KIT)
    for _ in range(2):
        assert cli.main(["progress", "--target", str(work), "--lang", "en"]) == 0
        assert say("cli.from_last_run", "en") not in capsys.readouterr().out


def test_outside_the_kit_the_command_says_where_to_go(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["progress", "--lang", "en"]) == cli.EXIT_USAGE
    assert say("cli.no_kit_root", "en", start=tmp_path) in capsys.readouterr().err


def test_an_unknown_exercise_or_target_is_named(capsys):
    assert cli.main(["check", "conv3d", "--lang", "en"]) == cli.EXIT_USAGE
    known = ", ".join(e.id for e in EXERCISES)
    assert say("cli.unknown_exercise", "en", key="conv3d", known=known) in capsys.readouterr().err
    assert cli.main(["check", "conv2d", "--target", "/no/such/folder", "--lang", "ko"]) == cli.EXIT_USAGE
    assert say("cli.no_target", "ko", target="/no/such/folder") in capsys.readouterr().err


# ------------------------------------------------------------ hint


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_hint_levels_differ_and_say_how_many_there_are(lang, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # hints need no kit folder
    conv2d = find("conv2d")
    shown = []
    for level in (1, 2):
        assert cli.main(["hint", "conv2d", "--level", str(level), "--lang", lang]) == 0
        output = capsys.readouterr().out
        assert conv2d.hints[level - 1][lang] in output
        assert say("cli.hint_header", lang, label=conv2d.label(lang), level=level, count=len(conv2d.hints)) in output
        shown.append(output)
    assert shown[0] != shown[1] and all(text.strip() for text in shown)
    assert cli.main(["hint", "2", "--lang", lang]) == 0  # level 1 by default, by number
    assert capsys.readouterr().out == shown[0]


def test_hint_level_out_of_range(capsys):
    assert cli.main(["hint", "conv2d", "--level", "9", "--lang", "en"]) == cli.EXIT_USAGE
    assert say("cli.bad_level", "en", exercise="conv2d", count=len(find("conv2d").hints)) in capsys.readouterr().err


# ------------------------------------------------------------ check and watch


def test_check_fails_on_the_stub_and_passes_on_the_solution():
    stub = layerlab("check", "relu", "--lang", "en", cwd=KIT / "exercises")  # found from a subfolder too
    assert stub.returncode == 1, stub.stdout + stub.stderr
    assert say("state_not_started", "en") in stub.stdout and "Traceback" not in stub.stdout
    solved = layerlab("check", "relu", "--target", "solutions", "--lang", "en")
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "1/1 exercises passing" in solved.stdout


def test_watch_runs_again_when_an_exercise_file_changes(tmp_path):
    work = copy_of("exercises", tmp_path / "mine")
    watching = subprocess.Popen(
        [sys.executable, "-m", "layerlab.cli", "watch", "relu", "--target", str(work), "--interval", "0.2",
         "--max-runs", "2", "--lang", "en"],
        cwd=KIT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    waiting = say("cli.watch_waiting", "en", folder=work)
    seen = []
    try:
        for line in watching.stdout:  # the first run, until the command waits for a change
            seen.append(line)
            if waiting in line:
                break
        relu = work / "ex05_relu.py"
        shutil.copy(find("relu").path(KIT, "solutions"), relu)
        os.utime(relu, ns=(time.time_ns(), time.time_ns() + 10**9))  # a newer time even on a coarse clock
        rest, _ = watching.communicate(timeout=600)
    finally:
        watching.kill()
    first, second = "".join(seen), rest
    assert say("state_not_started", "en") in first and "0/1 exercises passing" in first
    assert say("cli.watch_changed", "en", path=relu) in second
    assert "1/1 exercises passing" in second and say("cli.watch_max_runs", "en", runs=2) in second
    assert watching.returncode == 0


def test_watch_goes_straight_on_to_the_next_exercise_after_a_pass(tmp_path):
    """Started without an exercise: the first that fails; once it passes, the next runs without a save."""
    work = copy_of("solutions", tmp_path / "mine")
    relu = work / "ex05_relu.py"
    # Fails on its first import only (the run that finds where to start), passes from then on.
    relu.write_text(relu.read_text(encoding="utf-8") + textwrap.dedent('''
        import pathlib as _pathlib
        _seen = _pathlib.Path(__file__).with_name("imported-once")
        if not _seen.exists():
            _seen.write_text("")
            raise RuntimeError("the first import fails")
        '''), encoding="utf-8")
    completed = layerlab("watch", "--target", str(work), "--max-runs", "2", "--interval", "0.2", "--lang", "en")
    output = completed.stdout
    relu_label, maxpool, flatten = (find(key).label("en") for key in ("relu", "maxpool", "flatten"))
    passed = say("cli.watch_passed", "en", label=relu_label, next_label=maxpool, path=work / "ex06_maxpool.py")
    assert passed in output, output[-3000:]
    assert say("cli.watch_passed", "en", label=maxpool, next_label=flatten, path=work / "ex07_flatten.py") in output
    assert say("cli.watch_waiting", "en", folder=work) not in output  # no save was needed
    assert say("cli.watch_max_runs", "en", runs=2) in output and completed.returncode == 0


def test_hint_without_an_exercise_is_the_next_ones(capsys, monkeypatch):
    monkeypatch.chdir(KIT)
    assert cli.main(["hint", "--lang", "en"]) == 0  # the stubs: the first exercise is next
    first = EXERCISES[0]
    output = capsys.readouterr().out
    assert say("cli.hint_header", "en", label=first.label("en"), level=1, count=len(first.hints)) in output
    assert first.hints[0]["en"] in output


# ------------------------------------------------------------ what `pytest exercises` prints


def test_missing_mnist_and_library_warnings_in_the_learner_run(tmp_path):
    """MNIST missing: the fixes once, in full, no traceback; Keras' own warnings hidden; the summary last."""
    target = tmp_path / "target"
    target.mkdir()
    dense = find("dense").path(KIT, "solutions")
    source = dense.read_text(encoding="utf-8")
    warned = source.replace("activation=activation)", "activation=activation, input_shape=(4,))")
    assert warned != source  # Keras warns about input_shape on a layer: noise to a learner
    (target / dense.name).write_text(warned, encoding="utf-8")
    shutil.copy(find("image").path(KIT, "solutions"), target)
    # A learner's terminal: without CI=true, under which pytest prints every summary line in full.
    environment = {**{k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")},
                   "LAYERLAB_DATA": str(tmp_path / "nowhere"), "LAYERLAB_OFFLINE": "1",
                   "HOME": str(tmp_path), "LAYERLAB_LANG": "en"}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises/test_ex01_image.py", "exercises/test_ex08_dense.py",
         "-p", "no:cacheprovider", "--target", str(target)],
        cwd=KIT, capture_output=True, text=True, timeout=600, env=environment)
    output = completed.stdout
    assert completed.returncode == 1, output[-3000:]
    assert output.count("Fix it in one of four ways") == 1
    assert say("data.missing", "en", detail="").strip() in output
    assert output.count(say("data.missing_again", "en")) >= 2
    for noise in ("Traceback", "layerlab/data.py", "UserWarning", "Do not pass an `input_shape`", "warnings summary"):
        assert noise not in output, f"{noise!r} in the learner's output"
    assert f"{find('dense').label('en')}" in output and " ✓ 08" in output  # the warned-about code did run
    assert output.rindex(f"1/2 exercises passing — next: {find('image').label('en')}") > output.rindex("short test")
