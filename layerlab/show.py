"""`layerlab show`: the figures of an exercise, drawn by the learner's own plot_* functions.

`show EXERCISE` follows one MNIST image through the seed's layers and draws the
figures of that exercise with the plot_* functions of the learner's
ex12_visualize.py: plot_histogram for the histogram, plot_kernel for the
kernel, plot_feature_map for every (1, h, w, c) map. A figure whose function is
not written yet, fails, or returns no Figure is the kit's own, and the command
says why. `show all` draws the kit's walkthrough of every layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # the learner's pyplot calls draw into files, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from layerlab.messages import say  # noqa: E402

PLOTTING_MODULE = "ex12_visualize"


def learner_drawings(names, outputs: dict, image, kernel) -> dict[str, tuple[str, tuple]]:
    """For each figure name the learner's functions can draw: (the function's name, its arguments)."""
    drawings = {}
    for name in names:
        if name == "histogram":
            drawings[name] = ("plot_histogram", (outputs["conv2d"],))
        elif name == "kernels":
            drawings[name] = ("plot_kernel", (kernel,))
        elif name == "input":
            drawings[name] = ("plot_feature_map", (image,))  # (1, 28, 28, 1): a map with one channel
        elif outputs.get(name) is not None and outputs[name].ndim == 4:
            drawings[name] = ("plot_feature_map", (outputs[name],))
    return drawings


def _learner_module(folder: Path) -> tuple[Any, str | None]:
    """The learner's ex12_visualize module, or None and the reason it cannot be used."""
    from layerlab.expect import Incorrect, NotStarted, load_exercise

    try:
        return load_exercise(folder / f"{PLOTTING_MODULE}.py"), None
    except NotStarted:
        return None, say("cli.show_not_written")
    except Incorrect as error:
        return None, str(error).splitlines()[0]


def _learner_figure(module, function: str, arguments: tuple) -> tuple[Figure | None, str | None]:
    """The Figure the learner's `function` returns for `arguments`, or None and why not."""
    from layerlab.expect import Incorrect, NotStarted, call

    try:
        figure = call(module, function, *arguments)
    except NotStarted:
        return None, say("cli.show_not_written")
    except Incorrect as error:
        return None, str(error).splitlines()[0]
    if not isinstance(figure, Figure):
        return None, say("wrong_type", what=f"{function}(...)", expected=say("type.figure"),
                         received=type(figure).__name__)
    return figure, None


def seed_image(index: int):
    """MNIST training image `index` as a (1, 28, 28, 1) float32 batch, and its digit (IndexError names the range)."""
    from layerlab.data import load_mnist, prepare_images

    mnist = load_mnist()
    if not 0 <= index < len(mnist.x_train):
        raise IndexError(say("cli.bad_index", index=index, last=len(mnist.x_train) - 1))
    return prepare_images(mnist.x_train[index : index + 1]), int(mnist.y_train[index])


def draw(exercise_id: str, names, out: Path, image, label: int, folder: Path) -> list[str]:
    """Write the figures `names` as PNG files in `out`; one line per file saying whose drawing it is."""
    from layerlab import figures

    kit = figures.seed_figures(image, names, label=label)
    lines = []
    if exercise_id == "all":
        drawings, module, reason = {}, None, None
    else:
        layers = figures.seed_layers()
        outputs = figures.layer_outputs(layers, image)
        drawings = learner_drawings(names, outputs, image, np.asarray(layers[0].kernel))
        module, reason = _learner_module(folder) if drawings else (None, None)
    for name in names:
        figure, why = kit[name], None
        if name in drawings:
            function, arguments = drawings[name]
            mine, why = _learner_figure(module, function, arguments) if module is not None else (None, reason)
            figure = mine or figure
        path = figures.save(figure, out / figures.file_name(name))
        if figure is not kit[name]:
            plt.close(figure)  # pyplot keeps every figure the learner made until it is closed
        if name not in drawings:
            lines.append(say("cli.show_wrote", path=path))
        elif why is None:
            lines.append(say("cli.show_wrote_yours", path=path, function=drawings[name][0]))
        else:
            lines.append(say("cli.show_wrote_kits", path=path, function=drawings[name][0], reason=why))
    return lines
