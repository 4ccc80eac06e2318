"""Follow a model layer by layer: its computing layers, a table of shapes and parameters.

`shape_trace` lays a learner's model beside the expected one, one row per layer
(the input first), and marks with '>>' the first row where the class, the
output shape or the parameter count differs -- the place to start looking.
`expect_trace` raises `Incorrect` with that table; `run_model` runs Keras code
on a learner-built model and turns a failure into words; `expect_probabilities`
checks a classifier's output rows add up to 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import keras
import numpy as np

from layerlab.compat import output_shape
from layerlab.expect import Incorrect, expect_array, expect_shape, incorrect, to_array, useful_line
from layerlab.messages import pad, say, width
from layerlab.misconceptions import from_error

MARK = ">>"
INPUT_ROW = "Input"


@dataclass(frozen=True)
class TraceRow:
    """One layer: its class, its output shape (None when Keras could not compute it), its parameters."""

    layer: str
    shape: tuple | None
    params: int | None
    error: str = ""
    computes: str = ""  # what the layer does: ReLU() and Activation('relu') both compute "relu"

    @property
    def function(self) -> str:
        return self.computes or self.layer


def computes(layer: Any) -> str:
    """The name of what a layer computes: its activation for Activation, ReLU and Softmax, else its class."""
    name = type(layer).__name__
    config = layer.get_config() if hasattr(layer, "get_config") else {}
    if name == "Activation":
        activation = config.get("activation")
        return activation if isinstance(activation, str) else name
    if name == "ReLU" and not config.get("max_value") and not config.get("negative_slope") \
            and not config.get("threshold"):
        return "relu"
    if name == "Softmax":
        return "softmax"
    return name


def leaf_layers(model_or_layers: Any) -> list:
    """The layers that compute, in order: nested Sequential or functional models are opened, inputs skipped."""
    layers = model_or_layers.layers if hasattr(model_or_layers, "layers") else list(model_or_layers)
    leaves = []
    for layer in layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if hasattr(layer, "layers"):  # a Sequential or Model used as a layer
            leaves.extend(leaf_layers(layer))
        else:
            leaves.append(layer)
    return leaves


def declared_input_shape(model: Any) -> tuple | None:
    """The shape a model was built for, with a batch of one image, or None when it declares none."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs:
        return None
    return (1,) + tuple(inputs[0].shape[1:])


def expect_declared_input(model: Any, expected: tuple, what: str) -> None:
    """The model starts from keras.Input(shape=expected) (no batch axis in `expected`)."""
    declared = declared_input_shape(model)
    if declared is None:
        raise Incorrect(say("model.no_input", what=what, shape=tuple(expected)))
    expect_shape(declared[1:], tuple(expected), say("describe.input_shape", what=what),
                 alternatives={"missing_channel_axis": tuple(expected)[:-1]})


def first_line(error: BaseException) -> str:
    """`ValueError: ...` with Keras' colour codes and boilerplate lines removed."""
    line = useful_line(str(error))
    return f"{type(error).__name__}: {line.rstrip('.')}" if line else type(error).__name__


def layer_rows(model_or_layers: Any, input_shape: tuple | None = None) -> list[TraceRow]:
    """An Input row, then each computing layer's output shape (chained) and parameter count.

    The chain starts at the model's own input (with batch 1) when it declares one,
    otherwise at `input_shape`. Layers that are not built yet are built for the
    shape they receive, as Keras does on a first call.
    """
    shape = declared_input_shape(model_or_layers) or (tuple(input_shape) if input_shape else None)
    if shape is None:
        raise ValueError("layer_rows: the model declares no input; pass input_shape=(1, 28, 28, 1)")
    rows = [TraceRow(INPUT_ROW, shape, 0)]
    for layer in leaf_layers(model_or_layers):
        name, function = type(layer).__name__, computes(layer)
        if shape is None:  # an earlier layer failed: nothing flows any further
            rows.append(TraceRow(name, None, None, computes=function))
            continue
        try:
            if not layer.built:
                layer.build(shape)
            output = output_shape(layer, shape)
            rows.append(TraceRow(name, output, int(layer.count_params()), computes=function))
        except Exception as error:  # the learner's layer cannot take this shape: say so in the table
            rows.append(TraceRow(name, None, None, first_line(error), computes=function))
        shape = rows[-1].shape
    return rows


def first_divergence(rows: Sequence[TraceRow], expected_rows: Sequence[TraceRow]) -> int | None:
    """Index of the first row whose computation, shape or parameters differ (a missing row differs)."""
    for index in range(max(len(rows), len(expected_rows))):
        if index >= len(rows) or index >= len(expected_rows):
            return index
        mine, wanted = rows[index], expected_rows[index]
        if (mine.function, mine.shape, mine.params) != (wanted.function, wanted.shape, wanted.params):
            return index
    return None


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def shape_trace(
    model_or_layers: Any, expected_rows: Sequence[TraceRow], input_shape: tuple | None = None
) -> str:
    """A table: layer | your output shape | expected | your params | expected, '>>' at the first difference."""
    return format_trace(layer_rows(model_or_layers, input_shape), expected_rows)


def format_trace(rows: Sequence[TraceRow], expected_rows: Sequence[TraceRow]) -> str:
    """The table of `shape_trace` for rows already computed."""
    marked = first_divergence(rows, expected_rows)
    header = [say(f"trace.{column}") for column in ("layer", "your_shape", "expected", "your_params", "expected")]
    lines = [[""] + header]
    for index in range(max(len(rows), len(expected_rows))):
        mine = rows[index] if index < len(rows) else None
        wanted = expected_rows[index] if index < len(expected_rows) else None
        if mine is None:
            layer = say("trace.missing", expected=wanted.layer)
        elif wanted is not None and wanted.function != mine.function:
            layer = say("trace.instead", received=mine.layer, expected=wanted.layer)
        else:
            layer = mine.layer
        lines.append([
            MARK if index == marked else "",
            layer,
            (say("trace.error") if mine.error else _cell(mine.shape)) if mine else "-",
            _cell(wanted.shape if wanted else None),
            _cell(mine.params if mine else None),
            _cell(wanted.params if wanted else None),
        ])
    widths = [max(width(line[column]) for line in lines) for column in range(len(lines[0]))]
    table = ["  ".join(pad(cell, columns) for cell, columns in zip(line, widths)).rstrip() for line in lines]
    # Keras' error for the first layer that failed, in full, under the table.
    table += [f"    {row.layer}: {row.error}" for row in rows if row.error][:1]
    return "\n".join(table)


def expect_trace(
    model_or_layers: Any, expected_rows: Sequence[TraceRow], what: str, input_shape: tuple | None = None
) -> None:
    """Every layer's class, output shape and parameters as expected; otherwise the table, marked."""
    rows = layer_rows(model_or_layers, input_shape)
    if first_divergence(rows, expected_rows) is not None:
        message = f"{say('trace.diverges', what=what)}\n{format_trace(rows, expected_rows)}"
        errors = [row.error for row in rows if row.error]
        raise incorrect(message, from_error(errors[0]) if errors else None)


def run_model(what: str, action: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run Keras code (a forward pass, a training step) on a learner-built model, failures in words."""
    try:
        return action(*args, **kwargs)
    except Exception as error:
        raised = incorrect(say("model.raised", what=what, error=first_line(error)), from_error(str(error)))
        raised.learner_error = error
        raise raised from None


def expect_probabilities(output: Any, what: str) -> None:
    """Every row of a classifier's output is a probability distribution: it adds up to 1."""
    row_sums = np.asarray(to_array(output), dtype=np.float32).sum(axis=-1)
    # Rows that do not add up to 1 come from a last layer without softmax,
    # so any other sums are named as that mistake.
    expect_array(row_sums, np.ones_like(row_sums), what, atol=1e-4, alternatives={"missing_softmax": row_sums})
