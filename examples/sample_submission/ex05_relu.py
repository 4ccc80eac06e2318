"""My exercise 05."""
import numpy as np
import tensorflow as tf


def build_relu():
    return tf.keras.layers.Activation("relu")


def apply_relu(layer, tensor):
    return layer(tensor)


def predict_negative_becomes():
    return 0.0


def count_zeroed(tensor):
    values = np.array(tensor)
    return int((values < 0).sum())
