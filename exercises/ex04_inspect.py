"""04 · Inspecting a layer's output: min, max, histogram  |  층의 출력 살펴보기: 최솟값, 최댓값, 히스토그램

Concept
    A layer's output is a tensor of numbers, and it pays to look at them before
    trusting them. The smallest and largest values give the range (are there
    negative values? is it still within [0, 1]?), and a histogram shows how the
    values are spread between them. Neither cares about the shape: every value
    of the tensor counts once, wherever it sits.

Task
    The seed looks at the output of its Conv2D on one MNIST image, a
    (1, 28, 28, 3) float32 tensor. Write functions that work for a tensor (or a
    numpy array) of any shape:
    1. value_range: return (min, max) over every value, as two Python floats.
    2. histogram_values: return every value in one 1-D float32 numpy array, in
       the order np.ravel gives; this is what you would pass to plt.hist.
    3. histogram_counts: return (counts, edges) for `bins` equal-width bins,
       exactly what np.histogram gives for those values.

Shapes
    tensor: any shape, float32, e.g. (1, 28, 28, 3)
    value_range -> (float, float)
    histogram_values -> (number of values,) float32
    histogram_counts -> counts (bins,) integers, edges (bins + 1,) floats
                        (any integer or float dtype: the values are checked)

Worked example (a different tensor)
    t = [[-1.0, 0.5], [2.0, 0.5]], shape (2, 2):
    value_range(t) == (-1.0, 2.0)
    histogram_values(t) -> [-1.0, 0.5, 2.0, 0.5], shape (4,)
    histogram_counts(t, bins=3) -> counts [1, 2, 1], edges [-1.0, 0.0, 1.0, 2.0]
    (the last bin includes its right edge, so 2.0 is counted).

개념
    층의 출력은 숫자로 된 텐서이고, 믿기 전에 들여다볼 가치가 있습니다. 가장 작은
    값과 가장 큰 값은 범위를 알려 주고(음수가 있나? 아직 [0, 1] 안에 있나?),
    히스토그램은 그 사이에 값이 어떻게 퍼져 있는지 보여 줍니다. 둘 다 모양과는
    상관이 없습니다: 텐서의 모든 값은 어디에 있든 한 번씩 셉니다.

과제
    시드는 MNIST 이미지 한 장에 적용한 Conv2D의 출력, 곧 (1, 28, 28, 3) float32
    텐서를 살펴봅니다. 어떤 모양의 텐서(또는 numpy 배열)에도 동작하는 함수를 쓰세요.
    1. value_range: 모든 값에 대한 (최솟값, 최댓값)을 파이썬 float 두 개로 돌려주세요.
    2. histogram_values: 모든 값을 np.ravel이 주는 순서대로 1차원 float32 numpy
       배열 하나에 담아 돌려주세요. plt.hist에 넘길 바로 그 값입니다.
    3. histogram_counts: 폭이 같은 `bins`개의 구간에 대한 (counts, edges)를,
       그 값들에 np.histogram이 주는 것과 똑같이 돌려주세요.

모양
    tensor: 어떤 모양이든, float32, 예: (1, 28, 28, 3)
    value_range -> (float, float)
    histogram_values -> (값의 개수,) float32
    histogram_counts -> counts (bins,) 정수, edges (bins + 1,) 실수
                        (정수나 실수 dtype은 무엇이든 됩니다: 값을 확인합니다)

예제 (다른 텐서)
    t = [[-1.0, 0.5], [2.0, 0.5]], 모양 (2, 2):
    value_range(t) == (-1.0, 2.0)
    histogram_values(t) -> [-1.0, 0.5, 2.0, 0.5], 모양 (4,)
    histogram_counts(t, bins=3) -> counts [1, 2, 1], edges [-1.0, 0.0, 1.0, 2.0]
    (마지막 구간은 오른쪽 끝을 포함하므로 2.0도 셉니다).
"""

import numpy as np


def value_range(tensor):
    """(min, max) over every value of the tensor, as two Python floats."""
    # TODO: return a tuple of two floats.
    raise NotImplementedError


def histogram_values(tensor):
    """Every value of the tensor in one 1-D float32 numpy array: what plt.hist takes."""
    # TODO: return a 1-D numpy array (np.ravel order).
    raise NotImplementedError


def histogram_counts(tensor, bins=10):
    """(counts, edges) of the tensor's values in `bins` equal-width bins, as np.histogram gives."""
    # TODO: return a tuple (counts, edges).
    raise NotImplementedError
