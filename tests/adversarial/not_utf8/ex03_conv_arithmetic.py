"""Café: saved as Latin-1."""


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    return 0
