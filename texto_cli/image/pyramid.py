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

from .._shared import as_image
from . import filters

__all__ = ["downsample", "upsample", "lowpass", "subtract_lowpass", "octave_bands", "band_std",
           "scale_bands", "keep_coarse", "build_pyramid", "mask_pyramid", "min_size_for", "max_scales_for", "MIN_PATCHES_PER_SIDE"]

#: The coarsest scale must be at least this many patch widths wide and high.
MIN_PATCHES_PER_SIDE = 2


def downsample(image: np.ndarray, periodic: bool = False) -> np.ndarray:
    """Halve each side: float32 (H, W, C) -> (H//2, W//2, C); H, W >= 2.

    ``periodic=True`` treats the image as a torus (use for tileable images).
    A 2-D (H, W) input gives a 2-D output.
    """
    x = np.asarray(image)
    if x.ndim not in (2, 3) or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"cannot downsample an image of shape {x.shape}")
    x3 = as_image(x)
    out = np.empty((x3.shape[0] // 2, x3.shape[1] // 2, x3.shape[2]), np.float32)
    filters.halve(x3, x3, filters.NOTHING, periodic, out)
    return out[:, :, 0] if x.ndim == 2 else out


def upsample(image: np.ndarray, periodic: bool = False) -> np.ndarray:
    """Double each side: float32 (H, W, C) -> (2H, 2W, C), bilinear.

    Fine pixels 2p and 2p+1 take 3/4 of coarse pixel p and 1/4 of its neighbour
    on their side: 4 times the transpose of ``downsample``'s filter, so it is
    aligned with it (coarse p at the centre of fine {2p, 2p+1}) and keeps constants.
    """
    y = as_image(image)
    out = np.zeros((2 * y.shape[0], 2 * y.shape[1], y.shape[2]), np.float32)
    filters.add_doubled(y, periodic, np.float32(1.0), out)
    return out


def _padded(x: np.ndarray, f: int, periodic: bool) -> np.ndarray:
    """``x`` (H, W, C) padded at its ends to sides that are multiples of ``f`` (mirrored,
    or wrapped if periodic); ``x`` itself if they already are."""
    H, W = x.shape[:2]
    if H % f or W % f:
        x = np.pad(x, ((0, -H % f), (0, -W % f), (0, 0)), mode="wrap" if periodic else "symmetric")
    return x


def _coarse_part(x: np.ndarray, octaves: int, periodic: bool, halved: bool = False) -> np.ndarray:
    """``x`` (H, W, C) padded at its ends to multiples of 2^octaves (mirrored, or
    wrapped if periodic), downsampled ``octaves`` times and upsampled ``octaves - 1``
    times: one doubling short of ``lowpass``. ``halved``: x is already downsampled
    once, from an image whose sides are multiples of 2^octaves."""
    x = _padded(x, 2 ** (octaves - halved), periodic)
    for _ in range(octaves - halved):
        x = downsample(x, periodic)
    for _ in range(octaves - 1):
        x = upsample(x, periodic)
    return x


def lowpass(image: np.ndarray, octaves: int, periodic: bool = False) -> np.ndarray:
    """The octaves of ``image`` from ``octaves`` levels down: ``octaves`` times
    ``downsample`` then as many ``upsample``, float32 of the input's shape (H, W, C).

    Sides that are not multiples of 2^octaves are first padded at their end
    (mirrored, or wrapped if ``periodic``). A pixel depends only on the input
    within 3 * 2^octaves pixels, and the decimation grid is anchored at pixel 0:
    a crop whose start is a multiple of 2^octaves gives the same values away
    from its ends (``tiling`` relies on this).
    """
    x = as_image(image)
    out = np.zeros_like(x)
    if octaves > 0:
        filters.add_doubled(_coarse_part(x, octaves, periodic), periodic, np.float32(1.0), out)
    return out


def subtract_lowpass(image: np.ndarray, residual: np.ndarray, octaves: int,
                     periodic: bool = False, halved: bool = False) -> np.ndarray:
    """``image - lowpass(residual, octaves)`` computed in place in ``image`` (float32,
    C-contiguous, same shape as ``residual``): the same values, without a full-size
    low-pass image. ``halved``: ``residual`` is given downsampled once (see
    ``filters.halve``), and image's sides are multiples of 2^octaves.
    Returns ``image``."""
    if octaves > 0:
        filters.add_doubled(_coarse_part(as_image(residual), octaves, periodic, halved), periodic,
                            np.float32(-1.0), image)
    return image


def keep_coarse(new: np.ndarray, reference: np.ndarray, octaves: int, periodic: bool,
                reference_is_coarse: bool = False) -> np.ndarray:
    """``new`` with its octaves from ``octaves`` levels down replaced by those of
    ``reference``: new - lowpass(new - reference), computed in place in ``new``
    (float32 (H, W, C)). ``reference_is_coarse``: ``reference`` is at half the
    resolution and stands for ``upsample(reference)``. ``octaves`` = 0 returns ``new``."""
    if octaves <= 0:
        return new
    reference = np.ascontiguousarray(reference)
    H, W, C = new.shape
    f = 2 ** octaves
    if H % f == 0 and W % f == 0:  # the residual is halved as it is formed: no full-size copy
        half = np.empty((H // 2, W // 2, C), np.float32)
        mode = filters.DOUBLED if reference_is_coarse else filters.SAME_SIZE
        filters.halve(new, reference, mode, periodic, half)
        return subtract_lowpass(new, half, octaves, periodic, halved=True)
    if reference_is_coarse:
        residual = new.copy()
        filters.add_doubled(reference, periodic, np.float32(-1.0), residual)
    else:
        residual = new - reference
    return subtract_lowpass(new, residual, octaves, periodic)


def _laplacian_levels(x: np.ndarray, octaves: int, periodic: bool) -> list[np.ndarray]:
    """d_0 .. d_octaves: ``x`` padded to sides that are multiples of 2^octaves, then
    downsampled 0 .. octaves times."""
    return build_pyramid(_padded(x, 2 ** octaves, periodic), octaves + 1, periodic)


def octave_bands(image: np.ndarray, octaves: int, periodic: bool = False) -> list[np.ndarray]:
    """The ``octaves`` finest octave bands of ``image`` (H, W, C), finest first: the part of
    the image in octave l, upsample^l(d_l - upsample(d_{l+1})) (d: ``_laplacian_levels``;
    the same as lowpass(image, l) - lowpass(image, l + 1) away from the ends), each float32
    (H, W, C). The image minus their sum is its part in the coarser octaves."""
    x = as_image(image)
    d = _laplacian_levels(x, octaves, periodic)
    bands = []
    for lvl in range(octaves):
        band = d[lvl] - upsample(d[lvl + 1], periodic)
        for _ in range(lvl):
            band = upsample(band, periodic)
        bands.append(np.ascontiguousarray(band[:x.shape[0], :x.shape[1]]))
    return bands


def band_std(image: np.ndarray, octaves: int, periodic: bool = False) -> np.ndarray:
    """(octaves, C) float64: per channel, the standard deviation of each of the ``octaves``
    finest octave bands of ``image`` (``octave_bands``), finest first."""
    return np.array([b.reshape(-1, b.shape[2]).std(axis=0, dtype=np.float64)
                     for b in octave_bands(image, octaves, periodic)]).reshape(octaves, -1)


def scale_bands(image: np.ndarray, gains: np.ndarray, periodic: bool = False) -> np.ndarray:
    """Multiply the band of octave l of ``image`` (float32 (H, W, C), C-contiguous) by
    ``gains[l]`` ((L, C) float32), l < L, in place; the coarser octaves are left alone.
    Returns ``image``.

    With b_l = d_l - up(d_{l+1}) the image is b_0 + up(b_1 + up(... + up(d_L))); the
    result is g_0 b_0 + up(g_1 b_1 + ...), formed as g_0 x + up(c_1 - (g_0 - 1) d_1) with
    c_l = (g_l - 1) d_l + up(c_{l+1} - (g_l - 1) d_{l+1}), c_L = 0: one full-size pass.
    Like ``lowpass``, a pixel depends only on the input within 3 * 2^L pixels.
    """
    gains = np.asarray(gains, dtype=np.float32)
    L = len(gains)
    if L == 0:
        return image
    d = _laplacian_levels(image, L, periodic)
    c = np.zeros_like(d[L])
    for lvl in range(L - 1, -1, -1):
        g1 = gains[lvl] - np.float32(1.0)
        c -= g1 * d[lvl + 1]
        if lvl == 0:
            break
        c = upsample(c, periodic)
        c += g1 * d[lvl]
    image *= gains[0]
    filters.add_doubled(c, periodic, np.float32(1.0), image)
    return image


def build_pyramid(image: np.ndarray, scales: int, periodic: bool = False) -> list[np.ndarray]:
    """``scales`` levels: index 0 = the image (float32), index s = downsampled s times."""
    if scales < 1:
        raise ValueError(f"scales must be >= 1, not {scales}")
    levels = [np.ascontiguousarray(image, dtype=np.float32)]
    for _ in range(scales - 1):
        levels.append(downsample(levels[-1], periodic=periodic))
    return levels


def mask_pyramid(valid: np.ndarray, scales: int) -> list[np.ndarray]:
    """(h_s, w_s) bool per level of ``build_pyramid``: a coarse pixel is valid if every
    fine pixel its filter reads is valid (``valid``: (H, W) bool, level 0)."""
    levels = [np.asarray(valid, dtype=bool)]
    for _ in range(scales - 1):
        levels.append(downsample(levels[-1].astype(np.float32)) >= np.float32(1 - 1e-6))
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
