"""Calibrate the training gate over the family of models ex11's contract allows, several seeds each.

    python -m grader.calibrate [--runs 3]

The gate trains a learner's architecture in the trusted process (grader/gate.py),
so calibration runs exactly that code (architecture -> fresh_model -> train_here ->
held_out_accuracy, op determinism, the table's budget) on every model of FAMILY:
the reference and the variants ex11's docstring allows. It writes
grader/calibration.json with every accuracy and the threshold the family supports:
the worst run of any member minus a margin, rounded down. The table's threshold
must not be above that (tests/test_calibration.py). OUTSIDE lists models the
contract rules out, measured to show why it does.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import platform
import sys
from pathlib import Path

from grader.gate import architecture, compile_arguments, fresh_model, held_out_accuracy, train_here, training_split
from grader.sandbox.runner import wire
from layerlab.data import load_mnist
from layerlab.quiet import import_tensorflow
from layerlab.table import training_exercise

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")
MARGIN = 0.02  # below the worst seeded run of any model the contract allows


def _block(keras, filters: int, padding: str = "same", norm: bool = False, dropout: float = 0.0) -> list:
    layers = [keras.layers.Conv2D(filters, 3, padding=padding)]
    layers += [keras.layers.BatchNormalization()] if norm else []
    layers += [keras.layers.ReLU(), keras.layers.MaxPool2D(2, padding="same")]
    return layers + ([keras.layers.Dropout(dropout)] if dropout else [])


def _head(keras, units: int = 32, dropout: float = 0.0) -> list:
    layers = [keras.layers.Flatten(), keras.layers.Dense(units, activation="relu")]
    return layers + ([keras.layers.Dropout(dropout)] if dropout else []) + [keras.layers.Dense(10, activation="softmax")]


# name -> the layers after keras.Input((28, 28, 1)). Each follows ex11's contract (layerlab/steps.py
# TRAINABLE_CONTRACT): one or two Conv2D(>= 8 filters, 3) -> ReLU -> MaxPool2D(2) blocks, Flatten, one
# or two Dense(>= 32, relu), Dense(10, softmax); BatchNormalization; one Dropout(<= 0.25) before Flatten
# and one Dropout(<= 0.5) after it. The members are the edges of that family: the fewest filters and
# units, the most dropout in each place, both paddings, one and two of each block.
FAMILY = {
    "reference: Conv2D(8) same, MaxPool, Dense(32)": lambda k: _block(k, 8) + _head(k),
    "Conv2D(8) valid padding": lambda k: _block(k, 8, "valid") + _head(k),
    "Dropout(0.5) after Dense(32)": lambda k: _block(k, 8) + _head(k, dropout=0.5),
    "Dropout(0.25) after the block and 0.5 after Dense": lambda k: _block(k, 8, dropout=0.25) + _head(k, dropout=0.5),
    "BatchNormalization after Conv2D": lambda k: _block(k, 8, norm=True) + _head(k),
    "two blocks, Conv2D(8) and Conv2D(16)": lambda k: _block(k, 8) + _block(k, 16) + _head(k),
    "Conv2D(32), Dense(128)": lambda k: _block(k, 32) + _head(k, 128),
    "two hidden Dense(32)": lambda k: _block(k, 8) + _head(k)[:2] + _head(k)[1:],
    "Dropout(0.5) after Flatten": lambda k: _block(k, 8) + [k.layers.Flatten(), k.layers.Dropout(0.5)] + _head(k)[1:],
    "two blocks, Dropout(0.25) after them, two Dense(32), Dropout(0.5) between":
        lambda k: _block(k, 8) + _block(k, 8, dropout=0.25) + _head(k, dropout=0.5)[:3] + _head(k)[1:],
    "two blocks, valid padding, Conv2D(8) twice": lambda k: _block(k, 8, "valid") + _block(k, 8, "valid") + _head(k),
}
# Models the contract rules out: no convolution at all; Dropout everywhere.
OUTSIDE = {
    "Flatten -> Dense(10, softmax)": lambda k: [k.layers.Flatten(), k.layers.Dense(10, activation="softmax")],
    "Flatten -> Dense(32, relu) -> Dense(10, softmax)": lambda k: _head(k),
    "two blocks, Dropout(0.5) after each and after Dense(32)":
        lambda k: _block(k, 8, dropout=0.5) + _block(k, 8, dropout=0.5) + _head(k, dropout=0.5),
}


def supported_threshold(accuracies: list[float], margin: float = MARGIN) -> float:
    return math.floor((min(accuracies) - margin) * 100) / 100


def accuracy_of(layers, split, budget, seed: int) -> float:
    """Exactly the gate's parent half on one architecture: fresh weights after `seed`, compile, fit, measure."""
    import keras

    x_train, y_train, x_heldout, y_heldout = split
    model = keras.Sequential([keras.Input((28, 28, 1)), *layers])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    description = wire.decode(wire.encode(model))  # what the child would send
    fresh = fresh_model(architecture(description), seed)
    train_here(fresh, compile_arguments(description.get("compile_config")), x_train, y_train, budget, seed)
    return round(held_out_accuracy(fresh, x_heldout, y_heldout), 4)


def calibrate(runs: int) -> dict:
    tf = import_tensorflow()
    import keras

    budget = training_exercise().training
    mnist = load_mnist()
    split = training_split(mnist, budget)
    seeds = [budget.seed + offset for offset in range(runs)]
    family, outside = {}, {}
    for table, models, seed_list in ((family, FAMILY, seeds), (outside, OUTSIDE, seeds[:1])):
        for name, layers in models.items():
            table[name] = [accuracy_of(layers(keras), split, budget, seed) for seed in seed_list]
            print(f"{name}: {table[name]}", flush=True)
    accuracies = [accuracy for runs_of_one in family.values() for accuracy in runs_of_one]
    worst = min(family, key=lambda name: min(family[name]))
    return {
        "budget": budget.__dict__,
        "seeds": seeds,
        "family": family,
        "outside_the_contract": outside,
        "accuracies": accuracies,
        "worst": min(accuracies),
        "worst_model": worst,
        "margin": MARGIN,
        "supported_threshold": supported_threshold(accuracies),
        "data": mnist.source,
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__},
        "date": datetime.date.today().isoformat(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args(argv)
    report = calibrate(arguments.runs)
    CALIBRATION_PATH.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    threshold = training_exercise().training.threshold
    print(f"worst {report['worst']:.4f} ({report['worst_model']}); supported threshold "
          f"{report['supported_threshold']:.2f}; table threshold {threshold:.2f}")
    if threshold > report["supported_threshold"]:
        print("the table's threshold is above what calibration supports: lower it in layerlab/exercises.toml")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
