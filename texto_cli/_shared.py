"""Small helpers shared by texto's subpackages: array coercion and mask morphology."""

from __future__ import annotations

import numpy as np


def as_image(image, dtype=np.float32, name: str = "image") -> np.ndarray:
    """``image`` as a C-contiguous (H, W, C) array of ``dtype``; an (H, W) image gets one
    channel. ValueError naming ``name`` for any other number of dimensions."""
    x = np.ascontiguousarray(image, dtype=dtype)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise ValueError(f"{name} must be (H, W, C) or (H, W), got shape {np.shape(image)}")
    return x


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """``mask`` (h, w) bool grown by ``radius`` pixels (a square neighbourhood)."""
    out = np.asarray(mask, dtype=bool).copy()
    for _ in range(radius):
        grown = out.copy()
        grown[1:] |= out[:-1]
        grown[:-1] |= out[1:]
        grown[:, 1:] |= grown[:, :-1].copy()
        grown[:, :-1] |= grown[:, 1:].copy()
        out = grown
    return out
