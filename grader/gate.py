"""The training gate: the learner's choices, trained and judged by the grader.

Threat (docs/GATE.md): MNIST's test labels are public, so weights or a History
made in the child prove nothing. The child only builds and compiles the
learner's model and sends back its config and compile settings. The grader
rebuilds the architecture with fresh initial weights (none of the child's),
compiles it from the learner's settings (Keras' own optimizer, learning rate and
loss only), trains it itself with the fixed seed and the table's budget, and
measures it on held-out images that never reach the child. That train_model
is the plain fit() this training stands for is check_train_model_is_one_fit's
job (its History replayed here, with `expect_fit_history`). The training runs
beside the other checks (`start_gate`): in a fork of the zygote, a trusted
process of the grader's own, or in a thread of this one, where SEEDING keeps it
deterministic; both train alike (tests/test_gate.py).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import threading
import time
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from grader.rebuild import NotRebuildable, checked_config
from grader.sandbox import CallFailed, Described, Submission, zygote
from layerlab.data import Mnist, prepare_images
from layerlab.expect import Incorrect, incorrect
from layerlab.keras_names import loss_name, optimizer_settings, reports_accuracy
from layerlab.misconceptions import from_error
from layerlab.table import Training, training_exercise

INPUT_SHAPE = (None, 28, 28, 1)
# Held from setting Keras' global seeds until everything they seed is drawn. The gate trains in a
# thread beside the other checks (start_gate); a check that sets the seeds meanwhile waits for it.
SEEDING = threading.Lock()


@dataclass(frozen=True)
class GateResult:
    accuracy: float
    threshold: float
    train_images: int
    heldout_images: int
    seconds: float  # from the set-up call to the accuracy
    losses: tuple  # the grader's training loss, epoch by epoch
    trained_in: str  # "a fork" of the zygote, or "a thread" of the grader's process
    reused_trace: bool = False  # the fit reused a model its trainer traced for the same architecture and settings


def training_split(mnist: Mnist, budget: Training):
    """(x_train, y_train, x_heldout, y_heldout): the first images of each part, prepared."""
    x_train = prepare_images(mnist.x_train[: budget.train_images])  # (N, 28, 28, 1) float32
    y_train = mnist.y_train[: budget.train_images].astype(np.int64)
    x_heldout = prepare_images(mnist.x_test[: budget.heldout_images])
    y_heldout = mnist.y_test[: budget.heldout_images].astype(np.int64)
    return x_train, y_train, x_heldout, y_heldout


def held_out_accuracy(model, x_heldout: np.ndarray, y_heldout: np.ndarray) -> float:
    """Accuracy of a model trained here: probabilities (n, 10) -> argmax vs labels."""
    probabilities = np.asarray(model.predict(x_heldout, batch_size=500, verbose=0))
    if probabilities.shape != (len(x_heldout), 10):
        raise Incorrect(f"the trained model gives outputs of shape {probabilities.shape[1:]} per batch "
                        "of images; a digit classifier gives 10 probabilities per image")
    if not np.all(np.isfinite(probabilities)):
        raise Incorrect("the trained model outputs NaN or infinity: training diverged")
    if not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise incorrect("the trained model's outputs are not probabilities", "missing_softmax")
    return float(np.mean(np.argmax(probabilities, axis=1) == y_heldout))


def expect_fit_history(history, what: str, *, epochs: int, batch_size: int, images: int) -> dict:
    """fit()'s History for exactly these epochs and batch size on all `images`, no validation: its losses."""
    if not isinstance(history, Described) or history.kind != "history":
        received = f"a {history.kind}" if isinstance(history, Described) else type(history).__name__
        raise Incorrect(f"{what} should return the History that fit() returns; it returned {received}")
    record, params = history.get("history"), history.get("params")
    record = record if isinstance(record, dict) else {}
    params = params if isinstance(params, dict) else {}
    if not params:
        raise Incorrect(f"{what} returned a History that fit() did not fill in: call model.fit(...) and "
                        "return what it gives back")
    losses = record.get("loss") if isinstance(record.get("loss"), list) else []
    if params.get("epochs") != epochs or len(losses) != epochs:
        raise Incorrect(f"{what} trained for {len(losses)} epochs; fit for exactly epochs={epochs}")
    if any(str(key).startswith("val_") for key in record):
        raise Incorrect(f"{what} kept part of the images for validation; train on all of them "
                        "(no validation_split or validation_data)")
    steps = math.ceil(images / batch_size)
    if params.get("steps") != steps:
        raise Incorrect(f"{what} went through {params.get('steps')} batches per epoch; batch_size={batch_size} on "
                        f"{images} images gives {steps} (pass batch_size to fit)")
    if not all(isinstance(loss, float) and math.isfinite(loss) for loss in losses):
        raise Incorrect(f"{what}: the loss became NaN or infinity during training")
    return record


def compile_arguments(settings) -> dict:
    """compile()'s keywords from the learner's compile settings (a model's compile_config): Keras' own
    optimizer class and learning rate, loss."""
    import keras

    if not isinstance(settings, dict):
        raise Incorrect("compile_model left the model uncompiled")
    optimizer, rate, _ = optimizer_settings(settings.get("optimizer"))
    if optimizer is None:
        raise Incorrect("compile_model: the optimizer is not one of Keras' own (use optimizer='adam')")
    loss = loss_name(settings.get("loss"))
    try:
        keras.losses.get(loss)
    except Exception:
        raise Incorrect(f"compile_model: the loss {loss!r} is not one of Keras' own "
                        "(use loss='sparse_categorical_crossentropy')") from None
    optimizer_class = type(keras.optimizers.get(optimizer))
    return {"optimizer": optimizer_class(learning_rate=rate) if rate is not None else optimizer_class(),
            "loss": loss, "metrics": ["accuracy"] if reports_accuracy(settings.get("metrics")) else []}


def _without_compile_settings(node):
    if isinstance(node, dict):
        return {key: _without_compile_settings(value) for key, value in node.items() if key != "compile_config"}
    if isinstance(node, list):
        return [_without_compile_settings(value) for value in node]
    return node


def architecture(description: Described) -> dict:
    """The learner's model as a checked, sized config without its compile settings (or NotRebuildable)."""
    return _without_compile_settings(checked_config(description, INPUT_SHAPE))


def fresh_model(config: dict, seed: int):
    """The architecture `config` rebuilt with fresh initial weights drawn after `seed` (none of the child's)."""
    import keras

    keras.utils.set_random_seed(seed)
    try:
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:
        raise NotRebuildable(f"Keras could not rebuild it: {type(error).__name__}: {error}") from None
    if not isinstance(model, keras.Model):
        raise NotRebuildable(f"it is a {type(model).__name__}, not a keras Model")
    return model


@contextmanager
def seeded(seed: int):
    """Keras' global seeds set to `seed`, and no other thread's seeding until the block ends."""
    import keras

    with SEEDING:
        keras.utils.set_random_seed(seed)
        yield


def _after_first_batch(then):
    """A callback that calls `then` once fit's first batch is done: its data order and step are drawn by then."""
    import keras

    class AfterFirstBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 0:
                then()

    return AfterFirstBatch()


def train_here(model, arguments: dict, x_train, y_train, budget: Training, seed: int,
               seeds_drawn=None, compiled: bool = False) -> list[float]:
    """Compile (unless `compiled` with these `arguments` already) and fit in this process, deterministic:
    the seed again, op determinism on. The losses. `seeds_drawn` is called once nothing more of this
    training depends on the global seeds."""
    import keras
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    try:
        if not compiled:
            model.compile(**arguments)  # a compile drops the traced fit
        keras.utils.set_random_seed(seed)
        history = model.fit(x_train, y_train, epochs=budget.epochs, batch_size=budget.batch_size, verbose=0,
                            callbacks=[_after_first_batch(seeds_drawn)] if seeds_drawn else None)
    except Exception as error:  # the learner's layers or loss do not train on digit labels
        from layerlab.expect import useful_line

        raise incorrect(f"training the model with its compile settings failed: {type(error).__name__}: "
                        f"{useful_line(str(error))}", from_error(str(error))) from None
    return [float(loss) for loss in history.history.get("loss", [])]


def start_gate(submission: Submission, mnist: Mnist, seed: int | None = None) -> Future:
    """The gate, its training beside whatever this thread does next: a Future of the GateResult (or of
    why the model cannot be trained).

    Here: the child's set-up call and the checks of what it gave. The training runs in a fork of
    the zygote where there is one (grader/sandbox/zygote.py: a process of its own, so it never
    waits for this one's interpreter lock, and nothing to import), else in a thread of this process.
    """
    exercise = training_exercise()
    budget = exercise.training
    seed = budget.seed if seed is None else seed
    build, compile_model, _ = exercise.functions
    started, gate = time.monotonic(), Future()
    try:
        try:
            returned = submission.set_up(exercise.module, [build, compile_model])
        except CallFailed as failure:
            key = from_error(str(failure))  # e.g. compile() with positional arguments
            if failure.status != "raised" or key is None:
                raise
            raise incorrect(f"building and compiling the model: {failure}", key) from None
        description = returned.value
        if not isinstance(description, Described) or description.kind != "keras" or not description.get("is_model"):
            raise Incorrect(f"{compile_model}({build}()) did not give a Keras model to train")
        settings = description.get("compile_config")
        compile_arguments(settings)  # settings that are not Keras' own are refused here, before anything trains
        config = architecture(description)
    except NotRebuildable as error:
        gate.set_exception(_ungradable(error))
        return gate
    except BaseException as error:
        gate.set_exception(error)
        return gate
    task = {"config": config, "compile": settings, "budget": dataclasses.asdict(budget), "seed": seed}
    trainer = zygote.for_host()
    if trainer is not None:
        _train_in_a_fork(trainer, task, mnist, gate, started)
    else:
        _train_in_a_thread(task, mnist, gate, started)
    return gate


def train_task(task: dict, mnist: Mnist, model=None, seeds_drawn=None, trained_in: str = "a fork",
               warm: bool = False) -> GateResult:
    """Fresh weights (unless `model` has them already; `warm`: and is compiled too, see _warm_model), compile,
    fit and measure in this process: what a trainer does with a task, and the gate's thread with the model
    it made holding SEEDING."""
    budget, seed = Training(**task["budget"]), task["seed"]
    x_train, y_train, x_heldout, y_heldout = training_split(mnist, budget)
    model = _fresh(task) if model is None else model
    losses = train_here(model, compile_arguments(task["compile"]), x_train, y_train, budget, seed, seeds_drawn,
                        compiled=warm)
    accuracy = held_out_accuracy(model, x_heldout, y_heldout)
    return GateResult(accuracy, budget.threshold, len(x_train), len(x_heldout), 0.0, tuple(losses), trained_in,
                      warm)


def _fresh(task: dict):
    try:
        return fresh_model(task["config"], task["seed"])
    except NotRebuildable as error:
        raise _ungradable(error) from None


def _ungradable(error: NotRebuildable) -> Incorrect:
    return Incorrect(f"the model cannot be graded: {error}")


_trained: dict = {}  # in a trainer: the model it trained last, by its architecture and compile settings


def _warm_model(task: dict):
    """The model this trainer trained last, if it has this task's architecture and compile settings,
    reset in place to exactly what `_fresh` and compile would give: its weights and seed states drawn
    after the task's seed, its optimizer's state as new. Its traced fit and predict then serve again
    (a trace is about 1.5 CPU-s); the losses and accuracy are the same (tests/test_gate.py)."""
    key = json.dumps([task["config"], task["compile"]], sort_keys=True)
    model = _trained.pop(key, None)
    _trained.clear()  # one model kept: a class's submissions mostly share one
    if model is None:
        return key, None
    try:
        fresh = _fresh(task)
        for mine, theirs in zip(model.variables, fresh.variables, strict=True):
            mine.assign(theirs)
        optimizer = compile_arguments(task["compile"])["optimizer"]
        optimizer.build(model.trainable_variables)
        for mine, theirs in zip(model.optimizer.variables, optimizer.variables, strict=True):
            mine.assign(theirs)
    except Exception:  # e.g. a model that builds only when fed: trained fresh instead
        return key, None
    return key, model


def train_reusing(task: dict, mnist: Mnist) -> GateResult:
    """train_task as a trainer runs it: on the model it trained last where that fits (`_warm_model`)."""
    key, model = _warm_model(task)
    warm = model is not None
    model = model if warm else _fresh(task)
    result = train_task(task, mnist, model, warm=warm)
    _trained[key] = model  # kept only once it has trained
    return result


def answer_in_a_fork(task_fd: int) -> dict:
    """A trainer's task (Zygote.answer sent it, an .npz on `task_fd`): train_reusing; the answer as plain data."""
    with os.fdopen(task_fd, "rb") as file, np.load(file) as arrays:
        task = json.loads(str(arrays["task"]))
        mnist = Mnist(arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"], "the grader's")
    try:
        return dataclasses.asdict(train_reusing(task, mnist))
    except Incorrect as error:
        return {"incorrect": str(error), "misconception": error.misconception}


def _train_in_a_thread(task: dict, mnist: Mnist, gate: Future, started: float) -> None:
    """The training in a thread of this process. Holding SEEDING from the fresh weights until fit's first
    batch keeps it deterministic beside checks that set the global seeds."""
    SEEDING.acquire()  # released by the thread, once fit has drawn what the seeds decide
    try:
        model = _fresh(task)
    except BaseException as error:
        SEEDING.release()
        gate.set_exception(error)
        return
    released = threading.Event()

    def seeds_drawn() -> None:
        if not released.is_set():
            released.set()
            SEEDING.release()

    def train() -> None:
        try:
            result = train_task(task, mnist, model, seeds_drawn, "a thread")
            gate.set_result(dataclasses.replace(result, seconds=time.monotonic() - started))
        except BaseException as error:
            gate.set_exception(error)
        finally:
            seeds_drawn()  # also when training failed before its first batch ended

    threading.Thread(target=train, name="training gate", daemon=True).start()


def _train_in_a_fork(trainer, task: dict, mnist: Mnist, gate: Future, started: float) -> None:
    """The training in a fork of the zygote (runner/zygote.py runs train_task there); a thread here only
    waits for its answer, one JSON text. A zygote that cannot fork it leaves the training to a thread."""
    images = {"x_train": mnist.x_train[: task["budget"]["train_images"]],
              "y_train": mnist.y_train[: task["budget"]["train_images"]],
              "x_test": mnist.x_test[: task["budget"]["heldout_images"]],
              "y_test": mnist.y_test[: task["budget"]["heldout_images"]]}
    try:
        answers = trainer.answer("train", task, images)
    except OSError:
        _train_in_a_thread(task, mnist, gate, started)  # the same training, beside the checks all the same
        return

    def wait() -> None:
        with os.fdopen(answers, "rb") as pipe:
            text = pipe.read()
        try:
            answer = json.loads(text)
        except ValueError:
            gate.set_exception(RuntimeError("the training process ended without an answer"))
            return
        if "incorrect" in answer:
            gate.set_exception(Incorrect(answer["incorrect"], answer.get("misconception")))
        elif "error" in answer:
            gate.set_exception(RuntimeError(f"the training process failed: {answer['error']}"))
        else:
            gate.set_result(GateResult(**{**answer, "seconds": time.monotonic() - started,
                                          "losses": tuple(answer["losses"])}))

    threading.Thread(target=wait, name="training gate", daemon=True).start()
