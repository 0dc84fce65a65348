"""Small helpers shared by texto's subpackages."""

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
