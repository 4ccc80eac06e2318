"""09 · The batch axis: many images, same layers  |  배치 축: 여러 이미지, 같은 층

Concept
    The first axis of every tensor counts images. The seed followed one image,
    (1, 28, 28, 1); a model trains on many at once, (N, 28, 28, 1). Layers
    work on each image of a batch separately and never mix them, so every
    shape in the network starts with N, and running N images one by one gives
    the same numbers as running them as one batch.

Task
    1. make_batch: N grayscale images, (28, 28) uint8 each (a list or one
       (N, 28, 28) array), as one model input: (N, 28, 28, 1) float32 in [0, 1].
    2. predict_batch_shapes: for n images, the shapes after each step of the
       seed's pipeline
           Conv2D(3, 3, padding='same') -> MaxPool2D(2, 2, padding='same')
           -> Flatten -> Dense(10)
       as a dict with the keys "input", "conv", "pool", "flatten", "dense".
       Reason it out; do not build layers inside this function.
    3. apply_one_by_one: apply a layer to each image of a batch on its own
       (`batch[i:i + 1]` keeps the batch axis) and put the outputs back
       together into one numpy array, in order.

Shapes
    images: N x (28, 28) uint8 -> batch (N, 28, 28, 1) float32
    any layer: (N, ...) -> (N, ...): the first axis is never touched

Worked example (a different pipeline)
    4 images through Conv2D(8, 5, padding='valid') -> MaxPool2D(2) -> Flatten
    -> Dense(32): input (4, 28, 28, 1), conv (4, 24, 24, 8), pool
    (4, 12, 12, 8), flatten (4, 1152), dense (4, 32).

개념
    모든 텐서의 첫 번째 축은 이미지 개수입니다. 시드는 이미지 한 장
    (1, 28, 28, 1)을 따라갔지만, 모델은 여러 장 (N, 28, 28, 1)을 한꺼번에
    학습합니다. 층은 배치의 각 이미지를 따로 처리하고 절대 섞지 않으므로,
    네트워크의 모든 모양은 N으로 시작하고, N장을 하나씩 처리해도 한 배치로
    처리한 것과 같은 숫자가 나옵니다.

과제
    1. make_batch: (28, 28) uint8 흑백 이미지 N장(list 또는 (N, 28, 28) 배열
       하나)을 모델 입력 하나로 만드세요: [0, 1] 범위의 (N, 28, 28, 1) float32.
    2. predict_batch_shapes: 이미지 n장에 대해 시드의 파이프라인
           Conv2D(3, 3, padding='same') -> MaxPool2D(2, 2, padding='same')
           -> Flatten -> Dense(10)
       각 단계 뒤의 모양을 키 "input", "conv", "pool", "flatten", "dense"를
       가진 dict로 돌려주세요. 이 함수 안에서 층을 만들지 마세요.
    3. apply_one_by_one: 배치의 각 이미지에 층을 따로 적용하고
       (`batch[i:i + 1]`은 배치 축을 유지합니다) 출력을 순서대로 이어 붙여
       numpy 배열 하나로 돌려주세요.

모양
    이미지: N x (28, 28) uint8 -> 배치 (N, 28, 28, 1) float32
    모든 층: (N, ...) -> (N, ...): 첫 번째 축은 절대 바뀌지 않습니다

예제 (다른 파이프라인)
    이미지 4장이 Conv2D(8, 5, padding='valid') -> MaxPool2D(2) -> Flatten
    -> Dense(32)를 지나면: 입력 (4, 28, 28, 1), conv (4, 24, 24, 8),
    pool (4, 12, 12, 8), flatten (4, 1152), dense (4, 32).
"""

import numpy as np


def make_batch(images):
    """N (28, 28) uint8 images as one (N, 28, 28, 1) float32 batch in [0, 1]."""
    # np.stack puts the images on a new first axis, the batch axis:
    # N x (28, 28) -> (N, 28, 28). A list or an (N, 28, 28) array both work.
    stacked = np.stack([np.asarray(image) for image in images])
    # Cast first: uint8 arithmetic has no fractions, so 200 / 255 must happen
    # in float32 to give 0.784...
    scaled = stacked.astype(np.float32) / 255.0
    # One grayscale channel, last: (N, 28, 28) -> (N, 28, 28, 1).
    return scaled[..., np.newaxis]


def predict_batch_shapes(n):
    """Shapes of n images after each step of the seed's pipeline, keyed by step."""
    # Each layer changes only the axes after the first; n passes through.
    return {
        "input": (n, 28, 28, 1),
        "conv": (n, 28, 28, 3),  # 'same' at stride 1 keeps 28 x 28; 3 filters
        "pool": (n, 14, 14, 3),  # 2 x 2 windows, stride 2: 28 -> 14
        "flatten": (n, 14 * 14 * 3),  # one row of 588 numbers per image
        "dense": (n, 10),  # 10 units per image
    }


def apply_one_by_one(layer, batch):
    """The layer applied to each image of `batch` on its own, outputs joined as one numpy array."""
    # batch[i:i + 1] is a batch of one, (1, ...): a layer needs the batch axis,
    # while batch[i] would drop it.
    outputs = [np.asarray(layer(batch[i : i + 1])) for i in range(len(batch))]
    # N outputs of (1, ...) joined on the batch axis -> (N, ...), the same
    # array as layer(batch): no image ever saw another.
    return np.concatenate(outputs, axis=0)
