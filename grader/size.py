"""Size a learner's layer or model from its config, before anything is built.

The parent builds, trains and predicts with what the child describes, so a
description is measured first: parameters and multiply-adds per image, walked
layer by layer from the config (no weights are allocated; Keras computes each
layer's output shape on an unbuilt instance). Anything larger than a generous
multiple of the course's reference model (solutions/ex11_train.py) is refused.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass

PARAMETERS_MULTIPLE = 50  # the reference has about 51,000 parameters: up to about 2.5 million
WORK_MULTIPLE = 100  # and about 120,000 multiply-adds per image: up to about 12 million
CONTAINERS = ("Sequential", "Functional", "Model")


class TooLarge(ValueError):
    """A model past the size cap, or one whose shapes cannot be worked out; the message says which."""


@dataclass(frozen=True)
class Size:
    parameters: int
    work: int  # multiply-adds (and element operations) for one image


def measure(config: dict, input_shape: tuple) -> Size:
    """Parameters and per-image work of a serialized layer or model fed `input_shape` (batch first)."""
    _, size = _node(config, _shape(input_shape))
    return size


def check_size(config: dict, input_shape: tuple, what: str = "the model") -> Size:
    """measure(), refusing anything past the caps (relative to the reference) with words."""
    size = measure(config, input_shape)
    reference = reference_size()
    limit_parameters, limit_work = reference.parameters * PARAMETERS_MULTIPLE, reference.work * WORK_MULTIPLE
    if size.parameters > limit_parameters:
        raise TooLarge(f"{what} has {size.parameters:,} parameters; the grader takes at most {limit_parameters:,} "
                       f"({PARAMETERS_MULTIPLE} times the course's model)")
    if size.work > limit_work:
        raise TooLarge(f"{what} does {size.work:,} multiply-adds per image; the grader takes at most "
                       f"{limit_work:,} ({WORK_MULTIPLE} times the course's model)")
    return size


@functools.lru_cache(maxsize=1)
def reference_size() -> Size:
    """The size of the reference model of exercise 11 (built here, in the trusted process)."""
    import keras

    from grader.judge import reference

    model = reference("ex11_train").build_trainable_model()
    return measure(keras.saving.serialize_keras_object(model), (None, 28, 28, 1))


def config_input_shape(config: dict) -> tuple | None:
    """The input shape a config states (build_config, or its first InputLayer), if any."""
    build = config.get("build_config") if isinstance(config, dict) else None
    if isinstance(build, dict) and isinstance(build.get("input_shape"), (list, tuple)):
        return tuple(build["input_shape"])
    inner = config.get("config") if isinstance(config, dict) else None
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if isinstance(layers, list) and layers and isinstance(layers[0], dict) \
            and layers[0].get("class_name") == "InputLayer":
        shape = (layers[0].get("config") or {}).get("batch_shape")
        return tuple(shape) if isinstance(shape, (list, tuple)) else None
    return None


# ----------------------------------------------------------------- the walk


def _shape(shape) -> tuple:
    if not isinstance(shape, (list, tuple)) or not all(n is None or (type(n) is int and n >= 0) for n in shape):
        raise TooLarge(f"the input shape {shape!r} is not a list of sizes")
    return (None,) + tuple(shape[1:])


def _node(config: dict, shape: tuple) -> tuple[tuple, Size]:
    if not isinstance(config, dict):
        raise TooLarge("a layer's description is not a config")
    class_name = config.get("class_name")
    inner = config.get("config") if isinstance(config.get("config"), dict) else {}
    if class_name == "Sequential":
        return _sequential(inner.get("layers"), shape)
    if class_name in ("Functional", "Model"):
        return _functional(inner, shape)
    return _leaf(config, shape)


def _sequential(layers, shape: tuple) -> tuple[tuple, Size]:
    if not isinstance(layers, (list, tuple)):
        raise TooLarge("a Sequential without a list of layers")
    total = Size(0, 0)
    for layer in layers:
        if isinstance(layer, dict) and layer.get("class_name") == "InputLayer":
            shape = _input(layer, shape)
            continue
        shape, size = _node(layer, shape)
        total = Size(total.parameters + size.parameters, total.work + size.work)
    return shape, total


def _input(layer: dict, shape: tuple) -> tuple:
    """The shape an InputLayer passes on: the one it declares, which must fit what is fed."""
    declared = (layer.get("config") or {}).get("batch_shape")
    declared = _shape(declared) if declared is not None else shape
    if len(declared) != len(shape) or any(d is not None and s is not None and d != s
                                          for d, s in zip(declared, shape)):
        raise TooLarge(f"the model takes inputs of shape {declared[1:]}, not {shape[1:]}")
    return tuple(s if s is not None else d for d, s in zip(declared, shape))


def _history(argument) -> tuple:
    history = (argument.get("config") or {}).get("keras_history") if isinstance(argument, dict) else None
    if not isinstance(history, (list, tuple)) or len(history) != 3:
        raise TooLarge("a layer call in the model does not take one tensor")
    return tuple(history)


def _functional(inner: dict, shape: tuple) -> tuple[tuple, Size]:
    """A functional model whose layers each take one tensor (all the layers this course uses do)."""
    outputs: dict = {}
    total = Size(0, 0)
    layers = inner.get("layers")
    if not isinstance(layers, (list, tuple)):
        raise TooLarge("a functional model without a list of layers")
    for layer in layers:
        name = layer.get("name") if isinstance(layer, dict) else None
        if layer.get("class_name") == "InputLayer":
            outputs[(name, 0, 0)] = _input(layer, shape)
            continue
        for index, node in enumerate(layer.get("inbound_nodes") or []):
            arguments = node.get("args") if isinstance(node, dict) else None
            if not isinstance(arguments, (list, tuple)) or len(arguments) != 1:
                raise TooLarge(f"layer {name!r} is not called on exactly one tensor")
            source = _history(arguments[0])
            if source not in outputs:
                raise TooLarge(f"layer {name!r} takes a tensor the model never makes")
            outputs[(name, index, 0)], size = _node(layer, outputs[source])
            total = Size(total.parameters + size.parameters, total.work + size.work)
    ends = inner.get("output_layers")
    ends = [ends] if isinstance(ends, (list, tuple)) and ends and not isinstance(ends[0], (list, tuple)) else ends
    if not isinstance(ends, (list, tuple)) or len(ends) != 1 or tuple(ends[0]) not in outputs:
        raise TooLarge("the model does not have exactly one output")
    return outputs[tuple(ends[0])], total


def _leaf(config: dict, shape: tuple) -> tuple[tuple, Size]:
    """Output shape (from Keras, on an unbuilt layer), parameters and work of one built-in layer."""
    class_name = config.get("class_name")
    settings = config.get("config") if isinstance(config.get("config"), dict) else {}
    unbuilt = {key: value for key, value in config.items() if key not in ("build_config", "compile_config")}
    if settings:  # its name says nothing of its shapes, and differs in every model
        unbuilt["config"] = {key: value for key, value in settings.items() if key != "name"}
        if isinstance(settings.get("padding"), str):  # MaxPooling2D keeps 'SAME' as written; its shapes are 'same''s
            unbuilt["config"]["padding"] = settings["padding"].lower()
    try:
        out = _output_shape(json.dumps(unbuilt, sort_keys=True), tuple(shape))
    except Exception as error:  # a setting Keras rejects, or shapes that do not fit
        raise TooLarge(f"{class_name}: Keras cannot work out its output for inputs {shape[1:]} "
                       f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})") from None
    if any(n is not None and (type(n) is not int or n < 0) for n in out[1:]):
        raise TooLarge(f"{class_name}: output shape {out[1:]} for inputs {shape[1:]}")
    per_image_out = math.prod(n or 1 for n in out[1:])
    channels = shape[-1] or 1
    if class_name == "Conv2D":
        kernel = math.prod(settings.get("kernel_size") or (1, 1))
        groups = settings.get("groups") or 1
        weights = kernel * (channels // max(1, groups)) * settings.get("filters", 0)
        parameters = weights + (settings.get("filters", 0) if settings.get("use_bias", True) else 0)
        work = per_image_out * kernel * (channels // max(1, groups))
    elif class_name == "Dense":
        units = settings.get("units", 0)
        parameters = channels * units + (units if settings.get("use_bias", True) else 0)
        work = math.prod(n or 1 for n in shape[1:]) * units
    elif class_name == "BatchNormalization":
        parameters, work = 4 * channels, per_image_out
    elif class_name in ("MaxPooling2D", "AveragePooling2D"):
        parameters, work = 0, per_image_out * math.prod(settings.get("pool_size") or (1, 1))
    else:
        parameters, work = 0, per_image_out
    return out, Size(int(parameters), int(work))


@functools.lru_cache(maxsize=1024)
def _output_shape(unbuilt: str, shape: tuple) -> tuple:
    """Keras' output shape for a serialized layer (JSON, its name left out) fed `shape`. The submissions a
    worker grades mostly hold the same layers, so each is worked out once (a layer made costs milliseconds)."""
    import keras

    layer = keras.saving.deserialize_keras_object(json.loads(unbuilt), safe_mode=True)
    return tuple(layer.compute_output_shape(shape))
