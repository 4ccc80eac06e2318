"""layerlab: follow one MNIST image through the layers of a Keras 3 CNN."""

import os

# TensorFlow prints C++ log lines at import; learners and reports never need them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
