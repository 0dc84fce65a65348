"""Band gains: each octave of a synthesis given the exemplar's energy.

Averaging overlapping patches and carrying each stage's coarse octaves over
(``pyramid.keep_coarse``) leave a synthesis with the wrong energy in some octaves.
Synthesis ends by scaling the band of each of the L finest octaves by a gain per channel
(``pyramid.scale_bands``); the fit chooses the gains here.

The bands overlap (scaling one changes what the others measure), so the gains are not
the ratios of band energies. With B_l the octave bands (``pyramid.octave_bands``) and R
the coarser rest of a synthesis x, the band energies of y(g) = sum_l g_l B_l(x) + R are
quadratic in g: E_k(g) = v' M_k v with v = (g, 1) and M_k the covariance of
(B_k(B_0 x), ..., B_k(B_{L-1} x), B_k(R)). ``solve_gains`` finds the gains whose E_k are
nearest the exemplar's band energies T_k in log scale, with a small penalty on the log
gains that keeps them moderate where not every band can be matched.

A material's map (``Model.maps``) has one gain per octave, chosen on its channels' summed
energies: per-channel gains would turn a normal map's vectors.

The fit keeps the gains only if its trial syntheses measure closer to the exemplar with
them (patch sliced-Wasserstein distance, by MARGIN); otherwise every gain is 1 (a
texture whose octaves differ from the exemplar's by alignment rather than energy).
"""

from __future__ import annotations

import math

import numpy as np

from ..metrics import patch_sliced_wasserstein_levels
from .model import GAIN_RANGE
from ..image.pyramid import band_std, octave_bands, scale_bands
from .guided import trial_constraint
from .synthesis import run

#: weight of the penalty on the squared log gains, against squared log-energy errors
REG = 0.1
#: how much closer (relative SW) the trial syntheses must measure for the gains to be kept
MARGIN = 0.03


def energy_matrices(samples: list[np.ndarray], octaves: int, periodic: bool = True) -> np.ndarray:
    """(L, C, L + 1, L + 1) float64 M with band_std(scale_bands(x, g))[k, c]^2 =
    v' M[k, c] v, v = (g[:, c], 1), averaged over the images ``samples`` (each (H, W, C)
    float32; periodic, with sides multiples of 2^L, for the identity to be exact)."""
    L, C = octaves, samples[0].shape[2]
    M = np.zeros((L, C, L + 1, L + 1))
    for x in samples:
        parts = octave_bands(x, L, periodic)
        parts.append(x - sum(parts))
        analysed = [octave_bands(p, L, periodic) for p in parts]  # [part l][band k]
        for k in range(L):
            for c in range(C):
                S = np.stack([analysed[part][k][..., c].ravel()
                              for part in range(L + 1)]).astype(np.float64)
                S -= S.mean(axis=1, keepdims=True)
                M[k, c] += S @ S.T / (S.shape[1] * len(samples))
    return M


def solve_gains(M: np.ndarray, target: np.ndarray, reg: float = REG, iters: int = 50) -> np.ndarray:
    """(L, C) float32 gains g minimising, per channel, sum_k (log E_k(g) - log target_k)^2
    + reg * |log g|^2 with E_k(g) = v' M[k] v, v = (g, 1) (``energy_matrices``); ``target``
    (L, C): the band energies (variances) wanted. Damped Gauss-Newton on u = log g from
    g = 1. A channel with a band of no energy keeps gains 1."""
    L, C = target.shape
    gains = np.ones((L, C))
    for c in range(C):
        Mc, tc = M[:, c], target[:, c]
        if (tc <= 0).any() or (np.einsum("kii->k", Mc) <= 0).any():
            continue
        u = np.zeros(L)

        def residual(u):
            v = np.append(np.exp(u), 1.0)
            Mv = Mc @ v  # (L, L + 1)
            E = Mv @ v
            r = np.concatenate([np.log(E / tc), math.sqrt(reg) * u])
            J = 2.0 * np.exp(u)[None, :] * Mv[:, :L] / E[:, None]
            return r, np.vstack([J, math.sqrt(reg) * np.eye(L)])

        r, J = residual(u)
        damping = 1e-3
        for _ in range(iters):
            step = np.linalg.solve(J.T @ J + damping * np.eye(L), -J.T @ r)
            r_new, J_new = residual(u + step)
            if r_new @ r_new < r @ r:
                u, r, J, damping = u + step, r_new, J_new, damping / 3
                if np.abs(step).max() < 1e-6:
                    break
            else:
                damping *= 10
        gains[:, c] = np.exp(u)
    return gains.astype(np.float32)


def fit_band_gains(model, canvas: tuple[int, int], rng: np.random.Generator, octaves: int,
                   trials: int = 3) -> tuple[np.ndarray, dict[str, float]]:
    """Choose the band gains of a fitted ``model``: (octaves, C) float32, and the mean SW of
    the trial syntheses without and with them ({"sw_without": .., "sw_with": ..}).

    ``trials`` periodic syntheses on the coarse grid ``canvas`` (interior statistics, no
    border effects) give the energy matrices; the gains are kept if they bring the trials'
    SW (4 levels) at least MARGIN closer to the exemplar's, else all are 1. Gains are
    clipped to the range a model file allows (``model.GAIN_RANGE``)."""
    samples = [run(model, canvas, rng, gains=False, periodic=True,
                   constraint=trial_constraint(model, canvas, rng, model.stages, 0))
               for _ in range(trials)]
    exemplars = model.exemplar_levels(0)
    energies = sum(w * band_std(ex, octaves) ** 2 for w, ex in zip(model.weights, exemplars))
    M = energy_matrices(samples, octaves)
    if model.maps:  # one gain per octave and map: a map's channels keep their relations
        bounds = np.cumsum([0] + [m.channels for m in model.maps])
        gains = np.concatenate([np.repeat(solve_gains(M[:, a:b].sum(axis=1, keepdims=True),
                                                      energies[:, a:b].sum(axis=1, keepdims=True)),
                                          b - a, axis=1)
                                for a, b in zip(bounds[:-1], bounds[1:])], axis=1)
    else:
        gains = solve_gains(M, energies)
    np.clip(gains, *GAIN_RANGE, out=gains)

    def sw(images: list[np.ndarray]) -> float:
        return float(np.mean([np.mean(patch_sliced_wasserstein_levels(
            exemplars, x, levels=4, weights=model.weights)) for x in images]))

    info = {"sw_without": sw(samples),
            "sw_with": sw([scale_bands(s.copy(), gains, periodic=True) for s in samples])}
    kept = info["sw_with"] < (1 - MARGIN) * info["sw_without"]
    return (gains if kept else np.ones_like(gains)), info

