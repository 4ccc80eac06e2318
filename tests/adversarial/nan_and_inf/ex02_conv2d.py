"""Outputs full of NaN and infinity."""
import numpy as np


def build_conv2d(filters, kernel_size, strides=1, padding="same", activation=None):
    return float("nan")


def apply_conv2d(layer, images):
    output = np.array(layer(images))  # a writable copy
    output[..., 0] = np.nan
    output[..., -1] = np.inf
    return output


def predict_output_shape():
    return (1, float("nan"), float("inf"), 3)


def predict_kernel_shape():
    return (float("nan"),)


def predict_bias_shape():
    return (float("inf"),)


def predict_param_count():
    return float("nan")
