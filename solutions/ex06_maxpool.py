"""06 · MaxPool2D: shrink the feature map  |  MaxPool2D: 특성 맵 줄이기

Concept
    MaxPool2D slides a pool_size window over each channel of a feature map,
    moving by `strides`, and keeps the largest value of each window. It has no
    weights: it makes height and width smaller and leaves the channels alone.
    Where the windows go is convolution arithmetic with the window as the
    kernel; when strides is None it equals pool_size (windows side by side).
    A Keras 3 pitfall: MaxPool2D keeps `padding` exactly as written, and inside
    a model (after keras.Input) it accepts only 'valid' or 'same' in lower case.

Task
    1. build_maxpool: return a `keras.layers.MaxPooling2D` configured from the
       arguments. padding may arrive in any case ('SAME', as the seed writes
       it, or 'Same'); store it so that the layer also works inside a model.
    2. apply_maxpool: call the layer on a tensor and return the output. The
       tensor may hold numbers or be a symbolic keras.Input, as when a model is
       built, so just call the layer.
    3. predict_output_shape: the shape the seed's MaxPool2D(pool_size=2,
       strides=2, padding='same') gives for its Conv2D output (1, 28, 28, 3).
       Reason it out; do not build a layer inside this function.
    4. pool_output_length(input_length, pool_size, stride=None, padding="valid"):
       the output length along one axis, for any input; stride None means
       stride = pool_size; padding in any case ('same', 'SAME', 'Same'). With
       'valid' the window must fit in the input (pool_size <= input_length):
       the tests never ask otherwise (raising ValueError is a fine answer).

Shapes
    input (batch, height, width, channels) float32
    -> output (batch, out_height, out_width, channels) float32

Worked example (a different layer)
    The 2 x 2 window [[1, 5], [3, 2]] pools to 5, its largest value.
    MaxPool2D(pool_size=3, strides=2, padding='valid') on (1, 10, 10, 6): the
    window can start at 0, 2, 4, 6 -> (1, 4, 4, 6); with padding='same' every
    start 0, 2, ..., 8 counts, 10 / 2 = 5 -> (1, 5, 5, 6).
    pool_output_length(10, 3) moves by 3: windows at 0, 3, 6 -> 3.

개념
    MaxPool2D는 특성 맵의 각 채널 위로 pool_size 크기의 창을 `strides`만큼씩 밀며
    지나가고, 창마다 가장 큰 값을 남깁니다. 가중치는 없습니다. 높이와 너비를
    줄이고 채널은 그대로 둡니다. 창이 어디에 놓이는지는 창을 커널로 둔 합성곱
    계산과 같고, strides가 None이면 pool_size와 같습니다(창이 나란히 놓입니다).
    Keras 3의 함정: MaxPool2D는 `padding`을 쓴 그대로 두는데, 모델 안에서는
    (keras.Input 다음에서는) 소문자 'valid'나 'same'만 받아들입니다.

과제
    1. build_maxpool: 인자대로 설정한 `keras.layers.MaxPooling2D`를 돌려주세요.
       padding은 대소문자 어느 쪽으로든 올 수 있습니다(시드가 쓴 'SAME', 또는 'Same'). 층이 모델 안에서도
       동작하도록 저장하세요.
    2. apply_maxpool: 텐서에 층을 적용하고 출력을 돌려주세요. 텐서는 숫자를 담고
       있을 수도 있고, 모델을 만들 때처럼 기호로 된 keras.Input일 수도 있으니
       층을 그냥 부르세요.
    3. predict_output_shape: 시드의 MaxPool2D(pool_size=2, strides=2,
       padding='same')을 Conv2D 출력 (1, 28, 28, 3)에 적용할 때의 모양을
       추론해서 돌려주세요. 이 함수 안에서 층을 만들지 마세요.
    4. pool_output_length(input_length, pool_size, stride=None, padding="valid"):
       어떤 입력에서든 한 축의 출력 길이. stride가 None이면 stride = pool_size이고,
       padding은 대소문자 어느 쪽이든 됩니다('same', 'SAME', 'Same'). 'valid'에서는
       창이 입력 안에 들어가야 합니다(pool_size <= input_length). 테스트는 다른 경우를
       묻지 않습니다(ValueError를 일으켜도 좋은 답입니다).

모양
    입력 (배치, 높이, 너비, 채널) float32
    -> 출력 (배치, 출력 높이, 출력 너비, 채널) float32

예제 (다른 층)
    2 x 2 창 [[1, 5], [3, 2]]는 가장 큰 값인 5가 됩니다.
    (1, 10, 10, 6)에 MaxPool2D(pool_size=3, strides=2, padding='valid'): 창은
    0, 2, 4, 6에서 시작할 수 있습니다 -> (1, 4, 4, 6). padding='same'이면
    0, 2, ..., 8의 모든 시작점을 셉니다. 10 / 2 = 5 -> (1, 5, 5, 6).
    pool_output_length(10, 3)은 3씩 움직입니다: 창은 0, 3, 6 -> 3.
"""

import math

import keras


def build_maxpool(pool_size=2, strides=2, padding="same"):
    """A MaxPooling2D layer with this configuration that also works inside a Keras 3 model."""
    # MaxPooling2D stores padding as given. 'SAME' works on eager tensors but
    # inside a model Keras 3 raises "Argument `padding` must be either 'valid'
    # or 'same'", so store it in lower case.
    return keras.layers.MaxPooling2D(pool_size=pool_size, strides=strides, padding=padding.lower())


def apply_maxpool(layer, tensor):
    """The layer's output for a (batch, height, width, channels) tensor or keras.Input."""
    # No conversion: a keras.Input is symbolic and must reach the layer as it
    # is, so that the same call builds a model. (1, 28, 28, 3) -> (1, 14, 14, 3)
    # for the seed's layer: each 2 x 2 window becomes its largest value.
    return layer(tensor)


def predict_output_shape():
    """Output shape of the seed's MaxPool2D(2, strides=2, padding='same') on (1, 28, 28, 3)."""
    # 'same' at stride 2: ceil(28 / 2) = 14 windows for height and for width;
    # pooling works channel by channel, so the 3 channels stay 3.
    return (1, 14, 14, 3)


def pool_output_length(input_length, pool_size, stride=None, padding="valid"):
    """Output length along one axis of a pooling layer (int); stride None means pool_size."""
    if stride is None:
        # Keras' default: windows side by side, never overlapping.
        stride = pool_size
    padding = padding.lower()
    if padding == "same":
        # Every start 0, s, 2s, ... below n counts: ceil(n / s). 27 at stride 2 -> 14.
        return math.ceil(input_length / stride)
    if padding == "valid":
        if pool_size > input_length:
            # No place for the window at all: Keras refuses such a layer, and so do we.
            raise ValueError(f"with padding='valid' the window ({pool_size}) must fit in the input ({input_length})")
        # The window must fit: starts 0 .. n - p, every s-th: floor((n - p) / s) + 1.
        return (input_length - pool_size) // stride + 1
    raise ValueError(f"padding must be 'valid' or 'same', received {padding!r}")
