"""A single native op that runs for minutes (stopped only by killing the process)."""
import tensorflow as tf


@tf.function
def _grind():
    matrix = tf.ones((400, 400)) / 400.0
    return tf.while_loop(lambda i, m: i < 10_000_000, lambda i, m: (i + 1, tf.matmul(m, matrix)),
                         (tf.constant(0), matrix))


def build_conv2d(filters, kernel_size, strides=1, padding="same", activation=None):
    return _grind()


def apply_conv2d(layer, images):
    return _grind()


def predict_output_shape():
    return _grind()


def predict_kernel_shape():
    return _grind()


def predict_bias_shape():
    return _grind()


def predict_param_count():
    return _grind()
