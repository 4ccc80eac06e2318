"""The training gate's parts and the names every check reads settings through, in this process.

End to end (a child, the learner's files) the gate is proved by the selftest's ex11 catalog:
a train_model that never trains, one that sets weights, a hand-made History, a wrong batch
size or optimizer, each loses points; other spellings of the same answer keep them.
"""

from __future__ import annotations

import dataclasses
import math
import random
import threading
import time
from concurrent import futures

import keras
import numpy as np
import pytest
import tensorflow as tf

from grader import gate, replay
from grader.gate import architecture, compile_arguments, expect_fit_history, fresh_model, seeded, start_gate
from grader.rebuild import NotRebuildable, rebuild
from grader.sandbox import Described, Returned, zygote
from grader.sandbox.job import prepare_job
from grader.sandbox.runner import wire
from grader.size import PARAMETERS_MULTIPLE, WORK_MULTIPLE, TooLarge, check_size, measure, reference_size
from layerlab.data import load_mnist
from layerlab.table import training_exercise
from layerlab.expect import Incorrect
from layerlab.keras_names import activation_name, loss_name, optimizer_settings, reports_accuracy
from layerlab.plots import bar_heights, names_the_shape
from layerlab.steps import trainable_mismatch


def described(value) -> Described:
    """What the child would send for `value`."""
    return wire.decode(wire.encode(value))


def small_cnn(*extra, activation="softmax") -> keras.Model:
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, padding="same"),
                             keras.layers.ReLU(), keras.layers.MaxPool2D(2, padding="same"), keras.layers.Flatten(),
                             keras.layers.Dense(32, activation="relu"), *extra,
                             keras.layers.Dense(10, activation=activation)])


# ----------------------------------------------------------------- one name per built-in


@pytest.mark.parametrize("spelling", ["softmax", tf.nn.softmax, keras.activations.softmax,
                                      tf.keras.activations.softmax])
def test_every_spelling_of_softmax_is_softmax(spelling):
    assert activation_name(keras.layers.Dense(3, activation=spelling).get_config()["activation"]) == "softmax"


def test_a_function_of_ones_own_is_not_a_builtin():
    def squash(x):
        return x / 2

    assert activation_name(keras.layers.Dense(3, activation=squash).get_config()["activation"]) != "softmax"


@pytest.mark.parametrize("loss, name", [
    ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy"),
    (keras.losses.sparse_categorical_crossentropy, "sparse_categorical_crossentropy"),
    (keras.losses.SparseCategoricalCrossentropy(), "sparse_categorical_crossentropy"),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"),
    (keras.losses.CategoricalCrossentropy(), "categorical_crossentropy"),
])
def test_loss_spellings(loss, name):
    model = small_cnn()
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    assert loss_name(model.get_compile_config()["loss"]) == name


def test_a_loss_object_with_other_settings_is_not_the_string():
    assert loss_name(keras.losses.SparseCategoricalCrossentropy(from_logits=True)) != \
        "sparse_categorical_crossentropy"


@pytest.mark.parametrize("metrics, reports", [
    (["accuracy"], True), (["acc"], True), (["sparse_categorical_accuracy"], True),
    ([keras.metrics.SparseCategoricalAccuracy()], True), ([keras.metrics.sparse_categorical_accuracy], True),
    ([keras.metrics.Accuracy()], False), (["categorical_accuracy"], False), ([], False),
])
def test_accuracy_metric_spellings(metrics, reports):
    model = small_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=metrics)
    assert reports_accuracy(model.get_compile_config()["metrics"]) is reports


@pytest.mark.parametrize("optimizer, expected", [
    ("adam", ("adam", True, [])), (keras.optimizers.Adam(), ("adam", True, [])),
    (keras.optimizers.Adam(learning_rate=0.001), ("adam", True, [])),
    (keras.optimizers.Adam(learning_rate=0.01), ("adam", False, [])),
    (keras.optimizers.Adam(amsgrad=True), ("adam", True, ["amsgrad"])),
    ("rmsprop", ("rmsprop", True, [])),
])
def test_optimizer_settings(optimizer, expected):
    model = small_cnn()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    name, rate, changed = optimizer_settings(model.get_compile_config()["optimizer"])
    assert (name, rate is None or math.isclose(rate, 0.001, rel_tol=1e-6), changed) == expected


# ----------------------------------------------------------------- rebuilding and sizing


def test_tf_nn_softmax_rebuilds_as_softmax():
    model = rebuild(described(small_cnn(activation=tf.nn.softmax)))
    assert model.layers[-1].get_config()["activation"] == "softmax"


def test_weights_smuggled_in_a_setting_are_refused():
    layer = keras.layers.Dense(10, kernel_initializer=keras.initializers.Constant(np.arange(10.0).tolist()))
    model = keras.Sequential([keras.Input((20,)), layer])
    with pytest.raises(NotRebuildable, match="numbers"):
        rebuild(described(model))


def test_the_reference_is_measured_without_building():
    size = reference_size()
    assert size.parameters == 50618  # 80 + 50208 + 330 (solutions/ex10_model.py predict_total_params)
    assert 100_000 < size.work < 200_000


@pytest.mark.parametrize("layers", [
    [keras.layers.Flatten(), keras.layers.Dense(100_000), keras.layers.Dense(100_000)],  # 10^10 parameters
    [keras.layers.Conv2D(128, 3, padding="same") for _ in range(40)],  # minutes of work per batch
])
def test_models_past_the_cap_are_refused_before_they_are_built(layers):
    config = keras.saving.serialize_keras_object(keras.Sequential(layers))  # unbuilt: nothing allocated
    with pytest.raises(TooLarge, match="the grader takes at most"):
        check_size(config, (None, 28, 28, 1))


def test_textbook_cnns_fit_under_the_cap():
    keras_example = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPool2D(),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPool2D(), keras.layers.Flatten(),
        keras.layers.Dropout(0.5), keras.layers.Dense(10, activation="softmax")])
    size = check_size(keras.saving.serialize_keras_object(keras_example), (None, 28, 28, 1))
    assert size.parameters == keras_example.count_params()
    assert size.parameters < reference_size().parameters * PARAMETERS_MULTIPLE
    assert size.work < reference_size().work * WORK_MULTIPLE


def test_functional_and_nested_models_are_measured_like_flat_ones():
    flat = small_cnn()
    inputs = keras.Input((28, 28, 1))
    features = keras.Sequential(flat.layers[:3])(inputs)
    nested = keras.Model(inputs, keras.Sequential(flat.layers[3:])(features))
    assert measure(keras.saving.serialize_keras_object(nested), (None, 28, 28, 1)) == \
        measure(keras.saving.serialize_keras_object(flat), (None, 28, 28, 1))


# ----------------------------------------------------------------- the gate's own training


def test_fresh_model_ignores_the_childs_weights():
    model = small_cnn()
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([np.full(w.shape, 7.0, "float32") for w in layer.get_weights()])
    fresh = fresh_model(architecture(described(model)), seed=1234)
    assert not any(np.all(w == 7.0) for w in fresh.get_weights() if w.size > 1)


def test_compile_arguments_take_keras_own_settings_only():
    model = small_cnn()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=keras.losses.sparse_categorical_crossentropy,
                  metrics=["acc"])
    arguments = compile_arguments(described(model).get("compile_config"))
    assert type(arguments["optimizer"]) is keras.optimizers.Adam
    assert math.isclose(float(keras.ops.convert_to_numpy(arguments["optimizer"].learning_rate)), 0.01, rel_tol=1e-6)
    assert arguments["loss"] == "sparse_categorical_crossentropy" and arguments["metrics"] == ["accuracy"]


def _fit_history(**settings):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    data = np.random.default_rng(0).random((50, 4), dtype=np.float32), np.arange(50) % 3
    return described(model.fit(*data, verbose=0, **settings))


def test_the_history_of_fit_with_the_budget_passes():
    record = expect_fit_history(_fit_history(epochs=2, batch_size=16), "train", epochs=2, batch_size=16, images=50)
    assert len(record["loss"]) == 2


@pytest.mark.parametrize("settings, words", [
    (dict(epochs=1, batch_size=16), "epochs"),
    (dict(epochs=2), "batches"),  # Keras' default batch size, 32
    (dict(epochs=2, batch_size=16, validation_split=0.2), "validation"),
])
def test_a_history_of_other_settings_fails(settings, words):
    with pytest.raises(Incorrect, match=words):
        expect_fit_history(_fit_history(**settings), "train", epochs=2, batch_size=16, images=50)


def test_a_hand_made_history_fails():
    history = keras.callbacks.History()
    history.history = {"loss": [0.5, 0.4]}
    with pytest.raises(Incorrect, match="did not fill in"):
        expect_fit_history(described(history), "train", epochs=2, batch_size=16, images=50)


class _SetUp:
    """Stands for the child in the gate: its set-up call answers with this model's description."""

    def __init__(self, model: keras.Model):
        self._description = described(model)

    def set_up(self, module: str, functions: list) -> Returned:
        return Returned(self._description)


def _seed_and_train_until(done) -> int:
    """What other checks do beside the gate's training: set the global seeds (through `seeded`, and
    carelessly without it) again and again, build layers that draw unseeded initial weights, and now
    and then fit a model of their own."""
    rounds = 0
    while not done():
        with seeded(rounds):
            keras.layers.Dense(3)
            if rounds % 20 == 0:
                small = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5), keras.layers.Dense(3)])
                small.compile(optimizer="adam", loss="mse")
                small.fit(np.ones((32, 4)), np.ones((32, 3)), epochs=1, batch_size=8, verbose=0)
        keras.layers.Dense(3)
        tf.random.set_seed(rounds)  # and the process-wide generators, unlocked, as careless code would
        np.random.seed(rounds)
        random.seed(rounds)
        rounds += 1
    return rounds


def test_the_gate_trains_alike_alone_and_beside_checks_that_seed_and_train(monkeypatch):
    monkeypatch.setenv("LAYERLAB_NO_ZYGOTE", "1")  # the thread, where there is no zygote to fork from
    set_random_seed = keras.utils.set_random_seed

    def slowly_in_the_gate(seed: int) -> None:
        set_random_seed(seed)
        if threading.current_thread().name == "training gate":
            time.sleep(0.3)  # stretches the gap between seeding its fit and drawing from the seeds
    monkeypatch.setattr(keras.utils, "set_random_seed", slowly_in_the_gate)
    mnist = load_mnist(allow_download=False)
    model = small_cnn(keras.layers.Dropout(0.3))  # dropout: the masks are drawn too
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    alone = start_gate(_SetUp(model), mnist).result()
    beside = start_gate(_SetUp(model), mnist)
    assert _seed_and_train_until(beside.done) > 20
    assert alone.trained_in == "a thread"
    assert beside.result().losses == alone.losses and beside.result().accuracy == alone.accuracy


def _gate_in_a_fork_and_in_a_thread(model, monkeypatch) -> tuple:
    """The gate's Futures for `model`: trained in a fork of the zygote, then in a thread of this process."""
    if zygote.for_host() is None:
        pytest.skip("no zygote on this host (an ordinary user, or no sandbox to fork into): the thread only")
    mnist = load_mnist(allow_download=False)
    forked = start_gate(_SetUp(model), mnist)
    futures.wait([forked])
    monkeypatch.setenv("LAYERLAB_NO_ZYGOTE", "1")
    threaded = start_gate(_SetUp(model), mnist)
    futures.wait([threaded])
    return forked, threaded


def test_the_gate_trains_alike_in_a_fork_and_in_a_thread(monkeypatch):
    model = small_cnn(keras.layers.Dropout(0.3))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.002), loss="sparse_categorical_crossentropy")
    forked, threaded = (future.result() for future in _gate_in_a_fork_and_in_a_thread(model, monkeypatch))
    assert (forked.trained_in, threaded.trained_in) == ("a fork", "a thread")
    assert forked.losses == threaded.losses and forked.accuracy == threaded.accuracy
    assert (forked.train_images, forked.heldout_images, forked.threshold) == (
        threaded.train_images, threaded.heldout_images, threaded.threshold)


def test_a_model_that_fails_to_train_fails_alike_in_a_fork_and_in_a_thread(monkeypatch):
    model = small_cnn()
    model.compile(optimizer="adam", loss="categorical_crossentropy")  # one-hot loss, digit labels: fit fails
    forked, threaded = _gate_in_a_fork_and_in_a_thread(model, monkeypatch)
    for future in (forked, threaded):
        assert isinstance(future.exception(), Incorrect)
    assert "training the model with its compile settings failed" in str(forked.exception())
    assert str(forked.exception()) == str(threaded.exception())
    assert forked.exception().misconception == threaded.exception().misconception


def test_a_trainer_that_has_gone_is_started_again():
    import socket

    forks = zygote.for_host()
    if forks is None:
        pytest.skip("no zygote on this host (an ordinary user, or no sandbox to fork into): the thread only")
    gone, peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    peer.close()  # as if the trainer had died between two submissions
    forks._lasting["train"] = gone
    model = small_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    result = start_gate(_SetUp(model), load_mnist(allow_download=False)).result()
    assert result.trained_in == "a fork" and forks._lasting["train"] is not gone


def test_a_trainer_is_retired_after_its_share_of_tasks_and_answers_them_all(monkeypatch):
    """Each model a trainer traces stays in its memory, so it takes LASTING_TASKS and is then replaced:
    the task it was retired on is still answered, and the next goes to a new trainer."""
    forks = zygote.for_host()
    if forks is None:
        pytest.skip("no zygote on this host (an ordinary user, or no sandbox to fork into): the thread only")
    monkeypatch.setattr(zygote, "LASTING_TASKS", 2)
    forks._lasting.pop("train", None)  # a new trainer for this test: its first task trains fresh
    model = small_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    mnist = load_mnist(allow_download=False)
    results = [start_gate(_SetUp(model), mnist).result() for _ in range(3)]
    assert [result.reused_trace for result in results] == [False, True, False]
    assert results[0].losses == results[1].losses == results[2].losses


def test_a_zygote_that_cannot_fork_the_training_leaves_it_to_a_thread(monkeypatch):
    class CannotFork:
        def answer(self, kind, task, arrays):
            raise OSError("the zygote did not answer")

    monkeypatch.setattr(zygote, "for_host", lambda *startup: CannotFork())
    model = small_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    result = start_gate(_SetUp(model), load_mnist(allow_download=False)).result()
    assert result.trained_in == "a thread" and len(result.losses) == 2 and result.accuracy > result.threshold


def _task(model: keras.Model) -> dict:
    """The gate's task for `model`, as start_gate makes it from the child's description."""
    description = described(model)
    budget = training_exercise().training
    return {"config": architecture(description), "compile": description.get("compile_config"),
            "budget": dataclasses.asdict(budget), "seed": budget.seed}


def test_a_trainer_that_reuses_its_trace_trains_exactly_as_a_fresh_one(monkeypatch):
    """A worker's trainer keeps the model it trained last: the next task with the same architecture and
    settings resets it and fits again on its trace. Seed states (dropout), moving statistics (batch
    norm) and optimizer state that does not start at zero (Adagrad's accumulators) must all be reset."""
    monkeypatch.setattr(gate, "_trained", {})
    mnist = load_mnist(allow_download=False)
    with_state = small_cnn(keras.layers.Dropout(0.3), keras.layers.BatchNormalization())
    with_state.compile(optimizer=keras.optimizers.Adagrad(learning_rate=0.05, initial_accumulator_value=0.2),
                       loss="sparse_categorical_crossentropy")
    other = small_cnn()
    other.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.002, momentum=0.5),
                  loss="sparse_categorical_crossentropy")
    first, second = (gate.train_reusing(_task(with_state), mnist) for _ in range(2))
    fresh = gate.train_task(_task(with_state), mnist)
    assert (first.reused_trace, second.reused_trace, fresh.reused_trace) == (False, True, False)
    assert first.losses == second.losses == fresh.losses and first.accuracy == second.accuracy == fresh.accuracy
    between, again = gate.train_reusing(_task(other), mnist), gate.train_reusing(_task(other), mnist)
    assert (between.reused_trace, again.reused_trace) == (False, True)
    assert again.losses == between.losses and again.accuracy == between.accuracy
    assert not gate.train_reusing(_task(with_state), mnist).reused_trace  # one model kept: the last


# ----------------------------------------------------------------- the one-fit replay (grader/replay.py)

# Cases of these tests' own: a worker's replays are kept for the process, and none of these is the check's.
FORKED_CASE, FALLBACK_CASE = replay.Case(first=2000, count=40, epochs=2, batch_size=8), replay.Case(first=2100, count=24)


def test_the_one_fit_replay_is_the_same_in_a_fork_and_here():
    if zygote.for_host() is None:
        pytest.skip("no zygote on this host (an ordinary user, or no sandbox to fork into): replayed here only")
    mnist = load_mnist(allow_download=False)
    replay.start(mnist, FORKED_CASE)
    forked = replay.replayed(mnist, FORKED_CASE)
    here = replay.replay_here(FORKED_CASE, *FORKED_CASE.data(mnist))
    assert (forked.replayed_in, here.replayed_in) == ("a fork", "this process")
    assert forked.losses == here.losses and len(forked.losses) == FORKED_CASE.epochs
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(forked.weights, here.weights, strict=True))
    assert replay.replayed(mnist, FORKED_CASE) is forked  # once per worker


@pytest.mark.parametrize("zygote_answers", ["nothing", "an error", "garbage", "no fork"])
def test_a_replay_whose_fork_fails_is_replayed_here(monkeypatch, zygote_answers):
    import os

    class Broken:
        def answer(self, kind, task, arrays):
            if zygote_answers == "no fork":
                raise OSError("the zygote did not answer")
            read, write = os.pipe()
            words = {"nothing": b"", "an error": b'{"error": "MemoryError: "}', "garbage": b"[1, 2"}
            os.write(write, words[zygote_answers])
            os.close(write)
            return read

    monkeypatch.setattr(zygote, "for_host", lambda *startup: Broken())
    monkeypatch.setattr(replay, "_replays", {})
    mnist = load_mnist(allow_download=False)
    replay.start(mnist, FALLBACK_CASE)
    got = replay.replayed(mnist, FALLBACK_CASE)
    assert got.replayed_in == "this process"
    assert got.losses == replay.replay_here(FALLBACK_CASE, *FALLBACK_CASE.data(mnist)).losses


def test_the_child_never_gets_the_held_out_images():
    job = prepare_job({})
    try:
        with np.load(job.data / "mnist.npz") as archive:
            assert archive["x_test"].size == 0 and archive["y_test"].size == 0
            assert np.array_equal(archive["x_train"], load_mnist(allow_download=False).x_train)
    finally:
        job.remove()


# ----------------------------------------------------------------- exercise 11's contract, figures


def test_the_contract_allows_the_calibrated_family_and_refuses_the_rest():
    from grader.calibrate import FAMILY, OUTSIDE

    for name, layers in FAMILY.items():
        assert trainable_mismatch(keras.Sequential([keras.Input((28, 28, 1)), *layers(keras)])) is None, name
    for name, layers in OUTSIDE.items():
        assert trainable_mismatch(keras.Sequential([keras.Input((28, 28, 1)), *layers(keras)])) is not None, name
    assert trainable_mismatch(small_cnn(keras.layers.Dropout(0.9))) is not None


@pytest.mark.parametrize("title", ["values of (3, 3, 1, 3)", "values of [3, 3, 1, 3]", "kernel 3 x 3 x 1 x 3",
                                   "TensorShape([3, 3, 1, 3])", "3×3×1×3 kernel"])
def test_a_shape_in_any_notation_is_named(title):
    assert names_the_shape(title, (3, 3, 1, 3))


@pytest.mark.parametrize("title", ["values of (3, 3, 1)", "kernel (3, 1, 3, 3)", "no shape"])
def test_a_title_without_the_shape_is_not(title):
    assert not names_the_shape(title, (3, 3, 1, 3))


@pytest.mark.parametrize("draw", [lambda ax, v: ax.hist(v, bins=6), lambda ax, v: ax.hist(v, bins=6, histtype="step"),
                                  lambda ax, v: ax.hist(v, bins=6, histtype="stepfilled"),
                                  lambda ax, v: ax.stairs(*np.histogram(v, bins=6))])
def test_every_way_of_drawing_a_histogram_has_its_bar_heights(draw):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    values = np.random.default_rng(1).standard_normal(200)
    axes = Figure().subplots()
    draw(axes, values)
    assert bar_heights(axes) == np.histogram(values, bins=6)[0].astype(float).tolist()
