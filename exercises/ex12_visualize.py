"""12 · See it: histogram, kernel, feature map  |  눈으로 보기: 히스토그램, 커널, 특성 맵

Concept
    Numbers become easier to read as pictures. A histogram shows how a layer's
    output values are spread (how many are near 0, how large the largest
    are); imshow shows a 2-D slice of a tensor as an image: one kernel of a
    Conv2D, or one channel of its feature map for one image. A colorbar tells
    which colour means which value.

Task
    Each plot_* function makes one matplotlib Figure, draws on it and returns
    it (do not call plt.show()). Put the tensor's shape in the title.
    1. plot_histogram: one Axes with a histogram of every value of `output`
       (whatever its shape) in `bins` bins.
    2. plot_kernel: one Axes with imshow of kernel[:, :, 0, 0], the weights the
       first filter applies to the first input channel.
    3. plot_feature_map: imshow of output[0, :, :, 0], the first channel of the
       first image, plus a colorbar (a colorbar is an Axes of its own: 2 Axes).
    4. save_figure: write the figure as a PNG file at `path` and return the
       path as a `pathlib.Path`.

Shapes
    output (batch, height, width, channels), kernel (kh, kw, in_channels, filters);
    tensors or numpy arrays. The images drawn are (kh, kw) and (height, width).

Worked example (different tensors)
    For a Dense output of shape (1, 32), a histogram with bins=10 has 10 bars
    whose heights add up to 32 values; its title could be "values of (1, 32)".
    A Conv2D(5, 5) on RGB images has a kernel (5, 5, 3, 5): kernel[:, :, 0, 0]
    is a 5 x 5 picture. For a feature map (2, 14, 14, 8), output[0, :, :, 0]
    is a 14 x 14 picture of the first image's first channel.

개념
    숫자는 그림으로 보면 읽기 쉽습니다. 히스토그램은 층 출력 값이 어떻게 퍼져
    있는지(0 근처에 몇 개가 있는지, 가장 큰 값이 얼마나 큰지) 보여주고, imshow는
    텐서의 2차원 조각을 이미지로 보여줍니다: Conv2D의 커널 하나, 또는 이미지
    한 장의 특성 맵 채널 하나. colorbar는 어떤 색이 어떤 값인지 알려줍니다.

과제
    plot_* 함수는 각각 matplotlib Figure 하나를 만들어 그리고 돌려줍니다
    (plt.show()는 부르지 마세요). 제목에 텐서의 모양을 넣으세요.
    1. plot_histogram: `output`의 모든 값(모양과 상관없이)을 `bins`개 구간으로
       나눈 히스토그램이 있는 Axes 하나.
    2. plot_kernel: kernel[:, :, 0, 0](첫 번째 필터가 첫 번째 입력 채널에 쓰는
       가중치)을 imshow로 그린 Axes 하나.
    3. plot_feature_map: output[0, :, :, 0](첫 이미지의 첫 채널)의 imshow와
       colorbar(colorbar는 따로 Axes 하나입니다: Axes 2개).
    4. save_figure: figure를 `path`에 PNG 파일로 쓰고 그 경로를 `pathlib.Path`로
       돌려주세요.

모양
    output (배치, 높이, 너비, 채널), kernel (kh, kw, 입력 채널, 필터 수);
    텐서 또는 numpy 배열. 그려지는 이미지는 (kh, kw)와 (높이, 너비)입니다.

예제 (다른 텐서)
    모양이 (1, 32)인 Dense 출력에 bins=10인 히스토그램은 막대 10개이고 높이를
    모두 더하면 값 32개입니다. 제목은 "values of (1, 32)"처럼 쓸 수 있습니다.
    RGB 이미지에 대한 Conv2D(5, 5)의 커널은 (5, 5, 3, 5)이고 kernel[:, :, 0, 0]은
    5 x 5 그림입니다. 특성 맵 (2, 14, 14, 8)에서 output[0, :, :, 0]은 첫 이미지의
    첫 채널을 그린 14 x 14 그림입니다.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np


def plot_histogram(output, bins=30):
    """A Figure with one Axes: a histogram of every value of `output`, its shape in the title."""
    # TODO: make a figure and one Axes, draw the histogram of all values,
    # set a title that contains the shape, return the figure.
    raise NotImplementedError


def plot_kernel(kernel):
    """A Figure with one Axes: imshow of kernel[:, :, 0, 0], the kernel's shape in the title."""
    # TODO: imshow the (kh, kw) slice, set a title with the kernel's shape, return the figure.
    raise NotImplementedError


def plot_feature_map(output):
    """A Figure: imshow of output[0, :, :, 0] with a colorbar, the output's shape in the title."""
    # TODO: imshow the slice, add a colorbar for it, set the title, return the figure.
    raise NotImplementedError


def save_figure(figure, path):
    """Write `figure` as a PNG file at `path`; return that path as a pathlib.Path."""
    # TODO: save the figure, return Path(path).
    raise NotImplementedError
