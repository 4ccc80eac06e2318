"""What the hidden checks of exercises 07-12 share: returned models rebuilt here (and compared
step by step with layerlab.steps), lists and dicts of shapes, arrays whose mistakes are named at
every stage.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np

from grader import judge
from grader.sandbox import Returned
from grader.rebuild import NotRebuildable, rebuild
from grader.sandbox import Described
from layerlab.expect import Incorrect, expect_shape, incorrect, to_array
from layerlab.messages import say
from layerlab.misconceptions import from_error, name_the_mistake
from layerlab.trace import TraceRow, first_line, format_trace, layer_rows, leaf_layers

# ----------------------------------------------------------------- models


def rebuilt_model(returned: Returned, what: str, input_shape: tuple | None = None):
    """The learner's model, rebuilt here from built-in Keras layers only, sized for `input_shape` first."""
    description = judge.plain(returned, what)
    wanted = "a keras Model"
    if not isinstance(description, Described) or description.kind != "keras":
        received = f"a {description.kind}" if isinstance(description, Described) else type(description).__name__
        raise Incorrect(say("wrong_type", what=what, expected=wanted, received=received))
    if not description.get("is_model"):
        raise Incorrect(say("wrong_type", what=what, expected=wanted, received=f"a {description['class_name']} layer"))
    try:
        model = rebuild(description, input_shape)
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
