"""Allocate and touch 64 MB blocks, at most 48 of them (about 3 GB), then wait."""
import time

HOARD = []


def _bomb():
    for _ in range(48):
        HOARD.append(bytearray(64 * 1024 * 1024))  # bytearray pages are zeroed: really resident
    time.sleep(120)
    return -1


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    return _bomb()


def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    return _bomb()


def conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
    return _bomb()
