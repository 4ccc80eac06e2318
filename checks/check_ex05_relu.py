"""Hidden checks for ex05_relu: the built layer, applying a given layer, and counting what ReLU changes.

The learner's layer is rebuilt here from its config and run on seeded values (negative,
positive, exact zeros, values above 6); apply_relu gets layers with other settings, so only
calling the given layer passes; count_zeroed gets tensors of other shapes, a real Conv2D output
for unseen MNIST images, and edge cases. Expected answers come from Keras and the reference.
"""

import keras
import numpy as np
import pytest

from _support_first_layers import each_case, with_hint
from grader import judge
from grader.rebuild import NotRebuildable, rebuild
from grader.sandbox import Described
from layerlab.expect import Incorrect, expect_array, expect_number, incorrect
from layerlab.messages import say
from layerlab.misconceptions import AnyOf

MODULE = "ex05_relu"
NEGATIVE = -0.8  # the value predict_negative_becomes asks about (see the exercise)

_rng = np.random.default_rng(505)


def _around_zero(shape, spread=1.0):
    """Seeded float32 values with negatives, positives and exact zeros, like a Conv2D output."""
    values = (_rng.normal(size=shape) * spread).astype(np.float32)
    return np.where(np.abs(values) < 0.2 * spread, np.float32(0), values)


def _random_shape():
    return tuple(int(n) for n in _rng.integers(1, 9, size=int(_rng.integers(1, 5))))


RANDOM_VALUES = [_around_zero(_random_shape(), spread=float(_rng.choice([0.5, 1.0, 4.0]))) for _ in range(10)]
EDGE_VALUES = [
    np.array([-0.5], dtype=np.float32),  # one value
    np.zeros((2, 3), dtype=np.float32),  # nothing to change: zeros stay zeros
    np.abs(_around_zero((3, 4, 4, 2))) + np.float32(0.1),  # only positive values
    -np.abs(_around_zero((2, 5, 5, 1))) - np.float32(0.1),  # only negative values
]
BUILD_VALUES = np.concatenate([_around_zero((200,)), np.float32([7.5, 6.0, 12.0, -9.0])])  # above 6 too
# Layers with settings other than the default: only calling the given layer gives their output.
OTHER_LAYERS = [dict(max_value=6.0), dict(negative_slope=0.1), dict(threshold=0.5),
                dict(max_value=1.0, negative_slope=0.2, threshold=0.25)]


def _relu_mistakes(values):
    """What ReLU would give if it kept, flipped or halved the negative values."""
    values = np.asarray(values)
    return {"relu_negative": AnyOf(values, np.abs(values), np.where(values < 0, values / 2, values))}


@pytest.fixture(scope="module")
def conv_output(mnist):
    """The seed's Conv2D, seeded, on two unseen MNIST images: (2, 28, 28, 3) float32 with negatives."""
    images = (mnist.x_train[1040:1042, :, :, np.newaxis] / 255.0).astype(np.float32)
    layer = keras.layers.Conv2D(3, 3, padding="same", kernel_initializer=keras.initializers.GlorotUniform(seed=55))
    return np.asarray(layer(images))


def _name(values):
    return f"values of shape {values.shape}"


def check_build_relu(submission):
    """A ReLU with the default settings (Activation('relu') computes the same): rebuilt and run here."""
    what = "build_relu()"
    described = judge.plain(submission.call(MODULE, "build_relu"), what)
    if not isinstance(described, Described) or described.kind != "keras":
        received = described.kind if isinstance(described, Described) else type(described).__name__
        raise Incorrect(say("wrong_layer_class", what=what, expected="ReLU", received=received))
    try:
        layer = rebuild(described)
    except NotRebuildable as error:
        raise Incorrect(f"{what}: {error}") from None
    if type(layer) not in (keras.layers.ReLU, keras.layers.Activation):
        raise Incorrect(say("wrong_layer_class", what=what, expected="ReLU", received=type(layer).__name__))
    if isinstance(layer, keras.layers.Activation) and layer.get_config().get("activation") != "relu":
        raise incorrect(say("wrong_config", what=what, key="activation",
                            received=repr(layer.get_config().get("activation"))), "wrong_activation")
    reference = judge.reference(MODULE).build_relu()
    expected = np.asarray(reference(BUILD_VALUES))
    expect_array(np.asarray(layer(BUILD_VALUES)), expected, f"{what} applied to values around zero",
                 alternatives=_relu_mistakes(BUILD_VALUES))
    if isinstance(layer, keras.layers.ReLU):
        judge.compare_configs(layer.get_config(), reference.get_config(), what)


def _check_apply(submission, layer, values, what):
    expected = np.asarray(judge.reference(MODULE).apply_relu(layer, values))
    returned = judge.call(submission, what, MODULE, "apply_relu", layer, values)
    try:
        # (batch, height, width, channels): the first image alone has lost the batch axis.
        batch_lost = {"missing_batch_axis": expected[0]} if values.ndim == 4 else {}
        judge.array(returned, expected, what, alternatives={**_relu_mistakes(values), **batch_lost})
    except Incorrect as failure:
        default = np.asarray(keras.layers.ReLU()(values))
        got = returned.value
        if not np.array_equal(default, expected) and isinstance(got, np.ndarray) and got.shape == default.shape \
                and np.allclose(got, default):
            raise with_hint(failure, say("checks.not_the_given_layer", kind="ReLU",
                                         layer=_layer_text(layer))) from None
        raise


def _layer_text(layer):
    settings = {key: value for key, value in layer.get_config().items()
                if key in ("max_value", "negative_slope", "threshold")}
    return "ReLU(" + ", ".join(f"{key}={value!r}" for key, value in settings.items()) + ")"


def check_apply_relu(submission, conv_output):
    """The default ReLU on tensors of ranks 1-4 and on a real Conv2D output of unseen MNIST images."""
    layer = keras.layers.ReLU()
    each_case(RANDOM_VALUES + [conv_output],
              lambda values: _check_apply(submission, layer, values, f"apply_relu(ReLU(), {_name(values)})"))


def check_apply_relu_uses_the_given_layer(submission):
    """ReLU layers with a cap, a slope or a threshold: apply_relu must call the layer it is given."""
    values = _around_zero((2, 6, 6, 3), spread=4.0)

    def check_one(settings):
        layer = keras.layers.ReLU(**settings)
        _check_apply(submission, layer, values, f"apply_relu({_layer_text(layer)}, {_name(values)})")

    each_case(OTHER_LAYERS, check_one)


def check_predict_negative_becomes(submission):
    expected = judge.reference(MODULE).predict_negative_becomes()
    got = judge.plain(submission.call(MODULE, "predict_negative_becomes"), "predict_negative_becomes()")
    expect_number(got, expected, "predict_negative_becomes()", alternatives={
        "relu_negative": AnyOf(NEGATIVE, -NEGATIVE, NEGATIVE / 2)})


def _check_count(submission, values):
    reference = judge.reference(MODULE)
    what = f"count_zeroed({_name(values)})"
    expected = reference.count_zeroed(values)
    got = judge.plain(judge.call(submission, what, MODULE, "count_zeroed", values), what)
    try:
        expect_number(got, expected, what)
    except Incorrect as failure:
        # Counting the zeros as well is counting the zeros as if they were negative.
        with_zeros = reference.count_zeroed(np.where(values == 0, np.float32(-1), values))
        if with_zeros != expected and (type(got) is int or isinstance(got, np.integer)) and got == with_zeros:
            raise incorrect(str(failure), "zeros_counted") from None  # the visible test's words
        raise


def check_count_zeroed(submission, conv_output):
    each_case(RANDOM_VALUES + [conv_output], lambda values: _check_count(submission, values))


def check_count_zeroed_edge_cases(submission):
    """One value, only zeros, only positive values, only negative values."""
    each_case(EDGE_VALUES, lambda values: _check_count(submission, values))
