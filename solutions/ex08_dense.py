"""08 · Dense: every input meets every unit  |  Dense: 모든 입력이 모든 유닛과 만난다

Concept
    A Dense layer connects every input feature to every unit: its kernel holds
    one weight per (input feature, unit) pair, and each unit adds one bias.
    Like every layer, it leaves the batch axis alone.

Task
    1. build_dense: return a `keras.layers.Dense` with `units` and `activation`.
    2. apply_dense: apply the layer to a (batch, features) input.
    3. predict_output_shape / predict_param_count: work out, for the seed's
       Dense(32) on the flattened Conv2D output (1, 2352), the output shape and
       the number of parameters. Reason it out; do not build a layer here.
    4. dense_param_count: the number of parameters of Dense(units) on
       `in_features` inputs, for any numbers, with or without a bias.

Shapes
    input (batch, in_features) float32 -> output (batch, units) float32
    kernel (in_features, units), bias (units,)

Worked example (a different layer)
    Dense(16) on (1, 100): output (1, 16); kernel (100, 16); bias (16,);
    parameters 100 * 16 + 16 = 1616. dense_param_count(100, 16) == 1616 and
    dense_param_count(100, 16, use_bias=False) == 1600.

개념
    Dense 층은 모든 입력 특성을 모든 유닛에 연결합니다. 커널에는 (입력 특성, 유닛)
    쌍마다 가중치가 하나 있고, 유닛마다 편향이 하나 더해집니다. 다른 모든 층처럼
    배치 축은 건드리지 않습니다.

과제
    1. build_dense: `units`와 `activation`으로 `keras.layers.Dense`를 돌려주세요.
    2. apply_dense: (배치, 특성) 입력에 층을 적용하세요.
    3. predict_output_shape / predict_param_count: 펼친 Conv2D 출력 (1, 2352)에
       시드의 Dense(32)를 적용할 때의 출력 모양과 파라미터 수를 추론하세요.
       여기서 층을 만들지 마세요.
    4. dense_param_count: `in_features`개 입력에 대한 Dense(units)의 파라미터 수를
       어떤 숫자에도, 편향이 있든 없든 돌려주세요.

모양
    입력 (배치, 입력 특성) float32 -> 출력 (배치, 유닛) float32
    커널 (입력 특성, 유닛), 편향 (유닛,)

예제 (다른 층)
    (1, 100)에 Dense(16): 출력 (1, 16), 커널 (100, 16), 편향 (16,),
    파라미터 100 * 16 + 16 = 1616. dense_param_count(100, 16) == 1616,
    dense_param_count(100, 16, use_bias=False) == 1600.
"""

import keras
import tensorflow as tf


def build_dense(units, activation=None):
    """A Dense layer with `units` units and this activation."""
    # The number of inputs is not given here: Keras reads it from the first
    # tensor the layer sees and only then creates the kernel.
    return keras.layers.Dense(units=units, activation=activation)


def apply_dense(layer, tensor):
    """The layer's output for a (batch, features) input."""
    # (batch, in_features) @ kernel (in_features, units) + bias -> (batch, units)
    return layer(tf.convert_to_tensor(tensor, dtype=tf.float32))


def predict_output_shape():
    """Output shape of the seed's Dense(32) on the flattened (1, 2352)."""
    # The batch axis (1 image) stays; the 2352 features become 32 units.
    return (1, 32)


def predict_param_count():
    """Number of trainable numbers in the seed's Dense(32) on 2352 inputs."""
    # kernel (2352, 32) + one bias per unit
    return 2352 * 32 + 32


def dense_param_count(in_features, units, use_bias=True):
    """Number of parameters of Dense(units, use_bias=use_bias) on `in_features` inputs."""
    # One weight per (input, unit) pair; the bias adds one number per unit,
    # but only when the layer has one.
    weights = in_features * units
    return weights + units if use_bias else weights
