"""Right pixels, wrong dtype (float64) and a missing batch axis."""
import numpy as np

from layerlab.data import load_mnist


def load_one_image(index=0):
    return load_mnist().x_train[index].astype(np.float64)


def to_model_input(image, scale=True):
    array = np.asarray(image, dtype=np.float64)[..., np.newaxis]  # (28, 28, 1): no batch axis
    return array / 255.0 if scale else array


def predict_input_shape():
    return [1.0, 28.0, 28.0, 1.0]
