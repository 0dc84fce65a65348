"""ADSN Gaussian random field (asymptotic discrete spot noise, Galerne et al. 2011).

With ``u`` the exemplar (h, w, C), ``m`` its mean colour and the spot
``t = (u - m) / sqrt(h * w)``, the field is ``m + t (*) W`` where ``W`` is ONE
image of white N(0, 1) noise shared by all channels and (*) a convolution
computed by FFT.  Its mean is ``m`` and its covariance is the exemplar's
autocorrelation: ``Cov(f_i(x), f_j(x + d)) = sum_y t_i(y) t_j(y + d)``, i.e. the
empirical (1/hw-normalised) cross-covariance of channels i and j of ``u`` at
lag ``d`` (lags that wrap around the output grid are folded, see below).

Output grid and periodicity (``shape = (H, W)``):

* ``periodic=True`` (default): circular convolution on exactly the H x W
  output grid, the spot placed in a zero image at the top-left corner
  (wrapped).  The field is exactly H x W periodic: it tiles seamlessly.  When
  the output is at least twice the exemplar size minus one in a dimension,
  no lag wraps and the covariance is exactly the exemplar's; when the output
  is smaller than the exemplar, the spot is folded (summed modulo H, W) onto
  the grid: still periodic, but correlations longer than the output alias.
* ``periodic=False``: linear (non-circular) convolution, computed on a grid of
  at least (H + h - 1) x (W + w - 1) and cropped to H x W, so no lag ever
  wraps: the restriction of the stationary field on the infinite plane.  Not
  periodic.

Determinism: the noise is ``rng.standard_normal(grid)`` (float64), one draw
per call, so the same generator state gives the same bytes.
"""

from __future__ import annotations

import numpy as np

from .._shared import as_image

__all__ = ["adsn_spot", "adsn_field", "spot_spectrum", "convolved_noise", "linear_grid"]


def adsn_spot(exemplar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean colour (C,) float64 and spot t = (u - m)/sqrt(h w), float64 (h, w, C)."""
    u = as_image(exemplar, np.float64, "exemplar")
    if u.shape[0] < 1 or u.shape[1] < 1:
        raise ValueError(f"exemplar must be (h, w, C), got shape {np.shape(exemplar)}")
    m = u.mean(axis=(0, 1))
    return m, (u - m) / np.sqrt(u.shape[0] * u.shape[1])


def _fast_size(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n (sizes pocketfft handles fastest)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def _fold(t: np.ndarray, gh: int, gw: int) -> np.ndarray:
    """Place spot t (h, w, C) in a zero (gh, gw, C) image at the top-left, summing wrapped parts."""
    h, w, c = t.shape
    ph, pw = -(-h // gh) * gh, -(-w // gw) * gw
    padded = np.zeros((ph, pw, c), dtype=t.dtype)
    padded[:h, :w] = t
    return padded.reshape(ph // gh, gh, pw // gw, gw, c).sum(axis=(0, 2))


def linear_grid(shape: tuple[int, int], spot_shape: tuple[int, ...]) -> tuple[int, int]:
    """The FFT grid on which convolving a spot with noise covers ``shape`` with no lag of
    the spot wrapping around (``periodic=False``)."""
    return _fast_size(shape[0] + spot_shape[0] - 1), _fast_size(shape[1] + spot_shape[1] - 1)


def spot_spectrum(t: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """rfft2 (gh, gw // 2 + 1, C) of spot t (h, w, C) placed on ``grid`` (``_fold``)."""
    return np.fft.rfft2(_fold(t, *grid), axes=(0, 1))


def convolved_noise(spectrum: np.ndarray, grid: tuple[int, int], shape: tuple[int, int],
                    rng: np.random.Generator) -> np.ndarray:
    """t (*) W on ``grid`` cropped to ``shape``: float64 (H, W, C), W one draw of white noise
    ``rng.standard_normal(grid)`` shared by the channels; ``spectrum``: ``spot_spectrum``."""
    noise = np.fft.rfft2(rng.standard_normal(grid))
    return np.fft.irfft2(spectrum * noise[:, :, None], s=grid, axes=(0, 1))[:shape[0], :shape[1]]


def adsn_field(
    exemplar: np.ndarray,
    shape: tuple[int, int],
    rng: np.random.Generator,
    periodic: bool = True,
) -> np.ndarray:
    """Sample the ADSN field of ``exemplar`` (float (h, w, C)) on an (H, W) grid.

    Returns float32 (H, W, C), same units as the exemplar (values may leave
    [0, 1]: it is a Gaussian field).  See the module docstring for
    ``periodic`` and determinism.
    """
    out_h, out_w = int(shape[0]), int(shape[1])
    if out_h < 1 or out_w < 1:
        raise ValueError(f"output shape must be positive, got {shape}")
    m, t = adsn_spot(exemplar)
    grid = (out_h, out_w) if periodic else linear_grid((out_h, out_w), t.shape)
    field = convolved_noise(spot_spectrum(t, grid), grid, (out_h, out_w), rng)
    field += m
    return np.ascontiguousarray(field, dtype=np.float32)
