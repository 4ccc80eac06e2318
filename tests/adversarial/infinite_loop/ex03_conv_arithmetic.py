"""An infinite loop in one function (stopped by the grader's deadline)."""
import math


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    while True:
        pass


def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    batch, height, width, _ = input_shape
    kernel = kernel_size if type(kernel_size) is tuple else (kernel_size, kernel_size)
    stride = strides if type(strides) is tuple else (strides, strides)

    def length(n, k, s):
        return math.ceil(n / s) if padding.lower() == "same" else (n - k) // s + 1

    return (batch, length(height, kernel[0], stride[0]), length(width, kernel[1], stride[1]), filters)


def conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
    kernel = kernel_size if type(kernel_size) is tuple else (kernel_size, kernel_size)
    return kernel[0] * kernel[1] * in_channels * filters + (filters if use_bias else 0)
