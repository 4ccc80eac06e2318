"""Rebuild a learner's layer or model in the trusted process from plain config + weights.

Only built-in Keras classes are accepted: no Lambda, no custom or registered
objects, nothing whose module is not Keras' own. The config is walked before
Keras sees it, and deserialized with safe_mode=True on top.
"""

from __future__ import annotations

import numpy as np

from grader.sandbox import Described

LAYER_CLASSES = {
    "InputLayer", "Conv2D", "MaxPooling2D", "AveragePooling2D", "ReLU", "Activation", "Softmax",
    "Flatten", "Dense", "Dropout", "BatchNormalization", "Reshape", "Rescaling",
    "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Sequential", "Functional", "Model", "LeakyReLU",
}
FORBIDDEN = {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}


class NotRebuildable(ValueError):
    """The description is not made of built-in Keras layers; the message says which part."""


def _walk(node, path: str = "config") -> None:
    if isinstance(node, dict):
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
        for key, value in node.items():
            _walk(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            _walk(value, f"{path}[{index}]")


def rebuild(description: Described):
    """A real Keras layer or model equal to the learner's, or NotRebuildable."""
    import keras

    if not isinstance(description, Described) or description.kind != "keras":
        raise NotRebuildable("not a Keras layer or model")
    if not str(description.get("module", "")).startswith("keras"):
        raise NotRebuildable(f"{description.get('class_name')} is defined in the submission, not a Keras class")
    config = description["config"]
    _walk(config)
    try:
        layer = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # a config Keras itself rejects
        raise NotRebuildable(f"Keras could not rebuild it: {type(error).__name__}: {error}") from None
    weights = [np.asarray(w) for w in description.get("weights", [])]
    if weights:
        try:
            layer.set_weights(weights)
        except Exception as error:
            raise NotRebuildable(f"its weights do not fit its layers: {error}") from None
    return layer
