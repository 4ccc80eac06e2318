"""10 · Feature extraction + classification: the whole CNN  |  특성 추출 + 분류: CNN 전체

Concept
    A CNN has two parts. Feature extraction, Conv2D -> ReLU -> MaxPool2D
    (one block per entry of `filters`), turns an image into smaller feature
    maps with more channels. Classification, Flatten -> Dense(relu) ->
    Dense(softmax), turns those maps into one probability per digit. The
    model is the two parts in a row, starting from `keras.Input`.

Task
    1. build_feature_extractor: a `keras.Sequential` with, for each f in
       `filters`: Conv2D(f, 3, padding='same'), ReLU(), MaxPool2D(2, padding='same').
    2. build_classifier: a `keras.Sequential` of Flatten(),
       Dense(hidden_units, activation='relu'), Dense(num_classes, activation='softmax').
    3. build_model: a `keras.Model` that takes `keras.Input(shape=(28, 28, 1))`
       and runs the feature extractor, then the classifier (10 classes).
       A flat Sequential or a functional model are both fine.
    4. predict_layer_output_shapes: for ONE image (batch 1) through
       build_model() with its defaults, the output shape of each layer in
       order: Conv2D, ReLU, MaxPool2D, Flatten, Dense, Dense (a list of six tuples).
    5. predict_total_params: the number of parameters of build_model().
       Reason 4 and 5 out with the formulas of the earlier exercises; do not
       build a model inside these functions.

Shapes
    (batch, 28, 28, 1) -> feature maps (batch, h, w, filters[-1])
    -> (batch, h * w * filters[-1]) -> (batch, hidden_units) -> (batch, 10)

Worked example (a different model)
    build_model(filters=(4,), hidden_units=16) on one image:
        Conv2D    (1, 28, 28, 4)   3 * 3 * 1 * 4 + 4 = 40 parameters
        ReLU      (1, 28, 28, 4)   0
        MaxPool2D (1, 14, 14, 4)   0
        Flatten   (1, 784)         0
        Dense     (1, 16)          784 * 16 + 16 = 12560
        Dense     (1, 10)          16 * 10 + 10 = 170
    total 40 + 12560 + 170 = 12770 parameters.

개념
    CNN은 두 부분으로 되어 있습니다. 특성 추출 Conv2D -> ReLU -> MaxPool2D
    (`filters`의 항목마다 블록 하나)는 이미지를 채널이 더 많은 작은 특성 맵으로
    바꿉니다. 분류 Flatten -> Dense(relu) -> Dense(softmax)는 그 맵을 숫자마다
    확률 하나로 바꿉니다. 모델은 `keras.Input`에서 시작해 두 부분을 차례로
    잇습니다.

과제
    1. build_feature_extractor: `filters`의 각 f마다 Conv2D(f, 3, padding='same'),
       ReLU(), MaxPool2D(2, padding='same')를 담은 `keras.Sequential`.
    2. build_classifier: Flatten(), Dense(hidden_units, activation='relu'),
       Dense(num_classes, activation='softmax')로 된 `keras.Sequential`.
    3. build_model: `keras.Input(shape=(28, 28, 1))`을 받아 특성 추출기와
       분류기(10개 클래스)를 차례로 실행하는 `keras.Model`. 평평한 Sequential이든
       함수형 모델이든 괜찮습니다.
    4. predict_layer_output_shapes: 기본값으로 만든 build_model()에 이미지 한 장
       (배치 1)을 넣을 때 각 층의 출력 모양을 순서대로: Conv2D, ReLU, MaxPool2D,
       Flatten, Dense, Dense (튜플 여섯 개의 list).
    5. predict_total_params: build_model()의 파라미터 수.
       4와 5는 앞 연습의 공식으로 추론하세요. 이 함수들 안에서 모델을 만들지 마세요.

모양
    (배치, 28, 28, 1) -> 특성 맵 (배치, h, w, filters[-1])
    -> (배치, h * w * filters[-1]) -> (배치, hidden_units) -> (배치, 10)

예제 (다른 모델)
    이미지 한 장에 build_model(filters=(4,), hidden_units=16):
        Conv2D    (1, 28, 28, 4)   3 * 3 * 1 * 4 + 4 = 40 파라미터
        ReLU      (1, 28, 28, 4)   0
        MaxPool2D (1, 14, 14, 4)   0
        Flatten   (1, 784)         0
        Dense     (1, 16)          784 * 16 + 16 = 12560
        Dense     (1, 10)          16 * 10 + 10 = 170
    합계 40 + 12560 + 170 = 12770 파라미터.
"""

import keras


def build_feature_extractor(filters=(8,)):
    """Conv2D(f, 3, 'same') -> ReLU -> MaxPool2D(2, 'same') for each f in `filters`, as a Sequential."""
    # TODO: return keras.Sequential([...]) with three layers per entry of `filters`.
    raise NotImplementedError


def build_classifier(hidden_units=32, num_classes=10):
    """Flatten -> Dense(hidden_units, relu) -> Dense(num_classes, softmax), as a Sequential."""
    # TODO: return keras.Sequential([...]) with these three layers.
    raise NotImplementedError


def build_model(filters=(8,), hidden_units=32):
    """keras.Input((28, 28, 1)) -> feature extractor -> classifier with 10 classes."""
    # TODO: start from keras.Input(shape=(28, 28, 1)) and return a keras.Model
    # (or keras.Sequential) that runs both parts.
    raise NotImplementedError


def predict_layer_output_shapes():
    """Output shape of each layer of build_model() for one image, in order (six tuples)."""
    # TODO: return a list of six tuples of ints, batch axis first.
    raise NotImplementedError


def predict_total_params():
    """Number of parameters of build_model()."""
    # TODO: return an int: the sum over the layers.
    raise NotImplementedError
