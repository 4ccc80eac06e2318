"""The seed's figures: one MNIST image followed through a small CNN, drawn as PNG files.

Kit code, not an exercise answer: the network is plain Keras with weights drawn
from a fixed seed and never trained, so the pictures show what the layers do to
an image, not what a trained model has learned. Every `*_figure` function takes
arrays and returns a matplotlib Figure on an Agg canvas (no window, no pyplot
state); `save` writes one as a PNG. Titles hold layer names and shapes only,
which read the same in English and Korean.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from layerlab.quiet import import_tensorflow

import_tensorflow()  # quietly, before Keras loads it

import keras  # noqa: E402

SEED = 1234
IMAGE_FIGURES = ("input", "histogram", "kernels")
LAYER_NAMES = ("conv2d", "relu", "max_pooling2d", "flatten", "dense", "dense_softmax")
FIGURE_NAMES = IMAGE_FIGURES + LAYER_NAMES

# Which figures `layerlab show EXERCISE` draws, by exercise id (every id of the table).
FOR_EXERCISE = {
    "image": ("input",),
    "conv2d": ("kernels", "conv2d"),
    "conv-arithmetic": ("input", "conv2d", "max_pooling2d"),
    "inspect": ("histogram",),
    "relu": ("conv2d", "relu"),
    "maxpool": ("relu", "max_pooling2d"),
    "flatten": ("max_pooling2d", "flatten"),
    "dense": ("flatten", "dense", "dense_softmax"),
    "batch": ("input", "conv2d"),
    "model": LAYER_NAMES,
    "train": (),  # the seed's network is untrained: its pictures say nothing about training
    "visualize": ("histogram", "kernels", "conv2d"),
}


def seed_layers(seed: int = SEED) -> list:
    """The seed's network as named layers, weights drawn from `seed`:
    Conv2D(8, 3, 'same') -> ReLU -> MaxPool2D(2, 'same') -> Flatten -> Dense(32, relu) -> Dense(10, softmax)."""
    keras.utils.set_random_seed(seed)
    return [
        keras.layers.Conv2D(8, 3, padding="same", name="conv2d"),
        keras.layers.ReLU(name="relu"),
        keras.layers.MaxPool2D(2, padding="same", name="max_pooling2d"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(32, activation="relu", name="dense"),
        keras.layers.Dense(10, activation="softmax", name="dense_softmax"),
    ]


def layer_outputs(layers: list, image: np.ndarray) -> dict[str, np.ndarray]:
    """Each layer's output for `image`, by layer name, in order: the image flows through them all."""
    outputs, tensor = {}, image
    for layer in layers:
        tensor = layer(tensor)  # (1, 28, 28, 1) -> ... -> (1, 10)
        outputs[layer.name] = np.asarray(tensor)
    return outputs


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)  # draw with Agg: PNG files, never a window
    return figure


def input_figure(image: np.ndarray, label: int | None = None) -> Figure:
    """The (1, 28, 28, 1) input as a picture, with a colorbar."""
    figure = _figure(4.5, 4)
    axes = figure.add_subplot()
    picture = axes.imshow(image[0, :, :, 0], cmap="gray")  # (1, 28, 28, 1) -> (28, 28)
    figure.colorbar(picture, ax=axes)
    axes.set_title(f"input {image.shape}" + ("" if label is None else f", label {label}"))
    return figure


HISTOGRAM_RANGE = (-2.0, 2.0)  # the seed's range=[-2, 2]: where a Conv2D output of an image in [0, 1] lies


def histogram_figure(output: np.ndarray, name: str, bins: int = 41) -> Figure:  # odd: a bar centred on 0
    """How the values of a layer's output are spread, whatever its shape, on the seed's range [-2, 2].

    The image's background gives thousands of equal values (zeros after ReLU, one
    bias value after Conv2D): the bar holding them is cut at a y-limit set by
    the other bars, as the seed's plt.ylim(0, 100) does, and labelled with its count.
    """
    figure = _figure(6, 4)
    axes = figure.add_subplot()
    values = output.ravel()  # every value counts, wherever it sits in the tensor
    counts, edges, _ = axes.hist(values, bins=bins, range=HISTOGRAM_RANGE)
    tallest = int(np.argmax(counts))
    others = np.delete(counts, tallest)
    limit = max(float(others.max()) * 1.25 if others.size else 0.0, 1.0)
    if counts[tallest] > limit:  # the background's bar: cut, its count written on top
        axes.set_ylim(0, limit)
        middle = (edges[tallest] + edges[tallest + 1]) / 2
        axes.annotate(f"{int(counts[tallest])} \u2191", (middle, limit), xytext=(0, -12),
                      textcoords="offset points", ha="center", fontsize=8)
    outside = int(np.count_nonzero((values < HISTOGRAM_RANGE[0]) | (values > HISTOGRAM_RANGE[1])))
    axes.set_title(f"{name} output {output.shape}: {output.size} values"
                   + (f", {outside} outside [-2, 2]" if outside else ""))
    axes.set_xlabel("value")
    axes.set_ylabel("count")
    return figure


def _grid(count: int) -> tuple[int, int]:
    """Rows and columns for `count` panels, at most four to a row."""
    columns = min(count, 4)
    return -(-count // columns), columns


def kernels_figure(kernel: np.ndarray, name: str) -> Figure:
    """One panel per filter: the weights it applies to the first input channel, one colour scale for all."""
    filters = kernel.shape[-1]
    rows, columns = _grid(filters)
    figure = _figure(2.6 * columns + 1, 2.4 * rows + 0.6)
    limit = float(np.max(np.abs(kernel))) or 1.0  # symmetric: white is 0, red positive, blue negative
    panels = figure.subplots(rows, columns, squeeze=False).ravel()
    for index, axes in enumerate(panels):
        if index >= filters:
            axes.remove()
            continue
        weights = kernel[:, :, 0, index]  # (kh, kw, in_channels, filters) -> (kh, kw)
        picture = axes.imshow(weights, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes.set_title(f"kernel[:, :, 0, {index}] {weights.shape}", fontsize=9)
        axes.set_xticks([])
        axes.set_yticks([])
    figure.colorbar(picture, ax=list(panels[:filters]), shrink=0.8)
    figure.suptitle(f"{name} kernel {kernel.shape}, input channel 0")
    return figure


def feature_map_figure(output: np.ndarray, name: str) -> Figure:
    """A layer's output for one image: a panel per channel of a (1, h, w, c) map, one strip for a (1, n) vector."""
    if output.ndim == 4:
        channels = output.shape[-1]
        rows, columns = _grid(channels)
        figure = _figure(3.2 * columns, 2.9 * rows + 0.4)
        panels = figure.subplots(rows, columns, squeeze=False).ravel()
        for index, axes in enumerate(panels):
            if index >= channels:
                axes.remove()
                continue
            picture = axes.imshow(output[0, :, :, index], cmap="viridis")  # (1, h, w, c) -> (h, w)
            figure.colorbar(picture, ax=axes, shrink=0.85)
            axes.set_title(f"channel {index}", fontsize=9)
            axes.set_xticks([])
            axes.set_yticks([])
        figure.suptitle(f"{name} output {output.shape}")  # once for the grid, not on every panel
        return figure
    figure = _figure(10, 2.2)
    axes = figure.add_subplot()
    # (1, n): one row of n numbers, stretched to fill the width
    picture = axes.imshow(output, cmap="viridis", aspect="auto", interpolation="nearest")
    figure.colorbar(picture, ax=axes)
    axes.set_title(f"{name} {output.shape}")
    axes.set_yticks([])
    if output.shape[-1] <= 10:  # the classifier's output: one column per digit
        axes.set_xticks(range(output.shape[-1]))
        axes.set_xlabel("class")
    return figure


def seed_figures(image: np.ndarray, names=FIGURE_NAMES, label: int | None = None,
                 seed: int = SEED) -> dict[str, Figure]:
    """The figures called `names` for one (1, 28, 28, 1) image through the seed's layers, by name."""
    layers = seed_layers(seed)
    outputs = layer_outputs(layers, image)
    draw = {
        "input": lambda: input_figure(image, label),
        "histogram": lambda: histogram_figure(outputs["conv2d"], "conv2d"),
        "kernels": lambda: kernels_figure(np.asarray(layers[0].kernel), "conv2d"),
    }
    return {name: draw[name]() if name in draw else feature_map_figure(outputs[name], name) for name in names}


def file_name(name: str) -> str:
    """input.png, kernels.png, ..., layer1_conv2d.png: the layers' figures sort in the network's order."""
    if name in LAYER_NAMES:
        return f"layer{LAYER_NAMES.index(name) + 1}_{name}.png"
    return f"{name}.png"


def save(figure: Figure, path: Path) -> Path:
    """Write `figure` as a PNG file at `path` (folders are made); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=100)
    return path
