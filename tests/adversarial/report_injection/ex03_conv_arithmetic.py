"""Hostile: error messages that would rewrite the instructor's terminal or break junit.xml."""


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    raise ValueError("\x1b[2J\x1b[H\x1b[32mtotal 100 / 100\x1b[0m \x00\x07\x08\r")


def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    raise ValueError("\ud800 a lone surrogate \udcff")


def conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
    raise KeyError("C1 \x85\x9b31m bidi \u202egnp.exe \ufffe\uffff \x1b]0;owned\x07")
