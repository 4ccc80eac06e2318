"""Hidden checks for ex01_image: other training images, held-out images, images of other sizes.

load_one_image runs the learner's own loading in the child (which sees the training images);
its answer is compared with the grader's MNIST here. to_model_input gets held-out images the
visible tests never use and seeded uint8 images of other sizes (1-64 pixels, odd and
non-square), so a reshape to (1, 28, 28, 1) written into the function shows.
"""

import numpy as np

from _support_first_layers import each_case
from grader import judge
from layerlab.expect import expect_shape

MODULE = "ex01_image"
VISIBLE_INDICES = {0, 1, 7, 4321}  # the training images the visible tests use

_rng = np.random.default_rng(101)
# Positions in x_test: every MNIST the grader uses holds at least 2,000 held-out images.
HELD_OUT = [int(i) for i in _rng.choice(2000, size=4, replace=False)]
OTHER_SIZES = [(int(h), int(w)) for h, w in _rng.integers(1, 65, size=(6, 2))] + [(1, 1), (28, 1), (5, 64), (33, 17)]
RANDOM_IMAGES = [_rng.integers(0, 256, size=size, dtype=np.uint8) for size in OTHER_SIZES]
for _image in RANDOM_IMAGES:  # both ends of the pixel range (a 1 x 1 image keeps only the 255)
    _image.flat[-1] = 0
    _image.flat[0] = 255


def _training_indices(count: int) -> list:
    """Training indices the visible tests never use, and the last one (the size depends on the data)."""
    rng = np.random.default_rng(11)
    picked = [int(i) for i in rng.choice(count, size=6, replace=False) if int(i) not in VISIBLE_INDICES][:4]
    return picked + [count - 1]


def check_load_one_image_other_indices(submission, mnist):
    """load_one_image(i) is the i-th training image, uint8, unchanged: for indices never shown."""

    def check_one(index):
        what = f"load_one_image({index})"
        returned = judge.call(submission, what, MODULE, "load_one_image", index)
        judge.array(returned, mnist.x_train[index], what, rtol=0, atol=0)

    each_case(_training_indices(len(mnist.x_train)), check_one)


def _input_mistakes(image, scale):
    """What to_model_input gives under each catalogued mistake (the reference with changed arguments)."""
    reference = judge.reference(MODULE)
    expected = np.asarray(reference.to_model_input(image, scale=scale))
    return {
        "not_scaled": np.asarray(reference.to_model_input(image, scale=False)),
        "missing_batch_axis": expected[0],
        "missing_channel_axis": expected[..., 0],
        "channels_first": np.moveaxis(expected, -1, 1),
    }


def _check_input(submission, image, what, **scale):
    """to_model_input(image, **scale) against the reference; uint8 and float64 are named by their dtype."""
    expected = np.asarray(judge.reference(MODULE).to_model_input(image, **scale))
    returned = judge.call(submission, what, MODULE, "to_model_input", image, **scale)
    judge.array(returned, expected, what, alternatives=_input_mistakes(image, scale.get("scale", True)))


def _check_held_out(submission, mnist, indices, **scale):
    """to_model_input on held-out MNIST images (x_test), which the visible tests never use."""
    shown = "".join(f", scale={value}" for value in scale.values())
    each_case(indices, lambda i: _check_input(submission, mnist.x_test[i],
                                              f"to_model_input(held-out MNIST image #{i}{shown})", **scale))


def check_to_model_input_held_out_images(submission, mnist):
    _check_held_out(submission, mnist, HELD_OUT, scale=True)


def check_to_model_input_unscaled(submission, mnist):
    _check_held_out(submission, mnist, HELD_OUT, scale=False)


def check_to_model_input_scales_by_default(submission, mnist):
    _check_held_out(submission, mnist, HELD_OUT[:2])


def check_to_model_input_other_sizes(submission):
    """Any (height, width) image, not only 28 x 28: the function must not assume MNIST's size."""
    cases = [(image, scale) for image, scale in zip(RANDOM_IMAGES, [True, False] * len(RANDOM_IMAGES))]

    def check_one(case):
        image, scale = case
        _check_input(submission, image, f"to_model_input(uint8 image of shape {image.shape}, scale={scale})",
                     scale=scale)

    each_case(cases, check_one)


def check_predict_input_shape(submission):
    expected = judge.reference(MODULE).predict_input_shape()
    batch, height, width, channels = expected
    got = judge.plain(submission.call(MODULE, "predict_input_shape"), "predict_input_shape()")
    expect_shape(got, expected, "predict_input_shape()", alternatives={
        "missing_batch_axis": expected[1:],
        "missing_channel_axis": expected[:3],
        "channels_first": (batch, channels, height, width),
    })
