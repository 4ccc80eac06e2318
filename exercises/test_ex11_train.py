"""Visible tests for ex11_train.py: `pytest exercises/test_ex11_train.py`.

The model is checked by running it; compile_model by one training step (so a
positional compile fails here, with its name) and then by its compile settings;
train_model by the training gate: the budget and threshold of the table
(layerlab/exercises.toml), seeded and deterministic, accuracy measured here on
held-out images the model never trained on.
"""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf

from layerlab.data import DataError, load_mnist, prepare_images
from layerlab.expect import Incorrect, call, expect_layer, expect_shape, incorrect
from layerlab.messages import say
from layerlab.keras_names import loss_name, optimizer_settings, reports_accuracy, same_learning_rate
from layerlab.steps import ACTIVATION, TRAINABLE_CONTRACT, step_name, steps, trainable_mismatch
from layerlab.table import training_exercise
from layerlab.trace import expect_declared_input, expect_probabilities, run_model

IMAGE_INPUT = (28, 28, 1)
NUM_CLASSES = 10
BUDGET = training_exercise().training


def spec_model():
    """A model of the kind the task asks for, to compile and train in the compile test."""
    return keras.Sequential([
        keras.Input(IMAGE_INPUT),
        keras.layers.Flatten(),
        keras.layers.Dense(NUM_CLASSES, activation="softmax"),
    ])


def random_digits(count):
    rng = np.random.default_rng(count)
    return rng.random((count, *IMAGE_INPUT), dtype=np.float32), rng.integers(0, NUM_CLASSES, count)


@functools.lru_cache(maxsize=None)
def training_data():
    """(train images, train labels, held-out images, held-out labels) within the budget, prepared once."""
    try:
        data, problem = load_mnist(), None
    except DataError as error:
        data, problem = None, str(error)
    if data is None:  # outside the except block, so the message is shown once
        pytest.fail(problem, pytrace=False)
    return (
        prepare_images(data.x_train[: BUDGET.train_images]),
        data.y_train[: BUDGET.train_images].astype(np.int64),
        prepare_images(data.x_test[: BUDGET.heldout_images]),
        data.y_test[: BUDGET.heldout_images].astype(np.int64),
    )


def test_build_trainable_model(exercise):
    what = "build_trainable_model()"
    model = call(exercise, "build_trainable_model")
    expect_layer(model, keras.Model, what, {})
    expect_declared_input(model, IMAGE_INPUT, what)
    images, _ = random_digits(2)
    output = run_model(what, model, images)
    expect_shape(tuple(output.shape), (len(images), NUM_CLASSES), say("describe.output_for_images", what=what, count=2))
    expect_probabilities(output, say("describe.row_sums", what=what))
    last_steps = steps(model)[-2:]  # Dense(10, softmax), or Dense(10) + Softmax(): the same two steps
    if not last_steps or last_steps[-1] != (ACTIVATION, "softmax"):
        received = step_name(last_steps[-1]) if last_steps else "no layers"
        raise incorrect(say("wrong_layer_class", what=f"{what}, last step", expected="softmax", received=received),
                        "missing_softmax")
    if last_steps[0][0] != "Dense" or last_steps[0][1].get("units") != NUM_CLASSES:
        raise Incorrect(say("wrong_layer_class", what=f"{what}, last layer", expected=f"Dense({NUM_CLASSES})",
                            received=step_name(last_steps[0])))
    mismatch = trainable_mismatch(model)
    if mismatch is not None:
        raise Incorrect(f"{what}: the task asks for {TRAINABLE_CONTRACT}; this model's steps are: {mismatch}")
    if getattr(model, "compiled", False):
        raise Incorrect(say("model.not_fresh", what=what))


def test_compile_model(exercise):
    what = "compile_model(model)"
    model = spec_model()
    compiled = call(exercise, "compile_model", model)
    if compiled is not model:
        raise Incorrect(say("model.not_same", what=what))
    if not getattr(model, "compiled", False):
        raise Incorrect(say("model.not_compiled", what=what))
    # One training step first: a positional compile only fails here, inside Keras.
    images, labels = random_digits(8)
    results = run_model(say("describe.training_step", what=what), model.train_on_batch, images, labels, return_dict=True)
    settings = model.get_compile_config()
    optimizer, rate, changed = optimizer_settings(settings["optimizer"])
    if optimizer != "adam":
        raise Incorrect(say("model.wrong_optimizer", what=what, received=optimizer))
    if rate is not None and not same_learning_rate(rate, 0.001):
        raise Incorrect(f"{what}: Adam's learning rate is {rate:.3g}; optimizer='adam' uses Keras' default, 0.001")
    if changed:
        raise Incorrect(f"{what}: Adam's {', '.join(changed)} differ from optimizer='adam'")
    if loss_name(settings["loss"]) != "sparse_categorical_crossentropy":
        raise Incorrect(say("model.wrong_loss", what=what, received=loss_name(settings["loss"])))
    if not reports_accuracy(settings["metrics"]) or not any("acc" in name for name in results):
        raise Incorrect(say("model.no_accuracy", what=what))


def test_train_model(exercise):
    keras.utils.set_random_seed(BUDGET.seed)
    tf.config.experimental.enable_op_determinism()
    model = call(exercise, "build_trainable_model")
    model = call(exercise, "compile_model", model)
    train_images, train_labels, heldout_images, heldout_labels = training_data()
    what = f"train_model(model, images, labels, epochs={BUDGET.epochs}, batch_size={BUDGET.batch_size})"
    history = call(exercise, "train_model", model, train_images, train_labels, BUDGET.epochs, BUDGET.batch_size)
    if not isinstance(history, keras.callbacks.History):
        raise Incorrect(say("wrong_type", what=what, expected=say("type.history"),
                            received=type(history).__name__))
    epochs_run = len(history.history.get("loss", []))
    if epochs_run != BUDGET.epochs:
        raise Incorrect(say("train.epochs", what=what, received=epochs_run))
    expect_one_fit(history, what, len(train_images), BUDGET.epochs, BUDGET.batch_size)
    probabilities = run_model(say("describe.trained_model"), model.predict, heldout_images, verbose=0)
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == heldout_labels))
    if accuracy < BUDGET.threshold:
        message = say("train.below_threshold", accuracy=accuracy, threshold=BUDGET.threshold,
                      train_images=len(train_images), epochs=BUDGET.epochs, batch_size=BUDGET.batch_size,
                      seed=BUDGET.seed)
        raise incorrect(message, "learning_rate_changed" if learning_rate_raised(model) else None)


def expect_one_fit(history, what, images, epochs, batch_size):
    """The History fit() fills in: these epochs, ceil(images / batch_size) batches each, no validation."""
    params = history.params if isinstance(getattr(history, "params", None), dict) else {}
    if not params:
        raise Incorrect(say("train.history_not_filled", what=what))
    if any(key.startswith("val_") for key in history.history):
        raise Incorrect(say("train.validation_held_back", what=what))
    steps_per_epoch = -(-images // batch_size)
    if params.get("epochs") != epochs or params.get("steps") != steps_per_epoch:
        raise Incorrect(say("train.steps", what=what, epochs_run=params.get("epochs"), steps_run=params.get("steps"),
                            epochs=epochs, batch_size=batch_size, images=images, steps=steps_per_epoch))


def test_train_model_is_one_fit(exercise):
    """train_model(model, 100 images, labels, 3, 16) reports exactly the losses of that one fit(), replayed here."""
    tf.config.experimental.enable_op_determinism()
    epochs, batch_size = 3, 16
    images, labels = random_digits(100)
    model = spec_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    replay = keras.models.clone_model(model)
    replay.set_weights(model.get_weights())
    replay.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    what = f"train_model(model, 100 images, labels, epochs={epochs}, batch_size={batch_size})"
    keras.utils.set_random_seed(BUDGET.seed)
    history = call(exercise, "train_model", model, images, labels, epochs, batch_size)
    if not isinstance(history, keras.callbacks.History):
        raise Incorrect(say("wrong_type", what=what, expected="the keras History that fit() returns",
                            received=type(history).__name__))
    expect_one_fit(history, what, len(images), epochs, batch_size)
    keras.utils.set_random_seed(BUDGET.seed)
    expected = replay.fit(images, labels, epochs=epochs, batch_size=batch_size, verbose=0).history["loss"]
    if not np.allclose(history.history.get("loss", []), expected, rtol=1e-3, atol=1e-5):
        raise Incorrect(f"{what}: the losses it reports are not those of model.fit(images, labels, "
                        f"epochs={epochs}, batch_size={batch_size}); call fit once with these settings and "
                        "leave the others at Keras' defaults")


def learning_rate_raised(model):
    """True when the model's optimizer learns faster than its class does by default."""
    optimizer = getattr(model, "optimizer", None)
    try:  # the configs hold plain floats (the optimizer's own learning_rate is a Variable before Keras 3.4)
        return float(optimizer.get_config()["learning_rate"]) > float(type(optimizer)().get_config()["learning_rate"])
    except Exception:  # no optimizer, a schedule, an optimizer that needs arguments: nothing to say
        return False
