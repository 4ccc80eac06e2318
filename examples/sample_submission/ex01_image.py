"""My exercise 01."""
import numpy as np

from layerlab.data import load_mnist


def load_one_image(index=0):
    images = load_mnist().x_train
    return images[index]


def to_model_input(image, scale=True):
    x = np.reshape(image, (1, *np.shape(image), 1)).astype("float32")
    if scale:
        x = x / 255
    return x


def predict_input_shape():
    return (1, 28, 28, 1)
