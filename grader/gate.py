"""The training gate: train the learner's model in the child, judge it in the parent.

The child gets the training images and labels and a fixed budget (epochs,
batch size, seed, from the exercise table); it returns the trained model as
config + weights. The parent rebuilds it from built-in Keras layers only and
measures accuracy on held-out images whose labels never left this process.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.sandbox import CallFailed, Submission
from grader.rebuild import NotRebuildable, rebuild
from grader.sandbox import Described
from layerlab.data import Mnist, prepare_images
from layerlab.expect import Incorrect, incorrect
from layerlab.misconceptions import from_error
from layerlab.table import Training, training_exercise


@dataclass(frozen=True)
class GateResult:
    accuracy: float
    threshold: float
    train_images: int
    heldout_images: int


def training_split(mnist: Mnist, budget: Training):
    """(x_train, y_train, x_heldout, y_heldout): the first images of each part, prepared."""
    x_train = prepare_images(mnist.x_train[: budget.train_images])  # (N, 28, 28, 1) float32
    y_train = mnist.y_train[: budget.train_images].astype(np.int64)
    x_heldout = prepare_images(mnist.x_test[: budget.heldout_images])
    y_heldout = mnist.y_test[: budget.heldout_images].astype(np.int64)
    return x_train, y_train, x_heldout, y_heldout


def held_out_accuracy(model, x_heldout: np.ndarray, y_heldout: np.ndarray) -> float:
    """Accuracy of a rebuilt model, computed here: probabilities (n, 10) -> argmax vs labels."""
    probabilities = np.asarray(model.predict(x_heldout, batch_size=500, verbose=0))
    if probabilities.shape != (len(x_heldout), 10):
        raise Incorrect(f"the trained model gives outputs of shape {probabilities.shape[1:]} per batch "
                        "of images; a digit classifier gives 10 probabilities per image")
    if not np.all(np.isfinite(probabilities)):
        raise Incorrect("the trained model outputs NaN or infinity: training diverged")
    if not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise incorrect("the trained model's outputs are not probabilities", "missing_softmax")
    return float(np.mean(np.argmax(probabilities, axis=1) == y_heldout))


def run_gate(submission: Submission, mnist: Mnist, seed: int | None = None) -> GateResult:
    """Train in the child with the table's budget; measure in the parent."""
    exercise = training_exercise()
    budget = exercise.training
    x_train, y_train, x_heldout, y_heldout = training_split(mnist, budget)
    try:
        returned = submission.train(exercise.module, list(exercise.functions), x_train, y_train,
                                    epochs=budget.epochs, batch_size=budget.batch_size,
                                    seed=budget.seed if seed is None else seed)
    except CallFailed as failure:
        key = from_error(str(failure))  # e.g. compile() with positional arguments
        if failure.status != "raised" or key is None:
            raise
        raise incorrect(f"training: {failure}", key) from None
    description = returned.value
    if not isinstance(description, Described) or description.kind != "keras" or not description.get("is_model"):
        raise Incorrect("the training functions did not leave a Keras model to evaluate")
    try:
        model = rebuild(description)
    except NotRebuildable as error:
        raise Incorrect(f"the trained model cannot be graded: {error}") from None
    accuracy = held_out_accuracy(model, x_heldout, y_heldout)
    return GateResult(accuracy, budget.threshold, len(x_train), len(x_heldout))
