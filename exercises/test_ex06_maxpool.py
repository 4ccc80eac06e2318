"""Visible tests for ex06_maxpool.py: `pytest exercises/test_ex06_maxpool.py`.

Expected values come from Keras itself (MaxPooling2D's output and
compute_output_shape), and so do the answers of the catalogued mistakes.
"""

import keras
import numpy as np
import pytest

from layerlab.expect import call, expect_array, expect_layer, expect_number, expect_shape
from layerlab.messages import say
from layerlab.misconceptions import AnyOf

SEED_SPEC = dict(pool_size=2, strides=2, padding="same")
SEED_INPUT = (1, 28, 28, 3)  # the seed's Conv2D output: one image, three filters
# The worked example of the exercise, for one axis.
WORKED_EXAMPLE = dict(input_length=10, pool_size=3, stride=2, padding="valid")

LENGTH_CASES = [
    dict(input_length=28, pool_size=2, stride=2, padding="same"),  # the seed's layer
    dict(input_length=27, pool_size=2, stride=2, padding="same"),
    dict(input_length=27, pool_size=2, stride=2, padding="valid"),
    dict(input_length=28, pool_size=3, stride=None, padding="valid"),
    dict(input_length=10, pool_size=3, stride=1, padding="valid"),
    dict(input_length=13, pool_size=3, stride=2, padding="same"),
    dict(input_length=31, pool_size=4, stride=2, padding="same"),
    dict(input_length=14, pool_size=3, stride=2, padding="valid"),
    dict(input_length=9, pool_size=2, stride=None, padding="SAME"),
    dict(input_length=7, pool_size=3, stride=1, padding="Same"),  # any case: 7 here, 5 if read as 'valid' 
]


def keras_pool(**overrides):
    """Keras' own MaxPooling2D for the seed's spec, with some settings changed."""
    return keras.layers.MaxPooling2D(**{**SEED_SPEC, **overrides})


def average_pool(values):
    """What AveragePooling2D with the seed's spec gives: the mistake of averaging each window."""
    return np.asarray(keras.layers.AveragePooling2D(**SEED_SPEC)(values))


def feature_map(shape=SEED_INPUT):
    """Seeded float32 values shaped like a Conv2D output."""
    return np.random.default_rng(6).normal(size=shape).astype(np.float32)


def keras_length(input_length, pool_size, stride=None, padding="valid"):
    """Keras' answer to pool_output_length: the output height for a square input."""
    layer = keras.layers.MaxPooling2D(pool_size, strides=stride, padding=padding.lower())
    return layer.compute_output_shape((1, input_length, input_length, 1))[1]


@pytest.mark.parametrize(
    "spec",
    [
        SEED_SPEC,
        dict(pool_size=3, strides=1, padding="valid"),
        dict(pool_size=(2, 3), strides=(2, 1), padding="same"),
        dict(pool_size=2, strides=2, padding="SAME"),  # as the seed writes it
    ],
)
def test_build_maxpool(exercise, spec):
    layer = call(exercise, "build_maxpool", **spec)
    # Keras 3 keeps 'SAME' as written, but only lower case works inside a model.
    wanted = keras.layers.MaxPooling2D(**{**spec, "padding": spec["padding"].lower()}).get_config()
    expect_layer(layer, keras.layers.MaxPooling2D, "build_maxpool(...)",
                 {key: wanted[key] for key in ("pool_size", "strides", "padding")})


def test_build_maxpool_defaults_are_the_seed(exercise):
    wanted = keras_pool().get_config()
    expect_layer(call(exercise, "build_maxpool"), keras.layers.MaxPooling2D, "build_maxpool()",
                 {key: wanted[key] for key in ("pool_size", "strides", "padding")})


@pytest.mark.parametrize("shape", [SEED_INPUT, (2, 27, 27, 4)])
def test_apply_maxpool(exercise, shape):
    values = feature_map(shape)
    layer = keras_pool()
    expected = np.asarray(layer(values))
    got = call(exercise, "apply_maxpool", layer, values)
    expect_array(
        got,
        expected,
        f"apply_maxpool(layer, {say('describe.values_of_shape', shape=shape)})",
        alternatives={
            "average_pooling": average_pool(values),
            "missing_batch_axis": expected[0],
        },
    )


def test_build_and_apply(exercise):
    """Your own layer on an odd-sized feature map, where 'same' and 'valid' differ."""
    values = feature_map((1, 27, 27, 3))
    layer = call(exercise, "build_maxpool", **SEED_SPEC)
    got = call(exercise, "apply_maxpool", layer, values)
    expect_array(
        got,
        np.asarray(keras_pool()(values)),
        f"apply_maxpool(build_maxpool(), {say('describe.values_of_shape', shape=values.shape)})",
        alternatives={
            "average_pooling": average_pool(values),
            "valid_instead_of_same": np.asarray(keras_pool(padding="valid")(values)),
        },
    )


def test_maxpool_works_in_a_model(exercise):
    """The seed writes padding='SAME'; a Keras 3 model built on keras.Input only accepts lower case."""
    layer = call(exercise, "build_maxpool", pool_size=2, strides=2, padding="SAME")
    inputs = keras.Input(shape=SEED_INPUT[1:])
    # Calling the layer on a keras.Input is how a model is built; a Keras error
    # here is turned into words by `call`.
    outputs = call(exercise, "apply_maxpool", layer, inputs)
    what = "apply_maxpool(build_maxpool(padding='SAME'), keras.Input(shape=(28, 28, 3)))"
    expected_shape = keras_pool().compute_output_shape(inputs.shape)
    expect_shape(getattr(outputs, "shape", None), expected_shape, f"{what}.shape")
    model = keras.Model(inputs, outputs)
    values = feature_map()
    expect_array(model(values), np.asarray(keras_pool()(values)), say("describe.on_values", what=f"keras.Model(keras.Input, {what})"),
                 alternatives={"average_pooling": average_pool(values)})


def test_predict_output_shape(exercise):
    expected = keras_pool().compute_output_shape(SEED_INPUT)
    batch, height, width, channels = expected
    got = call(exercise, "predict_output_shape")
    expect_shape(
        got,
        expected,
        "predict_output_shape()",
        alternatives={
            "missing_batch_axis": expected[1:],
            "same_rounded_down": keras_pool(pool_size=SEED_SPEC["strides"], padding="valid").compute_output_shape(
                SEED_INPUT),
            "valid_instead_of_same": keras_pool(padding="valid").compute_output_shape(SEED_INPUT),
            "stride_ignored": keras_pool(strides=1).compute_output_shape(SEED_INPUT),
            "channels_first": (batch, channels, height, width),
            "rounding": AnyOf(*((batch, height + step, width + step, channels) for step in (-1, 1))),
        },
    )


@pytest.mark.parametrize("case", LENGTH_CASES)
def test_pool_output_length(exercise, case):
    expected = keras_length(**case)
    got = call(exercise, "pool_output_length", **case)
    expect_number(
        got,
        expected,
        f"pool_output_length(**{case})",
        alternatives={
            # 'same' rounded down is 'valid' with a window as long as the stride
            "same_rounded_down": keras_length(**{**case, "pool_size": case["stride"] or case["pool_size"],
                                                 "padding": "valid"}) if case["padding"].lower() == "same" else None,
            "valid_instead_of_same": keras_length(**{**case, "padding": "valid"}),
            "same_instead_of_valid": keras_length(**{**case, "padding": "same"}),
            "stride_ignored": keras_length(**{**case, "stride": 1}),
            "hardcoded_example": AnyOf(keras_length(**LENGTH_CASES[0]), keras_length(**WORKED_EXAMPLE)),
            "rounding": AnyOf(expected - 1, expected + 1),
        },
    )


def test_pool_output_length_defaults_are_keras_defaults(exercise):
    """Left out, stride is the pool size and padding 'valid', as in keras.layers.MaxPooling2D(pool_size)."""
    expected = keras.layers.MaxPooling2D(3).compute_output_shape((1, 28, 28, 1))[1]
    expect_number(call(exercise, "pool_output_length", 28, 3), expected, "pool_output_length(28, 3)",
                  alternatives={"stride_ignored": keras_length(28, 3, stride=1)})
