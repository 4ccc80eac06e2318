"""Visible tests for ex08_dense.py: `pytest exercises/test_ex08_dense.py`.

Expected values come from Keras itself (compute_output_shape, count_params),
so this file teaches the method without printing the answers.
"""

import keras
import numpy as np
import pytest

from layerlab.expect import call, expect_array, expect_layer, expect_number, expect_shape

SEED_FLAT = (1, 2352)  # the seed's Conv2D output (1, 28, 28, 3), flattened
SEED_UNITS = 32
WORKED_EXAMPLE = dict(in_features=100, units=16)  # the docstring's worked example


def keras_dense(in_features, units, use_bias=True):
    """Keras' own Dense(units) built on `in_features` inputs."""
    layer = keras.layers.Dense(units, use_bias=use_bias)
    layer.build((None, in_features))
    return layer


@pytest.mark.parametrize(
    "spec",
    [
        dict(units=32, activation=None),
        dict(units=10, activation="softmax"),
        dict(units=64, activation="relu"),
    ],
)
def test_build_dense(exercise, spec):
    layer = call(exercise, "build_dense", **spec)
    wanted = keras.layers.Dense(**spec).get_config()
    keys = ("units", "activation", "use_bias")
    expect_layer(layer, keras.layers.Dense, "build_dense(...)", {k: wanted[k] for k in keys})


def test_apply_dense(exercise):
    features = np.random.default_rng(0).random((3, 20), dtype=np.float32)
    layer = keras_dense(20, 4)
    expected = np.asarray(layer(features))
    got = call(exercise, "apply_dense", layer, features)
    expect_array(got, expected, "apply_dense(layer, tensor)")


def test_predict_output_shape(exercise):
    expected = tuple(keras_dense(SEED_FLAT[1], SEED_UNITS).compute_output_shape(SEED_FLAT))
    got = call(exercise, "predict_output_shape")
    expect_shape(got, expected, "predict_output_shape()", alternatives={"missing_batch_axis": expected[1:]})


def test_predict_param_count(exercise):
    layer = keras_dense(SEED_FLAT[1], SEED_UNITS)
    got = call(exercise, "predict_param_count")
    expect_number(got, layer.count_params(), "predict_param_count()",
                  alternatives={"forgot_bias": int(np.prod(layer.kernel.shape)),
                                # one bias per input: the count of the layer turned around, Dense(2352) on 32 inputs
                                "bias_per_input": keras_dense(SEED_UNITS, SEED_FLAT[1]).count_params()})


@pytest.mark.parametrize(
    "in_features, units, use_bias",
    [
        (2352, 32, True),
        (588, 10, True),
        (32, 10, False),
        (7, 3, True),
        (1024, 128, False),
    ],
)
def test_dense_param_count(exercise, in_features, units, use_bias):
    layer = keras_dense(in_features, units, use_bias)
    kernel_count = int(np.prod(layer.kernel.shape))
    got = call(exercise, "dense_param_count", in_features, units, use_bias=use_bias)
    expect_number(
        got,
        layer.count_params(),
        f"dense_param_count({in_features}, {units}, use_bias={use_bias})",
        alternatives={
            "forgot_bias": kernel_count,
            "bias_when_none": kernel_count + units,
            "bias_per_input": keras_dense(units, in_features).count_params() if use_bias else None,
            "hardcoded_example": keras_dense(**WORKED_EXAMPLE, use_bias=use_bias).count_params(),
        },
    )
