"""The training gate's threshold keeps a margin below the reference's worst calibrated run."""

import json

from grader.calibrate import CALIBRATION_PATH, MARGIN, supported_threshold
from layerlab.table import training_exercise


def test_threshold_is_below_the_worst_calibrated_run():
    report = json.loads(CALIBRATION_PATH.read_text())
    training = training_exercise().training
    assert len(report["accuracies"]) >= 3
    assert report["budget"] == training.__dict__ | {"threshold": report["budget"]["threshold"]}
    assert training.threshold <= supported_threshold(report["accuracies"]) <= min(report["accuracies"]) - MARGIN


def test_supported_threshold_rounds_down():
    assert supported_threshold([0.926, 0.941]) == 0.90
    assert supported_threshold([0.95]) == 0.93


def test_every_model_of_the_allowed_family_was_calibrated():
    """calibration.json covers exactly grader/calibrate.py's FAMILY, each member within ex11's contract."""
    import keras

    from grader.calibrate import FAMILY
    from layerlab.steps import trainable_mismatch

    report = json.loads(CALIBRATION_PATH.read_text())
    assert set(report["family"]) == set(FAMILY)
    assert sorted(report["accuracies"]) == sorted(a for runs in report["family"].values() for a in runs)
    for name, layers in FAMILY.items():
        assert trainable_mismatch(keras.Sequential([keras.Input((28, 28, 1)), *layers(keras)])) is None, name


def test_the_ex11_docstring_states_the_gates_budget_and_threshold():
    """The learner reads the gate's budget in the task: it must be the table's."""
    from grader.paths import KIT_ROOT

    training = training_exercise().training
    text = (KIT_ROOT / "exercises" / "ex11_train.py").read_text(encoding="utf-8")
    for words in (f"{training.train_images:,} training images", f"{training.epochs} epochs",
                  f"batch size {training.batch_size}", f"{training.threshold:.0%}"):
        assert words in text, words
