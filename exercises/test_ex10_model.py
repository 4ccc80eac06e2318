"""Visible tests for ex10_model.py: `pytest exercises/test_ex10_model.py`.

Each test builds a reference from the task's spec with Keras and compares the
learner's model with it layer by layer (class, settings, output shape,
parameters) and by running it. Expected shapes and counts come from Keras
(compute_output_shape, count_params); when the layers of a model diverge, the
message shows the shape trace of layerlab.trace with the first wrong row marked.
The traced models use other settings than the defaults the predict stubs ask about.
"""

import keras
import numpy as np
import pytest

from layerlab.compat import output_shape
from layerlab.expect import Incorrect, call, expect_layer, expect_number, expect_shape
from layerlab.messages import say
from layerlab.steps import expect_same_steps
from layerlab.trace import (
    expect_declared_input,
    expect_probabilities,
    layer_rows,
    leaf_layers,
    run_model,
    shape_trace,
)

IMAGE_INPUT = (28, 28, 1)  # keras.Input has no batch axis
ONE_IMAGE = (1, *IMAGE_INPUT)
NUM_CLASSES = 10
DEFAULTS = dict(filters=(8,), hidden_units=32)  # build_model()'s defaults, which the predict stubs ask about

def spec_extractor_layers(filters):
    return [
        layer
        for count in filters
        for layer in (
            keras.layers.Conv2D(count, 3, padding="same"),
            keras.layers.ReLU(),
            keras.layers.MaxPool2D(2, padding="same"),
        )
    ]


def spec_classifier_layers(hidden_units, num_classes=NUM_CLASSES):
    return [
        keras.layers.Flatten(),
        keras.layers.Dense(hidden_units, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]


def spec_model(filters, hidden_units, without=()):
    """The task's model as one flat Sequential; `without` leaves out layers of these classes."""
    layers = spec_extractor_layers(filters) + spec_classifier_layers(hidden_units)
    return keras.Sequential([keras.Input(IMAGE_INPUT)] + [layer for layer in layers if not isinstance(layer, without)])


def varied(layer, **changes):
    """A copy of a Keras layer with some settings changed (to compute a mistake's answer)."""
    return type(layer).from_config({**layer.get_config(), **changes})


def images(count):
    return np.random.default_rng(count).random((count, *IMAGE_INPUT), dtype=np.float32)


# ------------------------------------------------------------- build stubs


@pytest.mark.parametrize("filters", [(4,), (4, 16)])
def test_build_feature_extractor(exercise, filters):
    what = f"build_feature_extractor(filters={filters})"
    reference = keras.Sequential(spec_extractor_layers(filters))
    got = call(exercise, "build_feature_extractor", filters=filters)
    expect_layer(got, keras.Sequential, what, {})
    expect_same_steps(got, reference, what, trace=shape_trace(got, layer_rows(reference, ONE_IMAGE), ONE_IMAGE))
    output = run_model(what, got, images(3))
    expect_shape(tuple(output.shape), output_shape(reference, (3, *IMAGE_INPUT)),
                 say("describe.output_for_images", what=what, count=3))


def test_build_feature_extractor_defaults(exercise):
    got = call(exercise, "build_feature_extractor")
    expect_layer(got, keras.Sequential, "build_feature_extractor()", {})
    expect_same_steps(got, keras.Sequential(spec_extractor_layers(DEFAULTS["filters"])), "build_feature_extractor()")


@pytest.mark.parametrize("hidden_units, num_classes", [(16, 10), (64, 5)])
def test_build_classifier(exercise, hidden_units, num_classes):
    what = f"build_classifier(hidden_units={hidden_units}, num_classes={num_classes})"
    features = (1, 7, 7, 16)  # feature maps of some extractor, batch of one
    reference = keras.Sequential(spec_classifier_layers(hidden_units, num_classes))
    got = call(exercise, "build_classifier", hidden_units=hidden_units, num_classes=num_classes)
    expect_layer(got, keras.Sequential, what, {})
    expect_same_steps(got, reference, what, trace=shape_trace(got, layer_rows(reference, features), features))
    batch = np.random.default_rng(0).random((3, *features[1:]), dtype=np.float32)
    output = run_model(what, got, batch)
    expect_shape(tuple(output.shape), output_shape(reference, batch.shape),
                 say("describe.output_for_feature_maps", what=what, count=3))
    expect_probabilities(output, say("describe.row_sums", what=what))


def test_build_classifier_defaults(exercise):
    got = call(exercise, "build_classifier")
    expect_layer(got, keras.Sequential, "build_classifier()", {})
    expect_same_steps(got, keras.Sequential(spec_classifier_layers(DEFAULTS["hidden_units"])), "build_classifier()")


@pytest.mark.parametrize("settings", [dict(filters=(4, 8), hidden_units=16), dict(filters=(6,), hidden_units=20)])
def test_build_model(exercise, settings):
    what = f"build_model(filters={settings['filters']}, hidden_units={settings['hidden_units']})"
    reference = spec_model(**settings)
    got = call(exercise, "build_model", **settings)
    expect_layer(got, keras.Model, what, {})
    expect_same_steps(got, reference, what, trace=shape_trace(got, layer_rows(reference), ONE_IMAGE))
    output = run_model(what, got, images(3))
    expect_shape(tuple(output.shape), output_shape(reference, (3, *IMAGE_INPUT)),
                 say("describe.output_for_images", what=what, count=3))
    expect_probabilities(output, say("describe.row_sums", what=what))


def test_build_model_defaults(exercise):
    got = call(exercise, "build_model")
    expect_layer(got, keras.Model, "build_model()", {})
    expect_declared_input(got, IMAGE_INPUT, "build_model()")
    output = run_model("build_model()", got, images(3))
    expect_shape(tuple(output.shape), (3, NUM_CLASSES), say("describe.output_for_images", what="build_model()", count=3))
    expect_probabilities(output, say("describe.row_sums", what="build_model()"))
    expect_same_steps(got, spec_model(**DEFAULTS), "build_model()")


# ----------------------------------------------------------- predict stubs


def shape_alternatives(rows):
    """For each layer of the default model: the output shape each catalogued mistake gives."""
    layers = leaf_layers(spec_model(**DEFAULTS))
    alternatives, before_pooling = [], None
    for layer, (before, after) in zip(layers, zip(rows, rows[1:])):
        wrong = {"missing_batch_axis": after.shape[1:]}
        if isinstance(layer, keras.layers.Conv2D):
            wrong["valid_instead_of_same"] = tuple(varied(layer, padding="valid").compute_output_shape(before.shape))
            wrong["channels_not_filters"] = after.shape[:-1] + before.shape[-1:]
        if isinstance(layer, keras.layers.MaxPool2D):
            wrong["stride_ignored"] = tuple(varied(layer, strides=(1, 1)).compute_output_shape(before.shape))
            before_pooling = before.shape
        if isinstance(layer, keras.layers.Flatten):
            wrong["flatten_wrong_tensor"] = tuple(layer.compute_output_shape(before_pooling))
        alternatives.append(wrong)
    return alternatives


def test_predict_layer_output_shapes(exercise):
    rows = layer_rows(spec_model(**DEFAULTS))  # an Input row, then one row per layer
    expected = [row.shape for row in rows[1:]]
    what = "predict_layer_output_shapes()"
    got = call(exercise, "predict_layer_output_shapes")
    if type(got) not in (list, tuple):
        raise Incorrect(say("shapes.not_a_list", what=what, received=type(got).__name__))
    if len(got) != len(expected):
        raise Incorrect(say("shapes.count", what=what, expected=len(expected), received=len(got)))
    for index, (shape, wanted, wrong, row) in enumerate(zip(got, expected, shape_alternatives(rows), rows[1:])):
        expect_shape(shape, wanted, say("describe.layer_of", what=what, index=index, layer=row.layer), alternatives=wrong)


def test_predict_total_params(exercise):
    reference = spec_model(**DEFAULTS)
    kernels = sum(int(np.prod(layer.kernel.shape)) for layer in leaf_layers(reference) if hasattr(layer, "kernel"))
    got = call(exercise, "predict_total_params")
    expect_number(
        got,
        reference.count_params(),
        "predict_total_params()",
        alternatives={
            "forgot_bias": kernels,
            "flatten_wrong_tensor": spec_model(**DEFAULTS, without=(keras.layers.MaxPool2D,)).count_params(),
        },
    )
