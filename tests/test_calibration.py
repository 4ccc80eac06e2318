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
