"""Visible tests for ex03_conv_arithmetic.py: `pytest exercises/test_ex03_conv_arithmetic.py`.

Each table row is one configuration, every setting named. The expected answer
of a row is what Keras computes for that configuration (compute_output_shape,
count_params), and so is the answer each catalogued mistake would give.
"""

import keras
import pytest

from layerlab.expect import call, expect_number, expect_shape
from layerlab.misconceptions import AnyOf

# The seed's layer on one MNIST image, and the worked example of the exercise:
# a function that only knows one of them gives its answer everywhere.
SEED = dict(input_shape=(1, 28, 28, 1), filters=3, kernel_size=3, strides=1, padding="same")
WORKED_EXAMPLE = dict(input_shape=(None, 32, 32, 3), filters=16, kernel_size=5, strides=2, padding="valid")

LENGTH_CASES = [
    dict(input_length=28, kernel_size=3, stride=1, padding="same"),  # the seed's layer
    dict(input_length=28, kernel_size=3, stride=1, padding="valid"),
    dict(input_length=28, kernel_size=3, stride=2, padding="valid"),
    dict(input_length=28, kernel_size=3, stride=2, padding="same"),
    dict(input_length=27, kernel_size=5, stride=2, padding="same"),
    dict(input_length=27, kernel_size=4, stride=2, padding="valid"),
    dict(input_length=10, kernel_size=5, stride=3, padding="valid"),
    dict(input_length=7, kernel_size=7, stride=1, padding="valid"),
    dict(input_length=100, kernel_size=1, stride=4, padding="same"),
    dict(input_length=31, kernel_size=3, stride=4, padding="SAME"),
    dict(input_length=28, kernel_size=5, stride=1, padding="SAME"),  # 28 here, 24 if 'SAME' were read as 'valid'
    dict(input_length=20, kernel_size=3, stride=1, padding="Same"),  # any case: 20, not 18
    dict(input_length=10, kernel_size=4, stride=1, padding="same"),  # an even kernel: (k - 1) // 2 padding gives 9
    dict(input_length=15, kernel_size=6, stride=2, padding="same"),  # even again, with a stride
]

SHAPE_CASES = [
    dict(input_shape=(1, 28, 28, 1), filters=3, kernel_size=3, strides=1, padding="same"),  # the seed's layer
    dict(input_shape=(None, 28, 28, 1), filters=8, kernel_size=3, strides=2, padding="valid"),
    dict(input_shape=(4, 27, 27, 3), filters=16, kernel_size=(3, 5), strides=2, padding="same"),
    dict(input_shape=(None, 64, 48, 3), filters=32, kernel_size=(5, 3), strides=(2, 1), padding="valid"),
    dict(input_shape=(2, 15, 15, 8), filters=4, kernel_size=1, strides=(3, 3), padding="SAME"),
    dict(input_shape=(1, 12, 9, 1), filters=2, kernel_size=(4, 2), strides=1, padding="Same"),  # even kernels, any case
]

PARAM_CASES = [
    dict(kernel_size=3, in_channels=1, filters=3, use_bias=True),  # the seed's layer
    dict(kernel_size=3, in_channels=3, filters=8, use_bias=True),
    dict(kernel_size=5, in_channels=8, filters=16, use_bias=False),
    dict(kernel_size=(3, 1), in_channels=4, filters=6, use_bias=True),
    dict(kernel_size=1, in_channels=32, filters=10, use_bias=True),
    dict(kernel_size=(2, 4), in_channels=2, filters=5, use_bias=False),
]


def keras_shape(input_shape, filters, kernel_size, **settings):
    """Keras' answer to conv2d_output_shape (settings: strides, padding)."""
    layer = keras.layers.Conv2D(filters, kernel_size, **settings)
    return tuple(layer.compute_output_shape(input_shape))


def keras_length(input_length, kernel_size, **settings):
    """Keras' answer to conv_output_length: the output height for a square input."""
    if "stride" in settings:
        settings["strides"] = settings.pop("stride")
    return keras_shape((1, input_length, input_length, 1), 1, kernel_size, **settings)[1]


def keras_params(kernel_size, in_channels, filters, **settings):
    """Keras' answer to conv2d_param_count (settings: use_bias)."""
    layer = keras.layers.Conv2D(filters, kernel_size, **settings)
    layer.build((None, None, None, in_channels))
    return layer.count_params()


def keras_layer_params(input_shape, filters, kernel_size, **settings):
    """keras_params for a layer written like SEED: the input channels are input_shape's last axis."""
    return keras_params(kernel_size, input_shape[-1], filters)


def rounded_down(settings, kernel_key="kernel_size", stride_key="stride"):
    """The settings that give 'same' rounded down: 'valid' with a window as long as the stride (None if not 'same')."""
    if str(settings["padding"]).lower() != "same":
        return None
    return {**settings, kernel_key: settings[stride_key], "padding": "valid"}


def known_examples(answer):
    """The answers for the seed's layer and for the worked example."""
    return AnyOf(answer(**SEED), answer(**WORKED_EXAMPLE))


@pytest.mark.parametrize("case", LENGTH_CASES)
def test_conv_output_length(exercise, case):
    expected = keras_length(**case)
    got = call(exercise, "conv_output_length", **case)
    expect_number(
        got,
        expected,
        f"conv_output_length(**{case})",
        alternatives={
            "same_rounded_down": rounded_down(case) and keras_length(**rounded_down(case)),
            "valid_instead_of_same": keras_length(**{**case, "padding": "valid"}),
            "same_instead_of_valid": keras_length(**{**case, "padding": "same"}),
            "stride_ignored": keras_length(**{**case, "stride": 1}),
            "hardcoded_example": known_examples(lambda **layer: keras_shape(**layer)[1]),
            "rounding": AnyOf(expected - 1, expected + 1),
        },
    )


@pytest.mark.parametrize("case", SHAPE_CASES)
def test_conv2d_output_shape(exercise, case):
    expected = keras_shape(**case)
    batch, height, width, filters = expected
    got = call(exercise, "conv2d_output_shape", **case)
    expect_shape(
        got,
        expected,
        f"conv2d_output_shape(**{case})",
        alternatives={
            "missing_batch_axis": expected[1:],
            "batch_fixed_at_one": (1, height, width, filters),
            "same_rounded_down": rounded_down(case, stride_key="strides") and keras_shape(
                **rounded_down(case, stride_key="strides")),
            "channels_not_filters": (batch, height, width, case["input_shape"][3]),
            "valid_instead_of_same": keras_shape(**{**case, "padding": "valid"}),
            "same_instead_of_valid": keras_shape(**{**case, "padding": "same"}),
            "stride_ignored": keras_shape(**{**case, "strides": 1}),
            "hardcoded_example": known_examples(keras_shape),
            "rounding": AnyOf(*(
                (batch, height + dh, width + dw, filters)
                for dh in (-1, 0, 1) for dw in (-1, 0, 1) if (dh, dw) != (0, 0)
            )),
        },
    )


@pytest.mark.parametrize("case", PARAM_CASES)
def test_conv2d_param_count(exercise, case):
    expected = keras_params(**case)
    got = call(exercise, "conv2d_param_count", **case)
    expect_number(
        got,
        expected,
        f"conv2d_param_count(**{case})",
        alternatives={
            "forgot_bias": keras_params(**{**case, "use_bias": False}),
            "bias_when_none": keras_params(**{**case, "use_bias": True}),
            "forgot_input_channels": keras_params(**{**case, "in_channels": 1}),
            "hardcoded_example": known_examples(keras_layer_params),
        },
    )


def test_defaults_are_keras_defaults(exercise):
    """Left out: stride 1, padding 'valid', use_bias True, as in keras.layers.Conv2D(filters, kernel_size)."""
    got = call(exercise, "conv_output_length", 27, 4)
    expect_number(got, keras_length(27, 4), "conv_output_length(27, 4)")
    got = call(exercise, "conv2d_output_shape", (None, 27, 27, 2), 5, 4)
    expect_shape(got, keras_shape((None, 27, 27, 2), 5, 4), "conv2d_output_shape((None, 27, 27, 2), 5, 4)")
    got = call(exercise, "conv2d_param_count", 4, 2, 5)
    expect_number(got, keras_params(4, 2, 5), "conv2d_param_count(4, 2, 5)",
                  alternatives={"forgot_bias": keras_params(4, 2, 5, use_bias=False)})
