"""Hidden checks for ex11_train: the training gate, how the model is compiled, and that train_model
runs the epochs it is given."""

import time

import keras
import numpy as np

from grader import judge
from grader.gate import run_gate
from grader.sandbox import Described
from layerlab.data import prepare_images
from layerlab.expect import Incorrect, incorrect
from layerlab.messages import say

MODULE = "ex11_train"


def check_training_gate(submission, mnist, record_property):
    """Train the learner's model with the table's budget; held-out accuracy must reach the threshold."""
    started = time.monotonic()
    try:
        result = run_gate(submission, mnist)
    finally:
        record_property("seconds", round(time.monotonic() - started, 3))
    record_property("accuracy", round(result.accuracy, 4))
    record_property("threshold", result.threshold)
    words = (f"held-out accuracy {result.accuracy:.4f} on {result.heldout_images} images after training on "
             f"{result.train_images}; threshold {result.threshold:.2f}")
    record_property("message", words)
    if result.accuracy < result.threshold:
        raise Incorrect(words)


def check_compile_uses_keywords(submission):
    """compile_model sets the sparse loss and the accuracy metric (the positional form cannot)."""
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    described = judge.plain(submission.call(MODULE, "compile_model", model), "compile_model(model)")
    if not isinstance(described, Described) or described.kind != "keras":
        raise Incorrect("compile_model(model) should return the compiled model")
    config = described.get("compile_config")
    if not isinstance(config, dict):
        raise Incorrect("compile_model(model) returned a model that is not compiled")
    if config.get("loss_weights") is not None:
        raise incorrect("compile_model: the model has loss_weights set", "positional_compile")
    loss = config.get("loss")
    if isinstance(loss, dict):  # a loss object, keras.losses.SparseCategoricalCrossentropy(): its config names it
        settings = loss.get("config")
        loss = settings.get("name") if isinstance(settings, dict) else loss.get("class_name")
    if loss != "sparse_categorical_crossentropy":
        raise Incorrect(f"compile_model: the loss is {loss!r}; labels here are digits 0-9, "
                        "not one-hot vectors")
    if "accuracy" not in str(config.get("metrics")):
        raise Incorrect("compile_model: the model does not report accuracy")


def check_model_ends_in_softmax(submission):
    """build_trainable_model gives 10 probabilities per image for a batch of images."""
    from grader.rebuild import rebuild

    described = judge.plain(submission.call(MODULE, "build_trainable_model"), "build_trainable_model()")
    if not isinstance(described, Described) or described.kind != "keras" or not described.get("is_model"):
        raise Incorrect("build_trainable_model() should return a keras Model")
    model = rebuild(described)
    outputs = np.asarray(model(np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)))
    if outputs.shape != (3, 10):
        raise Incorrect(f"build_trainable_model(): 3 images give outputs of shape {outputs.shape}; "
                        "expected 10 numbers per image")
    if not np.allclose(outputs.sum(axis=1), 1.0, atol=1e-4) or np.any(outputs < 0):
        raise incorrect("build_trainable_model(): the outputs are not probabilities", "missing_softmax")


def check_train_model_runs_the_epochs_asked(submission, mnist):
    """train_model trains for exactly `epochs` epochs: 3 here, which the gate's budget (2) never asks for.

    Without this, a train_model that ignores its epochs argument and hard-codes the budget's
    number passes the gate, and one that trains 1 epoch instead of 2 may still reach the threshold.
    """
    epochs, batch_size = 3, 32
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    images, labels = prepare_images(mnist.x_train[:96]), mnist.y_train[:96].astype(np.int64)
    what = f"train_model(model, 96 images, labels, epochs={epochs}, batch_size={batch_size})"
    returned = judge.call(submission, what, MODULE, "train_model", model, images, labels, epochs, batch_size)
    history = judge.plain(returned, what)
    if not isinstance(history, Described) or history.kind != "history":
        received = f"a {history.kind}" if isinstance(history, Described) else type(history).__name__
        raise Incorrect(say("wrong_type", what=what, expected="the keras History that fit() returns",
                            received=received))
    record = history.get("history")
    losses = record.get("loss") if isinstance(record, dict) else None
    losses = losses if isinstance(losses, list) else []
    if len(losses) != epochs:
        raise Incorrect(say("train.epochs", what=what, received=len(losses)))
