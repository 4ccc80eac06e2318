"""Typical beginner mistakes, each written into a copy of the solutions: the message names that mistake.

One folder holds one mistake per function (so two runs of the visible tests cover
them all); each case says which catalogued misconception the learner must read,
and which words must not appear because they would point somewhere else.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest

from layerlab.misconceptions import explain
from layerlab.table import load_table

KIT = Path(__file__).resolve().parent.parent

# module -> code appended to the solution: each def replaces one solution function with a mistake.
ROUND_ONE = {
    "ex01_image": '''
        _right_input = to_model_input
        def to_model_input(image, scale=True):  # divides by 255 a second time
            batch = _right_input(image, scale)
            return batch / np.float32(255) if scale else batch
    ''',
    "ex02_conv2d": '''
        _right_kernel = predict_kernel_shape
        def predict_kernel_shape():  # filters before the input channels
            shape = _right_kernel()
            return shape[:2] + (shape[3], shape[2])
    ''',
    "ex03_conv_arithmetic": '''
        _right_shape = conv2d_output_shape
        def conv2d_output_shape(*args, **kwargs):  # the batch forced to 1
            return (1,) + tuple(_right_shape(*args, **kwargs)[1:])
    ''',
    "ex05_relu": '''
        def count_zeroed(tensor):  # zeros counted as if ReLU changed them
            return int(np.count_nonzero(np.asarray(tensor) <= 0))
    ''',
    "ex06_maxpool": '''
        _right_length = pool_output_length
        def pool_output_length(input_length, pool_size, stride=None, padding="valid"):  # 'same' floored
            if padding.lower() == "same":
                return input_length // (stride or pool_size)
            return _right_length(input_length, pool_size, stride, padding)
    ''',
    "ex07_flatten": '''
        def predict_output_shape():  # the pooled map of the seed, not the Conv2D output
            return (1, 14 * 14 * 3)
    ''',
    "ex08_dense": '''
        _right_output = predict_output_shape
        def predict_output_shape():  # no batch axis
            return _right_output()[1:]
        def dense_param_count(in_features, units, use_bias=True):  # a bias per input
            return in_features * units + (in_features if use_bias else 0)
    ''',
    "ex09_batch": '''
        def apply_one_by_one(layer, batch):  # batch[i] drops the batch axis
            return np.concatenate([np.asarray(layer(batch[i])) for i in range(len(batch))])
    ''',
    "ex10_model": '''
        def build_feature_extractor(filters=(8,)):  # Activation('relu'): the same as ReLU()
            layers = []
            for count in filters:
                layers += [keras.layers.Conv2D(count, 3, padding="same"), keras.layers.Activation("relu"),
                           keras.layers.MaxPool2D(2, padding="same")]
            return keras.Sequential(layers)
        def build_classifier(hidden_units=32, num_classes=10):  # softmax twice
            return keras.Sequential([
                keras.layers.Flatten(), keras.layers.Dense(hidden_units, activation="relu"),
                keras.layers.Dense(num_classes, activation="softmax"), keras.layers.Softmax(),
            ])
    ''',
    "ex11_train": '''
        def compile_model(model):  # labels are digits, this loss wants one-hot vectors
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            return model
    ''',
    "ex12_visualize": '''
        def plot_feature_map(output):  # no colorbar
            figure, axes = plt.subplots()
            axes.imshow(np.asarray(output)[0, :, :, 0])
            axes.set_title(f"feature map {tuple(output.shape)}")
            return figure
        def plot_histogram(output, bins=30):  # drawn on pyplot's current figure
            figure = plt.figure()
            plt.figure()
            plt.hist(np.asarray(output).ravel(), bins=bins)
            figure.add_subplot().set_title(f"{tuple(output.shape)}")
            return figure
    ''',
}

ROUND_TWO = {
    "ex01_image": '''
        def to_model_input(image, scale=True):  # integer division
            batch = np.asarray(image)[np.newaxis, :, :, np.newaxis]
            return (batch // 255 if scale else batch).astype(np.float32)
    ''',
    "ex10_model": '''
        _right_extractor = build_feature_extractor
        def build_feature_extractor(filters=(8,)):  # MaxPool2D with 'valid'
            layers = []
            for count in filters:
                layers += [keras.layers.Conv2D(count, 3, padding="same"), keras.layers.ReLU(),
                           keras.layers.MaxPool2D(2, padding="valid")]
            return keras.Sequential(layers)
    ''',
}

# (round, test node, misconception named, words that must not appear in that test's message)
CASES = [
    (1, "test_ex01_image.py::test_to_model_input[True]", "scaled_twice", []),
    (2, "test_ex01_image.py::test_to_model_input[True]", "integer_division", []),
    (1, "test_ex02_conv2d.py::test_predict_kernel_shape", "kernel_axes_swapped", []),
    (1, "test_ex03_conv_arithmetic.py::test_conv2d_output_shape[case1]", "batch_fixed_at_one", []),
    (1, "test_ex05_relu.py::test_count_zeroed[shape0-False]", "zeros_counted", ["max(x, 0) gives"]),
    (1, "test_ex06_maxpool.py::test_pool_output_length[case1]", "same_rounded_down", ["kernel_size", "lost"]),
    (1, "test_ex07_flatten.py::test_predict_output_shape", "flatten_pooled_map", ["just before Flatten"]),
    (1, "test_ex08_dense.py::test_predict_output_shape", "missing_batch_axis", ["height"]),
    (1, "test_ex08_dense.py::test_dense_param_count[7-3-True]", "bias_per_input", []),
    (1, "test_ex09_batch.py::test_apply_one_by_one[conv-batch_shape0]", "indexed_without_batch_axis", []),
    (1, "test_ex11_train.py::test_compile_model", "one_hot_loss", []),
    (1, "test_ex12_visualize.py::test_plot_feature_map[None]", "no_colorbar", []),
    (1, "test_ex12_visualize.py::test_plot_histogram[None]", "drawn_on_another_figure", []),
    (2, "test_ex10_model.py::test_build_feature_extractor[filters0]", "valid_instead_of_same", ["lost", "pixels"]),
    (1, "test_ex10_model.py::test_build_model[settings0]", None, ["(expected ReLU)", explain("wrong_activation", "en")]),
]


def mistaken_solutions(folder: Path, mistakes: dict[str, str]) -> Path:
    for exercise in load_table():
        text = exercise.path(KIT, "solutions").read_text(encoding="utf-8")
        if exercise.module in mistakes:
            text += "\n\nimport numpy as np\nimport keras\nimport matplotlib.pyplot as plt\n"
            text += textwrap.dedent(mistakes[exercise.module])
        (folder / f"{exercise.module}.py").write_text(text, encoding="utf-8")
    return folder


def failures(junit: Path) -> dict[str, str]:
    """{'test_ex02_conv2d.py::test_x[id]': the text the learner reads} from a JUnit XML report."""
    found = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        for failure in [*case.iter("failure"), *case.iter("error")]:
            module = case.get("classname").rsplit(".", 1)[-1]
            found[f"{module}.py::{case.get('name')}"] = failure.text or ""
    return found


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[int, dict[str, str]]:
    results = {}
    for number, mistakes in ((1, ROUND_ONE), (2, ROUND_TWO)):
        folder = mistaken_solutions(tmp_path_factory.mktemp(f"round{number}"), mistakes)
        tests = sorted({f"exercises/{node.split('::')[0]}" for run, node, _, _ in CASES if run == number})
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", *tests, "-p", "no:cacheprovider", "--target", str(folder),
             "-k", "not test_train_model", "--junitxml", str(folder / "junit.xml")],
            cwd=KIT, capture_output=True, text=True, timeout=900,
            env={**os.environ, "LAYERLAB_LANG": "en", "COLUMNS": "200"})
        assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-3000:]
        results[number] = failures(folder / "junit.xml")
    return results


@pytest.mark.parametrize("run, node, key, misleading", CASES, ids=[f"{c[2]}-{c[1].split('::')[1]}" for c in CASES])
def test_the_message_names_the_mistake(outputs, run, node, key, misleading):
    assert node in outputs[run], f"{node} did not fail; failures: {sorted(outputs[run])}"
    message = outputs[run][node]
    assert key is None or explain(key, "en") in message, message
    for words in misleading:
        assert words not in message, message


def test_an_activation_layer_is_not_marked_where_a_second_softmax_is_the_mistake(outputs):
    message = outputs[1]["test_ex10_model.py::test_build_model[settings0]"]
    marked = [line for line in message.splitlines() if line.startswith(">>")]
    assert marked and "Softmax" in marked[0] and "Activation" not in marked[0], message
