"""Visible tests for ex05_relu.py: `pytest exercises/test_ex05_relu.py`.

Expected values come from Keras itself (keras.layers.ReLU,
keras.activations.relu) on seeded values, never from written-out answers.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from layerlab.expect import call, expect_array, expect_layer, expect_number
from layerlab.messages import say
from layerlab.misconceptions import AnyOf

NEGATIVE = -0.8  # the value predict_negative_becomes asks about (see the exercise)
SEED_OUTPUT = (1, 28, 28, 3)  # the seed's Conv2D output: one image, three filters


def around_zero(shape=SEED_OUTPUT, seed=5):
    """Seeded float32 values with negatives, positives and exact zeros, like a Conv2D output."""
    values = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    return np.where(np.abs(values) < 0.25, np.float32(0), values)


def relu_mistakes(values):
    """What ReLU would give if it kept, flipped or halved the negative values."""
    values = np.asarray(values)
    kept, flipped, halved = values, np.abs(values), np.where(values < 0, values / 2, values)
    return {"relu_negative": AnyOf(kept, flipped, halved)}


def test_build_relu(exercise):
    layer = call(exercise, "build_relu")
    if isinstance(layer, keras.layers.Activation):  # Activation('relu') is the same function
        expect_layer(layer, keras.layers.Activation, "build_relu()", {"activation": "relu"})
    else:
        expect_layer(layer, keras.layers.ReLU, "build_relu()", {})
    values = around_zero()
    expect_array(layer(values), np.asarray(keras.activations.relu(values)),
                 say("describe.values_around_zero"), alternatives=relu_mistakes(values))
    if isinstance(layer, keras.layers.ReLU):
        defaults = keras.layers.ReLU().get_config()
        expect_layer(layer, keras.layers.ReLU, "build_relu()",
                     {key: defaults[key] for key in ("max_value", "negative_slope", "threshold")})


@pytest.mark.parametrize("as_tensor", [False, True])
def test_apply_relu(exercise, as_tensor):
    values = around_zero()
    layer = keras.layers.ReLU()
    expected = np.asarray(layer(values))
    got = call(exercise, "apply_relu", layer, tf.constant(values) if as_tensor else values)
    expect_array(got, expected, "apply_relu(keras.layers.ReLU(), values)", alternatives=relu_mistakes(values))


def test_predict_negative_becomes(exercise):
    expected = float(keras.activations.relu(NEGATIVE))
    got = call(exercise, "predict_negative_becomes")
    expect_number(got, expected, "predict_negative_becomes()", alternatives=relu_mistakes(NEGATIVE))


@pytest.mark.parametrize("shape, as_tensor", [(SEED_OUTPUT, False), ((2, 9, 9, 4), True), ((50,), False)])
def test_count_zeroed(exercise, shape, as_tensor):
    values = around_zero(shape, seed=len(shape))
    # The values ReLU changes are exactly the ones it sets to zero.
    expected = int(np.count_nonzero(np.asarray(keras.activations.relu(values)) != values))
    got = call(exercise, "count_zeroed", tf.constant(values) if as_tensor else values)
    # Counting the exact zeros too is counting them as if they were negative.
    with_zeros = int(np.count_nonzero(np.asarray(keras.activations.relu(values)) != np.where(values == 0, 1, values)))
    expect_number(got, expected, f"count_zeroed({say('describe.values_of_shape', shape=shape)})",
                  alternatives={"zeros_counted": with_zeros})
