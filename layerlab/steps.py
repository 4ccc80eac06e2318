"""A model as *steps*: what it computes, whichever layer classes spell it.

Dense(32, activation='relu') and Dense(32) followed by ReLU() or Activation('relu')
are the same two steps (Dense, relu), and so are Dense(10, activation='softmax') and
Dense(10) + Softmax(). MaxPool2D and MaxPooling2D are one class. Settings that say
nothing about what a layer computes (names, initializers) are ignored. The visible
tests and the hidden checks compare models this way, so every correct spelling passes.
"""

from __future__ import annotations

from layerlab.expect import incorrect
from layerlab.messages import say
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
    if mine is not None and wanted is not None and ACTIVATION in (mine[0], wanted[0]):
        return "wrong_activation"  # one step where another was asked for; a step too many or missing says so itself
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
                    described = say("describe.step", what=what, number=number, step=step[0])
                    message = say("wrong_config", what=described, key=key, received=repr(step[1].get(key)))
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
