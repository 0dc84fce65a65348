"""The ADSN Gaussian field conditioned on known pixels (Galerne & Leclaire, "Texture
inpainting using efficient Gaussian conditional simulation", SIIMS 2017).

The ADSN field of a spot t (``adsn``) is F = t (*) W, W white noise shared by the C
channels, whose covariance operator is Gamma = A A^T with (A w)_c = t_c (*) w; in Fourier,
(Gamma v)^_i = T_i sum_j conj(T_j) V_j. Given the values u_B of the pixels of a set B (a
band of known pixels around the hole), a sample of F conditioned on F_B = u_B is

    Z = F + Gamma_{., B} lambda,   Gamma_{B, B} lambda = u_B - F_B,

kriging of the residual (the conditional mean of F - given the residual - added to an
unconditional sample). Gamma_{B, B} lambda is solved by conjugate gradients, every product
being two FFTs on a grid large enough that no lag of the spot wraps around.
"""

from __future__ import annotations

import numpy as np

from .._shared import dilate
from .adsn import convolved_noise, linear_grid, spot_spectrum


def masked_spot(image: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean colour (C,) float64 and spot float64 (h, w, C) of the known pixels of ``image``
    (float (h, w, C)): t = (u - m) on known pixels, 0 elsewhere, over sqrt(#known), so its
    autocorrelation estimates the texture's covariance from the known pixels only."""
    u = np.asarray(image, dtype=np.float64)
    k = np.asarray(known, dtype=bool)
    m = u[k].mean(axis=0)
    return m, np.where(k[:, :, None], u - m, 0.0) / np.sqrt(k.sum())


def conditional_adsn(spot: np.ndarray, mean: np.ndarray, image: np.ndarray, known: np.ndarray,
                     rng: np.random.Generator, band: int = 8, iters: int = 200,
                     tol: float = 1e-4, nugget: float = 1e-2) -> np.ndarray:
    """``image`` (float (H, W, C)) with its unknown pixels (``known`` (H, W) False) drawn
    from the ADSN field of ``spot``/``mean`` (``masked_spot``) conditioned on the known
    pixels within ``band`` pixels of the unknown ones. Returns float32 (H, W, C); known
    pixels are ``image``'s. ``iters``/``tol``: the conjugate-gradient budget and relative
    residual; ``nugget``: a share of the field's variance added to the diagonal, which keeps
    the system well conditioned for smooth, long-range covariances (kriging with a little
    observation noise)."""
    H, W, C = image.shape
    known = np.asarray(known, dtype=bool)
    hole = ~known
    out = np.array(image, dtype=np.float32)
    if not hole.any():
        return out
    G = linear_grid((H, W), spot.shape)
    T = spot_spectrum(spot, G)  # (G0, G1 // 2 + 1, C)
    field = convolved_noise(T, G, (H, W), rng) + mean
    B = dilate(hole, band) & known
    if B.any():
        def gamma(v: np.ndarray) -> np.ndarray:
            """Gamma applied to v (H, W, C), zero outside the domain; returns (H, W, C)."""
            grid = np.zeros(G + (C,))
            grid[:H, :W] = v
            V = np.fft.rfft2(grid, axes=(0, 1))
            S = (np.conj(T) * V).sum(axis=2, keepdims=True)
            return np.fft.irfft2(T * S, s=G, axes=(0, 1))[:H, :W]

        nugget = nugget * float((spot ** 2).sum())
        residual = np.where(B[:, :, None], image - field, 0.0)

        def apply(v: np.ndarray) -> np.ndarray:
            return np.where(B[:, :, None], gamma(v) + nugget * v, 0.0)

        lam = np.zeros_like(residual)
        r = residual.copy()
        p = r.copy()
        rr = float((r * r).sum())
        stop = (tol ** 2) * rr
        for _ in range(iters):
            if rr <= stop:
                break
            Ap = apply(p)
            alpha = rr / float((p * Ap).sum())
            lam += alpha * p
            r -= alpha * Ap
            rr_new = float((r * r).sum())
            p = r + (rr_new / rr) * p
            rr = rr_new
        field = field + gamma(lam)
    out[hole] = field[hole]
    return out
