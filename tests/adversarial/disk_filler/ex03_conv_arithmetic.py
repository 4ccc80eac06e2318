"""Write up to 300 MB into ./filler.bin, then answer wrongly."""
import os


def _fill():
    block = b"\0" * (1024 * 1024)
    with open(os.path.join(os.getcwd(), "filler.bin"), "wb") as handle:
        for _ in range(300):
            handle.write(block)
    return -1


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    return _fill()


def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    return _fill()


def conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
    return _fill()
