"""Random draws for the hidden checks' parameter tables; each check file seeds its own generator."""

import numpy as np


def integer(rng: np.random.Generator, low: int, high: int) -> int:
    """An int from low to high, both included."""
    return int(rng.integers(low, high + 1))
