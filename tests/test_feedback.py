"""What a learner's pytest run shows: never an answer, the learner's own traceback, little noise.

The answers are the solutions' predict_* return values, recorded while a run of
wrong answers computes them (so the test knows exactly what must not be shown).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from layerlab.table import load_table

KIT = Path(__file__).resolve().parent.parent
EXERCISES = load_table()
WITH_PREDICT = [e for e in EXERCISES if any(f.startswith("predict_") for f in e.functions)]

# Appended to a copy of each solution: every predict_* gives a wrong answer of the right
# type (each number one too large) and writes the right one to answers.jsonl.
WRONG_PREDICTIONS = '''

import json as _json, functools as _functools


def _off_by_one(answer):
    if isinstance(answer, bool) or answer is None:
        return answer
    if isinstance(answer, (int, float)):
        return answer + 1
    if isinstance(answer, (tuple, list)):
        return type(answer)(_off_by_one(part) for part in answer)
    if isinstance(answer, dict):
        return {key: _off_by_one(value) for key, value in answer.items()}
    return answer


def _wrongly(right):
    @_functools.wraps(right)
    def wrong(*args, **kwargs):
        answer = right(*args, **kwargs)
        with open(__file__.rsplit("/", 1)[0] + "/answers.jsonl", "a") as log:
            log.write(_json.dumps([right.__name__, answer]) + "\\n")
        return _off_by_one(answer)
    return wrong


for _name in [name for name in list(globals()) if name.startswith("predict_")]:
    globals()[_name] = _wrongly(globals()[_name])
'''


def learner_env(**extra: str) -> dict:
    return {**os.environ, "LAYERLAB_LANG": "en", "COLUMNS": "200", **extra}


def visible_tests(*arguments: str, env: dict | None = None, cwd: Path = KIT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", *arguments], cwd=cwd, capture_output=True, text=True,
                          timeout=900, env=env or learner_env())


def solutions_with(folder: Path, wrong: str) -> Path:
    """The solutions in `folder`, with `wrong` appended to every file that has predict_* functions."""
    for exercise in EXERCISES:
        text = exercise.path(KIT, "solutions").read_text(encoding="utf-8")
        if exercise in WITH_PREDICT:
            text += wrong
        (folder / f"{exercise.module}.py").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def wrong_predictions(tmp_path_factory) -> Path:
    """The solutions, with a wrong answer in every predict_* function."""
    return solutions_with(tmp_path_factory.mktemp("wrong_predictions"), WRONG_PREDICTIONS)


def answers_shown(output: str, folder: Path) -> list[str]:
    """Each recorded right answer found in `output`: shapes as Python prints them, numbers of 3+ digits."""
    lines = (folder / "answers.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines, "no predict_* function was called"
    shown = set()
    for name, answer in (json.loads(line) for line in lines):
        # one shape, a list of shapes (ex10) or shapes by step (ex09): JSON made every shape a list
        is_shape_list = isinstance(answer, list) and all(isinstance(part, list) for part in answer)
        values = answer.values() if isinstance(answer, dict) else answer if is_shape_list else [answer]
        for value in values:
            if isinstance(value, list):  # a shape (JSON made it a list)
                forms = [repr(tuple(value)), repr(value)]
            elif isinstance(value, int) and abs(value) >= 100:
                forms = [str(value)]
            else:
                continue
            shown.update(f"{name}: {form}" for form in forms
                         if re.search(rf"(?<![\d.]){re.escape(form)}(?![\d.])", output))
    return sorted(shown)


def test_no_reference_answer_at_any_verbosity(wrong_predictions):
    """The issue's run, then -vv with native tracebacks and the `layerlab check -v` of each exercise."""
    (wrong_predictions / "answers.jsonl").unlink(missing_ok=True)
    run = visible_tests("exercises", "-v", "-l", "--tb=long", "--target", str(wrong_predictions))
    output = run.stdout + run.stderr
    assert run.returncode == 1 and "failed" in run.stdout, output[-3000:]
    for exercise in WITH_PREDICT:
        assert f"{exercise.label('en')}" in run.stdout and "failing" in run.stdout
    assert answers_shown(output, wrong_predictions) == []
    assert not re.search(r"\bexpected = |\bexpected=\(|reference", output), "a frame's arguments were printed"

    more = [visible_tests("exercises", "-vv", "-l", "--tb=native", "-k", "predict",
                          "--target", str(wrong_predictions))]
    more += [subprocess.run([sys.executable, "-m", "layerlab.cli", "check", exercise, "-v", "--target",
                             str(wrong_predictions)], cwd=KIT, capture_output=True, text=True, timeout=600,
                            env=learner_env()) for exercise in ("conv2d", "model")]
    for completed in more:
        assert completed.returncode == 1, (completed.stdout + completed.stderr)[-3000:]
        assert answers_shown(completed.stdout + completed.stderr, wrong_predictions) == []


def test_test_ids_carry_no_answers(wrong_predictions):
    (wrong_predictions / "answers.jsonl").unlink(missing_ok=True)
    run = visible_tests("exercises", "-k", "predict", "-q", "--target", str(wrong_predictions))
    assert run.returncode == 1
    ids = visible_tests("exercises", "--collect-only", "-q").stdout
    assert "::test_" in ids
    assert answers_shown(ids, wrong_predictions) == []


def test_the_learners_own_traceback_stays_available(tmp_path):
    """A crash in the learner's code: its frames (and locals with -l) under -v, the message alone without."""
    for exercise in EXERCISES:
        shutil.copy(exercise.path(KIT, "solutions"), tmp_path / f"{exercise.module}.py")
    relu = tmp_path / "ex05_relu.py"
    relu.write_text(relu.read_text(encoding="utf-8") + textwrap.dedent('''

        def count_zeroed(tensor):
            halves = len(tensor) // 2
            return helper_of_mine(halves)


        def helper_of_mine(halves):
            return halves / 0
        '''), encoding="utf-8")
    test = "exercises/test_ex05_relu.py"
    quiet = visible_tests(test, "--target", str(tmp_path))
    loud = visible_tests(test, "-v", "-l", "--target", str(tmp_path))
    assert quiet.returncode == loud.returncode == 1
    assert "ZeroDivisionError" in quiet.stdout and "helper_of_mine" not in quiet.stdout
    assert "return halves / 0" in loud.stdout and "in helper_of_mine" in loud.stdout and "in count_zeroed" in loud.stdout
    assert re.search(r"halves = \d+", loud.stdout), "-l shows the learner's locals"
    assert "expect.py" not in loud.stdout and "test_ex05_relu.py\", line" not in loud.stdout


def test_untouched_stubs_say_one_line_per_exercise():
    run = visible_tests("exercises", env=learner_env())
    assert run.returncode == 1
    assert "FAILED" not in run.stdout and "Traceback" not in run.stdout
    assert run.stdout.count("still raises NotImplementedError") == 1  # where to begin, once
    assert "timeout:" not in run.stdout, "the kit's own timeout header reached the learner"
    assert len(run.stdout.splitlines()) < 2 * len(EXERCISES) + 15, run.stdout
    assert re.search(r"\d+ not started in", run.stdout)


def test_another_project_in_the_kit_environment_is_left_alone(tmp_path):
    """No layerlab plugin, no TensorFlow and its own --target: the kit loads only for exercises/."""
    (tmp_path / "conftest.py").write_text(textwrap.dedent('''
        def pytest_addoption(parser):
            parser.addoption("--target", default="theirs")
        '''), encoding="utf-8")
    (tmp_path / "test_other.py").write_text(textwrap.dedent('''
        import sys

        def test_alone(request):
            assert request.config.getoption("target") == "mine"
            assert "tensorflow" not in sys.modules and "layerlab.pytest_plugin" not in sys.modules
        '''), encoding="utf-8")
    run = visible_tests("-q", "--target", "mine", "-p", "no:cacheprovider", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_target_option_of_another_conftest_leaves_the_plugin_its_long_name(tmp_path):
    """When --target is taken, the visible tests still run, told their folder by --layerlab-target."""
    kit = tmp_path / "kit"
    shutil.copytree(KIT / "exercises", kit / "exercises")
    (kit / "conftest.py").write_text('def pytest_addoption(parser):\n    parser.addoption("--target")\n')
    (kit / "pytest.ini").write_text("[pytest]\n")
    run = visible_tests("exercises/test_ex07_flatten.py", "-q", "-p", "no:cacheprovider",
                        "--layerlab-target", str(KIT / "solutions"), cwd=kit)
    assert run.returncode == 0, run.stdout + run.stderr


# Each predict_* answers with the right value's text: a wrong type ("expected a tuple of ints ...").
WRONG_TYPES = WRONG_PREDICTIONS.replace("return _off_by_one(answer)", "return str(answer)")
PLACEHOLDER_PARTICLES = re.compile(r"을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|는\(은\)|와\(과\)|과\(와\)|\(으\)로")
HANGUL = re.compile("[\uac00-\ud7a3]")
# An English phrase: a function word and the word after it, outside `code`, 'quotes' and an error's own text.
ENGLISH_PHRASE = re.compile(r"\b(a|an|the|of|or|for|with|to|is|not|values|output|list|array|tuple)\s+[a-z]{2,}\b")


def english_in_korean_lines(output: str) -> list[str]:
    found = []
    for line in output.splitlines():
        if not HANGUL.search(line):
            continue
        prose = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", "", line)
        prose = re.sub(r"\b[A-Z]\w*(Error|Exception)\b.*?(?=\(|$)", "", prose)  # Python's or Keras' own words
        if ENGLISH_PHRASE.search(prose):
            found.append(line.strip())
    return found


def test_korean_output_has_no_placeholder_particles_and_no_english_phrases(tmp_path):
    """LAYERLAB_LANG=ko over the stubs, wrong answers and wrong types, at -v with tracebacks too."""
    wrong_types = solutions_with(tmp_path, WRONG_TYPES)
    korean = learner_env(LAYERLAB_LANG="ko")
    runs = [visible_tests("exercises", env=korean),
            visible_tests("exercises", "-v", "-k", "predict or shape or count or length", "--target", str(wrong_types),
                          env=korean)]
    for run in runs:
        output = run.stdout + run.stderr
        assert run.returncode == 1 and HANGUL.search(output), output[-2000:]
        assert PLACEHOLDER_PARTICLES.findall(output) == [], [line for line in output.splitlines()
                                                              if PLACEHOLDER_PARTICLES.search(line)]
        assert english_in_korean_lines(output) == []
    assert "정수(int)로 된 튜플" in runs[1].stdout  # the wrong-type message, in Korean


def test_the_particle_follows_the_word_before_it():
    from layerlab.messages import final_consonant, korean_particles

    cases = {
        "13을(를) 받았습니다": "13을 받았습니다", "2이(가)": "2가", "`--level 2`이(가) 더": "`--level 2`가 더",
        "ex01_image.py을(를) 여세요": "ex01_image.py를 여세요", "(1, 28, 28, 3)을(를)": "(1, 28, 28, 3)을",
        "`layerlab hint flatten`(으)로": "`layerlab hint flatten`으로", "`hint image`(으)로": "`hint image`로",
        "7(으)로": "7로", "서울(으)로": "서울로", "집(으)로": "집으로", "10은(는)": "10은", "0.25은(는)": "0.25는",
        "함수이(가)": "함수가", "값이(가)": "값이", "ReLU과(와)": "ReLU와", "Dense와(과)": "Dense와",
        "model을(를)": "model을", "'valid'을(를)": "'valid'를",
    }
    for written, read in cases.items():
        assert korean_particles(written) == read, written
    assert (final_consonant("삶"), final_consonant("가"), final_consonant("6"), final_consonant("")) == ("ㄻ", "", "ㄱ", "")


# train_model variants that are not one fit(): a hand-made History, a validation split, the wrong batch size.
NOT_ONE_FIT = {
    "history_not_filled": ("keras.callbacks.History()", "fit()이 채우지 않은 History"),
    "validation_held_back": ("model.fit(images, labels, epochs=epochs, batch_size=batch_size, verbose=0, "
                             "validation_split=0.2)", "검증용으로 남겼습니다"),
    "steps": ("model.fit(images, labels, epochs=epochs, verbose=0)", "배치"),
}


@pytest.mark.parametrize("mistake", sorted(NOT_ONE_FIT))
def test_train_model_that_is_not_one_fit_is_told_so_in_korean(tmp_path, mistake):
    returned, words = NOT_ONE_FIT[mistake]
    text = (KIT / "solutions" / "ex11_train.py").read_text(encoding="utf-8")
    text += f"\n\ndef train_model(model, images, labels, epochs, batch_size):\n    import keras\n\n    return {returned}\n"
    (tmp_path / "ex11_train.py").write_text(text, encoding="utf-8")
    run = visible_tests("exercises/test_ex11_train.py", "-q", "-p", "no:cacheprovider", "-k", "one_fit",
                        "--target", str(tmp_path), env=learner_env(LAYERLAB_LANG="ko"))
    assert run.returncode == 1 and words in run.stdout, run.stdout[-3000:]
    assert not PLACEHOLDER_PARTICLES.search(run.stdout) and not english_in_korean_lines(run.stdout)
