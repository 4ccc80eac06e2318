"""The one-fit replay: what a single model.fit() with only the given settings reports, from the
grader's own seeded model. check_train_model_is_one_fit compares train_model's History with it.

The replay is the same for every submission (the seeded model, the same images, the same
settings), so a worker computes it once. A fit's first trace costs about two CPU-seconds, so
the replay starts with the worker's first grading (`start`, from checks/conftest.py): in a fork
of the zygote where there is one, beside the checks, as the training gate does. Where there is
no zygote, or that fork failed, the check replays it here when it first asks (`replayed`).
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import Future
from dataclasses import asdict, dataclass

import numpy as np

from grader.gate import seeded
from grader.sandbox import zygote
from layerlab.data import Mnist, prepare_images

CALL_SEED = 1234  # the seed the child sets before every call (grader/sandbox/runner/child.py)


@dataclass(frozen=True)
class Case:
    """train_model's call in the check: `count` training images from `first` on, `epochs`, `batch_size`."""

    first: int = 1000
    count: int = 100
    epochs: int = 3
    batch_size: int = 16

    def data(self, mnist: Mnist) -> tuple[np.ndarray, np.ndarray]:
        """(images (count, 28, 28, 1) float32, labels (count,) int64)."""
        window = slice(self.first, self.first + self.count)
        return prepare_images(mnist.x_train[window]), mnist.y_train[window].astype(np.int64)


@dataclass(frozen=True)
class Replay:
    weights: list  # the seeded model's initial weights: the model the check hands train_model starts there
    losses: list  # what one fit() from those weights reports, epoch by epoch
    replayed_in: str = "this process"  # or "a fork" of the zygote


CASE = Case()  # epochs 3, batch size 16: never the gate's budget (2, 64), see the check
_replays: dict[Case, Future] = {}  # for every grading of this worker
_lock = threading.Lock()


def one_fit_model():
    """The grader's model for the check: Flatten and a softmax Dense, compiled as the task fixes."""
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def replay_here(case: Case, images: np.ndarray, labels: np.ndarray) -> Replay:
    """The seeded model, and one fit of a copy of it with only `case`'s settings, in this process."""
    import keras
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()  # as the child runs train_model
    with seeded(CALL_SEED):
        model = one_fit_model()
    copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    copy.set_weights(model.get_weights())
    with seeded(CALL_SEED):
        history = copy.fit(images, labels, epochs=case.epochs, batch_size=case.batch_size, verbose=0).history
    return Replay(model.get_weights(), [float(loss) for loss in history["loss"]])


def start(mnist: Mnist, case: Case = CASE) -> None:
    """Start `case`'s replay in a fork of the zygote, unless this worker has it (or is computing it)."""
    with _lock:
        if case in _replays:
            return
        forks = zygote.for_host()
        if forks is None:
            return  # replayed here when the check asks
        images, labels = case.data(mnist)
        try:
            answers = forks.answer("replay", asdict(case), {"images": images, "labels": labels})
        except OSError:
            return
        _replays[case] = replay = Future()
        threading.Thread(target=_wait, args=(answers, replay), name="one-fit replay", daemon=True).start()


def _wait(answers: int, replay: Future) -> None:
    with os.fdopen(answers, "rb") as pipe:
        text = pipe.read()
    try:
        answer = json.loads(text)
        replay.set_result(Replay([np.asarray(weight, dtype=np.float32) for weight in answer["weights"]],
                                 answer["losses"], "a fork"))
    except (ValueError, KeyError, TypeError):  # no answer, or the fork's own failure: replayed here instead
        replay.set_exception(RuntimeError(f"the replay's fork answered {text[:200]!r}"))


def replayed(mnist: Mnist, case: Case = CASE) -> Replay:
    """`case`'s replay: the fork's answer if it gave one, else replayed here now (and kept for this worker)."""
    with _lock:
        replay = _replays.get(case)
    if replay is not None:
        try:
            return replay.result()
        except RuntimeError:
            pass
    here = Future()
    here.set_result(replay_here(case, *case.data(mnist)))
    with _lock:
        _replays[case] = here
    return here.result()


def answer_in_a_fork(task_fd: int) -> dict:
    """The replay's fork: replay_here on what Zygote.answer sent (an .npz on `task_fd`), as plain data."""
    with os.fdopen(task_fd, "rb") as file, np.load(file) as arrays:
        case = Case(**json.loads(str(arrays["task"])))
        images, labels = arrays["images"], arrays["labels"]
    replay = replay_here(case, images, labels)
    return {"weights": [weight.tolist() for weight in replay.weights], "losses": replay.losses}
