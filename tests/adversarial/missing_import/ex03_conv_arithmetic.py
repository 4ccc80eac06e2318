"""Imports something that is not installed."""
import layer_magic_that_does_not_exist


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    return 0
