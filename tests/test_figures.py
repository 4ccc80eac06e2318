"""The figures of `layerlab show` are real: the panels show the very tensors their titles name.

Each figure function is checked on small arrays (panel count, titles, the array
each panel draws), the seed's figures against short numpy oracles of Conv2D,
ReLU and MaxPool2D, and the command's PNG files by decoding them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from layerlab import cli, figures, messages
from layerlab.data import load_mnist, prepare_images
from layerlab.table import load_table

KIT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def language_reset():
    yield
    messages.set_language(None)  # cli.main sets the language for its process


def image_panels(figure) -> list:
    """The Axes that draw an image (colorbars are Axes too, but draw none)."""
    return [axes for axes in figure.axes if axes.images]


def drawn(axes) -> np.ndarray:
    return np.asarray(axes.images[0].get_array())


def test_kernels_figure_has_a_panel_per_filter_showing_its_weights():
    kernel = np.random.default_rng(0).standard_normal((5, 5, 3, 6)).astype(np.float32)
    figure = figures.kernels_figure(kernel, "conv")
    panels = image_panels(figure)
    assert len(panels) == 6
    assert "(5, 5, 3, 6)" in figure.get_suptitle()
    for index, axes in enumerate(panels):
        np.testing.assert_array_equal(drawn(axes), kernel[:, :, 0, index])
        assert f"[:, :, 0, {index}]" in axes.get_title() and "(5, 5)" in axes.get_title()


def test_feature_map_figure_has_a_panel_and_a_colorbar_per_channel():
    output = np.random.default_rng(1).standard_normal((1, 7, 9, 5)).astype(np.float32)
    figure = figures.feature_map_figure(output, "relu_7")
    panels = image_panels(figure)
    assert len(panels) == 5 and len(figure.axes) == 10  # five pictures, five colorbars
    for index, axes in enumerate(panels):
        np.testing.assert_array_equal(drawn(axes), output[0, :, :, index])
        assert axes.get_title() == f"channel {index}"  # the layer and its shape are said once, above the grid
    assert "relu_7" in figure.get_suptitle() and "(1, 7, 9, 5)" in figure.get_suptitle()


def test_a_vector_is_one_strip():
    output = np.random.default_rng(2).random((1, 12)).astype(np.float32)
    figure = figures.feature_map_figure(output, "dense_3")
    [axes] = image_panels(figure)
    np.testing.assert_array_equal(drawn(axes), output)
    assert axes.get_title() == "dense_3 (1, 12)"


def test_histogram_counts_every_value_on_the_seeds_range():
    output = np.random.default_rng(3).standard_normal((1, 6, 6, 4)).astype(np.float32)
    figure = figures.histogram_figure(output, "conv2d", bins=12)
    [axes] = figure.axes
    counts, _ = np.histogram(output.ravel(), bins=12, range=(-2, 2))
    np.testing.assert_array_equal([bar.get_height() for bar in axes.patches], counts)
    assert axes.get_xlim()[0] <= -2 and axes.get_xlim()[1] >= 2
    outside = int(np.count_nonzero(np.abs(output) > 2))
    assert "(1, 6, 6, 4)" in axes.get_title() and f"{outside} outside [-2, 2]" in axes.get_title()


def test_a_background_of_zeros_does_not_flatten_the_histogram():
    """4,800 zeros and 400 spread values: the zeros' bar is cut, the others fill the height."""
    spread = np.random.default_rng(4).uniform(-1.5, 1.5, 400).astype(np.float32)
    output = np.concatenate([np.zeros(4800, np.float32), spread]).reshape(1, 40, 130, 1)
    [axes] = figures.histogram_figure(output, "relu").axes
    heights = sorted(bar.get_height() for bar in axes.patches)
    low, high = axes.get_ylim()
    assert heights[-1] >= 4800 > high  # the background's bar goes off the top ...
    assert heights[-2] <= high <= 2 * heights[-2]  # ... and the next tallest nearly reaches it
    assert any(str(int(heights[-1])) in text.get_text() for text in axes.texts)  # its count is written on it


def test_a_spread_histogram_is_not_cut():
    output = np.random.default_rng(5).uniform(-1, 1, (1, 10, 10, 2)).astype(np.float32)
    [axes] = figures.histogram_figure(output, "conv2d").axes
    assert axes.get_ylim()[1] >= max(bar.get_height() for bar in axes.patches) and not axes.texts


def test_every_exercise_has_its_figures():
    assert set(figures.FOR_EXERCISE) == {e.id for e in load_table()}
    assert all(set(names) <= set(figures.FIGURE_NAMES) for names in figures.FOR_EXERCISE.values())


@pytest.fixture(scope="module")
def seed_run():
    """MNIST image 0 through the seed's layers: the image, the figures, the layers."""
    image = prepare_images(load_mnist().x_train[:1])  # (1, 28, 28, 1) float32
    drawings = figures.seed_figures(image)
    layers = figures.seed_layers()  # the same weights again: the seed fixes them
    figures.layer_outputs(layers, image)  # builds them
    return image, drawings, layers


def conv_same(image: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Readable oracle: a 3x3 'same' convolution of one (h, w) image, one output map per filter."""
    padded = np.pad(image, 1)  # zeros around the border keep h and w
    height, width = image.shape
    maps = np.zeros((height, width, kernel.shape[-1]), np.float32)
    for row in range(height):
        for column in range(width):
            window = padded[row : row + 3, column : column + 3]
            maps[row, column] = np.tensordot(window, kernel[:, :, 0, :], axes=([0, 1], [0, 1])) + bias
    return maps


def test_seed_figures_follow_the_image_through_the_layers(seed_run):
    image, drawings, layers = seed_run
    assert list(drawings) == list(figures.FIGURE_NAMES)
    np.testing.assert_array_equal(drawn(image_panels(drawings["input"])[0]), image[0, :, :, 0])
    kernel = np.stack([drawn(axes) for axes in image_panels(drawings["kernels"])], axis=-1)[:, :, np.newaxis, :]
    conv = np.stack([drawn(axes) for axes in image_panels(drawings["conv2d"])], axis=-1)
    np.testing.assert_allclose(conv, conv_same(image[0, :, :, 0], kernel, np.asarray(layers[0].bias)), atol=1e-5)
    relu = np.stack([drawn(axes) for axes in image_panels(drawings["relu"])], axis=-1)
    np.testing.assert_array_equal(relu, np.maximum(conv, 0))
    pooled = np.stack([drawn(axes) for axes in image_panels(drawings["max_pooling2d"])], axis=-1)
    np.testing.assert_array_equal(pooled, relu.reshape(14, 2, 14, 2, 8).max(axis=(1, 3)))  # 2x2 windows
    np.testing.assert_array_equal(drawn(image_panels(drawings["flatten"])[0]), pooled.reshape(1, -1))
    probabilities = drawn(image_panels(drawings["dense_softmax"])[0])
    assert probabilities.shape == (1, 10) and abs(probabilities.sum() - 1) < 1e-5
    for name, shape in (("conv2d", (1, 28, 28, 8)), ("max_pooling2d", (1, 14, 14, 8))):
        assert name in drawings[name].get_suptitle() and str(shape) in drawings[name].get_suptitle()
    assert "dense" in drawings["dense"].axes[0].get_title() and "(1, 32)" in drawings["dense"].axes[0].get_title()
    assert len(image_panels(drawings["kernels"])) == 8 and "(3, 3, 1, 8)" in drawings["kernels"].get_suptitle()


def test_show_all_writes_png_files_that_decode(tmp_path, capsys):
    assert cli.main(["show", "all", "--out", str(tmp_path), "--lang", "en"]) == 0
    output = capsys.readouterr().out
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted(figures.file_name(name) for name in figures.FIGURE_NAMES)
    for name in written:
        pixels = imread(tmp_path / name)  # decodes as a PNG, or raises
        assert pixels.ndim == 3 and min(pixels.shape[:2]) > 100, name
        assert pixels[..., :3].std() > 0.05, f"{name} is blank"
        assert messages.say("cli.show_wrote", "en", path=tmp_path / name) in output


def test_show_one_exercise_writes_its_figures_only(tmp_path, capsys):
    assert cli.main(["show", "conv2d", "--out", str(tmp_path), "--lang", "en"]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kernels.png", "layer1_conv2d.png"]
    output = capsys.readouterr().out
    assert str(tmp_path / "kernels.png") in output and "the kit's figure" in output  # the stub draws nothing yet
    assert cli.main(["show", "train", "--out", str(tmp_path / "none"), "--lang", "ko"]) == 0
    train = next(e for e in load_table() if e.id == "train")
    assert messages.say("cli.show_none", "ko", label=train.label("ko")) in capsys.readouterr().out
    assert not (tmp_path / "none").exists()


def test_show_an_exercise_draws_with_the_learners_plot_functions(tmp_path, capsys, monkeypatch):
    """The learner's plot_* functions draw; one that raises leaves the kit's figure, and says why."""
    learner = tmp_path / "mine"
    learner.mkdir()
    (learner / "ex12_visualize.py").write_text(textwrap.dedent('''
        import matplotlib.pyplot as plt
        import numpy as np

        def plot_kernel(kernel):
            figure, axes = plt.subplots()
            axes.imshow(np.asarray(kernel)[:, :, 0, 0])
            axes.set_title("MY KERNEL")
            return figure

        def plot_feature_map(output):
            raise ZeroDivisionError("not today")
        '''), encoding="utf-8")
    monkeypatch.chdir(KIT)
    out = tmp_path / "figures"
    assert cli.main(["show", "conv2d", "--out", str(out), "--target", str(learner), "--lang", "en"]) == 0
    output = capsys.readouterr().out
    assert messages.say("cli.show_wrote_yours", "en", path=out / "kernels.png", function="plot_kernel") in output
    assert "plot_feature_map" in output and "ZeroDivisionError" in output
    mine, kits = imread(out / "kernels.png"), imread(out / "layer1_conv2d.png")
    assert mine.shape[:2] == (480, 640)  # matplotlib's default figure at 100 dpi: the learner's figure
    assert kits.shape[:2] != (480, 640)  # the kit's grid of eight channels
