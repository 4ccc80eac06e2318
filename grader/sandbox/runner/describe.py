"""Descriptions of the framework objects a learner's code returns: plain data for wire.encode.

A Keras layer or model becomes its config and weights, a matplotlib Figure what
the checks read of it, a path the file's name, size, first bytes and a preview.
Copied into the child beside wire.py; `encode` is wire's, passed in.
"""

from __future__ import annotations

import base64
import os

import numpy as np


def keras(layer, encode) -> dict:
    """A layer or model as its Keras config and weights (plain data only)."""
    import keras

    kind = type(layer)
    description = {
        "t": "keras",
        "class_name": kind.__name__,
        "module": kind.__module__,
        "is_model": isinstance(layer, keras.Model),
        "built": bool(layer.built),
        "config": encode(keras.saving.serialize_keras_object(layer)),
        "weights": [encode(np.asarray(w)) for w in layer.get_weights()],
    }
    if isinstance(layer, keras.Model):
        try:
            description["compiled"] = bool(layer.compiled)
            description["compile_config"] = encode(layer.get_compile_config()) if layer.compiled else None
        except Exception as error:  # a half-compiled model: say so, the parent judges
            description["compile_config"] = {"t": "unsupported", "type": f"compile config: {error}"}
    return description


def figure(figure, encode) -> dict:
    """What a check needs to know about a matplotlib Figure: axes, titles, images, bars."""
    from layerlab.plots import bar_heights  # the child has layerlab beside this file

    axes = []
    for ax in figure.axes:
        axes.append(
            {
                "title": ax.get_title(),
                "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(),
                "images": [np.asarray(image.get_array(), dtype=np.float64) for image in ax.get_images()],
                "bar_heights": np.asarray(bar_heights(ax), dtype=np.float64),
                "is_colorbar": ax.get_label() == "<colorbar>",
            }
        )
    suptitle = figure._suptitle.get_text() if figure._suptitle else ""
    return {"t": "figure", "axes": encode(axes), "suptitle": suptitle}  # encoded once, as a whole


def path(path, encode) -> dict:
    """A path the learner's code wrote: its name, size and first bytes (read in the child)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
        size = os.path.getsize(path)
    except OSError:
        head, size = b"", -1
    description = {"t": "path", "name": os.path.basename(str(path)), "size": size,
                   "head": base64.b64encode(head).decode()}
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        from layerlab.plots import png_preview  # the child has layerlab beside this file

        preview = png_preview(path)
        description.update({key: encode(value) for key, value in preview.items()})
    return description
