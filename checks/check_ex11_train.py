"""Hidden checks for ex11_train: the training gate, how the model is compiled, and that train_model
is one fit() with the epochs and batch size it is given, nothing else."""

import keras
import numpy as np

from grader import judge, replay
from grader.gate import expect_fit_history
from grader.rebuild import rebuild
from grader.sandbox import Described
from layerlab.expect import Incorrect, incorrect
from layerlab.keras_names import loss_name, optimizer_settings, reports_accuracy, same_learning_rate
from layerlab.messages import say
from layerlab.steps import TRAINABLE_CONTRACT, trainable_mismatch

MODULE = "ex11_train"
LEARNING_RATE = 0.001  # Keras' default for optimizer='adam', which the task fixes


def check_training_gate(training_gate, record_property):
    """The grader trains the learner's architecture and settings itself; held-out accuracy must reach the threshold."""
    result = training_gate.result()  # started before the first check (conftest.py)
    record_property("seconds", round(result.seconds, 3))
    record_property("trained_in", result.trained_in)
    record_property("reused_trace", result.reused_trace)
    record_property("accuracy", round(result.accuracy, 4))
    record_property("threshold", result.threshold)
    words = (f"held-out accuracy {result.accuracy:.4f} on {result.heldout_images} images after training on "
             f"{result.train_images}; threshold {result.threshold:.2f}")
    record_property("message", words)
    if result.accuracy < result.threshold:
        raise Incorrect(words)


def check_compile_settings(submission):
    """compile_model: Adam at Keras' default learning rate, the sparse loss, the accuracy metric, by keyword."""
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
    optimizer, rate, changed = optimizer_settings(config.get("optimizer"))
    if optimizer != "adam":
        raise Incorrect(f"compile_model: the optimizer is {optimizer or 'not one of Keras own'}; the task "
                        "fixes optimizer='adam'")
    if rate is not None and not same_learning_rate(rate, LEARNING_RATE):
        raise Incorrect(f"compile_model: Adam's learning rate is {rate:.3g}; optimizer='adam' uses "
                        f"Keras' default, {LEARNING_RATE}")
    if changed:
        raise Incorrect(f"compile_model: Adam's {', '.join(changed)} differ from optimizer='adam'")
    loss = loss_name(config.get("loss"))
    if loss != "sparse_categorical_crossentropy":
        raise Incorrect(f"compile_model: the loss is {loss!r}; labels here are digits 0-9, "
                        "not one-hot vectors")
    if not reports_accuracy(config.get("metrics")):
        raise Incorrect("compile_model: the model does not report accuracy (metrics=['accuracy'])")


def check_model_is_one_the_task_allows(submission):
    """build_trainable_model gives 10 probabilities per image, from a model of the family the threshold is
    calibrated on (docs/CALIBRATION.md)."""
    described = judge.plain(submission.call(MODULE, "build_trainable_model"), "build_trainable_model()")
    if not isinstance(described, Described) or described.kind != "keras" or not described.get("is_model"):
        raise Incorrect("build_trainable_model() should return a keras Model")
    try:
        model = rebuild(described, (3, 28, 28, 1))
    except ValueError as error:
        raise Incorrect(f"build_trainable_model(): {error}") from None
    outputs = np.asarray(model(np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)))
    if outputs.shape != (3, 10):
        raise Incorrect(f"build_trainable_model(): 3 images give outputs of shape {outputs.shape}; "
                        "expected 10 numbers per image")
    if not np.allclose(outputs.sum(axis=1), 1.0, atol=1e-4) or np.any(outputs < 0):
        raise incorrect("build_trainable_model(): the outputs are not probabilities", "missing_softmax")
    mismatch = trainable_mismatch(model)
    if mismatch is not None:
        raise Incorrect(f"build_trainable_model(): the task asks for {TRAINABLE_CONTRACT}; "
                        f"this model's steps are: {mismatch}")


def check_train_model_is_one_fit(submission, mnist, one_fit_replay, record_property):
    """train_model(model, 100 images, labels, 3, 16) gives exactly the History of that one fit(), replayed
    by the grader (grader/replay.py).

    Epochs 3 and batch size 16 are never the gate's budget (2, 64), so a train_model that hard-codes
    the budget, keeps Keras' default batch size (32), holds images back for validation, or returns a
    History it made itself gives other losses than the replay.
    """
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    case = replay.CASE
    images, labels = case.data(mnist)
    expected = one_fit_replay()
    record_property("replayed_in", expected.replayed_in)
    model = replay.one_fit_model()
    model.set_weights(expected.weights)
    what = f"train_model(model, {case.count} images, labels, epochs={case.epochs}, batch_size={case.batch_size})"
    returned = judge.call(submission, what, MODULE, "train_model", model, images, labels, case.epochs,
                          case.batch_size)
    history = judge.plain(returned, what)
    if not isinstance(history, Described) or history.kind != "history":
        received = f"a {history.kind}" if isinstance(history, Described) else type(history).__name__
        raise Incorrect(say("wrong_type", what=what, expected="the keras History that fit() returns",
                            received=received))
    record = expect_fit_history(history, what, epochs=case.epochs, batch_size=case.batch_size, images=len(images))
    if not np.allclose(record["loss"], expected.losses, rtol=1e-3, atol=1e-5):
        raise Incorrect(f"{what}: the losses it reports are not those of model.fit(images, labels, "
                        f"epochs={case.epochs}, batch_size={case.batch_size}); call fit once with these "
                        "settings and leave the others at Keras' defaults")
