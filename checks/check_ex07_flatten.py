"""Hidden checks for ex07_flatten: the layer on an unseen input, the seed's shape, and
flattened_length on 30 seeded shapes (2 to 5 axes, batches of 2 to 64) and on edge cases.

Expected answers come from the reference solution; messages name the learner's input only.
"""

import keras
import numpy as np

from grader import judge
from layerlab.expect import expect_number, expect_shape
from layerlab.misconceptions import AnyOf

MODULE = "ex07_flatten"
SEED_CONV_OUTPUT = (1, 28, 28, 3)  # the seed's Conv2D output, which predict_output_shape is about
SEED_POOL = dict(pool_size=2, strides=2, padding="same")
# Rows a learner has seen: the worked example (2, 5, 5, 8) and the seed's (1, 28, 28, 3).
SEEN_ROWS = AnyOf(judge.reference(MODULE).flattened_length((2, 5, 5, 8)),
                  judge.reference(MODULE).flattened_length(SEED_CONV_OUTPUT))

_rng = np.random.default_rng(707)


def _random_shape() -> tuple:
    """A batch of 2-64, then 1 to 4 more axes of 1-32."""
    axes = int(_rng.integers(1, 5))
    return (int(_rng.integers(2, 65)),) + tuple(int(size) for size in _rng.integers(1, 33, axes))


RANDOM_SHAPES = [_random_shape() for _ in range(30)]
EDGE_SHAPES = [
    (None, 7, 7, 16),  # as a Keras model reports it: the batch size is not known yet
    (1, 1),  # one image, one number: already flat
    (64, 1, 1, 512),  # axes of size 1 still count
    (3, 784),  # already flat: the row is the one axis after the batch
    [16, 5, 5, 32],  # a list instead of a tuple
    (10000, 28, 28, 1),  # a large batch never enters the row
]


def _expect_length(submission, shape) -> None:
    what = f"flattened_length({shape!r})"
    expected = judge.reference(MODULE).flattened_length(shape)
    got = judge.plain(judge.call(submission, what, MODULE, "flattened_length", shape), what)
    batch = shape[0] if shape[0] is not None else 1
    expect_number(got, expected, what, alternatives={
        "flatten_includes_batch": batch * expected,
        "hardcoded_example": SEEN_ROWS,
    })


def check_build_flatten(submission):
    """The layer's config and output on a (5, 9, 11, 4) input: five images, five rows."""
    returned = judge.call(submission, "build_flatten()", MODULE, "build_flatten")
    judge.layer(returned, keras.layers.Flatten(), "build_flatten()", input_shape=(5, 9, 11, 4))


def check_predict_output_shape(submission):
    expected = judge.reference(MODULE).predict_output_shape()
    got = judge.plain(judge.call(submission, "predict_output_shape()", MODULE, "predict_output_shape"),
                      "predict_output_shape()")
    pooled = keras.layers.MaxPool2D(**SEED_POOL).compute_output_shape(SEED_CONV_OUTPUT)
    expect_shape(got, expected, "predict_output_shape()", alternatives={
        "missing_batch_axis": tuple(expected[1:]),
        "flatten_pooled_map": tuple(keras.layers.Flatten().compute_output_shape(pooled)),
    })


def check_flattened_length_on_seeded_shapes(submission):
    for shape in RANDOM_SHAPES:
        _expect_length(submission, shape)


def check_flattened_length_on_edge_cases(submission):
    for shape in EDGE_SHAPES:
        _expect_length(submission, shape)
