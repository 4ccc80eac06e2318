"""Correct answers in TensorFlow's own types."""
import keras
import tensorflow as tf


def build_conv2d(filters, kernel_size, strides=1, padding="same", activation=None):
    return tf.keras.layers.Conv2D(filters, kernel_size, strides, padding, activation=activation)


def apply_conv2d(layer, images):
    return tf.Variable(layer(tf.constant(images, dtype=tf.float32)))  # a Variable, not an array


def predict_output_shape():
    return tf.TensorShape([1, 28, 28, 3])


def predict_kernel_shape():
    layer = keras.layers.Conv2D(3, 3, padding="same")
    layer.build((1, 28, 28, 1))
    return tf.TensorShape(layer.kernel.shape)


def predict_bias_shape():
    return tf.TensorShape([3])


def predict_param_count():
    return int(tf.constant(3 * 3 * 1 * 3 + 3))
