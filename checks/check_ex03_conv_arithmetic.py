"""Hidden checks for ex03_conv_arithmetic: the three general functions on configurations never shown.

Every configuration is drawn at import time from a fixed seed (input sizes 1-64, odd ones
included, kernels 1-7, strides 1-4, both paddings in either case, channel and filter counts),
plus edge cases: a kernel as large as the input, a stride larger than the kernel, an input of
length 1. Expected answers and the answers of catalogued mistakes come from the reference.
"""

from functools import partial

import numpy as np

from _support_first_layers import (answer_or_none, any_case, call_text, each_case, judge_length,
                                   unambiguous)
from grader import judge
from layerlab.expect import expect_number, expect_shape
from layerlab.misconceptions import AnyOf
from _draws import integer

MODULE = "ex03_conv_arithmetic"
# The seed's layer and the exercise's worked example: what a function that only knows them returns.
SEED = dict(input_shape=(1, 28, 28, 1), filters=3, kernel_size=3, strides=1, padding="same")
WORKED_EXAMPLE = dict(input_shape=(None, 32, 32, 3), filters=16, kernel_size=5, strides=2, padding="valid")

_rng = np.random.default_rng(303)
_int = partial(integer, _rng)  # _int(low, high): both ends included


def _padding(kind):
    return kind if _rng.random() < 0.5 else any_case(kind, _rng)  # 'SAME', 'Same', 'vALiD' too: any case is allowed


def _length_case(kind):
    input_length = _int(1, 64)
    kernel_size = _int(1, 7) if kind == "same" else _int(1, min(7, input_length))
    return dict(input_length=input_length, kernel_size=kernel_size, stride=_int(1, 4), padding=_padding(kind))


def _pair(low, high):
    return (_int(low, high), _int(low, high))


def _shape_case(pairs):
    height, width = _int(1, 64), _int(1, 64)
    padding = _padding(str(_rng.choice(["same", "valid"])))
    most = 7 if padding.lower() == "same" else min(7, height, width)
    if pairs:
        kernel_size, strides = (_int(1, most), _int(1, most)), _pair(1, 4)
    else:
        kernel_size, strides = _int(1, most), _int(1, 4)
    batch = [None, _int(1, 64)][_int(0, 1)]
    return dict(input_shape=(batch, height, width, _int(1, 16)), filters=_int(1, 64), kernel_size=kernel_size,
                strides=strides, padding=padding)


def _param_case(use_bias):
    kernel_size = _int(1, 7) if _rng.random() < 0.5 else _pair(1, 7)
    return dict(kernel_size=kernel_size, in_channels=_int(1, 64), filters=_int(1, 64), use_bias=use_bias)


SAME_CASES = [_length_case("same") for _ in range(30)]
VALID_CASES = [_length_case("valid") for _ in range(30)]
EDGE_CASES = [
    dict(input_length=5, kernel_size=5, stride=1, padding="valid"),  # the kernel is the whole input
    dict(input_length=7, kernel_size=7, stride=3, padding="valid"),
    dict(input_length=6, kernel_size=6, stride=4, padding="same"),
    dict(input_length=20, kernel_size=2, stride=4, padding="valid"),  # the stride skips pixels
    dict(input_length=19, kernel_size=1, stride=3, padding="VALID"),
    dict(input_length=21, kernel_size=3, stride=4, padding="same"),
    dict(input_length=1, kernel_size=1, stride=1, padding="valid"),  # one pixel
    dict(input_length=1, kernel_size=1, stride=4, padding="valid"),
    dict(input_length=1, kernel_size=5, stride=2, padding="same"),
    dict(input_length=1, kernel_size=3, stride=1, padding="SAME"),
    dict(input_length=3, kernel_size=1, stride=4, padding="same"),  # the stride is longer than the input
    dict(input_length=3, kernel_size=2, stride=4, padding="valid"),
    dict(input_length=2, kernel_size=7, stride=1, padding="same"),  # the kernel is larger than the input
]
SHAPE_CASES = [_shape_case(pairs=False) for _ in range(25)]
PAIR_CASES = [_shape_case(pairs=True) for _ in range(25)]
PARAM_CASES = [_param_case(use_bias=True) for _ in range(25)]
NO_BIAS_CASES = [_param_case(use_bias=False) for _ in range(15)]


def _reference():
    return judge.reference(MODULE)


def _known_lengths():
    """conv_output_length's answers for the seed's layer and the worked example (height)."""
    return [_reference().conv2d_output_shape(**example)[1] for example in (SEED, WORKED_EXAMPLE)]


def _check_length(submission, case):
    judge_length(submission, MODULE, _reference().conv_output_length, case, _known_lengths())


def check_conv_output_length_same(submission):
    each_case(SAME_CASES, lambda case: _check_length(submission, case))


def check_conv_output_length_valid(submission):
    each_case(VALID_CASES, lambda case: _check_length(submission, case))


def check_conv_output_length_edge_cases(submission):
    each_case(EDGE_CASES, lambda case: _check_length(submission, case))


def _swap(pair):
    """(height, width) -> (width, height); an int stays as it is."""
    return tuple(reversed(pair)) if isinstance(pair, tuple) else pair


def _shape_alternatives(case, expected):
    reference = _reference()
    batch, height, width, filters = expected
    other = "valid" if case["padding"].lower() == "same" else "same"
    return unambiguous({
        "missing_batch_axis": expected[1:],
        "batch_fixed_at_one": (1, height, width, filters),
        "channels_not_filters": (batch, height, width, case["input_shape"][3]),
        "channels_first": (batch, filters, height, width),
        "valid_instead_of_same" if other == "valid" else "same_instead_of_valid":
            answer_or_none(reference.conv2d_output_shape, **{**case, "padding": other}),
        "stride_ignored": reference.conv2d_output_shape(**{**case, "strides": 1}),
        "hardcoded_example": AnyOf(reference.conv2d_output_shape(**SEED),
                                   reference.conv2d_output_shape(**WORKED_EXAMPLE)),
        "rounding": AnyOf(*((batch, height + dh, width + dw, filters)
                            for dh in (-1, 0, 1) for dw in (-1, 0, 1) if (dh, dw) != (0, 0))),
        # Mistakes the catalog has no words for; their answers must not be taken for another mistake's.
        "height and width swapped": AnyOf(*(reference.conv2d_output_shape(**{**case, key: _swap(case[key])})
                                            for key in ("kernel_size", "strides"))),
    }, expected)


def _check_shape(submission, case):
    what = call_text("conv2d_output_shape", **case)
    expected = _reference().conv2d_output_shape(**case)
    got = judge.plain(judge.call(submission, what, MODULE, "conv2d_output_shape", **case), what)
    expect_shape(got, expected, what, alternatives=_shape_alternatives(case, expected))


def check_conv2d_output_shape(submission):
    """Square kernels and strides given as one int; batch None or a number; both paddings."""
    each_case(SHAPE_CASES, lambda case: _check_shape(submission, case))


def check_conv2d_output_shape_height_width_pairs(submission):
    """(height, width) kernels and strides on non-square inputs: the two axes must not be mixed up."""
    each_case(PAIR_CASES, lambda case: _check_shape(submission, case))


def _check_params(submission, case):
    reference = _reference()
    what = call_text("conv2d_param_count", **case)
    expected = reference.conv2d_param_count(**case)
    got = judge.plain(judge.call(submission, what, MODULE, "conv2d_param_count", **case), what)
    seed = dict(kernel_size=SEED["kernel_size"], in_channels=SEED["input_shape"][3], filters=SEED["filters"])
    example = dict(kernel_size=WORKED_EXAMPLE["kernel_size"], in_channels=WORKED_EXAMPLE["input_shape"][3],
                   filters=WORKED_EXAMPLE["filters"])
    expect_number(got, expected, what, alternatives=unambiguous({
        "forgot_bias": reference.conv2d_param_count(**{**case, "use_bias": False}),
        "bias_when_none": reference.conv2d_param_count(**{**case, "use_bias": True}),
        "forgot_input_channels": reference.conv2d_param_count(**{**case, "in_channels": 1}),
        "hardcoded_example": AnyOf(*(reference.conv2d_param_count(**known, use_bias=bias)
                                     for known in (seed, example) for bias in (True, False))),
    }, expected))


def check_conv2d_param_count(submission):
    each_case(PARAM_CASES, lambda case: _check_params(submission, case))


def check_conv2d_param_count_without_bias(submission):
    each_case(NO_BIAS_CASES, lambda case: _check_params(submission, case))


def check_defaults_and_positional_arguments(submission):
    """Left out, stride is 1, padding 'valid' and use_bias True; arguments may come by position."""
    reference = _reference()
    # (function, positional arguments, {mistake: the arguments a wrong default amounts to})
    calls = [
        ("conv_output_length", (17, 4), {"same_instead_of_valid": (17, 4, 1, "same")}),
        ("conv_output_length", (33, 6, 3), {"same_instead_of_valid": (33, 6, 3, "same")}),
        ("conv_output_length", (9, 2, 2, "same"), {"valid_instead_of_same": (9, 2, 2, "valid")}),
        ("conv2d_output_shape", ((None, 31, 22, 5), 7, 4), {"same_instead_of_valid": ((None, 31, 22, 5), 7, 4, 1,
                                                                                        "same")}),
        ("conv2d_output_shape", ((3, 40, 41, 2), 9, (5, 2), (3, 1)),
         {"same_instead_of_valid": ((3, 40, 41, 2), 9, (5, 2), (3, 1), "same")}),
        ("conv2d_param_count", (6, 5, 7), {"forgot_bias": (6, 5, 7, False)}),
        ("conv2d_param_count", ((2, 5), 3, 4, False), {"bias_when_none": ((2, 5), 3, 4, True)}),
    ]

    def check_one(entry):
        function, args, mistakes = entry
        what = call_text(function, *args)
        compute = getattr(reference, function)
        expected = compute(*args)
        got = judge.plain(judge.call(submission, what, MODULE, function, *args), what)
        alternatives = unambiguous({key: compute(*wrong) for key, wrong in mistakes.items()}, expected)
        expect = expect_shape if function == "conv2d_output_shape" else expect_number
        expect(got, expected, what, alternatives=alternatives)

    each_case(calls, check_one)
