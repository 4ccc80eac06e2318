"""Rebuild a learner's layer or model in the trusted process from plain config + weights.

Only built-in Keras classes are accepted: no Lambda, no custom or registered
objects, nothing whose module is not Keras' own. The config is walked before
Keras sees it (functions that stand for a built-in activation, such as
tf.nn.softmax, become its name), sized against the reference before anything is
built (grader/size.py), and deserialized with safe_mode=True on top.
"""

from __future__ import annotations

import numpy as np

from grader.sandbox import Described
from grader.size import TooLarge, check_size, config_input_shape
from layerlab.keras_names import activation_name

LAYER_CLASSES = {
    "InputLayer", "Conv2D", "MaxPooling2D", "AveragePooling2D", "ReLU", "Activation", "Softmax",
    "Flatten", "Dense", "Dropout", "BatchNormalization", "Reshape", "Rescaling",
    "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Sequential", "Functional", "Model", "LeakyReLU",
}
FORBIDDEN = {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}
MAX_NUMBERS_IN_A_SETTING = 8  # shapes and sizes; more numbers than this in one setting is data, not a setting


class NotRebuildable(ValueError):
    """The description is not made of built-in Keras layers; the message says which part."""


def _builtin_function(node: dict):
    """'softmax' for the config Keras writes for tf.nn.softmax (softmax_v2), if Keras knows that name.

    Activations, losses and metrics (a compiled model's config holds the last two).
    """
    import keras

    name = activation_name(node)
    for kind in (keras.activations, keras.losses, keras.metrics):
        try:
            kind.get(name)
        except Exception:
            continue
        return name
    return node  # not a built-in: Keras refuses it below, with its name


def _numbers(node) -> int:
    if isinstance(node, (list, tuple)):
        return sum(_numbers(item) for item in node)
    return 1 if isinstance(node, (int, float)) and not isinstance(node, bool) else 0


def _walk(node, path: str = "config"):
    """The config, checked, with built-in functions written as their names (a copy; the input is unchanged)."""
    if isinstance(node, dict):
        if node.get("class_name") == "function":
            return _builtin_function(node)
        if "class_name" in node:
            class_name, module = node.get("class_name"), node.get("module")
            if class_name in FORBIDDEN:
                raise NotRebuildable(f"{path}: {class_name} layers run arbitrary code and are not accepted")
            if module is not None and not str(module).startswith("keras"):
                raise NotRebuildable(f"{path}: {class_name} comes from '{module}', not from Keras")
            registered = node.get("registered_name")
            if registered not in (None, class_name) and ">" in str(registered):
                raise NotRebuildable(f"{path}: {registered} is a custom registered object")
            if "build_config" in node and class_name not in LAYER_CLASSES:
                raise NotRebuildable(f"{path}: {class_name} is not one of the layers this course uses")
        return {key: _walk(value, f"{path}.{key}") for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        if _numbers(node) > MAX_NUMBERS_IN_A_SETTING:
            raise NotRebuildable(f"{path}: a setting holds {_numbers(node)} numbers; settings are sizes and "
                                 "shapes, not data (set weights by training, not in the config)")
        return [_walk(value, f"{path}[{index}]") for index, value in enumerate(node)]
    return node


def checked_config(description: Described, input_shape: tuple | None = None) -> dict:
    """The description's config, walked and sized (for `input_shape`, else the shape it states)."""
    if not isinstance(description, Described) or description.kind != "keras":
        raise NotRebuildable("not a Keras layer or model")
    if not str(description.get("module", "")).startswith("keras"):
        raise NotRebuildable(f"{description.get('class_name')} is defined in the submission, not a Keras class")
    config = _walk(description["config"])
    shape = input_shape if input_shape is not None else config_input_shape(config)
    if shape is not None:
        try:
            check_size(config, tuple(shape), "the model" if description.get("is_model") else "the layer")
        except TooLarge as error:
            raise NotRebuildable(str(error)) from None
    elif description.get("weights"):
        raise NotRebuildable("it has weights but states no input shape")
    return config


def rebuild(description: Described, input_shape: tuple | None = None, *, with_weights: bool = True):
    """A real Keras layer or model equal to the learner's, or NotRebuildable.

    `input_shape` is what the caller will feed it (batch first); without it the
    shape the config states is used to size it. with_weights=False leaves Keras'
    fresh initial weights (the training gate trains those itself).
    """
    import keras

    config = checked_config(description, input_shape)
    try:
        layer = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # a config Keras itself rejects
        raise NotRebuildable(f"Keras could not rebuild it: {type(error).__name__}: {error}") from None
    weights = [np.asarray(w) for w in description.get("weights", [])] if with_weights else []
    if weights:
        try:
            layer.set_weights(weights)
        except Exception as error:
            raise NotRebuildable(f"its weights do not fit its layers: {error}") from None
    return layer
