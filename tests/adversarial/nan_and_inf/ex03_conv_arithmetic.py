"""Infinity and NaN for every length."""


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    return float("inf")


def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    return (float("nan"),) * 4


def conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
    return float("nan")
