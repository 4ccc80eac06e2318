"""The grader end to end, through `python -m grader`: full marks, zero, the sample, determinism, reports."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest

from grader import judge
from grader.paths import CHECKS_DIR
from grader.results import GRADESCOPE_VISIBILITY
from layerlab.expect import Incorrect
from layerlab.table import load_table

KIT = Path(__file__).resolve().parent.parent
SAMPLE = KIT / "examples" / "sample_submission"
EXERCISE_IDS = [e.id for e in load_table()]


def grader(*arguments: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=KIT, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """solutions/, exercises/ and the sample submission three times, in one batch."""
    out = tmp_path_factory.mktemp("graded")
    completed = grader("grade", str(KIT / "solutions"), str(KIT / "exercises"), str(SAMPLE), str(SAMPLE),
                       str(SAMPLE), "--out", str(out), "--jobs", "2", "--tables")
    assert completed.returncode == 0, completed.stderr[-3000:]
    return out, completed


def results(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text(encoding="utf-8"))


def per_exercise(document: dict) -> dict[str, tuple[float, float, str]]:
    return {row["exercise"]: (row["score"], row["max_score"], row["status"])
            for row in document["extra_data"]["exercises"]}


def test_solutions_get_full_marks(graded):
    out, _ = graded
    document = results(out, "solutions")
    assert document["score"] == document["extra_data"]["max_score"] == sum(e.points for e in load_table())
    assert all(status == "passed" for _, _, status in per_exercise(document).values())


def test_untouched_stubs_get_zero_and_say_not_started(graded):
    out, _ = graded
    document = results(out, "exercises")
    assert document["score"] == 0
    assert {status for _, _, status in per_exercise(document).values()} == {"not started"}


def test_results_json_follows_gradescope_schema(graded):
    out, _ = graded
    document = results(out, "solutions")
    assert isinstance(document["score"], (int, float)) and isinstance(document["execution_time"], (int, float))
    assert isinstance(document["output"], str) and document["tests"]
    for test in document["tests"]:
        assert {"name", "score", "max_score", "output", "visibility", "tags", "status"} <= set(test)
        assert test["visibility"] in GRADESCOPE_VISIBILITY and test["status"] in ("passed", "failed")
    versions = document["extra_data"]["versions"]
    assert {"python", "tensorflow", "keras"} <= set(versions)
    gate = next(t for t in document["tests"] if "training_gate" in t["name"])
    assert "held-out accuracy" in gate["output"] and "threshold" in gate["output"]


def test_junit_xml_is_valid(graded):
    out, _ = graded
    suite = ElementTree.parse(out / "sample_submission" / "junit.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) > 0
    assert int(suite.get("failures")) == sum(case.find("failure") is not None for case in cases) > 0


def test_sample_submission_is_graded_as_described(graded):
    out, completed = graded
    rows = per_exercise(results(out, "sample_submission"))
    for solved in ("image", "conv2d", "relu", "flatten"):
        assert rows[solved][0] == rows[solved][1] > 0, solved
    assert 0 < rows["conv-arithmetic"][0] < rows["conv-arithmetic"][1]
    assert rows["dense"][2] == "not started"
    assert rows["model"][2] == "not submitted"
    document = results(out, "sample_submission")
    assert any("misconception:rounding" in t["tags"] for t in document["tests"])
    assert "03 Convolution arithmetic" in completed.stdout  # the table is printed


def test_same_submission_graded_three_times_gives_identical_scores(graded):
    out, _ = graded
    runs = [results(out, name) for name in ("sample_submission", "sample_submission-2", "sample_submission-3")]
    scores = [[(t["name"], t["score"]) for t in run["tests"]] for run in runs]
    assert scores[0] == scores[1] == scores[2]


@pytest.mark.parametrize("arguments, words", [
    (["grade", "does/not/exist", "--out", "x"], "no such submission"),
    (["grade"], "usage"),
    (["grade", "solutions", "--out", "x", "--jobs", "0"], "--jobs"),
])
def test_grader_refuses_bad_arguments_with_a_message(arguments, words):
    completed = grader(*arguments, timeout=120)
    assert completed.returncode != 0
    assert words in completed.stderr


def test_missing_data_is_a_grader_error_not_a_zero(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LAYERLAB_OFFLINE": "1"}
    completed = subprocess.run([sys.executable, "-m", "grader", "grade", str(SAMPLE), "--out", str(tmp_path / "o")],
                               cwd=KIT, capture_output=True, text=True, env=env, timeout=300)
    assert completed.returncode == 2 and "LAYERLAB_DATA" in completed.stderr
    assert not (tmp_path / "o" / "sample_submission" / "results.json").exists()


def test_a_reference_model_the_submissions_share_is_left_as_it_was_by_the_checks(monkeypatch):
    """ex10's reference models are built once per worker (judge.reference_model). Judging a learner's model
    against one, right or wrong, must leave it as it was: the next submission is judged against it too."""
    monkeypatch.syspath_prepend(str(CHECKS_DIR))
    import check_ex10_model as checks

    settings, shape = dict(filters=(3, 2), hidden_units=6), (None, 28, 28, 1)
    reference = judge.reference_model("ex10_model", "build_model", **settings, input_shape=shape)
    assert judge.reference_model("ex10_model", "build_model", **settings, input_shape=shape) is reference
    config, weights = reference.get_config(), [weight.copy() for weight in reference.get_weights()]
    images = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    right = judge.reference("ex10_model").build_model(**settings)  # the same steps, weights of its own
    checks._expect_model(right, reference, "build_model(...)", images, trace_input=(1, 28, 28, 1), probabilities=True)
    wrong = judge.reference("ex10_model").build_model(filters=(3, 2), hidden_units=7)
    with pytest.raises(Incorrect):
        checks._expect_model(wrong, reference, "build_model(...)", images, trace_input=(1, 28, 28, 1))
    assert reference.get_config() == config
    assert all(np.array_equal(a, b) for a, b in zip(reference.get_weights(), weights, strict=True))
