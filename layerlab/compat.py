"""Everything that differs between the Python and TensorFlow/Keras versions the kit supports, in one place.

Supported: TensorFlow 2.16 (the first with Keras 3) to 2.21, with the Keras 3
release each one installs. .ci/run runs the whole suite on the oldest and the
newest pair.
"""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["output_shape", "tomllib"]


def output_shape(layer, input_shape) -> tuple:
    """The output shape of a layer, a Sequential or a functional model for `input_shape`.

    Keras 3.3 (the one TensorFlow 2.16 brings) raises NotImplementedError from
    Sequential.compute_output_shape until the model is built; a symbolic call
    works on every version.
    """
    import keras

    try:
        return tuple(layer.compute_output_shape(tuple(input_shape)))
    except NotImplementedError:
        return tuple(layer(keras.Input(batch_shape=tuple(input_shape))).shape)
