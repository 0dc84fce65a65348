"""Patches of images: extraction, transport of every patch, and averaging back.

A w x w patch of an (H, W, C) float32 image is a vector of length
D = w * w * C in (row, column, channel) order. ``periodic`` images wrap
around their borders (tileable synthesis); otherwise only patches that fit
inside the image are used.
"""

from __future__ import annotations

import numpy as np

from . import patch_kernels
from ..ot.sdot import SemiDiscreteOT


def _image(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image, dtype=np.float32)


def grid_shape(shape: tuple[int, int], w: int, periodic: bool = False,
               stride: int = 1) -> tuple[int, int]:
    """(rows, cols) of the patch positions (stride i, stride j) in an image of (H, W)
    pixels: all that fit, or with ``periodic`` all below (H, W) (wrapping patches)."""
    if periodic:
        return -(-shape[0] // stride), -(-shape[1] // stride)
    return (shape[0] - w) // stride + 1, (shape[1] - w) // stride + 1


def whole_patches(valid: np.ndarray, w: int) -> np.ndarray:
    """(Hp, Wp) bool: which w x w patches of an image (``grid_shape``) lie wholly inside
    ``valid`` (H, W) bool."""
    bad = np.pad(np.cumsum(np.cumsum(~np.asarray(valid, bool), 0), 1), ((1, 0), (1, 0)))
    return (bad[w:, w:] - bad[:-w, w:] - bad[w:, :-w] + bad[:-w, :-w]) == 0


def extract(image: np.ndarray, rows: np.ndarray, cols: np.ndarray, w: int,
            periodic: bool = False) -> np.ndarray:
    """(n, w*w*C) float32 patches of (H, W, C) ``image`` with top-left corners (rows, cols)."""
    image = _image(image)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    out = np.empty((len(rows), w * w * image.shape[2]), dtype=np.float32)
    patch_kernels.gather_patches(image, rows, cols, w, periodic, out)
    return out


def transport(image: np.ndarray, w: int, ot: SemiDiscreteOT, periodic: bool = False,
              stride: int = 1) -> np.ndarray:
    """(Hp, Wp) int32 target index under ``ot`` of each w x w patch of (H, W, C) ``image``
    at (stride i, stride j) (``grid_shape``)."""
    image = _image(image)
    t = ot.tree
    out = np.empty(grid_shape(image.shape[:2], w, periodic, stride), dtype=np.int32)
    patch_kernels.assign_image_patches(image, w, stride, periodic, t.padded_centers, t.sqnorm, t.first,
                                 t.count, ot.weights.astype(np.float32),
                                 t.target.astype(np.int32), out)
    return out


def block_window(side: int, sigma: float) -> np.ndarray:
    """(side,) float32 weights of the pixels of a block side for ``aggregate``: a Gaussian
    of standard deviation ``sigma`` * side centred on the block, 1 at its peak; all ones
    (the plain mean) for ``sigma`` = 0."""
    if sigma <= 0:
        return np.ones(side, dtype=np.float32)
    x = (np.arange(side) - (side - 1) / 2) / (sigma * side)
    return np.exp(-0.5 * x * x).astype(np.float32)


def aggregate(source: np.ndarray, positions: np.ndarray, index: np.ndarray, w: int,
              factor: int = 1, periodic: bool = False, window: float = 0.0,
              stride: int = 1, fill: np.ndarray | None = None) -> np.ndarray:
    """Average the source patches chosen by ``index`` into an image (see patch_kernels.aggregate_patches).

    source: (h, w', C) float32 exemplar at the output's scale (factor 1) or at
    the next finer scale (factor 2); positions: (J, 2) int top-left corners of
    the targets at the coarse scale; index: (Hp, Wp) int32 from ``transport``;
    window: the blocks' weights, ``block_window(factor * w, window)``.
    Factor 2 places the blocks at 2 (i, j) and returns (2 (Hp + w - 1), 2 (Wp + w - 1), C)
    float32, or (2 Hp, 2 Wp, C) if periodic. Factor 1 places the patches at
    ``stride`` (i, j), on an image shaped like ``fill`` (the transported image, which
    also gives the pixels no patch covers: the last < stride rows and columns of a
    non-periodic image); without ``fill``, stride 1 and the image of ``transport``.
    """
    Hp, Wp = index.shape
    if fill is not None:
        H, W = fill.shape[:2]
        covered = periodic or ((H - w) % stride == 0 and (W - w) % stride == 0)
        out = np.empty(fill.shape, np.float32) if covered else \
            np.array(fill, dtype=np.float32, order="C")  # keeps the pixels no patch reaches
    else:
        extra = 0 if periodic else w - 1
        out = np.empty((factor * (Hp + extra), factor * (Wp + extra), source.shape[2]),
                       dtype=np.float32)
    patch_kernels.aggregate_patches(_image(source), np.ascontiguousarray(positions, dtype=np.int32),
                              np.ascontiguousarray(index, dtype=np.int32), w, factor,
                              factor * stride, periodic, block_window(factor * w, window), out)
    return out


def centre_pixels(source: np.ndarray, positions: np.ndarray, index: np.ndarray, w: int,
                  periodic: bool, borders: np.ndarray) -> np.ndarray:
    """Each pixel takes the centre pixel of the transported patch centred on it.

    source: (h, w', C) exemplar level; positions: (J, 2); index: (Hp, Wp) from
    ``transport``. Pixels no patch is centred on (the w // 2 wide border of a
    non-periodic image) keep their value in ``borders`` (the stage's input image),
    which also gives the output shape. Returns a new float32 array.
    """
    out = np.array(borders, dtype=np.float32, order="C")
    patch_kernels.write_centres(np.ascontiguousarray(source, dtype=np.float32),
                          np.ascontiguousarray(positions, dtype=np.int32),
                          np.ascontiguousarray(index, dtype=np.int32), w // 2, periodic, out)
    return out
