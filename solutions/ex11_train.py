"""11 · Train it on MNIST  |  MNIST로 학습하기

Concept
    Training needs three choices made in compile(): the optimizer that moves
    the weights, the loss that says how wrong the probabilities are, and the
    metrics to report. fit() then shows the images to the model in batches,
    `epochs` times over. In Keras 3 the third positional parameter of
    compile() is loss_weights, not metrics: always pass keyword arguments.

Task
    1. build_trainable_model: an uncompiled `keras.Model` for (28, 28, 1)
       inputs that ends in Dense(10, activation='softmax'). The CNN of
       exercise 10 (feature extraction + classification) is a good choice:
       copy yours here (exercise files never import each other).
    2. compile_model: compile the model you are given with optimizer='adam',
       loss='sparse_categorical_crossentropy' (the labels are digits 0-9, not
       one-hot vectors) and metrics=['accuracy'] -- as keyword arguments --
       and return that same model.
    3. train_model: fit the compiled model on the images and labels for
       exactly `epochs` epochs with this `batch_size`; return the History
       that fit() returns.

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
    1. build_trainable_model: (28, 28, 1) 입력을 받고 Dense(10, activation='softmax')로
       끝나는, compile하지 않은 `keras.Model`. 연습 10의 CNN(특성 추출 + 분류)이
       좋은 선택입니다. 여러분의 것을 여기에 복사하세요(연습 파일끼리는 서로
       import하지 않습니다).
    2. compile_model: 받은 모델을 optimizer='adam',
       loss='sparse_categorical_crossentropy'(레이블은 원-핫 벡터가 아니라 숫자
       0-9입니다), metrics=['accuracy']로 -- 키워드 인자로 -- compile하고 바로
       그 모델을 돌려주세요.
    3. train_model: compile된 모델을 이미지와 레이블로 정확히 `epochs`번,
       이 `batch_size`로 fit 하고, fit()이 돌려주는 History를 돌려주세요.

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
