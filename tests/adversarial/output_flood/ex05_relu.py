"""Honest answers behind a flood of output."""
import sys

import keras
import numpy as np

LINE = "x" * 1023 + "\n"
for _ in range(20_000):  # 20 MB on each stream
    sys.stdout.write(LINE)
    sys.stderr.write(LINE)


def build_relu():
    return keras.layers.ReLU()


def apply_relu(layer, tensor):
    sys.stdout.write(LINE * 100)
    return layer(tensor)


def predict_negative_becomes():
    return 0.0


def count_zeroed(tensor):
    return int(np.count_nonzero(np.asarray(tensor) < 0))
