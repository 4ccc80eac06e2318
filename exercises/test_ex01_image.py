"""Visible tests for ex01_image.py: `pytest exercises/test_ex01_image.py`.

Expected values come from MNIST itself (layerlab.data) and from the short
numpy reference `reference_input` below, never from written-out answers.
"""

import numpy as np
import pytest

from layerlab.data import load_mnist
from layerlab.expect import call, expect_array, expect_shape


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def reference_input(image, scale=True):
    """Readable oracle: one (h, w) image as a (1, h, w, 1) float32 batch, in [0, 1] when scaled."""
    batch = image[np.newaxis, :, :, np.newaxis].astype(np.float32)
    return batch / np.float32(255) if scale else batch


def input_mistakes(image, scale):
    """What to_model_input gives under each catalogued mistake."""
    expected = reference_input(image, scale)
    return {
        "not_scaled": reference_input(image, scale=False),
        "scaled_twice": reference_input(image) / np.float32(255),
        "integer_division": reference_input(image // 255, scale=False),  # image // 255: only 0 and 1 left
        "missing_batch_axis": expected[0],
        "missing_channel_axis": expected[..., 0],
        "channels_first": np.moveaxis(expected, -1, 1),
    }


@pytest.mark.parametrize("index", [0, 7, 4321])
def test_load_one_image(exercise, mnist, index):
    got = call(exercise, "load_one_image", index)
    expect_array(got, mnist.x_train[index], f"load_one_image({index})", show_expected_shape=True)


def test_load_one_image_default_index(exercise, mnist):
    got = call(exercise, "load_one_image")
    expect_array(got, mnist.x_train[0], "load_one_image()", show_expected_shape=True)


@pytest.mark.parametrize("scale", [True, False])
def test_to_model_input(exercise, mnist, scale):
    image = mnist.x_train[7]
    got = call(exercise, "to_model_input", image.copy(), scale=scale)
    expect_array(got, reference_input(image, scale), f"to_model_input(image, scale={scale})",
                 alternatives=input_mistakes(image, scale))


def test_to_model_input_scales_by_default(exercise, mnist):
    image = mnist.x_train[1]
    got = call(exercise, "to_model_input", image.copy())
    expect_array(got, reference_input(image), "to_model_input(image)",
                 alternatives=input_mistakes(image, scale=True))


def test_predict_input_shape(exercise, mnist):
    expected = reference_input(mnist.x_train[0]).shape
    got = call(exercise, "predict_input_shape")
    expect_shape(
        got,
        expected,
        "predict_input_shape()",
        alternatives={
            "missing_batch_axis": expected[1:],
            "missing_channel_axis": expected[:3],
            "channels_first": (expected[0], expected[3], expected[1], expected[2]),
        },
    )
