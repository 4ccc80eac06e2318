"""Visible tests for ex07_flatten.py: `pytest exercises/test_ex07_flatten.py`.

Expected values come from Keras itself (compute_output_shape), so this file
teaches the method without printing the answers.
"""

import keras
import numpy as np
import pytest

from layerlab.expect import call, expect_array, expect_layer, expect_number, expect_shape
from layerlab.trace import run_model

SEED_INPUT = (1, 28, 28, 1)  # one grayscale MNIST image, batch axis first
SEED_CONV = dict(filters=3, kernel_size=3, strides=1, padding="same")
SEED_POOL = dict(pool_size=2, strides=2, padding="same")
WORKED_EXAMPLE = (2, 5, 5, 8)  # the tensor of the docstring's worked example


def conv_output_shape():
    """The seed's Conv2D output shape, from Keras."""
    return keras.layers.Conv2D(**SEED_CONV).compute_output_shape(SEED_INPUT)


def flatten_shape(shape):
    """Keras' own Flatten output shape for an input of `shape`."""
    return tuple(keras.layers.Flatten().compute_output_shape(shape))


def test_build_flatten(exercise):
    layer = call(exercise, "build_flatten")
    expect_layer(layer, keras.layers.Flatten, "build_flatten()", {"data_format": "channels_last"})
    # Several images at once: each must keep its own row.
    images = np.random.default_rng(0).random((4, 6, 6, 3), dtype=np.float32)
    expected = np.asarray(keras.layers.Flatten()(images))
    what = "build_flatten() applied to (4, 6, 6, 3)"
    expect_array(run_model(what, layer, images), expected, what, show_expected_shape=True)


def test_predict_output_shape(exercise):
    conv_shape = conv_output_shape()
    expected = flatten_shape(conv_shape)
    pooled_shape = keras.layers.MaxPool2D(**SEED_POOL).compute_output_shape(conv_shape)
    got = call(exercise, "predict_output_shape")
    expect_shape(
        got,
        expected,
        "predict_output_shape()",
        alternatives={
            "missing_batch_axis": expected[1:],
            "flatten_pooled_map": flatten_shape(pooled_shape),
        },
    )


@pytest.mark.parametrize(
    "shape",
    [
        (1, 28, 28, 3),  # the seed's Conv2D output
        (8, 14, 14, 3),  # a batch of 8 pooled feature maps
        (32, 7, 7, 16),
        (5, 10),  # already flat: nothing to multiply but one axis
        (4, 3, 3, 2, 2),  # any number of axes
    ],
)
def test_flattened_length(exercise, shape):
    expected = flatten_shape(shape)[1]
    got = call(exercise, "flattened_length", shape)
    expect_number(
        got,
        expected,
        f"flattened_length({shape})",
        alternatives={
            "flatten_includes_batch": int(np.prod(shape)),
            "hardcoded_example": flatten_shape(WORKED_EXAMPLE)[1],
        },
    )
