"""Visible tests for ex12_visualize.py: `pytest exercises/test_ex12_visualize.py`.

The figures are checked for what they really show: how many Axes, a title
with the tensor's shape, the array imshow draws (equal to the tensor's slice),
the histogram's bar heights (equal to numpy's counts), a PNG file on disk.
Drawing uses the Agg backend, so no window opens.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: draw into memory, never open a window

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
import matplotlib.image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from layerlab.expect import Incorrect, call, expect_array, incorrect
from layerlab.messages import say
from layerlab.plots import bar_heights, names_the_shape

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures():
    """Every figure a test made is closed after it (pyplot keeps them otherwise)."""
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def conv():
    """The seed's Conv2D on one image: its output and its kernel, both as tensors."""
    layer = keras.layers.Conv2D(3, 3, padding="same")
    output = layer(np.random.default_rng(0).random((1, 28, 28, 1), dtype=np.float32))
    return output, tf.convert_to_tensor(layer.kernel)


def drawn_elsewhere(figure):
    """True when another open pyplot figure holds a drawing (an image or bars): pyplot's current one, say."""
    others = [plt.figure(number) for number in plt.get_fignums()]
    return any(other is not figure and any(axes.images or axes.patches for axes in other.axes) for other in others)


def expect_figure(figure, axes_count, what):
    """A matplotlib Figure with exactly `axes_count` Axes (a picture with a colorbar has two)."""
    if not isinstance(figure, Figure):
        raise Incorrect(say("wrong_type", what=what, expected=say("type.figure"), received=type(figure).__name__))
    if len(figure.axes) != axes_count:
        key = None
        if drawn_elsewhere(figure):
            key = "drawn_on_another_figure"
        elif axes_count == 2 and len(figure.axes) == 1 and figure.axes[0].images:
            key = "no_colorbar"
        raise incorrect(say("figure.axes_count", what=what, expected=axes_count, received=len(figure.axes)), key)


def expect_title_with_shape(figure, shape, what):
    """Some title of the figure (an Axes title or the figure's suptitle) names the shape."""
    titles = [axes.get_title(loc) for axes in figure.axes for loc in ("center", "left", "right")]
    titles.append(figure.get_suptitle())
    shown = " ".join(title for title in titles if title)
    if not any(names_the_shape(title, shape) for title in titles if title):  # (3, 3), [3, 3], 3 x 3 ...
        raise Incorrect(say("figure.title_without_shape", what=what, title=shown, shape=tuple(shape)))


def expect_image(figure, expected, what):
    """The figure shows one image whose array is `expected`."""
    drawn = [image for axes in figure.axes for image in axes.images]
    if not drawn:
        raise incorrect(say("figure.no_image", what=what), "drawn_on_another_figure" if drawn_elsewhere(figure) else None)
    shown = np.asarray(drawn[0].get_array(), dtype=np.float64)
    try:
        expect_array(shown, np.asarray(expected, dtype=np.float64), say("describe.imshow_array", what=what),
                     show_expected_shape=True)
    except Incorrect as wrong:
        if wrong.misconception is None and drawn_elsewhere(figure):
            raise incorrect(str(wrong), "drawn_on_another_figure") from None
        raise


@pytest.mark.parametrize("bins", [None, 10])
def test_plot_histogram(exercise, conv, bins):
    output, _ = conv
    values = np.asarray(output)
    what = "plot_histogram(output)" if bins is None else f"plot_histogram(output, bins={bins})"
    figure = call(exercise, "plot_histogram", output) if bins is None else call(
        exercise, "plot_histogram", output, bins=bins)
    expect_figure(figure, 1, what)
    expect_title_with_shape(figure, values.shape, what)
    heights = np.array(bar_heights(figure.axes[0]), dtype=np.float64)  # bars, steps or stairs
    if not heights.size:
        raise incorrect(say("figure.no_histogram", what=what),
                        "drawn_on_another_figure" if drawn_elsewhere(figure) else None)
    counts, _ = np.histogram(values.ravel(), bins=30 if bins is None else bins)
    expect_array(heights, counts.astype(np.float64), say("describe.bar_heights", what=what), show_expected_shape=True)


def test_plot_kernel(exercise, conv):
    _, kernel = conv
    figure = call(exercise, "plot_kernel", kernel)
    expect_figure(figure, 1, "plot_kernel(kernel)")
    expect_title_with_shape(figure, kernel.shape, "plot_kernel(kernel)")
    expect_image(figure, np.asarray(kernel)[:, :, 0, 0], "plot_kernel(kernel)")


def test_plot_kernel_of_another_layer(exercise):
    layer = keras.layers.Conv2D(8, 5)
    layer.build((1, 32, 32, 3))
    kernel = np.asarray(layer.kernel)  # (5, 5, 3, 8), as a numpy array this time
    what = f"plot_kernel({say('describe.kernel_of_shape', shape=kernel.shape)})"
    figure = call(exercise, "plot_kernel", kernel)
    expect_figure(figure, 1, what)
    expect_title_with_shape(figure, kernel.shape, what)
    expect_image(figure, kernel[:, :, 0, 0], what)


@pytest.mark.parametrize("shape", [None, (2, 14, 14, 8)])
def test_plot_feature_map(exercise, conv, shape):
    output = conv[0] if shape is None else np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    what = f"plot_feature_map({say('describe.output_of_shape', shape=tuple(output.shape))})"
    figure = call(exercise, "plot_feature_map", output)
    expect_figure(figure, 2, what)  # the picture and its colorbar
    expect_title_with_shape(figure, output.shape, what)
    expect_image(figure, np.asarray(output)[0, :, :, 0], what)


@pytest.mark.parametrize("given_as", [str, Path])
def test_save_figure(exercise, tmp_path, given_as):
    # Made outside pyplot, so that saving plt's current figure instead of this one shows.
    figure = Figure()
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.imshow(np.random.default_rng(3).random((6, 8)))
    path = tmp_path / "figure.png"
    what = f"save_figure(figure, {given_as.__name__}(path))"
    got = call(exercise, "save_figure", figure, given_as(path))
    if not isinstance(got, Path):
        raise Incorrect(say("wrong_type", what=what, expected=say("type.path"), received=type(got).__name__))
    if got.resolve() != path.resolve():
        raise Incorrect(say("figure.wrong_path", what=what, received=got, expected=path))
    if not path.is_file():
        raise Incorrect(say("figure.no_file", what=what, path=path))
    head = path.read_bytes()[: len(PNG_SIGNATURE)]
    if head != PNG_SIGNATURE:
        raise Incorrect(say("figure.not_png", what=what, path=path, head=head))
    grey = np.asarray(matplotlib.image.imread(path), dtype=np.float64)[..., :3].mean(axis=-1)
    if grey.std() < 0.02:  # one flat colour: an empty figure was saved
        raise Incorrect(f"{what}: the PNG written is blank; save the figure you were given "
                        "(figure.savefig(path)), not pyplot's current one (plt.savefig)")
