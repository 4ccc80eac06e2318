"""Visible tests for ex04_inspect.py: `pytest exercises/test_ex04_inspect.py`.

The tensors are a real Conv2D output for one MNIST image and seeded random
values; expected answers come from numpy (np.min, np.max, np.ravel,
np.histogram) on the same values.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from layerlab.data import load_mnist
from layerlab.expect import Incorrect, call, expect_array, expect_number
from layerlab.messages import say

TENSOR_NAMES = ["conv_output", "random_array", "small_tensor"]


@pytest.fixture(scope="module")
def tensors():
    """Tensors of several shapes, by name; conv_output is what the seed inspects."""
    # One MNIST image as (1, 28, 28, 1) float32 in [0, 1], as in exercise 01.
    image = load_mnist().x_train[:1, :, :, np.newaxis].astype(np.float32) / 255
    seeded = keras.initializers.GlorotUniform(seed=4)
    conv = keras.layers.Conv2D(3, 3, padding="same", kernel_initializer=seeded)  # the seed's layer, seeded
    rng = np.random.default_rng(4)
    return {
        "conv_output": conv(image),  # (1, 28, 28, 3) tf.Tensor with negative values
        "random_array": rng.normal(size=(2, 5, 5, 4)).astype(np.float32),
        "small_tensor": tf.constant(rng.uniform(-3, 3, size=(3, 7)), dtype=tf.float32),
    }


def expect_pair(got, what, expected_key):
    """A tuple (or list) of exactly two items, before looking at either."""
    if type(got) not in (tuple, list) or len(got) != 2:
        received = type(got).__name__
        if type(got) in (tuple, list):
            received = say("inspect.tuple_of_length", kind=received, length=len(got))
        raise Incorrect(say("wrong_type", what=what, expected=say(expected_key), received=received))
    return got


@pytest.mark.parametrize("name", TENSOR_NAMES)
def test_value_range(exercise, tensors, name):
    values = np.asarray(tensors[name])
    what = f"value_range({name})"
    low, high = expect_pair(call(exercise, "value_range", tensors[name]), what, "inspect.expected_min_max")
    expect_number(low, float(np.min(values)), f"{what}[0] (min)", tolerance=1e-6)
    expect_number(high, float(np.max(values)), f"{what}[1] (max)", tolerance=1e-6)


@pytest.mark.parametrize("name", TENSOR_NAMES)
def test_histogram_values(exercise, tensors, name):
    expected = np.ravel(np.asarray(tensors[name], dtype=np.float32))
    got = call(exercise, "histogram_values", tensors[name])
    expect_array(got, expected, f"histogram_values({name})", show_expected_shape=True)


@pytest.mark.parametrize("name", TENSOR_NAMES)
@pytest.mark.parametrize("bins", [None, 4, 25])
def test_histogram_counts(exercise, tensors, name, bins):
    values = np.ravel(np.asarray(tensors[name], dtype=np.float32))
    if bins is None:  # the default, 10 bins, as in np.histogram
        expected_counts, expected_edges = np.histogram(values)
        got = call(exercise, "histogram_counts", tensors[name])
        what = f"histogram_counts({name})"
    else:
        expected_counts, expected_edges = np.histogram(values, bins=bins)
        got = call(exercise, "histogram_counts", tensors[name], bins=bins)
        what = f"histogram_counts({name}, bins={bins})"
    counts, edges = expect_pair(got, what, "inspect.expected_counts_edges")
    expect_array(counts, expected_counts, f"{what}[0] (counts)", show_expected_shape=True, any_width=True)
    expect_array(edges, expected_edges, f"{what}[1] (edges)", show_expected_shape=True, any_width=True,
                 rtol=1e-5, atol=1e-6)
