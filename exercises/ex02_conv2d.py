"""02 · Conv2D: build, apply, predict  |  Conv2D: 만들고, 적용하고, 예측하기

Concept
    A Conv2D layer slides `filters` small kernels over the image. Each kernel
    spans every input channel and gives one output channel, plus one bias.

Task
    1. build_conv2d: return a `keras.layers.Conv2D` configured from the spec.
    2. apply_conv2d: apply the layer to a (batch, height, width, channels) input.
    3. predict_*: work out, for the seed's layer Conv2D(filters=3, kernel_size=3,
       strides=1, padding='same') on one (1, 28, 28, 1) image, the output
       shape, the kernel shape, the bias shape and the number of parameters.
       Reason it out; do not build a layer inside these functions.

Shapes
    input (batch, height, width, in_channels) float32
    -> output (batch, new_height, new_width, filters) float32
    kernel (kernel_height, kernel_width, in_channels, filters), bias (filters,)

Worked example (a different layer)
    Conv2D(filters=5, kernel_size=5, strides=1, padding='valid') on (1, 32, 32, 3):
    output (1, 28, 28, 5); kernel (5, 5, 3, 5); bias (5,);
    parameters 5 * 5 * 3 * 5 + 5 = 380.

개념
    Conv2D 층은 `filters`개의 작은 커널을 이미지 위로 밀며 지나갑니다. 각 커널은
    모든 입력 채널에 걸쳐 있고 출력 채널 하나와 편향 하나를 만듭니다.

과제
    1. build_conv2d: 명세대로 설정한 `keras.layers.Conv2D`를 돌려주세요.
    2. apply_conv2d: (배치, 높이, 너비, 채널) 입력에 층을 적용하세요.
    3. predict_*: 시드의 층 Conv2D(filters=3, kernel_size=3, strides=1,
       padding='same')을 (1, 28, 28, 1) 이미지 한 장에 적용할 때의 출력 모양,
       커널 모양, 편향 모양, 파라미터 수를 추론해서 돌려주세요. 이 함수들 안에서
       층을 만들지 마세요.

예제 (다른 층)
    (1, 32, 32, 3)에 Conv2D(filters=5, kernel_size=5, strides=1, padding='valid'):
    출력 (1, 28, 28, 5), 커널 (5, 5, 3, 5), 편향 (5,), 파라미터 5 * 5 * 3 * 5 + 5 = 380.
"""

import keras
import tensorflow as tf


def build_conv2d(filters, kernel_size, strides=1, padding="same", activation=None):
    """A Conv2D layer with exactly this configuration."""
    # TODO: return keras.layers.Conv2D(...) built from the arguments.
    raise NotImplementedError


def apply_conv2d(layer, images):
    """The layer's output for a batch of images (batch, height, width, channels)."""
    # TODO: call the layer on the images (as float32).
    raise NotImplementedError


def predict_output_shape():
    """Output shape of the seed's Conv2D(3, 3, strides=1, padding='same') on (1, 28, 28, 1)."""
    # TODO: return a tuple of four ints.
    raise NotImplementedError


def predict_kernel_shape():
    """Kernel shape of the seed's layer."""
    # TODO: return a tuple of four ints.
    raise NotImplementedError


def predict_bias_shape():
    """Bias shape of the seed's layer."""
    # TODO: return a tuple of one int.
    raise NotImplementedError


def predict_param_count():
    """Number of trainable numbers in the seed's layer."""
    # TODO: return an int.
    raise NotImplementedError
