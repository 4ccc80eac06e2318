"""The MNIST loader: the one place exercises, solutions, checks and grader get images from.

Where it looks, in order:
  1. an explicit ``path`` argument (a directory, or an ``.npz`` file);
  2. the directory named by the environment variable ``LAYERLAB_DATA``;
  3. the Keras cache, ``~/.keras/datasets/mnist.npz``;
  4. the Keras download (``keras.datasets.mnist.load_data()``, needs internet).
A directory may hold the four IDX files (``train-images-idx3-ubyte.gz`` ...,
gzip-compressed or not) or an ``mnist.npz``. When it holds only the 10,000-image
test set (``t10k-*``), that set is split deterministically: the first 8,000
images train, the last 2,000 are held out.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_ENV = "LAYERLAB_DATA"
OFFLINE_ENV = "LAYERLAB_OFFLINE"  # set to 1 to never try the Keras download
KERAS_CACHE = Path("~/.keras/datasets/mnist.npz")
OFFLINE_TRAIN = 8000  # offline split of the test set: first 8,000 train ...
IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049

_IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


class DataError(RuntimeError):
    """MNIST could not be loaded; the message says why and how to fix it."""


@dataclass(frozen=True)
class Mnist:
    """Images are (n, 28, 28) uint8, labels (n,) uint8."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # where the data came from, for reports

    def heldout(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x_test, self.y_test


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (images: magic 2051, labels: magic 2049), gzip or plain."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
        raise DataError(f"{path}: cannot read ({error}); is it a gzip-compressed IDX file?") from None
    if len(raw) < 8:
        raise DataError(f"{path}: truncated IDX file ({len(raw)} bytes, no header)")
    magic = int.from_bytes(raw[0:4], "big")
    if magic == IMAGE_MAGIC:
        header = 16
        if len(raw) < header:
            raise DataError(f"{path}: truncated IDX header")
        count, rows, cols = (int.from_bytes(raw[i : i + 4], "big") for i in (4, 8, 12))
        shape = (count, rows, cols)
    elif magic == LABEL_MAGIC:
        header = 8
        shape = (int.from_bytes(raw[4:8], "big"),)
    else:
        raise DataError(
            f"{path}: wrong magic number {magic} (expected {IMAGE_MAGIC} for images "
            f"or {LABEL_MAGIC} for labels): not an MNIST IDX file"
        )
    expected = int(np.prod(shape))
    body = raw[header:]
    if len(body) != expected:
        raise DataError(
            f"{path}: truncated or padded IDX file: header promises {expected} bytes "
            f"of data, file has {len(body)}"
        )
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def _find_idx(directory: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def _from_npz(path: Path) -> Mnist:
    try:
        with np.load(path, allow_pickle=False) as archive:
            parts = {key: archive[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except KeyError as error:
        raise DataError(f"{path}: missing array {error}; expected x_train, y_train, x_test, y_test") from None
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not a readable .npz file ({error})") from None
    return _checked(Mnist(**parts, source=str(path)))


def _from_directory(directory: Path) -> Mnist:
    if (directory / "mnist.npz").is_file():
        return _from_npz(directory / "mnist.npz")
    found = {key: _find_idx(directory, stem) for key, stem in _IDX_NAMES.items()}
    if found["x_test"] is None or found["y_test"] is None:
        raise DataError(
            f"{directory}: no MNIST here; expected mnist.npz or "
            f"{_IDX_NAMES['x_test']}.gz and {_IDX_NAMES['y_test']}.gz"
        )
    x_test, y_test = read_idx(found["x_test"]), read_idx(found["y_test"])
    if found["x_train"] and found["y_train"]:
        x_train, y_train = read_idx(found["x_train"]), read_idx(found["y_train"])
        source = f"{directory} (IDX, train + test)"
    else:
        # Only the 10,000 test images: split deterministically, never shuffled.
        x_train, y_train = x_test[:OFFLINE_TRAIN], y_test[:OFFLINE_TRAIN]
        x_test, y_test = x_test[OFFLINE_TRAIN:], y_test[OFFLINE_TRAIN:]
        source = f"{directory} (IDX test set, split {OFFLINE_TRAIN}/{len(x_test)})"
    return _checked(Mnist(x_train, y_train, x_test, y_test, source))


def _checked(data: Mnist) -> Mnist:
    for images, labels, part in ((data.x_train, data.y_train, "train"), (data.x_test, data.y_test, "test")):
        if images.ndim != 3 or len(images) != len(labels):
            raise DataError(
                f"{data.source}: {part} images {images.shape} and labels {labels.shape} do not match"
            )
    return data


def _how_to_fix(tried: list[str]) -> str:
    lines = "\n".join(f"  - {attempt}" for attempt in tried)
    return (
        "MNIST could not be loaded. Tried:\n"
        f"{lines}\n"
        "Fix it in one of four ways:\n"
        "  1. pass a path: load_mnist('/path/to/mnist')  (a folder of IDX .gz files, or mnist.npz)\n"
        f"  2. set {DATA_ENV}=/path/to/mnist  (the same kind of folder)\n"
        f"  3. put mnist.npz in {KERAS_CACHE}\n"
        "  4. connect to the internet once so keras.datasets.mnist.load_data() can download it"
    )


def load_mnist(path: str | os.PathLike | None = None, *, allow_download: bool = True) -> Mnist:
    """MNIST from the first source that has it (see the module docstring)."""
    tried: list[str] = []
    candidates = []
    if path is not None:
        candidates.append(("argument", Path(path)))
    if os.environ.get(DATA_ENV):
        candidates.append((DATA_ENV, Path(os.environ[DATA_ENV])))
    for origin, candidate in candidates:
        candidate = candidate.expanduser()
        if candidate.is_file():
            return _from_npz(candidate)
        if candidate.is_dir():
            return _from_directory(candidate)
        tried.append(f"{origin}: {candidate} does not exist")
    if not candidates:
        tried.append(f"no path argument and {DATA_ENV} is not set")
    cache = KERAS_CACHE.expanduser()
    if cache.is_file():
        return _from_npz(cache)
    tried.append(f"Keras cache: {cache} does not exist")
    if allow_download and os.environ.get(OFFLINE_ENV, "") in ("", "0"):
        try:
            from layerlab.quiet import import_tensorflow

            import_tensorflow()
            import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            return _checked(Mnist(x_train, y_train, x_test, y_test, "keras download"))
        except Exception as error:  # no network, proxy, disk full: all the same to a learner
            tried.append(f"Keras download failed: {type(error).__name__}: {error}".splitlines()[0])
    else:
        tried.append(f"Keras download: not attempted (offline; {OFFLINE_ENV} or allow_download=False)")
    raise DataError(_how_to_fix(tried))


def prepare_images(images) -> np.ndarray:
    """(N, 28, 28) uint8 pixels -> (N, 28, 28, 1) float32 in [0, 1]: what every model here takes.

    Cast before dividing (uint8 arithmetic would wrap or floor), and add the
    channel axis last, the way Keras on TensorFlow keeps it.
    """
    array = np.asarray(images)
    if array.ndim != 3:
        raise ValueError(
            f"prepare_images: expected (N, height, width) images, received shape {array.shape}; "
            "pass several images stacked on the first axis (a single image is images[i:i + 1])"
        )
    return (array.astype(np.float32) / 255.0)[..., np.newaxis]
