"""Image pyramids: halving the resolution of float32 (H, W, C) images.

Downsampling filter: the separable binomial kernel [1, 3, 3, 1] / 8, centred
between fine pixels 2p and 2p+1, then one sample in two.  Why:

* Alignment.  Like a 2x2 box mean, coarse pixel p sits exactly at the centre
  of fine pixels {2p, 2p+1}, so the w x w coarse patch at p covers the
  2w x 2w fine patch at 2p; this is the correspondence the synthesis uses
  when it replaces a coarse patch by the exemplar patch at twice its position.
  A Gaussian centred on pixel 2p would shift every level by half a pixel.
* Anti-aliasing.  Its frequency response is cos^3(omega/2) against
  cos(omega/2) for the box: at omega = 3pi/4, which folds onto pi/4 after
  decimation, the gain is 0.06 instead of 0.38, so fine periodic patterns
  (fabric, bricks) do not turn into false moire patterns at coarse scales.
  It is close to a Gaussian of sigma 0.87 px, blurring less in the passband
  (0.79 at pi/4) than the sigma = 1 px Gaussian (0.73).

Borders are mirrored (symmetric padding) for exemplars, wrapped for periodic
images.  Odd sides lose their last row/column: the result is (H//2, W//2).
"""

from __future__ import annotations

import numpy as np

__all__ = ["downsample", "upsample", "lowpass", "build_pyramid", "min_size_for", "max_scales_for", "MIN_PATCHES_PER_SIDE"]

#: The coarsest scale must be at least this many patch widths wide and high.
MIN_PATCHES_PER_SIDE = 2


def _halve_axis(x: np.ndarray, axis: int, periodic: bool) -> np.ndarray:
    n = x.shape[axis] // 2
    pad = [(0, 0)] * x.ndim
    pad[axis] = (1, 1)
    xp = np.pad(x, pad, mode="wrap" if periodic else "symmetric")

    def taps(start: int) -> np.ndarray:  # xp[start], xp[start + 2], ..., n samples
        sl = [slice(None)] * x.ndim
        sl[axis] = slice(start, start + 2 * n, 2)
        return xp[tuple(sl)]

    out = taps(1) + taps(2)
    out *= np.float32(3.0)
    out += taps(0)
    out += taps(3)
    out *= np.float32(1.0 / 8.0)
    return out


def downsample(image: np.ndarray, periodic: bool = False) -> np.ndarray:
    """Halve each side: float32 (H, W, C) -> (H//2, W//2, C); H, W >= 2.

    ``periodic=True`` treats the image as a torus (use for tileable images).
    A 2-D (H, W) input gives a 2-D output.
    """
    x = np.asarray(image, dtype=np.float32)
    if x.ndim not in (2, 3) or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"cannot downsample an image of shape {x.shape}")
    return _halve_axis(_halve_axis(x, 0, periodic), 1, periodic)


def _double_axis(y: np.ndarray, axis: int, periodic: bool) -> np.ndarray:
    n = y.shape[axis]
    pad = [(0, 0)] * y.ndim
    pad[axis] = (1, 1)
    yp = np.pad(y, pad, mode="wrap" if periodic else "edge")

    def taps(start: int) -> np.ndarray:  # yp[start], ..., n samples
        sl = [slice(None)] * y.ndim
        sl[axis] = slice(start, start + n)
        return yp[tuple(sl)]

    centre = taps(1) * np.float32(0.75)
    shape = list(y.shape)
    shape[axis] = 2 * n
    out = np.empty(shape, np.float32)
    sl = [slice(None)] * y.ndim
    sl[axis] = slice(0, None, 2)
    out[tuple(sl)] = centre + taps(0) * np.float32(0.25)
    sl[axis] = slice(1, None, 2)
    out[tuple(sl)] = centre + taps(2) * np.float32(0.25)
    return out


def upsample(image: np.ndarray, periodic: bool = False) -> np.ndarray:
    """Double each side: float32 (H, W, C) -> (2H, 2W, C), bilinear.

    Fine pixels 2p and 2p+1 take 3/4 of coarse pixel p and 1/4 of its neighbour
    on their side: 4 times the transpose of ``downsample``'s filter, so it is
    aligned with it (coarse p at the centre of fine {2p, 2p+1}) and keeps constants.
    """
    y = np.asarray(image, dtype=np.float32)
    return _double_axis(_double_axis(y, 0, periodic), 1, periodic)


def lowpass(image: np.ndarray, octaves: int, periodic: bool = False) -> np.ndarray:
    """The octaves of ``image`` from ``octaves`` levels down: ``octaves`` times
    ``downsample`` then as many ``upsample``, float32 of the input's shape (H, W, C).

    Sides that are not multiples of 2^octaves are first padded at their end
    (mirrored, or wrapped if ``periodic``). A pixel depends only on the input
    within about 3 * 2^octaves pixels, and the decimation grid is anchored at
    pixel 0: a crop whose start is a multiple of 2^octaves gives the same values
    away from its ends (``tiling`` relies on this).
    """
    x = np.asarray(image, dtype=np.float32)
    if octaves <= 0:
        return np.zeros_like(x)
    H, W = x.shape[:2]
    f = 2 ** octaves
    pad = ((0, -H % f), (0, -W % f)) + ((0, 0),) * (x.ndim - 2)
    y = np.pad(x, pad, mode="wrap" if periodic else "symmetric")
    for _ in range(octaves):
        y = downsample(y, periodic)
    for _ in range(octaves):
        y = upsample(y, periodic)
    return y[:H, :W]


def build_pyramid(image: np.ndarray, scales: int, periodic: bool = False) -> list[np.ndarray]:
    """``scales`` levels: index 0 = the image (float32), index s = downsampled s times."""
    if scales < 1:
        raise ValueError(f"scales must be >= 1, not {scales}")
    levels = [np.ascontiguousarray(image, dtype=np.float32)]
    for _ in range(scales - 1):
        levels.append(downsample(levels[-1], periodic=periodic))
    return levels


def min_size_for(scales: int, patch: int) -> int:
    """Smallest exemplar side (pixels) allowing ``scales`` scales of ``patch`` x ``patch`` patches.

    Rule: the coarsest level, of side ``side // 2**(scales-1)``, must be at
    least MIN_PATCHES_PER_SIDE * patch pixels, i.e. hold (patch + 1)**2 or more
    distinct patch positions with no patch wider than half the image.
    E.g. 4 scales of 7x7 patches need 112 px; 3x3 patches need 48 px.
    """
    if scales < 1 or patch < 1:
        raise ValueError("scales and patch must be >= 1")
    return MIN_PATCHES_PER_SIDE * patch * 2 ** (scales - 1)


def max_scales_for(side: int, patch: int) -> int:
    """Largest number of scales an exemplar of smallest side ``side`` allows (0 if none)."""
    s = 0
    while side >= min_size_for(s + 1, patch):
        s += 1
    return s
