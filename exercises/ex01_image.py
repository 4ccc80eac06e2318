"""01 · One MNIST image as a model input  |  MNIST 이미지 한 장을 모델 입력으로

Concept
    MNIST gives each image as (28, 28) uint8 pixels from 0 to 255. A Keras layer
    such as Conv2D wants something else: a batch of images with a channel axis,
    (batch, height, width, channels), in float32. One grayscale image is a batch
    of one image with one channel.

Task
    1. load_one_image: return the `index`-th training image of
       `layerlab.data.load_mnist()` (its `x_train`), unchanged.
    2. to_model_input: turn one (height, width) uint8 image into a float32 batch
       of one image with its channel axis last; when `scale` is true, also bring
       the pixels from 0..255 into [0, 1].
    3. predict_input_shape: work out the shape to_model_input gives for one
       MNIST image, which is the shape the seed's Conv2D receives. Reason it
       out; do not load or convert an image inside this function.

Shapes
    load_one_image: (28, 28) uint8, values 0..255
    to_model_input: (height, width) uint8
    -> (batch, height, width, channels) float32, values in [0, 1] when scale=True
       (0.0..255.0 when scale=False)

Worked example (a different image)
    A CIFAR-10 colour photo is (32, 32, 3) uint8: it already has a channel axis
    (red, green, blue), so it only needs the batch axis in front:
    photo[tf.newaxis] -> (1, 32, 32, 3); tf.cast(..., tf.float32) / 255.0 ->
    float32 values in [0, 1]. Cast first: TensorFlow refuses to divide uint8 by
    a float, and numpy would give float64.

개념
    MNIST는 이미지 한 장을 0부터 255까지의 (28, 28) uint8 픽셀로 줍니다. Conv2D
    같은 Keras 층은 다른 것을 원합니다: 채널 축이 있는 이미지 묶음,
    (배치, 높이, 너비, 채널), 그리고 float32. 흑백 이미지 한 장은 채널이 하나인
    이미지 한 장짜리 배치입니다.

과제
    1. load_one_image: `layerlab.data.load_mnist()`의 `index`번째 훈련 이미지
       (`x_train`)를 바꾸지 않고 돌려주세요.
    2. to_model_input: (높이, 너비) uint8 이미지 한 장을 채널 축이 마지막에 있는
       이미지 한 장짜리 float32 배치로 바꾸세요. `scale`이 참이면 픽셀 값도
       0..255에서 [0, 1]로 바꾸세요.
    3. predict_input_shape: MNIST 이미지 한 장에 to_model_input이 주는 모양,
       곧 시드의 Conv2D가 받는 모양을 추론해서 돌려주세요. 이 함수 안에서
       이미지를 불러오거나 바꾸지 마세요.

모양
    load_one_image: (28, 28) uint8, 값 0..255
    to_model_input: (높이, 너비) uint8
    -> (배치, 높이, 너비, 채널) float32, scale=True이면 값은 [0, 1]
       (scale=False이면 0.0..255.0)

예제 (다른 이미지)
    CIFAR-10 컬러 사진은 (32, 32, 3) uint8입니다. 이미 채널 축(빨강, 초록, 파랑)이
    있으므로 앞에 배치 축만 더하면 됩니다: photo[tf.newaxis] -> (1, 32, 32, 3);
    tf.cast(..., tf.float32) / 255.0 -> [0, 1] 범위의 float32 값. 먼저 형을
    바꾸세요: TensorFlow는 uint8을 실수로 나누지 않고, numpy는 float64를 줍니다.
"""

import tensorflow as tf

from layerlab.data import load_mnist


def load_one_image(index=0):
    """The `index`-th MNIST training image, (28, 28) uint8."""
    # TODO: return image number `index` of load_mnist().x_train.
    raise NotImplementedError


def to_model_input(image, scale=True):
    """One (height, width) uint8 image as a float32 batch of one with a channel axis."""
    # TODO: return a (1, height, width, 1) float32 tensor or array, divided by 255 when scale is true.
    raise NotImplementedError


def predict_input_shape():
    """Shape of to_model_input(...) for one MNIST image: what the seed's Conv2D receives."""
    # TODO: return a tuple of four ints.
    raise NotImplementedError
