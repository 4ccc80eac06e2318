"""The MNIST loader: sources in order, IDX and npz parsing, the offline split, clear errors."""

import gzip
import struct

import numpy as np
import pytest

from layerlab import data
from layerlab.data import DATA_ENV, DataError, load_mnist, read_idx


def write_idx(path, array, magic=None, compress=True, cut=0):
    """A small IDX file (images (n, r, c) magic 2051, labels (n,) magic 2049)."""
    if magic is None:
        magic = data.IMAGE_MAGIC if array.ndim == 3 else data.LABEL_MAGIC
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in array.shape)
    body = (header + array.astype(np.uint8).tobytes())[: None if cut == 0 else -cut]
    opener = gzip.open if compress else open
    with opener(path, "wb") as handle:
        handle.write(body)
    return path


@pytest.fixture
def no_sources(monkeypatch, tmp_path):
    """No env variable, an empty home: nothing to find (and no download attempted)."""
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.setattr(data, "KERAS_CACHE", tmp_path / "home" / ".keras" / "datasets" / "mnist.npz")
    return tmp_path


def small_test_set(folder, count=10):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = np.arange(count, dtype=np.uint8) % 10
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    return images, labels


def test_idx_round_trip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(read_idx(write_idx(tmp_path / "i.gz", images)), images)
    assert np.array_equal(read_idx(write_idx(tmp_path / "i", images, compress=False)), images)


@pytest.mark.parametrize("problem, words", [
    (dict(magic=1234), "wrong magic number 1234"),
    (dict(cut=5), "truncated"),
])
def test_corrupt_idx_is_named(tmp_path, problem, words):
    path = write_idx(tmp_path / "bad.gz", np.zeros((2, 28, 28), np.uint8), **problem)
    with pytest.raises(DataError, match=words):
        read_idx(path)


def test_not_gzip_is_named(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(b"this is not gzip at all")
    with pytest.raises(DataError, match="gzip"):
        read_idx(path)


def test_explicit_path_comes_first(no_sources, monkeypatch, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    small_test_set(first, count=10)
    small_test_set(second, count=20)
    monkeypatch.setenv(DATA_ENV, str(second))
    assert len(load_mnist(first).x_train) + len(load_mnist(first).x_test) == 10
    assert len(load_mnist().x_train) + len(load_mnist().x_test) == 20  # then the env variable


def test_test_set_only_is_split_deterministically(no_sources, tmp_path):
    images, labels = small_test_set(tmp_path, count=10)
    loaded = load_mnist(tmp_path)
    cut = min(data.OFFLINE_TRAIN, 10)
    assert np.array_equal(loaded.x_train, images[:cut]) and np.array_equal(loaded.y_test, labels[cut:])
    assert "split" in loaded.source


def test_npz_in_folder_and_keras_cache(no_sources, monkeypatch, tmp_path):
    arrays = {k: np.zeros((3, 28, 28) if k.startswith("x") else (3,), np.uint8)
              for k in ("x_train", "y_train", "x_test", "y_test")}
    np.savez(tmp_path / "mnist.npz", **arrays)
    assert load_mnist(tmp_path).x_train.shape == (3, 28, 28)
    cache = data.KERAS_CACHE
    cache.parent.mkdir(parents=True)
    np.savez(cache, **arrays)
    assert load_mnist(allow_download=False).source == str(cache)


def test_npz_missing_array_is_named(no_sources, tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(DataError, match="missing array"):
        load_mnist(tmp_path)


def test_nothing_found_names_all_four_fixes(no_sources):
    with pytest.raises(DataError) as raised:
        load_mnist(allow_download=False)
    message = str(raised.value)
    for fix in ("load_mnist('/path/to/mnist')", DATA_ENV, "mnist.npz", "internet"):
        assert fix in message


def test_missing_env_folder_is_reported(no_sources, monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="nowhere does not exist"):
        load_mnist(allow_download=False)


def test_shared_mnist_matches_its_readme():
    """The offline data CI uses: 10,000 test images, first labels 7 2 1 0 4 ..."""
    loaded = load_mnist(allow_download=False)
    labels = np.concatenate([loaded.y_train, loaded.y_test])
    assert len(labels) == 10000 and list(labels[:5]) == [7, 2, 1, 0, 4]
    assert list(np.bincount(labels)) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
