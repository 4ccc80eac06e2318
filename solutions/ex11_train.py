"""11 · Train it on MNIST  |  MNIST로 학습하기

Concept
    Training needs three choices made in compile(): the optimizer that moves
    the weights, the loss that says how wrong the probabilities are, and the
    metrics to report. fit() then shows the images to the model in batches,
    `epochs` times over. In Keras 3 the third positional parameter of
    compile() is loss_weights, not metrics: always pass keyword arguments.

Task
    1. build_trainable_model: an uncompiled `keras.Model` for (28, 28, 1)
       inputs, made of Keras' own layers: one or two blocks of
       Conv2D(f, 3) with f >= 8 filters -> ReLU -> MaxPool2D(2), then
       Flatten, one or two Dense(units >= 32, activation='relu'), and
       Dense(10, activation='softmax') last. BatchNormalization may follow a
       Conv2D, ReLU or Dense; Dropout may come once before Flatten (rate at
       most 0.25) and once after it (rate at most 0.5). The CNN of exercise
       10 is exactly this: copy yours here (exercise files never import each
       other).
    2. compile_model: compile the model you are given with optimizer='adam'
       (Keras' default learning rate, 0.001), loss='sparse_categorical_crossentropy'
       (the labels are digits 0-9, not one-hot vectors) and
       metrics=['accuracy'] -- as keyword arguments -- and return that same
       model. Keras' objects for the same things (keras.optimizers.Adam(),
       keras.losses.SparseCategoricalCrossentropy(), ...) are the same answer.
    3. train_model: call model.fit once, on the images and labels with
       these `epochs` and this `batch_size` -- all the images, no validation split,
       fit's other settings left at their defaults (verbose may be anything)
       -- and return the History that fit() returns.

How it is graded
    The grader trains a fresh copy of your architecture itself (new random
    weights, your optimizer, learning rate and loss) with its own seed and
    budget: 8,000 training images, 2 epochs, batch size 64. It must reach 88%
    accuracy on held-out images your code never sees. Every model the task
    allows does, with a margin (docs/CALIBRATION.md). Your train_model is
    checked by replaying its fit() on other settings.

Shapes
    images (N, 28, 28, 1) float32 in [0, 1] (already prepared), labels (N,) ints 0-9
    -> model output (N, 10): one probability per digit, each row adds up to 1

Worked example (a different training set-up)
    A regression model with one output:
        model.compile(optimizer="sgd", loss="mean_squared_error", metrics=["mae"])
        history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    history.history["loss"] then holds 5 numbers, one per epoch.

개념
    학습에는 compile()에서 정하는 세 가지가 필요합니다: 가중치를 움직이는
    옵티마이저, 확률이 얼마나 틀렸는지 말해 주는 손실, 보고할 지표. 그다음
    fit()이 이미지를 배치로 나누어 `epochs`번 모델에 보여줍니다. Keras 3에서
    compile()의 세 번째 위치 인자는 metrics가 아니라 loss_weights입니다:
    항상 키워드 인자를 쓰세요.

과제
    1. build_trainable_model: (28, 28, 1) 입력을 받는, compile하지 않은 `keras.Model`.
       Keras의 층으로만 만듭니다: Conv2D(f, 3)(f >= 8 필터) -> ReLU ->
       MaxPool2D(2) 블록 한두 개, 그다음 Flatten, Dense(units >= 32,
       activation='relu') 한두 개, 마지막에 Dense(10, activation='softmax').
       BatchNormalization은 Conv2D, ReLU, Dense 뒤에 둘 수 있고, Dropout은 Flatten
       앞에 한 번(비율 0.25 이하), 뒤에 한 번(비율 0.5 이하) 둘 수 있습니다. 연습 10의 CNN이
       바로 이것입니다. 여러분의 것을 여기에 복사하세요(연습 파일끼리는 서로
       import하지 않습니다).
    2. compile_model: 받은 모델을 optimizer='adam'(Keras 기본 학습률 0.001),
       loss='sparse_categorical_crossentropy'(레이블은 원-핫 벡터가 아니라 숫자
       0-9입니다), metrics=['accuracy']로 -- 키워드 인자로 -- compile하고 바로
       그 모델을 돌려주세요. 같은 것을 뜻하는 Keras 객체(keras.optimizers.Adam(),
       keras.losses.SparseCategoricalCrossentropy() ...)도 같은 답입니다.
    3. train_model: 이미지와 레이블로, 이 `epochs`와 이 `batch_size`로 model.fit을
       한 번 호출하고 -- 이미지 전부, 검증 분할 없이, fit의 다른 설정은 기본값
       그대로(verbose는 무엇이든 됩니다) -- fit()이 돌려주는 History를 돌려주세요.

채점 방법
    채점기는 여러분의 구조를 새로 만든 복사본(새 무작위 가중치, 여러분의
    옵티마이저, 학습률, 손실)을 자신의 시드와 예산으로 직접 학습합니다:
    훈련 이미지 8,000장, 2 epoch, 배치 크기 64. 여러분의 코드가 보지 못하는
    검증 이미지에서 정확도 88%에 닿아야 합니다. 과제가 허용하는 모든 모델은
    여유를 두고 닿습니다(docs/CALIBRATION.md). train_model은 다른 설정으로
    fit()을 다시 실행해 확인합니다.

모양
    이미지 (N, 28, 28, 1) float32, [0, 1] 범위(이미 준비됨), 레이블 (N,) 정수 0-9
    -> 모델 출력 (N, 10): 숫자마다 확률 하나, 각 행의 합은 1

예제 (다른 학습 설정)
    출력이 하나인 회귀 모델:
        model.compile(optimizer="sgd", loss="mean_squared_error", metrics=["mae"])
        history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    그러면 history.history["loss"]에는 epoch마다 하나씩 숫자 5개가 들어 있습니다.
"""

import keras


def build_trainable_model():
    """An uncompiled model for (28, 28, 1) images ending in Dense(10, softmax)."""
    # The CNN of exercise 10, written flat: keras.Input has no batch axis, so
    # the model takes any number of images.
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(8, 3, padding="same"),  # -> (batch, 28, 28, 8)
            keras.layers.ReLU(),  # same shape, negatives become 0
            keras.layers.MaxPool2D(2, padding="same"),  # -> (batch, 14, 14, 8)
            keras.layers.Flatten(),  # -> (batch, 1568)
            keras.layers.Dense(32, activation="relu"),  # -> (batch, 32)
            keras.layers.Dense(10, activation="softmax"),  # -> (batch, 10), rows add up to 1
        ]
    )


def compile_model(model):
    """The same model, compiled for digit labels 0-9 (keyword arguments only)."""
    # Keywords, because compile's third positional parameter is loss_weights
    # in Keras 3: compile("adam", loss, ["accuracy"]) fails later, inside fit.
    # "sparse_" because each label is one digit, not a one-hot vector of 10.
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train_model(model, images, labels, epochs, batch_size):
    """Fit the compiled model for `epochs` epochs; return the History."""
    # images (N, 28, 28, 1) float32 and labels (N,) go through the model in
    # batches of batch_size, reshuffled every epoch (the caller fixed the
    # seed, so the shuffling repeats). verbose=0 keeps test output quiet.
    return model.fit(images, labels, epochs=epochs, batch_size=batch_size, verbose=0)
