"""07 · Flatten: from feature maps to a vector  |  Flatten: 특성 맵에서 벡터로

Concept
    A Dense layer wants one row of numbers per image. Flatten keeps the batch
    axis (the number of images) and lays every other axis out in one row:
    height x width x channels numbers per image. It has no parameters.

Task
    1. build_flatten: return a `keras.layers.Flatten`.
    2. predict_output_shape: work out the shape Flatten gives for the seed's
       Conv2D output, (1, 28, 28, 3): one image, 28 x 28, 3 filters.
       Reason it out; do not build a layer inside this function.
    3. flattened_length: for any shape (a tuple or a list, batch axis first,
       of any rank from 2 up), the length of one flattened row. The batch
       entry may be None, as Keras writes "any number of images"; it never
       counts. Use the argument, not the numbers of an example.

Shapes
    input (batch, height, width, channels) -> output (batch, height * width * channels)
    flattened_length((batch, a, b, ...)) -> a * b * ...   (every axis but the first)

Worked example (a different tensor)
    Flatten on (2, 5, 5, 8): output (2, 200), because 5 * 5 * 8 = 200;
    flattened_length((2, 5, 5, 8)) == 200. The 2 images stay 2 rows.

개념
    Dense 층은 이미지마다 숫자 한 줄을 받습니다. Flatten은 배치 축(이미지 개수)을
    그대로 두고 나머지 축을 모두 한 줄로 늘어놓습니다: 이미지마다
    높이 x 너비 x 채널 개의 숫자. 파라미터는 없습니다.

과제
    1. build_flatten: `keras.layers.Flatten`을 돌려주세요.
    2. predict_output_shape: 시드의 Conv2D 출력 (1, 28, 28, 3)(이미지 한 장,
       28 x 28, 필터 3개)에 Flatten을 적용한 모양을 추론하세요. 이 함수 안에서
       층을 만들지 마세요.
    3. flattened_length: 어떤 모양이든(튜플이나 리스트, 배치 축이 처음, 차원 2 이상)
       펼친 한 줄의 길이를 돌려주세요. 배치 항목은 Keras가 "이미지 개수는
       아무거나"를 쓰듯 None일 수 있고, 길이에 들어가지 않습니다. 예제의 숫자가
       아니라 인자를 쓰세요.

모양
    입력 (배치, 높이, 너비, 채널) -> 출력 (배치, 높이 * 너비 * 채널)
    flattened_length((배치, a, b, ...)) -> a * b * ...   (첫 축을 뺀 모든 축)

예제 (다른 텐서)
    (2, 5, 5, 8)에 Flatten: 출력 (2, 200), 5 * 5 * 8 = 200이기 때문입니다.
    flattened_length((2, 5, 5, 8)) == 200. 이미지 2장은 그대로 2줄입니다.
"""

import keras


def build_flatten():
    """A Flatten layer."""
    # Flatten has nothing to configure: it only reshapes, so it has no weights.
    return keras.layers.Flatten()


def predict_output_shape():
    """Output shape of Flatten on the seed's Conv2D output (1, 28, 28, 3)."""
    # The batch axis (1 image) stays; 28 * 28 * 3 numbers become one row:
    # (1, 28, 28, 3) -> (1, 2352).
    return (1, 28 * 28 * 3)


def flattened_length(shape):
    """Length of one flattened row for a tensor of `shape` (batch axis first)."""
    # shape[0] counts images and is never multiplied in: each image gets its
    # own row. The row holds every number of one image.
    length = 1
    for size in shape[1:]:
        length *= int(size)
    return length
