"""Hidden checks for ex10_model: extractors, classifiers and whole models built from seeded
settings and with the defaults, rebuilt here and compared with the reference's model built from
the same arguments, and the two predictions about the default model.

A model is compared step by step (a step is a layer or an activation, see _support_models),
then by its output shape for a batch, its parameter count, its outputs under the reference's
weights and, for a classifier, rows that add up to 1. Where a model built from non-default
settings diverges, the message shows layerlab.trace's table of shapes; with the defaults it
does not, because those shapes and counts are what the predict stubs ask for.
"""

from functools import partial

import keras
import numpy as np

from _support_models import copy_weights, expect_shape_list, parameter_count, rebuilt_model, run, trace_table
from grader import judge
from layerlab.data import prepare_images
from layerlab.steps import expect_same_steps
from layerlab.expect import expect_array, expect_number, expect_shape
from layerlab.trace import expect_declared_input, expect_probabilities, layer_rows, leaf_layers
from _draws import integer

MODULE = "ex10_model"
IMAGE_INPUT = (28, 28, 1)  # keras.Input has no batch axis
ONE_IMAGE = (1, *IMAGE_INPUT)
IMAGE_BATCH = (None, *IMAGE_INPUT)  # what the models here are fed, to size them before they are built
DEFAULT_FEATURES = (None, 14, 14, 8)  # what the default classifier is fed: the default extractor's output

_rng = np.random.default_rng(1010)
_int = partial(integer, _rng)  # _int(low, high): both ends included


def _filters(blocks: int) -> tuple:
    """`blocks` blocks of 1-16 filters each."""
    return tuple(_int(1, 16) for _ in range(blocks))


EXTRACTOR_FILTERS = [_filters(blocks) for blocks in (2, 1, 3, 1)]
CLASSIFIER_CASES = [dict(hidden_units=_int(4, 64), num_classes=_int(2, 12),
                         features=(_int(1, 9), _int(1, 9), _int(1, 16)))  # feature maps of one image, no batch axis
                    for _ in range(4)]
MODEL_CASES = [dict(filters=_filters(blocks), hidden_units=_int(4, 48)) for blocks in (2, 1, 3)]


def _mnist_batch(mnist, count=5):
    return prepare_images(mnist.x_train[1600 : 1600 + count])  # (count, 28, 28, 1) float32


def _expect_model(got, reference, what, inputs, *, trace_input=None, probabilities=False):
    """Steps, output shape, parameters, outputs under the reference's weights (and softmax rows)."""
    trace = trace_table(got, reference, trace_input) if trace_input else ""
    expect_same_steps(got, reference, what, trace)
    expected = np.asarray(reference(inputs))
    output = run(what, got, inputs)
    expect_shape(tuple(output.shape), tuple(expected.shape), f"{what}: the output for {len(inputs)} inputs")
    expect_number(parameter_count(got), parameter_count(reference), f"{what}: the number of parameters")
    if probabilities:
        expect_probabilities(output, f"{what}: the sum of each output row")
    copy_weights(reference, got)
    expect_array(run(what, got, inputs), expected, f"{what}: its output under the reference's weights",
                 rtol=1e-4, atol=1e-5)


def check_build_feature_extractor(submission, mnist):
    """Four seeded `filters` tuples; the shape trace is shown where a model diverges."""
    for number, filters in enumerate(EXTRACTOR_FILTERS):
        what = f"build_feature_extractor(filters={filters})"
        args, kwargs = ((filters,), {}) if number % 2 else ((), dict(filters=filters))
        got = rebuilt_model(judge.call(submission, what, MODULE, "build_feature_extractor", *args, **kwargs), what,
                            IMAGE_BATCH)
        reference = judge.reference_model(MODULE, "build_feature_extractor", filters, input_shape=IMAGE_BATCH)
        _expect_model(got, reference, what, _mnist_batch(mnist), trace_input=ONE_IMAGE)


def check_build_feature_extractor_defaults(submission, mnist):
    what = "build_feature_extractor()"
    got = rebuilt_model(judge.call(submission, what, MODULE, "build_feature_extractor"), what, IMAGE_BATCH)
    reference = judge.reference_model(MODULE, "build_feature_extractor", input_shape=IMAGE_BATCH)
    _expect_model(got, reference, what, _mnist_batch(mnist))


def check_build_classifier(submission):
    """Four seeded (hidden_units, num_classes) on seeded feature maps; softmax rows."""
    for number, case in enumerate(CLASSIFIER_CASES):
        what = f"build_classifier(hidden_units={case['hidden_units']}, num_classes={case['num_classes']})"
        returned = judge.call(submission, what, MODULE, "build_classifier", case["hidden_units"],
                              num_classes=case["num_classes"])
        got = rebuilt_model(returned, what, (None, *case["features"]))
        reference = judge.reference_model(MODULE, "build_classifier", case["hidden_units"], case["num_classes"],
                                         input_shape=(None, *case["features"]))
        features = np.random.default_rng(number).random((3, *case["features"]), dtype=np.float32)
        _expect_model(got, reference, what, features, trace_input=(1, *case["features"]), probabilities=True)


def check_build_classifier_defaults(submission):
    what = "build_classifier()"
    got = rebuilt_model(judge.call(submission, what, MODULE, "build_classifier"), what, DEFAULT_FEATURES)
    features = np.random.default_rng(10).random((4, *DEFAULT_FEATURES[1:]), dtype=np.float32)
    reference = judge.reference_model(MODULE, "build_classifier", input_shape=DEFAULT_FEATURES)
    _expect_model(got, reference, what, features, probabilities=True)


def check_build_model(submission, mnist):
    """Three seeded settings on MNIST images: keras.Input((28, 28, 1)), steps, shapes, softmax rows."""
    for number, case in enumerate(MODEL_CASES):
        what = f"build_model(filters={case['filters']}, hidden_units={case['hidden_units']})"
        args, kwargs = ((case["filters"], case["hidden_units"]), {}) if number % 2 else ((), case)
        got = rebuilt_model(judge.call(submission, what, MODULE, "build_model", *args, **kwargs), what, IMAGE_BATCH)
        expect_declared_input(got, IMAGE_INPUT, what)
        reference = judge.reference_model(MODULE, "build_model", **case, input_shape=IMAGE_BATCH)
        _expect_model(got, reference, what, _mnist_batch(mnist, 7), trace_input=ONE_IMAGE, probabilities=True)


def check_build_model_defaults(submission, mnist):
    what = "build_model()"
    got = rebuilt_model(judge.call(submission, what, MODULE, "build_model"), what, IMAGE_BATCH)
    expect_declared_input(got, IMAGE_INPUT, what)
    reference = judge.reference_model(MODULE, "build_model", input_shape=IMAGE_BATCH)
    _expect_model(got, reference, what, _mnist_batch(mnist, 6), probabilities=True)


def _varied(layer, **changes):
    """A copy of a Keras layer with some settings changed (to compute a mistake's answer)."""
    return type(layer).from_config({**layer.get_config(), **changes})


def _shape_alternatives(layers, rows):
    """For each layer of the default model: the output shape each catalogued mistake gives."""
    alternatives, before_pooling = [], None
    for layer, (before, after) in zip(layers, zip(rows, rows[1:])):
        wrong = {"missing_batch_axis": after.shape[1:]}
        if len(after.shape) == 4:
            wrong["channels_first"] = (after.shape[0], after.shape[3], after.shape[1], after.shape[2])
        if isinstance(layer, keras.layers.Conv2D):
            wrong["valid_instead_of_same"] = tuple(_varied(layer, padding="valid").compute_output_shape(before.shape))
            wrong["channels_not_filters"] = after.shape[:-1] + before.shape[-1:]
        if isinstance(layer, keras.layers.MaxPooling2D):
            wrong["stride_ignored"] = tuple(_varied(layer, strides=(1, 1)).compute_output_shape(before.shape))
            before_pooling = before.shape
        if isinstance(layer, keras.layers.Flatten) and before_pooling:
            wrong["flatten_wrong_tensor"] = tuple(layer.compute_output_shape(before_pooling))
        alternatives.append(wrong)
    return alternatives


def check_predict_layer_output_shapes(submission):
    reference = judge.reference(MODULE)
    model = judge.reference_model(MODULE, "build_model", input_shape=IMAGE_BATCH)
    rows = layer_rows(model)[1:]  # one row per computing layer, the Input row left out
    expected = reference.predict_layer_output_shapes()
    what = "predict_layer_output_shapes()"
    got = judge.plain(judge.call(submission, what, MODULE, "predict_layer_output_shapes"), what)
    expect_shape_list(got, expected, what, rows, _shape_alternatives(leaf_layers(model), layer_rows(model)))


def check_predict_total_params(submission):
    reference = judge.reference(MODULE)
    layers = leaf_layers(judge.reference_model(MODULE, "build_model", input_shape=IMAGE_BATCH))
    kernels = sum(int(np.prod(layer.kernel.shape)) for layer in layers if hasattr(layer, "kernel"))
    unpooled = keras.Sequential([keras.Input(IMAGE_INPUT)] + [type(layer).from_config(layer.get_config())
                                                             for layer in layers
                                                             if not isinstance(layer, keras.layers.MaxPooling2D)])
    what = "predict_total_params()"
    got = judge.plain(judge.call(submission, what, MODULE, "predict_total_params"), what)
    expect_number(got, reference.predict_total_params(), what, alternatives={
        "forgot_bias": kernels,
        "flatten_wrong_tensor": unpooled.count_params(),
    })
