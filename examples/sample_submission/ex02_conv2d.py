"""My exercise 02."""
import tensorflow as tf


def build_conv2d(filters, kernel_size, strides=1, padding="same", activation=None):
    return tf.keras.layers.Conv2D(filters, kernel_size, strides, padding, activation=activation)


def apply_conv2d(layer, images):
    return layer(images)


def predict_output_shape():
    return (1, 28, 28, 3)  # same padding keeps 28


def predict_kernel_shape():
    return (3, 3, 1, 3)


def predict_bias_shape():
    return (3,)


def predict_param_count():
    return 27 + 3
