"""Hidden checks for ex01_image: other training images, images of other sizes and brightness.

load_one_image runs the learner's own loading in the child (which sees the training images);
its answer is compared with the grader's MNIST here. to_model_input gets training images the
visible tests never use (some whose brightest pixel is below 255, so dividing by the image's
own maximum shows) and seeded uint8 images of other sizes (1-64 pixels, odd and non-square)
and ranges, so a reshape to (1, 28, 28, 1) written into the function shows. The held-out
images of the training gate never go to the child.
"""

import numpy as np

from _support_first_layers import each_case
from grader import judge
from layerlab.expect import expect_shape

MODULE = "ex01_image"
VISIBLE_INDICES = {0, 1, 7, 4321}  # the training images the visible tests use

_rng = np.random.default_rng(101)
OTHER_SIZES = [(int(h), int(w)) for h, w in _rng.integers(1, 65, size=(6, 2))] + [(1, 1), (28, 1), (5, 64), (33, 17)]
BRIGHTEST = [255, 254, 255, 180, 255, 37, 255, 254, 255, 120]  # the largest pixel of each image below
RANDOM_IMAGES = [_rng.integers(0, top + 1, size=size, dtype=np.uint8) for size, top in zip(OTHER_SIZES, BRIGHTEST)]
for _image, _top in zip(RANDOM_IMAGES, BRIGHTEST):  # both ends of its range (a 1 x 1 image keeps only the top)
    _image.flat[-1] = 0
    _image.flat[0] = _top
FIRST_UNSEEN = 1000  # training images from here on are never used by the visible tests


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


def unseen_images(mnist) -> list:
    """Four training indices the visible tests never use: two images whose brightest pixel is 255, two below."""
    tops = mnist.x_train[FIRST_UNSEEN:].reshape(len(mnist.x_train) - FIRST_UNSEEN, -1).max(axis=1)
    full = [FIRST_UNSEEN + int(i) for i in np.flatnonzero(tops == 255)[:2]]
    dim = [FIRST_UNSEEN + int(i) for i in np.flatnonzero(tops < 255)[:2]]
    return dim[:1] + full + dim[1:]


def _check_unseen(submission, mnist, indices, **scale):
    """to_model_input on MNIST training images the visible tests never use."""
    shown = "".join(f", scale={value}" for value in scale.values())
    each_case(indices, lambda i: _check_input(
        submission, mnist.x_train[i], f"to_model_input(MNIST training image #{i}, brightest pixel "
                                      f"{int(mnist.x_train[i].max())}{shown})", **scale))


def check_to_model_input_unseen_images(submission, mnist):
    _check_unseen(submission, mnist, unseen_images(mnist), scale=True)


def check_to_model_input_unscaled(submission, mnist):
    _check_unseen(submission, mnist, unseen_images(mnist), scale=False)


def check_to_model_input_scales_by_default(submission, mnist):
    _check_unseen(submission, mnist, unseen_images(mnist)[:2])


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
