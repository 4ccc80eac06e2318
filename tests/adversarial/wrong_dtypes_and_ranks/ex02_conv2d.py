"""Wrong dtypes and ranks for every answer."""
import numpy as np


def build_conv2d(filters, kernel_size, strides=1, padding="same", activation=None):
    return np.zeros((filters,), dtype=np.uint8)


def apply_conv2d(layer, images):
    return np.asarray(layer(images), dtype=np.float64)[0]


def predict_output_shape():
    return np.array([1, 28, 28, 3])


def predict_kernel_shape():
    return [3.0, 3.0, 1.0, 3.0]


def predict_bias_shape():
    return 3


def predict_param_count():
    return 30.0
