"""Hidden checks for ex12_visualize: figures of tensors the learner never saw, judged from the
child's description of each Figure (its Axes, titles, the arrays imshow draws, bar heights,
which Axes is a colorbar): histogram counts, the kernel's and the feature map's slice, the
colorbar, the shape in every title (in any notation), and that save_figure writes the figure
it is given as a PNG (a small preview of the file, compared with the figure rendered here).
"""

import base64
import inspect

import keras
import numpy as np

from grader import judge
from grader.sandbox import Described
from layerlab.data import prepare_images
from layerlab.expect import Incorrect, expect_array
from layerlab.messages import say
from layerlab.plots import names_the_shape, shrink

MODULE = "ex12_visualize"
DEFAULT_BINS = inspect.signature(judge.reference(MODULE).plot_histogram).parameters["bins"].default

# (tensor shape, bins or None for the default): layer outputs of several ranks, never the seed's.
HISTOGRAM_CASES = [((2, 9, 9, 4), 12), ((1, 32), None), ((3, 5, 7), 7), ((4, 10), 25)]
BLANK_SPREAD = 0.02  # grey levels 0-1: a blank PNG has none; the figure saved here has about 0.27
LIKENESS = 0.5  # correlation with the figure rendered here: 1.0 as saved, 0.67 with bbox_inches='tight'
KERNEL_SHAPES = [(5, 3, 2, 6), (1, 1, 4, 2), (7, 7, 1, 16)]  # (kh, kw, in_channels, filters), kh != kw too


def _tensor(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _feature_maps(mnist):
    """A Conv2D's output for three MNIST images: (3, 26, 12, 5), not square."""
    images = prepare_images(mnist.x_train[1700:1703])  # (3, 28, 28, 1), images the visible tests never use
    layer = keras.layers.Conv2D(5, (3, 5), strides=(1, 2))
    layer.build(images.shape)
    layer.set_weights([_tensor(weight.shape, 1200 + number) for number, weight in enumerate(layer.get_weights())])
    return np.asarray(layer(images))


def _array(value, what):
    """An array of a figure's description (plain data, checked)."""
    return judge.plain(value, what)


def _well_formed(figure: Described) -> bool:
    """The description has the parts the runner's describe.figure gives (the child is not trusted to send them)."""
    axes = figure.get("axes")
    return isinstance(axes, list) and all(
        isinstance(one, dict) and isinstance(one.get("title"), str) and isinstance(one.get("images"), list)
        for one in axes)


def _figure(returned, what) -> Described:
    value = judge.plain(returned, what)
    if not isinstance(value, Described) or value.kind != "figure" or not _well_formed(value):
        received = f"a {value.kind}" if isinstance(value, Described) else type(value).__name__
        raise Incorrect(say("wrong_type", what=what, expected="a matplotlib Figure", received=received))
    return value


def _expect_axes_count(figure, count, what):
    if len(figure["axes"]) != count:
        raise Incorrect(say("figure.axes_count", what=what, expected=count, received=len(figure["axes"])))


def _picture_axes(figure) -> list:
    """The Axes that are not colorbars."""
    return [axes for axes in figure["axes"] if not axes.get("is_colorbar")]


def _expect_image(figure, expected, what):
    """The first image drawn (outside colorbars) is `expected`."""
    drawn = [image for axes in _picture_axes(figure) for image in axes["images"]]
    if not drawn:
        raise Incorrect(say("figure.no_image", what=what))
    expect_array(_array(drawn[0], what), np.asarray(expected, dtype=np.float64),
                 f"{what}: the array imshow draws", show_expected_shape=True)


def _expect_title(figure, shape, what):
    titles = [axes["title"] for axes in figure["axes"]] + [figure.get("suptitle", "")]
    titles = [title for title in titles if isinstance(title, str) and title]
    shown = " ".join(titles)
    if not any(names_the_shape(title, shape) for title in titles):
        raise Incorrect(say("figure.title_without_shape", what=what, title=shown, shape=tuple(shape)))


def _plot_histogram(submission, values, bins):
    """(what, returned): with bins=None, `bins` is left to its default."""
    if bins is None:
        what = f"plot_histogram(tensor of shape {values.shape})"
        return what, judge.call(submission, what, MODULE, "plot_histogram", values)
    what = f"plot_histogram(tensor of shape {values.shape}, bins={bins})"
    return what, judge.call(submission, what, MODULE, "plot_histogram", values, bins=bins)


def check_plot_histogram_counts(submission):
    """One Axes whose bars count every value of the tensor, whatever its rank, in `bins` bins."""
    for number, (shape, bins) in enumerate(HISTOGRAM_CASES):
        values = _tensor(shape, number)
        what, returned = _plot_histogram(submission, values, bins)
        figure = _figure(returned, what)
        _expect_axes_count(figure, 1, what)
        heights = _array(figure["axes"][0]["bar_heights"], what)
        if not np.size(heights):
            raise Incorrect(say("figure.no_histogram", what=what))
        counts, _ = np.histogram(values.ravel(), bins=DEFAULT_BINS if bins is None else bins)
        expect_array(heights, counts.astype(np.float64), f"{what}: the heights of the bars", show_expected_shape=True)


def check_plot_kernel_shows_first_filter_first_channel(submission):
    for number, shape in enumerate(KERNEL_SHAPES):
        kernel = _tensor(shape, 20 + number)
        what = f"plot_kernel(kernel of shape {shape})"
        figure = _figure(judge.call(submission, what, MODULE, "plot_kernel", kernel), what)
        _expect_axes_count(figure, 1, what)
        _expect_image(figure, kernel[:, :, 0, 0], what)


def check_plot_feature_map_shows_first_image_first_channel(submission, mnist):
    output = _feature_maps(mnist)
    what = f"plot_feature_map(Conv2D output of shape {output.shape} for 3 MNIST images)"
    figure = _figure(judge.call(submission, what, MODULE, "plot_feature_map", output), what)
    _expect_image(figure, output[0, :, :, 0], what)


def check_plot_feature_map_has_colorbar(submission):
    output = _tensor((2, 9, 17, 3), 30)
    what = f"plot_feature_map(tensor of shape {output.shape})"
    figure = _figure(judge.call(submission, what, MODULE, "plot_feature_map", output), what)
    _expect_axes_count(figure, 2, what)  # the picture and its colorbar
    if sum(axes.get("is_colorbar") is True for axes in figure["axes"]) != 1:
        raise Incorrect(say("figure_check.no_colorbar", what=what))


def check_titles_name_the_shape(submission, mnist):
    """Each plot's title (or the figure's suptitle) holds the shape of the tensor shown.

    The histogram's tensor has two axes, so that a histogram drawn without flattening (which
    check_plot_histogram_counts finds) still draws here and its title is judged on its own.
    """
    values = _tensor((6, 11), 40)
    what, returned = _plot_histogram(submission, values, 9)
    _expect_title(_figure(returned, what), values.shape, what)
    kernel = _tensor((3, 5, 2, 4), 41)
    what = f"plot_kernel(kernel of shape {kernel.shape})"
    _expect_title(_figure(judge.call(submission, what, MODULE, "plot_kernel", kernel), what), kernel.shape, what)
    output = _feature_maps(mnist)
    what = f"plot_feature_map(tensor of shape {output.shape})"
    _expect_title(_figure(judge.call(submission, what, MODULE, "plot_feature_map", output), what), output.shape, what)


def _png_preview(figure) -> np.ndarray:
    """The figure as the child previews a saved PNG (layerlab.plots.png_preview), rendered here."""
    import io

    import matplotlib.image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    buffer.seek(0)
    pixels = np.asarray(matplotlib.image.imread(buffer), dtype=np.float64)
    return shrink(pixels[..., :3].mean(axis=-1))


def _expect_shows_the_figure(returned: Described, expected: np.ndarray, what: str) -> None:
    """The PNG's preview is not one flat colour and looks like the figure it was given."""
    preview = judge.plain(returned.get("preview"), what)
    if type(preview) is not np.ndarray or preview.ndim != 2 or preview.size < 4 or not np.all(np.isfinite(preview)):
        raise Incorrect(f"{what}: the file written is not a PNG image matplotlib can read")
    if preview.std() < BLANK_SPREAD:
        raise Incorrect(f"{what}: the PNG written is blank; save the figure you were given "
                        "(figure.savefig(path)), not pyplot's current one (plt.savefig)")
    if preview.shape != expected.shape or np.corrcoef(preview.ravel(), expected.ravel())[0, 1] < LIKENESS:
        raise Incorrect(f"{what}: the PNG written does not show the figure it was given; "
                        "save that figure (figure.savefig(path))")


def check_save_figure_writes_a_png(submission):
    """save_figure(figure, path) writes that figure as a PNG there and returns its path.

    The child rebuilds the figure outside pyplot, so plt.savefig(path) saves an empty one.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.imshow(_tensor((7, 9), 50))
    axes.set_title("a figure to save")
    what = "save_figure(figure, 'saved_by_the_grader.png')"
    returned = judge.plain(judge.call(submission, what, MODULE, "save_figure", figure, "saved_by_the_grader.png"),
                           what)
    expected = _png_preview(figure)
    plt.close(figure)
    if not isinstance(returned, Described) or returned.kind != "path":
        received = returned.kind if isinstance(returned, Described) else type(returned).__name__
        raise Incorrect(say("wrong_type", what=what, expected="a pathlib.Path", received=received))
    head = base64.b64decode(returned.get("head", ""))
    if returned.get("name") != "saved_by_the_grader.png" or returned.get("size", 0) <= 0:
        raise Incorrect(f"{what}: no file was written at the path it was given")
    if not head.startswith(b"\x89PNG\r\n\x1a\n"):
        raise Incorrect(f"{what}: the file written is not a PNG image")
    _expect_shows_the_figure(returned, expected, what)
