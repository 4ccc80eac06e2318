"""Hidden checks for ex08_dense: layers from unseen specs, applied (with a non-zero bias) to
flattened MNIST images and to seeded batches, the seed's predictions, and dense_param_count
on 30 seeded configurations and in every calling style.

Expected answers come from the reference solution; messages name the learner's input only.
"""

from functools import partial

import keras
import numpy as np

from grader import judge
from layerlab.data import prepare_images
from layerlab.expect import expect_number, expect_shape
from layerlab.misconceptions import AnyOf
from _draws import integer

MODULE = "ex08_dense"
ACTIVATIONS = (None, "relu", "softmax", "sigmoid", "tanh")
SEED_FLAT, SEED_UNITS = (1, 2352), 32

_rng = np.random.default_rng(808)
_int = partial(integer, _rng)  # _int(low, high): both ends included


BUILD_SPECS = [dict(units=_int(1, 128), activation=ACTIVATIONS[number % len(ACTIVATIONS)]) for number in range(8)]
APPLY_CASES = [dict(batch=_int(1, 16), features=_int(1, 300), units=_int(1, 64), activation=ACTIVATIONS[_int(0, 4)])
               for _ in range(8)]
COUNT_CASES = [dict(in_features=_int(1, 5000), units=_int(1, 512), use_bias=bool(_rng.random() < 0.5))
               for _ in range(30)]
# (args, kwargs) of dense_param_count: the default use_bias, and use_bias given by position.
CALL_STYLES = [((1, 1), {}), ((784, 10), {}), ((3, 7, False), {}), ((4096, 1, True), {}), ((2, 9), dict(use_bias=True))]


def _known_counts():
    """dense_param_count's answers for the docstring's example and the seed: what hard-coding gives."""
    reference = judge.reference(MODULE)
    return AnyOf(*(reference.dense_param_count(features, units, use_bias)
                   for features, units in ((100, 16), (SEED_FLAT[1], SEED_UNITS)) for use_bias in (True, False)))


def _dense(features, units, activation=None, seed=0):
    """A built Dense layer with random weights and a non-zero bias, so a forgotten bias shows."""
    layer = keras.layers.Dense(units, activation=activation)
    layer.build((None, features))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0, 0.2, (features, units)).astype(np.float32),
                       rng.normal(0, 0.5, (units,)).astype(np.float32)])
    return layer


def _expect_apply(submission, layer, features, what):
    expected = np.asarray(judge.reference(MODULE).apply_dense(layer, features))
    without_bias = np.asarray(layer.activation(features @ layer.get_weights()[0]))
    returned = judge.call(submission, what, MODULE, "apply_dense", layer, features)
    judge.array(returned, expected, what, rtol=1e-4, atol=1e-5, alternatives={
        "forgot_bias": without_bias.astype(np.float32),
        "batch_fixed_at_one": expected[:1],
    })


def _expect_count(submission, args, kwargs):
    shown = ", ".join([repr(value) for value in args] + [f"{key}={value!r}" for key, value in kwargs.items()])
    what = f"dense_param_count({shown})"
    reference = judge.reference(MODULE)
    expected = reference.dense_param_count(*args, **kwargs)
    in_features, units = args[0], args[1]
    got = judge.plain(judge.call(submission, what, MODULE, "dense_param_count", *args, **kwargs), what)
    expect_number(got, expected, what, alternatives={
        "forgot_bias": in_features * units,
        "bias_when_none": in_features * units + units,
        "hardcoded_example": _known_counts(),
    })


def check_build_dense(submission):
    """Config and outputs of 8 layers from unseen specs (some with the default activation)."""
    for number, spec in enumerate(BUILD_SPECS):
        if spec["activation"] is None and number % 2:  # the default activation, not passed at all
            what = f"build_dense({spec['units']})"
            returned = judge.call(submission, what, MODULE, "build_dense", spec["units"])
        else:
            what = f"build_dense({spec['units']}, activation={spec['activation']!r})"
            returned = judge.call(submission, what, MODULE, "build_dense", spec["units"], activation=spec["activation"])
        judge.layer(returned, keras.layers.Dense(**spec), what, input_shape=(3, 1 + number * 7))


def check_apply_dense_on_flattened_mnist(submission, mnist):
    """Seven unseen MNIST images, flattened to (7, 784), through Dense(12, relu)."""
    features = prepare_images(mnist.x_train[1120:1127]).reshape(7, -1)  # (7, 28, 28, 1) -> (7, 784)
    layer = _dense(784, 12, "relu", seed=8)
    _expect_apply(submission, layer, features, "apply_dense(Dense(12, relu) layer, 7 flattened MNIST images (7, 784))")


def check_apply_dense_on_seeded_batches(submission):
    for number, case in enumerate(APPLY_CASES):
        features = np.random.default_rng(number).standard_normal((case["batch"], case["features"])).astype(np.float32)
        layer = _dense(case["features"], case["units"], case["activation"], seed=100 + number)
        what = (f"apply_dense(Dense({case['units']}, activation={case['activation']!r}) layer, "
                f"tensor of shape {features.shape})")
        _expect_apply(submission, layer, features, what)


def check_predict_output_shape(submission):
    expected = judge.reference(MODULE).predict_output_shape()
    got = judge.plain(judge.call(submission, "predict_output_shape()", MODULE, "predict_output_shape"),
                      "predict_output_shape()")
    expect_shape(got, expected, "predict_output_shape()", alternatives={"missing_batch_axis": tuple(expected[1:])})


def check_predict_param_count(submission):
    expected = judge.reference(MODULE).predict_param_count()
    got = judge.plain(judge.call(submission, "predict_param_count()", MODULE, "predict_param_count"),
                      "predict_param_count()")
    expect_number(got, expected, "predict_param_count()",
                  alternatives={"forgot_bias": SEED_FLAT[1] * SEED_UNITS})


def check_dense_param_count_on_seeded_cases(submission):
    for case in COUNT_CASES:
        _expect_count(submission, (case["in_features"], case["units"]), dict(use_bias=case["use_bias"]))


def check_dense_param_count_calling_styles(submission):
    """use_bias left to its default, given by position, given by keyword."""
    for args, kwargs in CALL_STYLES:
        _expect_count(submission, args, kwargs)
