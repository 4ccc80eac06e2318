"""Hidden checks for ex09_batch: batches of unseen MNIST images (1 to 64, as a list or an array),
the pipeline's shapes for 30 seeded batch sizes, and real layers (with set weights) applied
image by image to MNIST images and to seeded batches.

Expected answers come from the reference solution and `layerlab.data.prepare_images`; messages
name the learner's input only. Mistakes that mix the images of a batch are named: a batch run
backwards, outputs joined side by side, only the first image kept.
"""

import keras
import numpy as np

from _support_models import expect_array_naming
from grader import judge
from layerlab.expect import expect_shapes_by_key
from layerlab.data import prepare_images
from layerlab.misconceptions import AnyOf

MODULE = "ex09_batch"
# The docstring's worked example, whose shapes a hard-coded answer would give.
EXAMPLE_PIPELINE = (
    ("conv", keras.layers.Conv2D, dict(filters=8, kernel_size=5, padding="valid")),
    ("pool", keras.layers.MaxPool2D, dict(pool_size=2)),
    ("flatten", keras.layers.Flatten, {}),
    ("dense", keras.layers.Dense, dict(units=32)),
)
EXAMPLE_IMAGES = 4

_rng = np.random.default_rng(909)
BATCH_SIZES = [1, 2, 3, 17, 64]
SHAPE_COUNTS = [int(n) for n in _rng.integers(2, 1025, 28)] + [1, 60000]
MNIST_PICKS = [sorted(int(i) for i in _rng.choice(8000, size, replace=False)) for size in BATCH_SIZES]


def _example_shapes() -> dict:
    shape = (EXAMPLE_IMAGES, 28, 28, 1)
    shapes = {"input": shape}
    for step, layer_class, config in EXAMPLE_PIPELINE:
        shape = tuple(layer_class(**config).compute_output_shape(shape))
        shapes[step] = shape
    return shapes


def _make_batch_mistakes(expected: np.ndarray, images: np.ndarray) -> dict:
    """What make_batch gives under each catalogued mistake, from the right answer."""
    return {
        "images_mixed": np.moveaxis(expected[..., 0], 0, -1)[np.newaxis],  # (1, 28, 28, N)
        "missing_batch_axis": np.moveaxis(expected[..., 0], 0, -1),  # (28, 28, N)
        "missing_channel_axis": expected[..., 0],  # (N, 28, 28)
        "channels_first": np.moveaxis(expected, -1, 1),  # (N, 1, 28, 28)
        "not_scaled": images.astype(np.float32)[..., np.newaxis],
        "batch_fixed_at_one": expected[:1],
    }


def _expect_make_batch(submission, images: np.ndarray, as_list: bool) -> None:
    given = list(images) if as_list else images.copy()
    what = f"make_batch({'a list' if as_list else 'an array'} of {len(images)} MNIST images, (28, 28) uint8 each)"
    expected = prepare_images(images)
    returned = judge.call(submission, what, MODULE, "make_batch", given)
    expect_array_naming(returned, expected, what, _make_batch_mistakes(expected, images), rtol=1e-6, atol=1e-6)


def _weighted(layer, input_shape, seed):
    """`layer` built for `input_shape`, its weights (bias included) drawn from `seed`."""
    layer.build(input_shape)
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0, 0.3, weight.shape).astype(np.float32) for weight in layer.get_weights()])
    return layer


def _expect_one_by_one(submission, layer, batch: np.ndarray, what: str) -> None:
    expected = np.asarray(judge.reference(MODULE).apply_one_by_one(layer, batch))
    outputs = [np.asarray(layer(batch[i : i + 1])) for i in range(len(batch))]
    mistakes = {
        # backwards, or side by side in one row: the images of the batch are mixed up
        "images_mixed": AnyOf(expected[::-1], np.concatenate(outputs, axis=1)),
        "batch_fixed_at_one": expected[:1],
    }
    returned = judge.call(submission, what, MODULE, "apply_one_by_one", layer, batch)
    expect_array_naming(returned, expected, what, mistakes, rtol=1e-4, atol=1e-5)


def check_make_batch_from_mnist(submission, mnist):
    """Nine unseen MNIST images given as one (9, 28, 28) uint8 array."""
    _expect_make_batch(submission, mnist.x_train[1300:1309], as_list=False)


def check_make_batch_of_any_size(submission, mnist):
    """1 to 64 training images, as a list and as an array."""
    for number, picks in enumerate(MNIST_PICKS):
        _expect_make_batch(submission, mnist.x_train[picks], as_list=number % 2 == 0)


def check_predict_batch_shapes(submission):
    """30 batch sizes, 1 and 60000 among them."""
    reference, example = judge.reference(MODULE), _example_shapes()
    one = reference.predict_batch_shapes(1)
    for n in SHAPE_COUNTS:
        expected = reference.predict_batch_shapes(n)
        alternatives = {key: {"missing_batch_axis": shape[1:], "hardcoded_example": example[key],
                              "batch_fixed_at_one": one[key]} for key, shape in expected.items()}
        row = expected["flatten"][1]
        alternatives["flatten"].update(flatten_includes_batch=(n * row,), images_mixed=(1, n * row))
        what = f"predict_batch_shapes({n})"
        got = judge.plain(judge.call(submission, what, MODULE, "predict_batch_shapes", n), what)
        expect_shapes_by_key(got, expected, what, alternatives)


def check_apply_one_by_one_conv_on_mnist(submission, mnist):
    """Six unseen MNIST images through a Conv2D(4, 3) with set weights and biases."""
    batch = prepare_images(mnist.x_train[1400:1406])  # (6, 28, 28, 1)
    layer = _weighted(keras.layers.Conv2D(4, 3, activation="relu"), batch.shape, seed=9)
    _expect_one_by_one(submission, layer, batch, "apply_one_by_one(Conv2D(4, 3, relu) layer, 6 MNIST images)")


def check_apply_one_by_one_other_layers(submission):
    """Pooling, Dense, Flatten, ReLU and a strided Conv2D on seeded batches of 2 to 7."""
    cases = [
        (keras.layers.MaxPool2D(3, strides=2), (5, 13, 13, 2)),
        (keras.layers.Dense(7, activation="tanh"), (4, 30)),
        (keras.layers.Flatten(), (3, 6, 6, 2)),
        (keras.layers.ReLU(), (7, 10)),
        (keras.layers.Conv2D(3, (2, 3), strides=2, padding="same"), (2, 9, 11, 3)),
    ]
    for number, (layer, shape) in enumerate(cases):
        batch = np.random.default_rng(number).standard_normal(shape).astype(np.float32)
        layer = _weighted(layer, shape, seed=90 + number)
        _expect_one_by_one(submission, layer, batch, f"apply_one_by_one({type(layer).__name__} layer, batch {shape})")


def check_apply_one_by_one_single_image(submission, mnist):
    """A batch of one image: one output, still with its batch axis."""
    batch = prepare_images(mnist.x_train[1500:1501])  # (1, 28, 28, 1)
    layer = _weighted(keras.layers.Conv2D(2, 5, strides=3), batch.shape, seed=19)
    _expect_one_by_one(submission, layer, batch, "apply_one_by_one(Conv2D(2, 5, strides=3) layer, 1 MNIST image)")
