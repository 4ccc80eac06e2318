"""Judge: the trusted side's comparisons, used by the hidden checks in checks/.

Everything here works on plain data the child returned (see wire.py) and on
the reference solutions, imported by path in this trusted process only.
Messages say what kind of thing is wrong and never print the expected value.
"""

from __future__ import annotations

import functools
import importlib.util
from types import ModuleType
from typing import Any

import numpy as np

from grader.paths import SOLUTIONS_DIR
from grader.sandbox import CallFailed, Returned
from grader.rebuild import NotRebuildable, rebuild
from grader.sandbox import Described, Unsupported
from layerlab.expect import Incorrect, incorrect, expect_array
from layerlab.messages import say
from layerlab.misconceptions import from_error, setting_difference

# Config keys that say nothing about what a layer computes.
IGNORED_CONFIG_KEYS = {"name", "trainable", "dtype", "dtype_policy", "build_config", "seed", "autocast",
                       "kernel_initializer", "bias_initializer", "synchronized"}


@functools.lru_cache(maxsize=None)
def reference(module: str) -> ModuleType:
    """The reference solution `solutions/<module>.py` (trusted; never sent to the child)."""
    path = SOLUTIONS_DIR / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"reference_{module}", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@functools.cache
def reference_model(module: str, function: str, *args: Any, input_shape: tuple, **kwargs: Any):
    """The model the reference's `function` builds from these (hashable) arguments, built for `input_shape`
    (batch axis None). It is built once per worker and shared by every submission that worker grades:
    the checks only read it (its steps, its outputs, its weights copied into the learner's model)."""
    model = getattr(reference(module), function)(*args, **kwargs)
    if not model.built:
        model.build(input_shape)
    return model


def plain(returned: Returned | Any, what: str) -> Any:
    """The value, refusing anything the child could not send as plain data (at any depth)."""
    value = returned.value if isinstance(returned, Returned) else returned
    _refuse_unsupported(value, what)
    return value


def _refuse_unsupported(value: Any, what: str) -> None:
    if isinstance(value, Unsupported):
        raise Incorrect(say("wrong_type", what=what, expected="plain data (numbers, tuples, arrays, layers)",
                            received=value.type_name))
    if type(value) in (tuple, list):
        for item in value:
            _refuse_unsupported(item, what)
    elif type(value) is dict and not isinstance(value, Described):
        for item in value.values():
            _refuse_unsupported(item, what)


def call(submission, what: str, module: str, function: str, *args: Any, **kwargs: Any) -> Returned:
    """submission.call; a failure says which call (`what`), and a Keras error that reveals a
    catalogued mistake (uppercase padding, positional compile) is named as that mistake."""
    try:
        return submission.call(module, function, *args, **kwargs)
    except CallFailed as failure:
        if failure.status != "raised":
            raise
        key = from_error(str(failure))
        if key is not None:
            raise incorrect(f"{what}: {failure}", key) from None
        raise CallFailed(failure.status, f"{what}: {failure}") from None


def array(returned: Returned, expected: np.ndarray, what: str, **options) -> np.ndarray:
    """An array answer (a tensor or variable is accepted), checked type -> dtype -> rank -> shape -> values."""
    return expect_array(plain(returned, what), np.asarray(expected), what, **options)


def layer(returned: Returned, reference_layer, what: str, input_shape: tuple, seed: int = 0):
    """A built layer: same class and config as the reference, same outputs under the same weights."""
    description = plain(returned, what)
    if not isinstance(description, Described) or description.kind != "keras":
        received = description.kind if isinstance(description, Described) else type(description).__name__
        raise Incorrect(say("wrong_layer_class", what=what, expected=type(reference_layer).__name__,
                            received=received))
    try:
        rebuilt = rebuild(description, input_shape)
    except NotRebuildable as error:
        raise Incorrect(f"{what}: {error}") from None
    if type(rebuilt) is not type(reference_layer):
        key = "average_pooling" if type(rebuilt).__name__ == "AveragePooling2D" else None
        message = say("wrong_layer_class", what=what, expected=type(reference_layer).__name__,
                      received=type(rebuilt).__name__)
        raise incorrect(message, key)
    compare_configs(rebuilt.get_config(), reference_layer.get_config(), what)
    inputs = np.random.default_rng(seed).standard_normal(input_shape).astype(np.float32)
    if not reference_layer.built:
        reference_layer.build(input_shape)
    if not rebuilt.built:
        rebuilt.build(input_shape)
    weights = reference_layer.get_weights()
    if weights:
        rebuilt.set_weights(weights)
    expected = np.asarray(reference_layer(inputs))
    expect_array(np.asarray(rebuilt(inputs)), expected, f"{what} (its output under the reference's weights)",
                 rtol=1e-4, atol=1e-5)
    return rebuilt


def compare_configs(got: dict, wanted: dict, what: str) -> None:
    """The same layer settings as the reference, every key but those that say nothing about what it computes."""
    difference = setting_difference(got, wanted, sorted((set(wanted) | set(got)) - IGNORED_CONFIG_KEYS))
    if difference is not None:
        key, value, mistake = difference
        raise incorrect(say("wrong_config", what=what, key=key, received=repr(value)), mistake)
