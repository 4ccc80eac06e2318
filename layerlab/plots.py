"""What a matplotlib figure shows, read one way by the visible tests, the grader's child and its checks.

numpy only (matplotlib objects are read, never imported here), so the child's
wire.py can use it too.
"""

from __future__ import annotations

import re

import numpy as np


def bar_heights(ax) -> list[float]:
    """The heights of every histogram bar on `ax`, however ax.hist (or ax.stairs) drew them.

    histtype 'bar' draws Rectangles; 'step' and 'stepfilled' draw one Polygon whose
    top edge runs left to right at each bar's height; ax.stairs draws a StepPatch.
    """
    heights = []
    for patch in ax.patches:
        kind = type(patch).__name__
        if kind == "Rectangle":
            heights.append(float(patch.get_height()))
        elif kind == "StepPatch":
            heights.extend(float(v) for v in np.asarray(patch.get_data().values).ravel())
        elif kind == "Polygon":
            corners = np.asarray(patch.get_xy(), dtype=np.float64)
            for (x0, y0), (x1, y1) in zip(corners[:-1], corners[1:]):
                if y0 == y1 and x1 > x0:  # a top edge, left to right: one bar
                    heights.append(float(y0))
    return heights


def names_the_shape(title: str, shape) -> bool:
    """The title writes the shape's sizes in order, in any notation: (3, 3, 1, 3), [3, 3, 1, 3], 3 x 3 x 1 x 3."""
    sizes = [int(number) for number in re.findall(r"\d+", title)]
    wanted = [int(n) for n in shape]
    return any(sizes[start:start + len(wanted)] == wanted for start in range(len(sizes) - len(wanted) + 1))


PREVIEW_SIDE = 32


def png_preview(path) -> dict:
    """What a PNG file shows, small: its pixel size and a grey PREVIEW_SIDE x PREVIEW_SIDE average of it."""
    try:
        import matplotlib.image

        pixels = np.asarray(matplotlib.image.imread(path), dtype=np.float64)  # (h, w) or (h, w, 3 or 4)
    except Exception:  # not a PNG matplotlib can read: the head and size say enough
        return {}
    grey = pixels[..., :3].mean(axis=-1) if pixels.ndim == 3 else pixels
    return {"pixels": tuple(int(n) for n in grey.shape), "preview": shrink(grey)}


def shrink(grey: np.ndarray, side: int = PREVIEW_SIDE) -> np.ndarray:
    """(h, w) -> at most (side, side): the mean of each block (the same arithmetic wherever a PNG is previewed)."""
    rows = np.array_split(np.arange(grey.shape[0]), min(side, grey.shape[0]))
    columns = np.array_split(np.arange(grey.shape[1]), min(side, grey.shape[1]))
    return np.asarray([[grey[np.ix_(r, c)].mean() for c in columns] for r in rows], dtype=np.float64)
