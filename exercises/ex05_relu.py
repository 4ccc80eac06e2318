"""05 · ReLU: what happens to negative values  |  ReLU: 음수 값은 어떻게 되나

Concept
    After its Conv2D the seed applies ReLU (rectified linear unit) to every
    value on its own. Positive values pass through unchanged; values below zero
    do not survive as they are. ReLU has no weights and never changes the
    shape, and in Keras it is a layer of its own, keras.layers.ReLU.

Task
    1. build_relu: return a `keras.layers.ReLU` layer with its default settings.
    2. apply_relu: apply the layer to a tensor and return its output.
    3. predict_negative_becomes: the seed's Conv2D output holds negative values
       such as -0.8. What does ReLU turn -0.8 into? Return a float; reason it
       out, do not call a layer inside this function.
    4. count_zeroed: how many values of the tensor ReLU sets to zero, that is,
       how many it changes (a value that is already 0.0 stays 0.0), as a plain
       Python int.

Shapes
    input (batch, height, width, channels) float32
    -> output (batch, height, width, channels) float32, the same shape

Worked example (a different layer)
    ReLU6, keras.layers.ReLU(max_value=6.0), also caps large values: on
    [0.0, 2.5, 7.0, 6.0] it gives [0.0, 2.5, 6.0, 6.0]. It changes one value
    (7.0 -> 6.0); the 6.0 that was already there was not changed by the layer.

개념
    시드는 Conv2D 다음에 모든 값에 하나씩 ReLU(rectified linear unit)를 적용합니다.
    양수는 바뀌지 않고 지나가지만, 0보다 작은 값은 그대로 남지 않습니다. ReLU에는
    가중치가 없고 모양을 절대 바꾸지 않으며, Keras에서는 keras.layers.ReLU라는
    독립된 층입니다.

과제
    1. build_relu: 기본 설정의 `keras.layers.ReLU` 층을 돌려주세요.
    2. apply_relu: 텐서에 층을 적용하고 그 출력을 돌려주세요.
    3. predict_negative_becomes: 시드의 Conv2D 출력에는 -0.8 같은 음수가
       들어 있습니다. ReLU는 -0.8을 무엇으로 바꿀까요? float로 돌려주세요.
       이 함수 안에서 층을 부르지 말고 추론하세요.
    4. count_zeroed: ReLU가 0으로 만드는 값, 곧 ReLU가 바꾸는 값이 텐서에 몇 개
       있는지(이미 0.0인 값은 0.0 그대로입니다) 평범한 파이썬 int로 돌려주세요.

모양
    입력 (배치, 높이, 너비, 채널) float32
    -> 출력 (배치, 높이, 너비, 채널) float32, 같은 모양

예제 (다른 층)
    ReLU6, 곧 keras.layers.ReLU(max_value=6.0)은 큰 값도 잘라 냅니다:
    [0.0, 2.5, 7.0, 6.0]에 적용하면 [0.0, 2.5, 6.0, 6.0]이 됩니다. 바뀐 값은
    하나(7.0 -> 6.0)이고, 원래 있던 6.0은 층이 바꾼 것이 아닙니다.
"""

import keras
import numpy as np


def build_relu():
    """A keras.layers.ReLU layer with its default settings."""
    # TODO: return keras.layers.ReLU(...).
    raise NotImplementedError


def apply_relu(layer, tensor):
    """The layer's output for the tensor (same shape)."""
    # TODO: call the layer on the tensor.
    raise NotImplementedError


def predict_negative_becomes():
    """What the seed's ReLU turns the negative value -0.8 into."""
    # TODO: return a float.
    raise NotImplementedError


def count_zeroed(tensor):
    """How many values of the tensor ReLU sets to zero (changes), as a Python int."""
    # TODO: return an int.
    raise NotImplementedError
