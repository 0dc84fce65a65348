"""Guided synthesis: an output whose content follows a target guide map.

A guided model's patches carry the exemplar's guide (a map aligned with it: a height, a
gradient, a label image) as G channels after the texture's, weighted by
``config.guide_weight`` (``Model.levels``); its transport maps are fitted on those joint
patches. A guided synthesis sets the guide channels to the target guide's after the start
and after every stage, so only the texture's channels are free: each patch goes to an
exemplar patch whose texture fits its neighbours' and whose guide fits the target's.

The start field is the model's Gaussian field with its texture channels moved by their
regression on the guide: x_T + B (g - x_G), B = Cov(T, G) Cov(G, G)^-1 over the pixels
of the exemplars' coarsest level, so that the coarsest layout already follows the target
guide g where the guide predicts the texture.
"""

from __future__ import annotations

import numpy as np

from ..image.pyramid import build_pyramid
from .synthesis import Constraint, run, start_field


class GuideConstraint(Constraint):
    """The target guide of a synthesis: ``guide`` float32 (h, w, G), centred and weighted as
    the model's guide channels (``Model.levels``), at pyramid level ``scale`` of the
    synthesis (the coarser levels are made from it)."""

    def __init__(self, model, guide: np.ndarray, scale: int = 0, periodic: bool = False):
        C, G = model.channels, model.guide_channels
        if guide.ndim != 3 or guide.shape[2] != G:
            raise ValueError(f"the guide has shape {guide.shape}, the model's has {G} channel(s)")
        S = model.config.scales
        self.channels = C
        self.levels = [None] * scale + build_pyramid(guide, S - scale, periodic)
        pixels = np.concatenate([lvl.reshape(-1, C + G) for lvl in
                                 model.exemplar_levels(S - 1)]).astype(np.float64)
        cov = np.atleast_2d(np.cov(pixels, rowvar=False))
        self.regression = (cov[:C, C:] @ np.linalg.pinv(cov[C:, C:])).astype(np.float32)

    @classmethod
    def from_image(cls, model, guide: np.ndarray, coarse_shape: tuple[int, int],
                   periodic: bool = False) -> "GuideConstraint":
        """The constraint of a target guide ``guide``, (H, W, G) float in [0, 1] with H x W
        the output's size; coarse_shape: the synthesis's coarsest grid
        (``synthesis.grid_size``). The guide is extended to the synthesis canvas (mirrored,
        or wrapped when ``periodic``)."""
        f, C = model.config.zoom, model.channels
        pad = ((0, coarse_shape[0] * f - guide.shape[0]), (0, coarse_shape[1] * f - guide.shape[1]),
               (0, 0))
        canvas = np.pad(np.asarray(guide, np.float32), pad, mode="wrap" if periodic else "symmetric")
        return cls(model, canvas * np.float32(model.config.guide_weight) - model.offset[C:],
                   0, periodic)

    def start(self, model, coarse_shape, rng, periodic=False):
        x = start_field(model, coarse_shape, rng, periodic)
        x[:, :, :self.channels] += (self.levels[-1] - x[:, :, self.channels:]) @ self.regression.T
        return x

    def impose(self, x: np.ndarray, scale: int) -> np.ndarray:
        x[:, :, self.channels:] = self.levels[scale]
        return x


def trial_constraint(model, coarse_shape: tuple[int, int], rng: np.random.Generator, stages,
                     scale: int) -> GuideConstraint | None:
    """For the fit's trial syntheses through ``stages`` (periodic, on ``coarse_shape``),
    whose last output is at pyramid level ``scale``: None for a model without a guide;
    else the guide channels of another such synthesis as target, so that a guided model's
    maps, octave limits and band gains are fitted on the inputs guided syntheses give."""
    if not model.guide_channels:
        return None
    other = run(model, coarse_shape, rng, stages=stages, gains=False, periodic=True)
    return GuideConstraint(model, other[:, :, model.channels:], scale, periodic=True)
