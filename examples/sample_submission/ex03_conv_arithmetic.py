"""My exercise 03."""


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    if padding.lower() == "same":
        return input_length // stride  # I think 'same' just divides by the stride?
    return (input_length - kernel_size) // stride + 1


def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    if isinstance(strides, int):
        strides = (strides, strides)
    batch, height, width, channels = input_shape
    return (
        batch,
        conv_output_length(height, kernel_size[0], strides[0], padding),
        conv_output_length(width, kernel_size[1], strides[1], padding),
        filters,
    )


def conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    weights = kernel_size[0] * kernel_size[1] * in_channels * filters
    if use_bias:
        weights += filters
    return weights
