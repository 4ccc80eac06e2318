"""Visible tests for ex02_conv2d.py: `pytest exercises/test_ex02_conv2d.py`.

Expected values come from Keras itself (compute_output_shape, count_params),
so this file teaches the method without printing the answers.
"""

import keras
import numpy as np
import pytest

from layerlab.expect import call, expect_array, expect_layer, expect_number, expect_shape

SEED_SPEC = dict(filters=3, kernel_size=3, strides=1, padding="same", activation=None)
SEED_INPUT = (1, 28, 28, 1)  # one grayscale MNIST image, batch axis first


def keras_conv(**overrides):
    """Keras' own Conv2D for the seed's spec (with some settings changed), built on SEED_INPUT."""
    layer = keras.layers.Conv2D(**{**SEED_SPEC, **overrides})
    layer.build(SEED_INPUT)
    return layer


@pytest.mark.parametrize(
    "spec",
    [
        SEED_SPEC,
        dict(filters=8, kernel_size=5, strides=2, padding="valid", activation="relu"),
        dict(filters=4, kernel_size=(3, 1), strides=(1, 2), padding="same", activation=None),
    ],
)
def test_build_conv2d(exercise, spec):
    layer = call(exercise, "build_conv2d", **spec)
    wanted = keras.layers.Conv2D(**spec).get_config()
    keys = ("filters", "kernel_size", "strides", "padding", "activation")
    expect_layer(layer, keras.layers.Conv2D, "build_conv2d(...)", {k: wanted[k] for k in keys})


def test_apply_conv2d(exercise):
    images = np.random.default_rng(0).random(SEED_INPUT, dtype=np.float32)
    layer = keras_conv()
    expected = np.asarray(layer(images))
    got = call(exercise, "apply_conv2d", layer, images)
    expect_array(got, expected, "apply_conv2d(layer, images)")


def test_predict_output_shape(exercise):
    expected = keras_conv().compute_output_shape(SEED_INPUT)
    got = call(exercise, "predict_output_shape")
    expect_shape(
        got,
        expected,
        "predict_output_shape()",
        alternatives={
            "valid_instead_of_same": keras_conv(padding="valid").compute_output_shape(SEED_INPUT),
            "missing_batch_axis": expected[1:],
            "channels_first": (expected[0], expected[3], expected[1], expected[2]),
            "channels_not_filters": expected[:3] + SEED_INPUT[3:],
        },
    )


def test_predict_kernel_shape(exercise):
    kernel = keras_conv().kernel.shape
    got = call(exercise, "predict_kernel_shape")
    expect_shape(got, tuple(kernel), "predict_kernel_shape()",
                 alternatives={"forgot_input_channels": (kernel[0], kernel[1], kernel[3]),
                               "kernel_axes_swapped": (kernel[0], kernel[1], kernel[3], kernel[2])})


def test_predict_bias_shape(exercise):
    layer = keras_conv()
    expect_shape(call(exercise, "predict_bias_shape"), tuple(layer.bias.shape), "predict_bias_shape()",
                 alternatives={"bias_per_input": tuple(layer.kernel.shape[2:3])})  # (input channels,)


def test_predict_param_count(exercise):
    layer = keras_conv()
    expected = layer.count_params()
    got = call(exercise, "predict_param_count")
    expect_number(got, expected, "predict_param_count()",
                  alternatives={"forgot_bias": int(np.prod(layer.kernel.shape))})
