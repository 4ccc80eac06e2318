"""Visible tests for ex09_batch.py: `pytest exercises/test_ex09_batch.py`.

Expected values come from Keras (compute_output_shape, the layer run on the
whole batch) and from `layerlab.data.prepare_images`, the kit's own image
preparation, so this file teaches the method without printing the answers.
"""

import keras
import numpy as np
import pytest

from layerlab.data import prepare_images
from layerlab.expect import call, expect_array, expect_shapes_by_key
from layerlab.messages import say

# The seed's pipeline and the docstring's worked example, step by step.
SEED_PIPELINE = (
    ("conv", keras.layers.Conv2D, dict(filters=3, kernel_size=3, padding="same")),
    ("pool", keras.layers.MaxPool2D, dict(pool_size=2, strides=2, padding="same")),
    ("flatten", keras.layers.Flatten, {}),
    ("dense", keras.layers.Dense, dict(units=10)),
)
EXAMPLE_PIPELINE = (
    ("conv", keras.layers.Conv2D, dict(filters=8, kernel_size=5, padding="valid")),
    ("pool", keras.layers.MaxPool2D, dict(pool_size=2)),
    ("flatten", keras.layers.Flatten, {}),
    ("dense", keras.layers.Dense, dict(units=32)),
)
EXAMPLE_IMAGES = 4
IMAGE = (28, 28)


def pipeline_shapes(pipeline, n):
    """{"input": ..., "conv": ..., ...}: Keras' own output shape after each step, for n images."""
    shape = (n, *IMAGE, 1)
    shapes = {"input": shape}
    for step, layer_class, config in pipeline:
        shape = tuple(layer_class(**config).compute_output_shape(shape))
        shapes[step] = shape
    return shapes


@pytest.mark.parametrize("count, given_as", [(5, "list"), (5, "array"), (1, "list")])
def test_make_batch(exercise, count, given_as):
    images = np.random.default_rng(count).integers(0, 256, (count, *IMAGE), dtype=np.uint8)
    given = list(images) if given_as == "list" else images.copy()
    described = say("describe.list_of" if given_as == "list" else "describe.array_of", count=count)
    expected = prepare_images(images)
    got = call(exercise, "make_batch", given)
    expect_array(
        got,
        expected,
        f"make_batch({described} (28, 28) uint8 images)",
        alternatives={
            "images_mixed": np.moveaxis(expected[..., 0], 0, -1)[np.newaxis],  # (1, 28, 28, N)
            "missing_batch_axis": np.moveaxis(expected[..., 0], 0, -1),  # (28, 28, N)
            "missing_channel_axis": expected[..., 0],  # (N, 28, 28)
            "channels_first": np.moveaxis(expected, -1, 1),  # (N, 1, 28, 28)
            "not_scaled": images.astype(np.float32)[..., np.newaxis],
        },
    )


@pytest.mark.parametrize("n", [5, 32, 1])
def test_predict_batch_shapes(exercise, n):
    expected = pipeline_shapes(SEED_PIPELINE, n)
    example = pipeline_shapes(EXAMPLE_PIPELINE, EXAMPLE_IMAGES)
    alternatives = {
        key: {"missing_batch_axis": shape[1:], "hardcoded_example": example[key]}
        for key, shape in expected.items()
    }
    row = expected["flatten"][1]
    alternatives["flatten"].update(flatten_includes_batch=(n * row,), images_mixed=(1, n * row))
    got = call(exercise, "predict_batch_shapes", n)
    expect_shapes_by_key(got, expected, f"predict_batch_shapes({n})", alternatives)


def seed_layer(step, input_shape):
    """One layer of the seed's pipeline, built for `input_shape`."""
    _, layer_class, config = next(entry for entry in SEED_PIPELINE if entry[0] == step)
    layer = layer_class(**config)
    layer.build(input_shape)
    return layer


def looped_without_batch_axis(layer, batch):
    """What a loop over batch[i] (no batch axis) gives, where Keras lets it run at all."""
    try:
        return np.concatenate([np.asarray(layer(image)) for image in batch])
    except Exception:  # most layers refuse an input without its batch axis
        return None


@pytest.mark.parametrize(
    "step, batch_shape",
    [
        ("conv", (5, 28, 28, 1)),
        ("pool", (5, 28, 28, 3)),
        ("flatten", (5, 14, 14, 3)),
        ("dense", (5, 588)),
    ],
)
def test_apply_one_by_one(exercise, step, batch_shape):
    batch = np.random.default_rng(1).random(batch_shape, dtype=np.float32)
    layer = seed_layer(step, batch_shape)
    expected = np.asarray(layer(batch))  # the whole batch at once: what one-by-one must equal
    one_output = [np.asarray(layer(batch[i : i + 1])) for i in range(len(batch))]
    got = call(exercise, "apply_one_by_one", layer, batch)
    expect_array(
        got,
        expected,
        f"apply_one_by_one({step} layer, batch {batch_shape})",
        atol=1e-5,
        alternatives={
            "images_mixed": np.concatenate(one_output, axis=1),  # images side by side, one row
            "missing_batch_axis": looped_without_batch_axis(layer, batch),
        },
    )
