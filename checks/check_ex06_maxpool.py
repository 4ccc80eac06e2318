"""Hidden checks for ex06_maxpool: layers from unseen specs, pooling of unseen maps, pool arithmetic.

Specs and configurations are drawn at import time from a fixed seed (pool sizes 1-7 as an int
or a pair, strides 1-4, a pair or None, both paddings in either case, input sizes 1-64, odd ones
included), plus edge cases. The learner's layers are rebuilt here from their config, compared
with the reference's and put inside a Keras model; expected answers come from the reference.
"""

from functools import partial

import keras
import numpy as np
import pytest

from _support_first_layers import any_case, call_text, each_case, judge_length, unambiguous, with_hint
from grader import judge
from grader.rebuild import NotRebuildable, rebuild
from grader.sandbox import Described
from layerlab.expect import Incorrect, expect_number, expect_shape, incorrect
from layerlab.messages import say
from layerlab.misconceptions import AnyOf, from_error
from layerlab.trace import first_line
from _draws import integer

MODULE = "ex06_maxpool"
SEED_INPUT = (1, 28, 28, 3)  # the seed's Conv2D output: one image, three filters
LAYER_INPUT = (2, 17, 23, 3)  # what a learner's layer is run on here: odd, not square
# The seed's layer and the exercise's worked examples, for one axis.
KNOWN = [dict(input_length=28, pool_size=2, stride=2, padding="same"),
         dict(input_length=10, pool_size=3, stride=2, padding="valid"),
         dict(input_length=10, pool_size=3, stride=None, padding="valid")]

_rng = np.random.default_rng(606)
_int = partial(integer, _rng)  # _int(low, high): both ends included


def _spec(padding):
    pool_size = _int(1, 7) if _rng.random() < 0.6 else (_int(1, 7), _int(1, 7))
    strides = [None, _int(1, 4), (_int(1, 4), _int(1, 4))][_int(0, 2)]
    return dict(pool_size=pool_size, strides=strides, padding=padding)


def _length_case(kind):
    input_length = _int(1, 64)
    pool_size = _int(1, 7) if kind == "same" else _int(1, min(7, input_length))
    stride = None if _rng.random() < 0.25 else _int(1, 4)
    padding = kind if _rng.random() < 0.5 else any_case(kind, _rng)  # any case, as the contract allows
    return dict(input_length=input_length, pool_size=pool_size, stride=stride, padding=padding)


BUILD_SPECS = [_spec(str(_rng.choice(["same", "valid"]))) for _ in range(10)]
UPPER_CASE_SPECS = [_spec("SAME"), _spec("VALID"), dict(pool_size=3, strides=1, padding="SAME"),
                    _spec("Same"), _spec("vaLID"), dict(pool_size=2, strides=2, padding="sAmE")]
APPLY_SPECS = [_spec(str(_rng.choice(["same", "valid"]))) for _ in range(10)]
SAME_CASES = [_length_case("same") for _ in range(30)]
VALID_CASES = [_length_case("valid") for _ in range(30)]
EDGE_CASES = [
    dict(input_length=6, pool_size=6, stride=None, padding="valid"),  # the window is the whole input
    dict(input_length=5, pool_size=5, stride=2, padding="valid"),
    dict(input_length=7, pool_size=7, stride=1, padding="same"),
    dict(input_length=17, pool_size=2, stride=4, padding="valid"),  # the stride skips values
    dict(input_length=23, pool_size=1, stride=3, padding="same"),
    dict(input_length=1, pool_size=1, stride=None, padding="valid"),  # one value
    dict(input_length=1, pool_size=3, stride=2, padding="same"),
    dict(input_length=1, pool_size=1, stride=4, padding="VALID"),
    dict(input_length=3, pool_size=2, stride=4, padding="same"),  # the stride is longer than the input
    dict(input_length=2, pool_size=5, stride=None, padding="SAME"),  # the window is larger than the input
]


def _reference():
    return judge.reference(MODULE)


def check_build_maxpool(submission):
    """Layers from specs never shown (and the defaults, and positional arguments): config and outputs."""
    calls = [((), {}), ((3, 1, "valid"), {})] + [((), spec) for spec in BUILD_SPECS]

    def check_one(entry):
        args, kwargs = entry
        what = call_text("build_maxpool", *args, **kwargs)
        returned = judge.call(submission, what, MODULE, "build_maxpool", *args, **kwargs)
        judge.layer(returned, _reference().build_maxpool(*args, **kwargs), what, input_shape=LAYER_INPUT)

    each_case(calls, check_one)


def check_build_maxpool_upper_case_padding_works_in_a_model(submission):
    """padding='SAME' or 'VALID', as the seed writes it: the layer must work after keras.Input."""

    def check_one(spec):
        what = call_text("build_maxpool", **spec)
        returned = judge.call(submission, what, MODULE, "build_maxpool", **spec)
        described = judge.plain(returned, what)
        if isinstance(described, Described) and described.kind == "keras":
            try:
                layer = rebuild(described, LAYER_INPUT)
            except NotRebuildable as error:
                raise Incorrect(f"{what}: {error}") from None
            try:
                inputs = keras.Input(shape=LAYER_INPUT[1:])
                keras.Model(inputs, layer(inputs))
            except Exception as error:  # Keras refuses the layer inside a model: say why, in its words
                raise incorrect(say("checks.not_in_a_model", what=what, error=first_line(error)),
                                from_error(str(error))) from None
        judge.layer(returned, _reference().build_maxpool(**spec), what, input_shape=LAYER_INPUT)

    each_case(UPPER_CASE_SPECS, check_one)


@pytest.fixture(scope="module")
def feature_maps(mnist):
    """Seeded feature maps for APPLY_SPECS, then a real Conv2D + ReLU output of unseen MNIST images."""
    rng = np.random.default_rng(66)
    maps = []
    for spec in APPLY_SPECS:
        pool = spec["pool_size"] if isinstance(spec["pool_size"], tuple) else (spec["pool_size"],) * 2
        shape = (int(rng.integers(1, 4)), int(rng.integers(pool[0], 41)), int(rng.integers(pool[1], 41)),
                 int(rng.integers(1, 7)))
        maps.append(rng.normal(size=shape).astype(np.float32))
    images = (mnist.x_train[1050:1052, :, :, np.newaxis] / 255.0).astype(np.float32)
    conv = keras.layers.Conv2D(4, 3, kernel_initializer=keras.initializers.GlorotUniform(seed=66))
    maps.append(np.asarray(keras.layers.ReLU()(conv(images))))  # (2, 26, 26, 4)
    return maps


def _layer_text(layer):
    """MaxPooling2D(pool_size=(3, 3), strides=(2, 2), padding='valid'): the layer the learner was given."""
    config = layer.get_config()
    return "MaxPooling2D(" + ", ".join(f"{key}={config[key]!r}" for key in ("pool_size", "strides", "padding")) + ")"


def _apply_case(submission, layer, values):
    what = f"apply_maxpool({_layer_text(layer)}, values of shape {values.shape})"
    spec = {key: value for key, value in layer.get_config().items() if key in ("pool_size", "strides", "padding")}
    expected = np.asarray(_reference().apply_maxpool(layer, values))
    other = "valid" if spec["padding"] == "same" else "same"
    returned = judge.call(submission, what, MODULE, "apply_maxpool", layer, values)
    try:
        judge.array(returned, expected, what, alternatives={
            "average_pooling": np.asarray(keras.layers.AveragePooling2D(**spec)(values)),
            "missing_batch_axis": expected[0],
            "valid_instead_of_same" if other == "valid" else "same_instead_of_valid":
                np.asarray(keras.layers.MaxPooling2D(**{**spec, "padding": other})(values)),
        })
    except Incorrect as failure:
        got = returned.value
        for own in (keras.layers.MaxPooling2D(2, 2, padding="same"), keras.layers.MaxPooling2D()):
            default = np.asarray(own(values))
            differs = default.shape != expected.shape or not np.allclose(default, expected)
            if differs and isinstance(got, np.ndarray) and got.shape == default.shape and np.allclose(got, default):
                raise with_hint(failure, say("checks.not_the_given_layer", kind="MaxPooling2D",
                                             layer=_layer_text(layer))) from None
        raise


def check_apply_maxpool(submission, feature_maps):
    """The given layer (specs never shown) on feature maps of other sizes and on real feature maps."""
    layers = [keras.layers.MaxPooling2D(**spec) for spec in APPLY_SPECS] + [keras.layers.MaxPooling2D(3, 2)]
    each_case(list(zip(layers, feature_maps)), lambda case: _apply_case(submission, *case))


SYMBOLIC_SPECS = [dict(pool_size=2, strides=2, padding="same"), dict(pool_size=3, strides=2, padding="valid"),
                  dict(pool_size=(2, 3), strides=None, padding="same")]


def check_apply_maxpool_on_keras_input(submission):
    """apply_maxpool(layer, keras.Input(...)): the symbolic tensor a model is built from, as the task says.

    Converting the input first (tf.convert_to_tensor) or pooling with tf.nn fails on it.
    """

    def check_one(spec):
        layer = keras.layers.MaxPooling2D(**spec)
        inputs = keras.Input(shape=LAYER_INPUT[1:])  # (None, 17, 23, 3): no number in it yet
        what = f"apply_maxpool({_layer_text(layer)}, keras.Input(shape={LAYER_INPUT[1:]}))"
        returned = judge.plain(judge.call(submission, what, MODULE, "apply_maxpool", layer, inputs), what)
        expected = tuple(layer.compute_output_shape((None, *LAYER_INPUT[1:])))
        if not isinstance(returned, Described) or returned.kind != "symbolic":
            received = f"a {returned.kind}" if isinstance(returned, Described) else type(returned).__name__
            raise Incorrect(say("wrong_type", what=what, expected="the layer's symbolic output (a KerasTensor)",
                                received=received))
        expect_shape(judge.plain(returned.get("shape"), what), expected, f"{what}: its shape")

    each_case(SYMBOLIC_SPECS, check_one)


def check_predict_output_shape(submission):
    reference = _reference()
    expected = reference.predict_output_shape()
    batch, height, width, channels = SEED_INPUT

    def side(**changes):
        """The seed's pooled height (= width) with some settings changed."""
        return reference.pool_output_length(**{**KNOWN[0], "input_length": height, **changes})

    pooled = side()
    got = judge.plain(submission.call(MODULE, "predict_output_shape"), "predict_output_shape()")
    expect_shape(got, expected, "predict_output_shape()", alternatives=unambiguous({
        "missing_batch_axis": (pooled, pooled, channels),
        "valid_instead_of_same": (batch, side(padding="valid"), side(padding="valid"), channels),
        "stride_ignored": (batch, side(stride=1), side(stride=1), channels),
        "channels_first": (batch, channels, pooled, pooled),
        "rounding": AnyOf(*((batch, pooled + step, pooled + step, channels) for step in (-1, 1))),
    }, expected))


def _check_length(submission, case):
    reference = _reference()
    judge_length(submission, MODULE, reference.pool_output_length, case,
                 [reference.pool_output_length(**example) for example in KNOWN])


def check_pool_output_length_same(submission):
    each_case(SAME_CASES, lambda case: _check_length(submission, case))


def check_pool_output_length_valid(submission):
    each_case(VALID_CASES, lambda case: _check_length(submission, case))


def check_pool_output_length_edge_cases_and_defaults(submission):
    """A window as large as the input, strides longer than the window, one value; defaults by position."""
    reference = _reference()

    def check_one(case):
        if isinstance(case, dict):
            return _check_length(submission, case)
        what = call_text("pool_output_length", *case)  # positional, the rest left to the defaults
        expected = reference.pool_output_length(*case)
        got = judge.plain(judge.call(submission, what, MODULE, "pool_output_length", *case), what)
        expect_number(got, expected, what, alternatives=unambiguous({
            "stride_ignored": reference.pool_output_length(*case[:2], 1, *case[3:]),
            "same_instead_of_valid": reference.pool_output_length(*case[:2], *(case[2:3] or (None,)), "same"),
        }, expected))

    each_case(EDGE_CASES + [(25, 3), (31, 4), (19, 3, 2), (40, 5, None, "same")], check_one)
