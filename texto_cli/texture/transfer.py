"""Style transfer: a content image redrawn with a model's texture.

The content's colours are first mapped to the texture's by the optimal transport map
between Gaussian colour distributions (``colour_map``). Synthesis then starts from the
content's coarsest octave with the ADSN field's detail (``ContentConstraint.start``), and
every stage transports its patches to the texture's. ``strength`` in [0, 1] sets how much
of the content stays: with S the model's scales, the content's octaves coarser than level
S + 1 - k, k = (1 - strength) S, replace the image's after the start, after every stage
and after the band gains (a fractional k blends floor(k) and ceil(k)). Strength 0 keeps
all but the finest octave: the recoloured content with the texture's grain; strength 1
keeps none after the start: texture laid out like the content's coarsest octave.
"""

from __future__ import annotations

import math

import numpy as np

from ..image.pyramid import build_pyramid, keep_coarse
from .synthesis import Constraint, check_size, finish, grid_size, run, start_field


def _sqrtm(sym: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite (C, C) matrix."""
    values, vectors = np.linalg.eigh(sym)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def colour_map(source: np.ndarray, target: np.ndarray, eps: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) of the optimal transport map x -> A x + b between the Gaussians with the
    means and covariances of the colours ``source`` (N, C) and ``target`` (M, C):
    A = S^-1/2 (S^1/2 T S^1/2)^1/2 S^-1/2 with S, T the covariances (S + eps I, so that a
    flat content still maps), b = m_T - A m_S. float64 (C, C) and (C,)."""
    source, target = np.asarray(source, np.float64), np.asarray(target, np.float64)
    S = np.atleast_2d(np.cov(source, rowvar=False)) + eps * np.eye(source.shape[1])
    T = np.atleast_2d(np.cov(target, rowvar=False))
    root = _sqrtm(S)
    inverse = np.linalg.inv(root)
    A = inverse @ _sqrtm(root @ T @ root) @ inverse
    return A, target.mean(axis=0) - A @ source.mean(axis=0)


class ContentConstraint(Constraint):
    """The content of a style transfer: ``content`` (H, W, C) float in [0, 1], the output's
    size and the model's channels; ``strength`` in [0, 1] (module docstring)."""

    def __init__(self, model, content: np.ndarray, strength: float):
        H, W, C = content.shape
        texture = np.concatenate([level.reshape(-1, C) for level in model.exemplar_levels(0)])
        A, b = colour_map(content.reshape(-1, C), texture)  # texture is centred: b is too
        mapped = (content.reshape(-1, C) @ A.T + b).reshape(H, W, C).astype(np.float32)
        rows, cols = grid_size(model, (W, H))
        f = model.config.zoom
        mapped = np.pad(mapped, ((0, rows * f - H), (0, cols * f - W), (0, 0)), mode="symmetric")
        self.scales = model.config.scales
        self.levels = build_pyramid(mapped, self.scales)
        self.kept = (1.0 - strength) * self.scales

    def start(self, model, coarse_shape, rng, periodic=False):
        """The content's octaves below the coarsest level, the ADSN field's above."""
        return keep_coarse(start_field(model, coarse_shape, rng), self.levels[-1], 1, False)

    def _keep(self, x: np.ndarray, scale: int, k: int) -> np.ndarray:
        """``x`` with the content's octaves coarser than level S + 1 - k."""
        if k == 0:
            return x
        down = self.scales + 1 - k - scale
        if down <= 0:
            return self.levels[scale].copy()
        return keep_coarse(x.copy(), self.levels[scale], down, False)

    def impose(self, x: np.ndarray, scale: int) -> np.ndarray:
        low = math.floor(self.kept)
        out = self._keep(x, scale, low)
        share = self.kept - low
        if share > 0:
            out += np.float32(share) * (self._keep(x, scale, low + 1) - out)
        return out


def transfer(model, content: np.ndarray, strength: float = 0.5, seed: int = 0) -> np.ndarray:
    """``content`` (float (H, W, C) in [0, 1], the model's channels) redrawn with the
    model's texture: float32 (H, W, C) in [0, 1]. The same inputs and seed give the same
    bytes."""
    H, W = content.shape[:2]
    check_size(model, (W, H))
    constraint = ContentConstraint(model, content, strength)
    image = run(model, grid_size(model, (W, H)), np.random.default_rng(seed),
                constraint=constraint)
    return finish(model, image, (W, H))
