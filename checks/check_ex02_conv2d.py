"""Hidden checks for ex02_conv2d: layers built from unseen specs, applied, and the seed's predictions."""

import keras
import numpy as np
import pytest

from grader import judge
from layerlab.expect import expect_number, expect_shape

MODULE = "ex02_conv2d"
SEED_INPUT = (1, 28, 28, 1)


def _random_specs(count, seed=202):
    """Specs the visible tests never use: kernels 1-7, strides 1-4, both paddings, activations."""
    rng = np.random.default_rng(seed)
    return [
        dict(filters=int(rng.integers(1, 17)), kernel_size=int(rng.integers(1, 8)),
             strides=int(rng.integers(1, 5)), padding=str(rng.choice(["same", "valid"])),
             activation=[None, "relu", "sigmoid", "tanh"][int(rng.integers(0, 4))])
        for _ in range(count)
    ]


@pytest.mark.parametrize("spec", _random_specs(6), ids=lambda spec: "-".join(map(str, spec.values())))
def check_build_conv2d(submission, spec):
    returned = submission.call(MODULE, "build_conv2d", **spec)
    judge.layer(returned, judge.reference(MODULE).build_conv2d(**spec), "build_conv2d(...)", input_shape=(2, 19, 23, 2))


def check_apply_conv2d_on_other_images(submission, mnist):
    images = (mnist.x_train[1007:1010, ..., None] / 255.0).astype(np.float32)  # three unseen MNIST images, (3, 28, 28, 1)
    layer = keras.layers.Conv2D(4, 5, strides=2, padding="valid")
    layer.build(images.shape)
    expected = judge.reference(MODULE).apply_conv2d(layer, images)
    returned = submission.call(MODULE, "apply_conv2d", layer, images)
    judge.array(returned, np.asarray(expected), "apply_conv2d(layer, images)", rtol=1e-4, atol=1e-5)


def _seed_layer(**overrides):
    layer = keras.layers.Conv2D(**{**dict(filters=3, kernel_size=3, strides=1, padding="same"), **overrides})
    layer.build(SEED_INPUT)
    return layer


def check_predict_output_shape(submission):
    expected = judge.reference(MODULE).predict_output_shape()
    got = judge.plain(submission.call(MODULE, "predict_output_shape"), "predict_output_shape()")
    expect_shape(got, expected, "predict_output_shape()", alternatives={
        "valid_instead_of_same": _seed_layer(padding="valid").compute_output_shape(SEED_INPUT),
        "missing_batch_axis": tuple(expected[1:]),
        "channels_first": (expected[0], expected[3], expected[1], expected[2]),
        "channels_not_filters": tuple(expected[:3]) + (1,)})


def check_predict_kernel_and_bias_shape(submission):
    reference = judge.reference(MODULE)
    kernel = reference.predict_kernel_shape()
    got = judge.plain(submission.call(MODULE, "predict_kernel_shape"), "predict_kernel_shape()")
    expect_shape(got, kernel, "predict_kernel_shape()",
                 alternatives={"forgot_input_channels": (kernel[0], kernel[1], kernel[3]),
                               "channels_first": (kernel[3], kernel[2], kernel[0], kernel[1])})
    got = judge.plain(submission.call(MODULE, "predict_bias_shape"), "predict_bias_shape()")
    expect_shape(got, reference.predict_bias_shape(), "predict_bias_shape()")


def check_predict_param_count(submission):
    expected = judge.reference(MODULE).predict_param_count()
    got = judge.plain(submission.call(MODULE, "predict_param_count"), "predict_param_count()")
    expect_number(got, expected, "predict_param_count()",
                  alternatives={"forgot_bias": expected - _seed_layer().bias.shape[0]})
