"""My exercise 07."""
import tensorflow as tf


def build_flatten():
    return tf.keras.layers.Flatten()


def predict_output_shape():
    return (1, 28 * 28 * 3)


def flattened_length(shape):
    total = 1
    for size in shape[1:]:
        total *= size
    return total
