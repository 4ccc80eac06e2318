"""Hidden checks for ex04_inspect: min/max and histograms of tensors the learner never saw.

The tensors are seeded float32 arrays of ranks 1-5 and many sizes, a real Conv2D output for
unseen MNIST images, and edge cases (one value, all equal, all negative). Expected answers
come from the reference (np.min, np.max, np.ravel, np.histogram).
"""

import keras
import numpy as np
import pytest

from _support_first_layers import each_case
from grader import judge
from layerlab.expect import Incorrect, expect_array, expect_number
from layerlab.messages import say

MODULE = "ex04_inspect"

_rng = np.random.default_rng(404)


def _random_tensor():
    rank = int(_rng.integers(1, 6))
    shape = tuple(int(n) for n in _rng.integers(1, 9, size=rank))
    scale, shift = float(_rng.choice([0.1, 1.0, 5.0])), float(_rng.normal())
    return (_rng.normal(size=shape) * scale + shift).astype(np.float32)


RANDOM_TENSORS = [_random_tensor() for _ in range(12)]
EDGE_TENSORS = [
    np.array([0.75], dtype=np.float32),  # one value
    np.full((2, 3, 3, 1), -1.5, dtype=np.float32),  # every value equal
    -np.abs(_rng.normal(size=(4, 5))).astype(np.float32) - 0.1,  # only negative values
    np.abs(_rng.normal(size=(1, 1, 1, 7))).astype(np.float32),  # only positive values, one long axis
]


@pytest.fixture(scope="module")
def conv_output(mnist):
    """The seed's Conv2D, seeded, on three unseen MNIST images: (3, 28, 28, 3) float32."""
    images = (mnist.x_train[1030:1033, :, :, np.newaxis] / 255.0).astype(np.float32)
    layer = keras.layers.Conv2D(3, 3, padding="same", kernel_initializer=keras.initializers.GlorotUniform(seed=44))
    return np.asarray(layer(images))


def _name(tensor):
    return f"array of shape {tensor.shape}"


def _pair(got, what, expected_key):
    """A tuple (or list) of exactly two items, before looking at either."""
    judge.plain(got, what)
    if type(got) not in (tuple, list) or len(got) != 2:
        received = type(got).__name__
        if type(got) in (tuple, list):
            received = say("inspect.tuple_of_length", kind=received, length=len(got))
        raise Incorrect(say("wrong_type", what=what, expected=say(expected_key), received=received))
    return got


def _is_number(value):
    return type(value) in (int, float) or isinstance(value, np.generic)


def _check_range(submission, tensor):
    what = f"value_range({_name(tensor)})"
    expected_low, expected_high = judge.reference(MODULE).value_range(tensor)
    low, high = _pair(judge.call(submission, what, MODULE, "value_range", tensor).value, what, "inspect.expected_min_max")
    if _is_number(low) and _is_number(high) and expected_low != expected_high \
            and (low, high) == (expected_high, expected_low):
        raise Incorrect(f"{what}: {say('checks.min_max_swapped')}")
    expect_number(low, expected_low, f"{what}[0] (min)", tolerance=1e-6)
    expect_number(high, expected_high, f"{what}[1] (max)", tolerance=1e-6)


def _check_values(submission, tensor):
    what = f"histogram_values({_name(tensor)})"
    expected = judge.reference(MODULE).histogram_values(tensor)
    judge.array(judge.call(submission, what, MODULE, "histogram_values", tensor), expected, what, rtol=0, atol=0)


def _check_counts(submission, tensor, bins=None):
    reference = judge.reference(MODULE)
    if bins is None:  # the default: as many bins as np.histogram's default
        what = f"histogram_counts({_name(tensor)})"
        expected_counts, expected_edges = reference.histogram_counts(tensor)
        returned = judge.call(submission, what, MODULE, "histogram_counts", tensor)
    else:
        what = f"histogram_counts({_name(tensor)}, bins={bins})"
        expected_counts, expected_edges = reference.histogram_counts(tensor, bins=bins)
        returned = judge.call(submission, what, MODULE, "histogram_counts", tensor, bins=bins)
    counts, edges = _pair(returned.value, what, "inspect.expected_counts_edges")
    # The task fixes the values, not the dtypes: int32 counts (tf.histogram_fixed_width) and
    # float64 edges (np.linspace) are the same answer.
    expect_array(counts, expected_counts, f"{what}[0] (counts)", any_width=True)
    expect_array(edges, expected_edges, f"{what}[1] (edges)", any_width=True, rtol=1e-5, atol=1e-6)


def check_value_range(submission, conv_output):
    each_case(RANDOM_TENSORS + [conv_output], lambda tensor: _check_range(submission, tensor))


def check_histogram_values(submission, conv_output):
    """Every value once, in np.ravel's order, float32, one axis: for ranks 1 to 5."""
    each_case(RANDOM_TENSORS + [conv_output], lambda tensor: _check_values(submission, tensor))


def check_histogram_counts_default_bins(submission, conv_output):
    each_case(RANDOM_TENSORS[:6] + [conv_output], lambda tensor: _check_counts(submission, tensor))


def check_histogram_counts_other_bins(submission, conv_output):
    bins = [1, 2, 3, 7, 13, 50, 100]
    cases = [(tensor, bins[i % len(bins)]) for i, tensor in enumerate(RANDOM_TENSORS + [conv_output])]
    each_case(cases, lambda case: _check_counts(submission, *case))


def check_edge_cases(submission):
    """One value, all values equal, only negative, only positive: min, max, values and histogram."""

    def check_one(tensor):
        _check_range(submission, tensor)
        _check_values(submission, tensor)
        _check_counts(submission, tensor, bins=4)

    each_case(EDGE_TENSORS, check_one)
