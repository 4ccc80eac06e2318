"""What the hidden checks of exercises 07-12 share: returned models rebuilt here and compared step
by step, lists and dicts of shapes, arrays whose mistakes are named at every stage.

A model is compared as a list of *steps*, not of layer classes: Dense(32, activation='relu') and
Dense(32) followed by ReLU() or Activation('relu') are the same two steps (Dense, relu), and so
are Dense(10, activation='softmax') and Dense(10) + Softmax(). MaxPool2D and MaxPooling2D are one
class. Settings that say nothing about what a layer computes (names, initializers) are ignored.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np

from grader import judge
from grader.isolate import Returned
from grader.rebuild import NotRebuildable, rebuild
from grader.wire import Described
from layerlab.expect import Incorrect, expect_shape, incorrect, to_array
from layerlab.messages import say
from layerlab.misconceptions import from_error, name_the_mistake
from layerlab.trace import TraceRow, first_line, format_trace, layer_rows, leaf_layers

# The settings of each kind of step that change what it computes.
STEP_SETTINGS = {
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
               "use_bias"),
    "Dense": ("units", "use_bias"),
    "MaxPooling2D": ("pool_size", "strides", "padding", "data_format"),
    "AveragePooling2D": ("pool_size", "strides", "padding", "data_format"),
    "Flatten": ("data_format",),
}
ACTIVATION = "activation"
IDENTITY_ACTIVATIONS = (None, "linear")


# ----------------------------------------------------------------- models


def rebuilt_model(returned: Returned, what: str):
    """The learner's model, rebuilt here from built-in Keras layers only."""
    description = judge.plain(returned, what)
    wanted = "a keras Model"
    if not isinstance(description, Described) or description.kind != "keras":
        received = f"a {description.kind}" if isinstance(description, Described) else type(description).__name__
        raise Incorrect(say("wrong_type", what=what, expected=wanted, received=received))
    if not description.get("is_model"):
        raise Incorrect(say("wrong_type", what=what, expected=wanted, received=f"a {description['class_name']} layer"))
    try:
        model = rebuild(description)
    except NotRebuildable as error:
        raise Incorrect(f"{what}: {error}") from None
    if not isinstance(model, keras.Model):
        raise Incorrect(say("wrong_type", what=what, expected=wanted, received=type(model).__name__))
    return model


def run(what: str, model, inputs: np.ndarray) -> np.ndarray:
    """A forward pass of a rebuilt model here; a Keras failure becomes words (and a mistake, if catalogued)."""
    try:
        return np.asarray(model(inputs))
    except Exception as error:
        raise incorrect(say("model.raised", what=what, error=first_line(error)), from_error(str(error))) from None


# ----------------------------------------------------------------- steps


def _normal(value):
    if isinstance(value, list):
        return tuple(_normal(item) for item in value)
    return value


def _activation_name(value) -> str | None:
    """'relu' whether the config holds the name or a serialized built-in activation."""
    if isinstance(value, dict):
        config = value.get("config")
        return config.get("name") if isinstance(config, dict) else value.get("class_name")
    return value


def steps(model_or_layers) -> list[tuple]:
    """The model as steps: ('Conv2D', settings), ('activation', 'relu'), ('MaxPooling2D', settings) ..."""
    found = []
    for layer in leaf_layers(model_or_layers):
        kind, config = type(layer).__name__, layer.get_config()
        if kind in ("Conv2D", "Dense"):
            found.append((kind, {key: _normal(config.get(key)) for key in STEP_SETTINGS[kind]}))
            activation = _activation_name(config.get("activation"))
            if activation not in IDENTITY_ACTIVATIONS:
                found.append((ACTIVATION, activation))
        elif kind == "ReLU" and not config.get("max_value") and not config.get("negative_slope") \
                and not config.get("threshold"):
            found.append((ACTIVATION, "relu"))
        elif kind == "Activation":
            activation = _activation_name(config.get("activation"))
            if activation not in IDENTITY_ACTIVATIONS:
                found.append((ACTIVATION, activation))
        elif kind == "Softmax" and config.get("axis") in (-1, [-1], (-1,)):
            found.append((ACTIVATION, "softmax"))
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            settings = {key: _normal(config.get(key)) for key in STEP_SETTINGS[kind]}
            if settings["strides"] is None:  # Keras' default: the stride is the pool size
                settings["strides"] = settings["pool_size"]
            found.append((kind, settings))
        elif kind == "Flatten":
            found.append((kind, {key: _normal(config.get(key)) for key in STEP_SETTINGS[kind]}))
        else:  # Dropout, BatchNormalization, a ReLU with a cap ...: a step the task does not have
            found.append((kind, {}))
    return found


def step_name(step: tuple) -> str:
    return f"{step[1]} {ACTIVATION}" if step[0] == ACTIVATION else step[0]


def _step_mistake(mine: tuple | None, wanted: tuple | None, is_last: bool) -> str | None:
    """The catalogued mistake that puts the step `mine` where the task has `wanted`, if any."""
    if wanted == (ACTIVATION, "softmax") and is_last:
        return "missing_softmax"
    if mine is not None and wanted is not None and (mine[0], wanted[0]) == ("AveragePooling2D", "MaxPooling2D"):
        return "average_pooling"
    if ACTIVATION in {step[0] for step in (mine, wanted) if step is not None}:
        return "wrong_activation"
    return None


def _setting_mistake(key: str, mine, wanted) -> str | None:
    if key == "padding":
        if isinstance(mine, str) and mine.lower() == wanted:
            return "uppercase_padding"
        return "same_instead_of_valid" if mine == "same" else "valid_instead_of_same"
    if key == "strides":
        return "stride_ignored"
    if key == "data_format":
        return "channels_first"
    return None


def expect_same_steps(got, reference, what: str, trace: str = "") -> None:
    """The learner's model does the reference's steps, in order, with the same settings.

    `trace` (a shape-trace table) is appended to the message when given; build checks with
    the defaults pass none, because those shapes are what the predict stubs ask for.
    """
    mine, wanted = steps(got), steps(reference)
    tail = f"\n{trace}" if trace else ""
    for index in range(max(len(mine), len(wanted))):
        step = mine[index] if index < len(mine) else None
        expected = wanted[index] if index < len(wanted) else None
        if step == expected:
            continue
        number = index + 1
        is_last = index == len(wanted) - 1
        if step is not None and expected is not None and step[0] == expected[0] != ACTIVATION:
            for key in expected[1]:
                if step[1].get(key) != expected[1][key]:
                    message = say("wrong_config", what=f"{what}, step {number} ({step[0]})", key=key,
                                  received=repr(step[1].get(key)))
                    raise incorrect(message + tail, _setting_mistake(key, step[1].get(key), expected[1][key]))
        if step is None:
            message = say("model_check.step_missing", what=what, number=number, expected=step_name(expected),
                          received=len(mine))
        elif expected is None:
            message = say("model_check.step_extra", what=what, number=number, received=step_name(step),
                          expected=len(wanted))
        else:
            message = say("model_check.step_differs", what=what, number=number, received=step_name(step),
                          expected=step_name(expected))
        raise incorrect(message + tail, _step_mistake(step, expected, is_last))


def trace_table(got, reference, input_shape: tuple) -> str:
    """layerlab.trace's table of the learner's model beside the reference, for one input."""
    try:
        return format_trace(layer_rows(got, input_shape), layer_rows(reference, input_shape))
    except Exception:  # a table is a courtesy: a model too broken to trace still gets its message
        return ""


def copy_weights(source, target) -> None:
    """The reference's weights into the learner's model (same steps, so the weighted layers pair up)."""
    sources = [layer for layer in leaf_layers(source) if layer.weights]
    targets = [layer for layer in leaf_layers(target) if layer.weights]
    for mine, theirs in zip(targets, sources):
        mine.set_weights(theirs.get_weights())


def parameter_count(model) -> int:
    return int(sum(layer.count_params() for layer in leaf_layers(model)))


# ----------------------------------------------------------------- collections of shapes


def expect_shapes_by_key(got: Any, expected: dict, what: str, alternatives: dict) -> None:
    """A dict with exactly the keys of `expected`, each value checked with expect_shape (never printed)."""
    keys = list(expected)
    if type(got) is not dict:
        raise Incorrect(say("shapes.not_a_dict", what=what, keys=keys, received=type(got).__name__))
    if set(got) != set(keys):
        raise Incorrect(say("shapes.wrong_keys", what=what, keys=keys, received=list(got)))
    for key in keys:
        expect_shape(judge.plain(got[key], f'{what}["{key}"]'), expected[key], f'{what}["{key}"]',
                     alternatives=alternatives.get(key, {}))


def expect_shape_list(got: Any, expected: Sequence[tuple], what: str, rows: Sequence[TraceRow],
                      alternatives: Sequence[dict]) -> None:
    """A list (or tuple) of shapes, one per layer, each checked with expect_shape (never printed)."""
    if type(got) not in (list, tuple):
        raise Incorrect(say("shapes.not_a_list", what=what, received=type(got).__name__))
    if len(got) != len(expected):
        raise Incorrect(say("shapes.count", what=what, expected=len(expected), received=len(got)))
    for index, (shape, wanted, row, wrong) in enumerate(zip(got, expected, rows, alternatives)):
        label = f"{what}[{index}] (the {row.layer} layer)"
        expect_shape(judge.plain(shape, label), wanted, label, alternatives=wrong)


# ----------------------------------------------------------------- arrays


def expect_array_naming(returned: Returned, expected: np.ndarray, what: str, mistakes: dict, **tolerances) -> None:
    """judge.array, naming a catalogued mistake at every stage (shape or values), AnyOf answers too.

    expect_array names a mistake by shape only for single arrays; a mistake that can give
    several answers of different shapes (AnyOf) is named here once the comparison failed.
    """
    try:
        judge.array(returned, expected, what, alternatives={key: answer for key, answer in mistakes.items()
                                                            if isinstance(answer, np.ndarray)}, **tolerances)
    except Incorrect as failure:
        got = to_array(returned.value)
        if failure.misconception is None and type(got) is np.ndarray and got.dtype.kind == "f":
            key = name_the_mistake(got, mistakes, expected)
            if key is not None:
                raise incorrect(str(failure), key) from None
        raise
