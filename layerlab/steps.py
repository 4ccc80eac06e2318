"""A model as *steps*: what it computes, whichever layer classes spell it.

Dense(32, activation='relu') and Dense(32) followed by ReLU() or Activation('relu')
are the same two steps (Dense, relu), and so are Dense(10, activation='softmax') and
Dense(10) + Softmax(). MaxPool2D and MaxPooling2D are one class. Settings that say
nothing about what a layer computes (names, initializers) are ignored. The visible
tests and the hidden checks compare models this way, so every correct spelling passes.
"""

from __future__ import annotations

import math

from layerlab.expect import incorrect
from layerlab.keras_names import activation_name
from layerlab.messages import say
from layerlab.misconceptions import normal_setting, setting_difference
from layerlab.trace import leaf_layers

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


def steps(model_or_layers) -> list[tuple]:
    """The model as steps: ('Conv2D', settings), ('activation', 'relu'), ('MaxPooling2D', settings) ..."""
    found = []
    for layer in leaf_layers(model_or_layers):
        kind, config = type(layer).__name__, layer.get_config()
        if kind in ("Conv2D", "Dense"):
            found.append((kind, {key: normal_setting(key, config.get(key)) for key in STEP_SETTINGS[kind]}))
            activation = activation_name(config.get("activation"))
            if activation not in IDENTITY_ACTIVATIONS:
                found.append((ACTIVATION, activation))
        elif kind == "ReLU" and not config.get("max_value") and not config.get("negative_slope") \
                and not config.get("threshold"):
            found.append((ACTIVATION, "relu"))
        elif kind == "Activation":
            activation = activation_name(config.get("activation"))
            if activation not in IDENTITY_ACTIVATIONS:
                found.append((ACTIVATION, activation))
        elif kind == "Softmax" and config.get("axis") in (-1, [-1], (-1,)):
            found.append((ACTIVATION, "softmax"))
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            settings = {key: normal_setting(key, config.get(key)) for key in STEP_SETTINGS[kind]}
            if settings["strides"] is None:  # Keras' default: the stride is the pool size
                settings["strides"] = settings["pool_size"]
            found.append((kind, settings))
        elif kind == "Flatten":
            found.append((kind, {key: normal_setting(key, config.get(key)) for key in STEP_SETTINGS[kind]}))
        elif kind == "Dropout":
            found.append((kind, {"rate": config.get("rate")}))
        else:  # BatchNormalization, a ReLU with a cap ...: a step the task does not have
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
    if mine is not None and wanted is not None and ACTIVATION in (mine[0], wanted[0]):
        return "wrong_activation"  # one step where another was asked for; a step too many or missing says so itself
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
            difference = setting_difference(step[1], expected[1], expected[1])
            if difference is not None:
                key, value, mistake = difference
                described = say("describe.step", what=what, number=number, step=step[0])
                raise incorrect(say("wrong_config", what=described, key=key, received=repr(value)) + tail, mistake)
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


# ----------------------------------------------------------------- the model exercise 11 allows

# One letter per step; exercise 11's contract is a pattern over them (its docstring says it in words).
TRAINABLE_PATTERN = r"(CB?RB?P){1,2}F(DB?R){1,2}TS"  # with the Dropout steps taken out
TRAINABLE_CONTRACT = ("Conv2D(filters >= 8, 3) -> ReLU -> MaxPool2D(2) once or twice, then Flatten, "
                      "Dense(units >= 32, relu) once or twice, and Dense(10, softmax) last; BatchNormalization "
                      "may follow a Conv2D, ReLU or Dense, and Dropout may come once before Flatten (rate at "
                      "most 0.25) and once after it (rate at most 0.5)")
LIGHT_DROPOUT, HEAVY_DROPOUT = 0.25, 0.5


def _letter(step: tuple) -> str:
    kind, settings = step
    if kind == "Conv2D":
        plain = (settings["kernel_size"] == (3, 3) and settings["strides"] == (1, 1)
                 and settings["dilation_rate"] == (1, 1) and settings["groups"] == 1)
        return "C" if plain and settings["filters"] >= 8 else "c"
    if kind == ACTIVATION:
        return {"relu": "R", "softmax": "S"}.get(step[1], "a")
    if kind == "MaxPooling2D":
        return "P" if settings["pool_size"] == (2, 2) and settings["strides"] == (2, 2) else "p"
    if kind == "Dense":
        return "T" if settings["units"] == 10 else ("D" if settings["units"] >= 32 else "d")
    if kind == "Dropout":
        rate = settings.get("rate")
        rate = rate if isinstance(rate, (int, float)) and rate >= 0 else math.inf
        return "O" if rate <= LIGHT_DROPOUT else ("H" if rate <= HEAVY_DROPOUT else "o")
    return {"Flatten": "F", "BatchNormalization": "B"}.get(kind, "?")


def trainable_mismatch(model) -> str | None:
    """None when the model is one exercise 11 allows (the family its threshold is calibrated on), else its steps."""
    import re

    found = steps(model)
    letters = "".join(_letter(step) for step in found)
    features, _, classification = letters.partition("F")
    dropout_fits = set(features) & set("Ho") == set() and features.count("O") <= 1 \
        and "o" not in classification and classification.count("O") + classification.count("H") <= 1
    if dropout_fits and re.fullmatch(TRAINABLE_PATTERN, re.sub("[OH]", "", letters)):
        return None
    return ", ".join(step_name(step) for step in found) or "no layers"
