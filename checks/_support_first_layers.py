"""What the hidden checks of exercises 01-06 share: many cases in one check, and naming the mistake.

A general function (an output length, a shape, a count) is tried on many
seeded configurations inside one check. `each_case` runs them all and fails
with one wrong case, preferring a case whose answer names a catalogued mistake
without doubt (`unambiguous` drops answers two mistakes would both give).
Messages name the case's arguments, which are the learner's own input, never
the expected answer.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from grader import judge
from layerlab.expect import Incorrect, expect_number
from layerlab.messages import say
from layerlab.misconceptions import MISCONCEPTIONS, AnyOf


def call_text(function: str, *args: Any, **kwargs: Any) -> str:
    """How a call reads in a message: conv_output_length(13, 4, stride=3, padding='same')."""
    words = [repr(value) for value in args] + [f"{key}={value!r}" for key, value in kwargs.items()]
    return f"{function}({', '.join(words)})"


def unambiguous(alternatives: Mapping[str, Any], expected: Any) -> dict[str, Any]:
    """The alternatives without the answers that two mistakes share (such an answer cannot tell them apart).

    Answers must be hashable (numbers, tuples). An answer equal to the right one is dropped too.
    A key that is not a catalogued misconception (e.g. "swapped axes") names a mistake the
    catalog has no words for: its answers only take part in the comparison and are never named.
    """
    owners: dict[Any, set] = {}
    for key, answers in alternatives.items():
        for answer in answers if isinstance(answers, AnyOf) else (answers,):
            if answer is not None and answer != expected:
                owners.setdefault(answer, set()).add(key)
    kept = {}
    for key, answers in alternatives.items():
        if key not in MISCONCEPTIONS:
            continue
        left = [a for a in (answers if isinstance(answers, AnyOf) else (answers,)) if len(owners.get(a, ())) == 1]
        if left:
            kept[key] = AnyOf(*left)
    return kept


def each_case(cases: Iterable, check_one: Callable[[Any], None]) -> None:
    """Run `check_one` on every case; fail with a wrong case that names a mistake, else the first wrong one.

    A call that could not run (not started, raised, stopped) ends the check at once.
    """
    cases = list(cases)
    failures: list[Incorrect] = []
    for case in cases:
        try:
            check_one(case)
        except Incorrect as failure:
            failures.append(failure)
    if failures:
        shown = next((f for f in failures if f.misconception), failures[0])
        raise Incorrect(f"{shown}\n  {say('checks.cases_wrong', wrong=len(failures), total=len(cases))}",
                        shown.misconception)


def any_case(word: str, rng) -> str:
    """'same' written as the contract allows it ("any case"): same, SAME, Same or a mixed sAmE."""
    pick = int(rng.integers(0, 4))
    if pick == 3:
        return "".join(letter.upper() if rng.random() < 0.5 else letter for letter in word)
    return (word, word.upper(), word.capitalize())[pick]


def answer_or_none(function: Callable[..., Any], **arguments: Any) -> Any:
    """The reference's answer, or None where it has none ('valid' with a kernel larger than the input)."""
    try:
        return function(**arguments)
    except ValueError:
        return None


def judge_length(submission, module: str, length: Callable[..., int], case: dict, known: Iterable[int]) -> None:
    """One case of the learner's `length` function (conv_output_length, pool_output_length), named after the
    reference function `length`: the reference's answer, and the mistake a wrong answer makes."""
    what = call_text(length.__name__, **case)
    expected = length(**case)
    got = judge.plain(judge.call(submission, what, module, length.__name__, **case), what)
    expect_number(got, expected, what, alternatives=length_alternatives(length, case, expected, known))


def length_alternatives(length: Callable[..., int], case: dict, expected: int, known: Iterable[int]) -> dict:
    """What a one-axis output length (conv or pool) is under each catalogued mistake, from the reference.

    `length` is the reference function, `case` its keyword arguments (with `stride` and `padding`),
    `known` the answers of the examples a learner has seen (the seed's layer, the worked example).
    """
    same = case["padding"].lower() == "same"
    other = answer_or_none(length, **{**case, "padding": "valid" if same else "same"})
    return unambiguous({
        "valid_instead_of_same" if same else "same_instead_of_valid": other,
        "stride_ignored": length(**{**case, "stride": 1}),
        "hardcoded_example": AnyOf(*known),
        "rounding": AnyOf(expected - 1, expected + 1),
    }, expected)


def with_hint(failure: Incorrect, hint: str) -> Incorrect:
    """The same failure with one more line of advice."""
    return Incorrect(f"{failure}\n  {hint}", failure.misconception)
