"""03 · Convolution arithmetic for any input  |  어떤 입력에도 맞는 합성곱 계산

Concept
    Along one axis of n pixels, a kernel of size k that moves by stride s fits
    in a number of positions, and that number is the output length. The padding
    decides which positions count: 'valid' adds no border, so the kernel must
    stay inside the image; 'same' adds just enough zero border that only the
    stride shrinks the output. Conv2D does this for height and width separately,
    and its output has one channel per filter. Its parameters are one kernel of
    kernel_height x kernel_width x in_channels numbers per filter, plus one bias
    per filter (unless use_bias=False).

Task
    Write three general functions, with plain arithmetic (no Keras inside):
    1. conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
       the output length along one axis. padding may be written in any case
       ('same', 'SAME', 'Same'). With 'valid' the kernel must fit in the
       input (kernel_size <= input_length): the tests never ask otherwise, and
       Keras refuses such a layer (raising ValueError is a fine answer).
    2. conv2d_output_shape(input_shape, filters, kernel_size, strides=1,
       padding="valid"): the output shape for an input (batch, height, width,
       channels). kernel_size and strides are an int (the same for both axes) or
       a (height, width) pair. batch may be None (any number of images) and
       passes through.
    3. conv2d_param_count(kernel_size, in_channels, filters, use_bias=True): the
       number of trainable numbers in the layer.
    The tests try many configurations and compare with what Keras computes.

Shapes
    input (batch, height, width, in_channels)
    -> output (batch, out_height, out_width, filters)
    out_height = conv_output_length(height, kernel_height, stride_height, padding)
    out_width  = conv_output_length(width, kernel_width, stride_width, padding)

Worked example (a different layer)
    Conv2D(filters=16, kernel_size=5, strides=2) on (None, 32, 32, 3):
    'valid': the kernel's first pixel can sit at 0, 2, 4, ..., 26 (27 = 32 - 5
    would be the last place, but it is not on the stride) -> 14 positions;
    'same': every start 0, 2, ..., 30 counts -> 32 / 2 = 16 positions.
    conv2d_output_shape((None, 32, 32, 3), 16, 5, 2, "valid") == (None, 14, 14, 16)
    conv2d_param_count(5, 3, 16) == 5 * 5 * 3 * 16 + 16 == 1216
    (1200 with use_bias=False)

개념
    n 픽셀짜리 한 축에서, stride s로 움직이는 크기 k의 커널이 놓일 수 있는 자리의
    수가 곧 출력 길이입니다. 어떤 자리를 셀지는 패딩이 정합니다. 'valid'는
    가장자리를 더하지 않으므로 커널이 이미지 안에 있어야 하고, 'same'은 stride만
    출력을 줄이도록 딱 필요한 만큼 0으로 된 가장자리를 더합니다. Conv2D는 높이와
    너비에 대해 이것을 따로 하고, 출력에는 필터마다 채널이 하나 있습니다.
    파라미터는 필터마다 커널 높이 x 커널 너비 x 입력 채널 개의 숫자로 된 커널
    하나와 편향 하나입니다(use_bias=False가 아니라면).

과제
    평범한 산술로(안에서 Keras를 쓰지 말고) 일반 함수 세 개를 쓰세요.
    1. conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
       한 축의 출력 길이. padding은 대소문자 어느 쪽으로 써도 됩니다('same', 'SAME', 'Same').
       'valid'에서는 커널이 입력 안에 들어가야 합니다(kernel_size <= input_length).
       테스트는 다른 경우를 묻지 않고, Keras도 그런 층을 거부합니다(ValueError를
       일으켜도 좋은 답입니다).
    2. conv2d_output_shape(input_shape, filters, kernel_size, strides=1,
       padding="valid"): (배치, 높이, 너비, 채널) 입력에 대한 출력 모양.
       kernel_size와 strides는 int(두 축에 같은 값)이거나 (높이, 너비) 쌍입니다.
       배치는 None(이미지 개수가 정해지지 않음)일 수 있고 그대로 전달됩니다.
    3. conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
       층에서 학습되는 숫자의 개수.
    테스트는 여러 설정을 시도하고 Keras가 계산한 값과 비교합니다.

모양
    입력 (배치, 높이, 너비, 입력 채널)
    -> 출력 (배치, 출력 높이, 출력 너비, 필터 수)
    출력 높이 = conv_output_length(높이, 커널 높이, 높이 stride, padding)
    출력 너비 = conv_output_length(너비, 커널 너비, 너비 stride, padding)

예제 (다른 층)
    (None, 32, 32, 3)에 Conv2D(filters=16, kernel_size=5, strides=2):
    'valid': 커널의 첫 픽셀은 0, 2, 4, ..., 26에 놓일 수 있습니다(마지막 자리
    27 = 32 - 5는 stride에 맞지 않습니다) -> 14자리. 'same': 0, 2, ..., 30의
    모든 시작점을 셉니다 -> 32 / 2 = 16자리.
    conv2d_output_shape((None, 32, 32, 3), 16, 5, 2, "valid") == (None, 14, 14, 16)
    conv2d_param_count(5, 3, 16) == 5 * 5 * 3 * 16 + 16 == 1216
    (use_bias=False이면 1200)
"""

import math


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    """Output length along one axis of a convolution (int)."""
    # Keras itself accepts 'SAME' for Conv2D and stores 'same': compare in lower case.
    padding = padding.lower()
    if padding == "same":
        # The zero border lets the kernel start at every 0, s, 2s, ... below n,
        # whatever its size: ceil(n / s) starts. 28 at stride 2 -> 14; 27 -> 14.
        return math.ceil(input_length / stride)
    if padding == "valid":
        if kernel_size > input_length:
            # No place for the kernel at all: Keras refuses such a layer, and so do we.
            raise ValueError(f"with padding='valid' the kernel ({kernel_size}) must fit in the input ({input_length})")
        # The kernel's first pixel can sit at 0 .. n - k; every s-th of those
        # n - k + 1 places counts: floor((n - k) / s) + 1. 28, k=3, s=2 -> 13.
        return (input_length - kernel_size) // stride + 1
    raise ValueError(f"padding must be 'valid' or 'same', received {padding!r}")


def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    """Output shape (batch, out_height, out_width, filters) of a Conv2D on input_shape."""
    # An int means the same number for height and width: 3 -> (3, 3).
    kernel_height, kernel_width = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    stride_height, stride_width = (strides, strides) if isinstance(strides, int) else strides
    # The input channels only shape the kernel, never the output.
    batch, height, width, _ = input_shape
    return (
        batch,  # passes through unchanged, None included
        conv_output_length(height, kernel_height, stride_height, padding),
        conv_output_length(width, kernel_width, stride_width, padding),
        filters,  # each filter makes one output channel
    )


def conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
    """Number of trainable numbers in a Conv2D (kernel weights, plus biases when use_bias)."""
    kernel_height, kernel_width = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    # The kernel is (kernel_height, kernel_width, in_channels, filters): each
    # filter spans every input channel.
    weights = kernel_height * kernel_width * in_channels * filters
    # One bias per filter, added to that filter's whole output channel.
    biases = filters if use_bias else 0
    return weights + biases
