"""A typo."""


def conv_output_length(input_length, kernel_size, stride=1, padding="valid")
    return input_length
