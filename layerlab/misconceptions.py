"""The misconceptions: mistakes learners make on these layers, and how to name one.

A check computes the answers each misconception would give (with Keras or the
reference, never with a formula written here) and asks `name_the_mistake`
which of them the learner's answer matches. The message names the mistake and
never gives the answer; its text is in layerlab/messages/misconceptions.toml.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

import numpy as np

from layerlab.keras_names import activation_name
from layerlab.messages import say

MISCONCEPTIONS = (
    "valid_instead_of_same",
    "same_instead_of_valid",
    "stride_ignored",
    "rounding",
    "forgot_bias",
    "bias_when_none",
    "forgot_input_channels",
    "missing_batch_axis",
    "missing_channel_axis",
    "channels_first",
    "channels_not_filters",
    "flatten_includes_batch",
    "flatten_wrong_tensor",
    "uppercase_padding",
    "positional_compile",
    "missing_softmax",
    "uint8_not_cast",
    "float64",
    "not_scaled",
    "average_pooling",
    "wrong_activation",
    "hardcoded_example",
    "images_mixed",
    "batch_fixed_at_one",
    "relu_negative",
    "same_rounded_down",
    "flatten_pooled_map",
    "bias_per_input",
    "kernel_axes_swapped",
    "scaled_twice",
    "integer_division",
    "zeros_counted",
    "one_hot_loss",
    "learning_rate_changed",
    "indexed_without_batch_axis",
    "no_colorbar",
    "drawn_on_another_figure",
)

# Error texts Keras 3 gives for catalogued pitfalls (DESIGN.md, measured), as regular expressions.
KERAS_ERROR_SIGNS = {
    "uppercase_padding": r"Argument `padding` must be either 'valid' or 'same'",
    "positional_compile": r"is not a valid dtype",
    # a layer given batch[i]: one axis short of what it needs (Keras 3.3-3.13 wording)
    "indexed_without_batch_axis": r"expected (min_)?ndim=(?P<needed>\d+), found ndim=(?P<found>\d+)",
    # categorical_crossentropy on digit labels: the labels have one axis fewer than the ten outputs
    "one_hot_loss": r"[Aa]rguments `target` and `output` must have the same (rank|shape)",
}


def explain(key: str, lang: str | None = None) -> str:
    """The catalogued message for a misconception."""
    if key not in MISCONCEPTIONS:
        raise KeyError(f"unknown misconception '{key}'")
    return say(f"misconception.{key}", lang)


def _same(got: Any, candidate: Any) -> bool:
    if isinstance(candidate, np.ndarray) or isinstance(got, np.ndarray):
        got_array, candidate_array = np.asarray(got), np.asarray(candidate)
        return (
            got_array.shape == candidate_array.shape
            and got_array.dtype.kind in "biuf"
            and np.allclose(got_array, candidate_array, rtol=1e-4, atol=1e-5)
        )
    if isinstance(candidate, (tuple, list)) and isinstance(got, (tuple, list)):
        return len(got) == len(candidate) and all(_same(g, c) for g, c in zip(got, candidate))
    return type(got) in (int, float, bool, str, type(None)) and got == candidate


class AnyOf(tuple):
    """Several answers one misconception can give: `AnyOf(n - 1, n + 1)` for an off-by-one."""

    def __new__(cls, *answers: Any) -> "AnyOf":
        return super().__new__(cls, answers)


def name_the_mistake(got: Any, alternatives: Mapping[str, Any], expected: Any = None) -> str | None:
    """The misconception whose answer `got` matches, or None.

    `alternatives` maps misconception keys to the answer that mistake gives
    (or to an `AnyOf` of the answers it can give); the first match wins.
    An alternative equal to the right answer is ignored (it cannot tell).
    `got` must already be plain data (the caller checked its type).
    """
    for key, answers in alternatives.items():
        for candidate in answers if isinstance(answers, AnyOf) else (answers,):
            if candidate is None or (expected is not None and _same(candidate, expected)):
                continue
            if _same(got, candidate):
                return key
    return None


def from_error(text: str) -> str | None:
    """The misconception a Keras error message reveals, if any."""
    for key, sign in KERAS_ERROR_SIGNS.items():
        found = re.search(sign, text)
        if found is None:
            continue
        if "needed" in found.groupdict() and int(found["needed"]) - int(found["found"]) != 1:
            continue  # not one axis short: some other shape mistake
        return key
    return None


# ------------------------------------------------------------ a layer setting that differs
# One rule for the visible tests (expect_layer), a model's steps (steps) and the hidden
# checks (judge): which setting differs names which misconception.

SETTING_MISTAKES = {"activation": "wrong_activation", "strides": "stride_ignored", "data_format": "channels_first"}


def normal_setting(key: str, value: Any) -> Any:
    """A config value as comparable data: lists are tuples at any depth ((3, 3) comes back
    from Keras as [3, 3]), nested configs drop their names, an activation is its name."""
    if key == "activation":  # tf.nn.softmax, keras.activations.softmax and 'softmax' are one answer
        return activation_name(value)
    if isinstance(value, (list, tuple)):
        return tuple(normal_setting("", item) for item in value)
    if isinstance(value, dict):
        return {k: normal_setting(k, v) for k, v in value.items() if k != "name"}
    return value


def setting_difference(got: Mapping[str, Any], wanted: Mapping[str, Any],
                       keys: Iterable[str]) -> tuple[str, Any, str | None] | None:
    """(key, the learner's value, the misconception it names) for the first of `keys` that differs, else None."""
    for key in keys:
        mine, theirs = normal_setting(key, got.get(key)), normal_setting(key, wanted.get(key))
        if mine != theirs:
            return key, mine, _setting_mistake(key, mine, theirs)
    return None


def _setting_mistake(key: str, mine: Any, wanted: Any) -> str | None:
    if key == "padding":
        if isinstance(mine, str) and mine.lower() == wanted:
            return "uppercase_padding"
        return "same_instead_of_valid" if mine == "same" else "valid_instead_of_same"
    return SETTING_MISTAKES.get(key)
