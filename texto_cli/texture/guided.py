"""Guided synthesis: an output whose content follows a target guide map.

A guided model's patches carry the exemplar's guide (a map aligned with it: a height, a
gradient, a label image) as G channels after the texture's, weighted by
``Model.guide_scale`` (``Model.levels``); its transport maps are fitted on those joint
patches. A guided synthesis sets the guide channels to the target guide's after the start
and after every stage, so only the texture's channels are free: each patch goes to an
exemplar patch whose texture fits its neighbours' and whose guide fits the target's.

The start field is the model's Gaussian field conditioned on the target guide: with T_T
and T_G the Fourier transforms of the texture and guide channels of the spot of the
coarsest level (``adsn``), the ADSN field x has cross-spectra S_TG = T_T T_G^*, S_GG =
T_G T_G^* (weighted sums over the exemplars of a joint model), and a sample of its texture
channels given its guide channels equal to g is x_T + H (g - x_G), H = S_TG (S_GG + e I)^-1
applied per frequency (kriging of the residual; e, a small share of S_GG's mean, keeps it
stable where the guide carries no energy). So the coarsest layout already follows the
target guide where the exemplar's guide predicts its texture.
"""

from __future__ import annotations

import numpy as np

from ..image.adsn import adsn_spot, spot_spectrum
from ..image.pyramid import build_pyramid
from .synthesis import Constraint, run, start_field


class GuideConstraint(Constraint):
    """The target guide of a synthesis: ``guide`` float32 (h, w, G), centred and weighted as
    the model's guide channels (``Model.levels``), at pyramid level ``scale`` of the
    synthesis (the coarser levels are made from it)."""

    def __init__(self, model, guide: np.ndarray, scale: int = 0, periodic: bool = False):
        self.channels = model.channels
        self.levels = [None] * scale + build_pyramid(guide, model.config.scales - scale, periodic)

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
        return cls(model, canvas * np.float32(model.guide_scale) - model.offset[C:],
                   0, periodic)

    def start(self, model, coarse_shape, rng, periodic=False):
        x = start_field(model, coarse_shape, rng, periodic)
        C = self.channels
        cross, power = 0.0, 0.0
        for weight, level in zip(model.weights, model.exemplar_levels(model.config.scales - 1)):
            T = spot_spectrum(adsn_spot(level)[1], coarse_shape)  # (rows, cols // 2 + 1, C + G)
            cross = cross + weight * T[..., :C, None] * np.conj(T[..., None, C:])
            power = power + weight * T[..., C:, None] * np.conj(T[..., None, C:])
        G = power.shape[-1]
        ridge = 1e-2 * np.trace(power, axis1=-2, axis2=-1).real.mean() / G
        gain = np.linalg.solve(np.swapaxes(power + ridge * np.eye(G), -1, -2),
                               np.swapaxes(cross, -1, -2))  # (H^T), per frequency
        residual = np.fft.rfft2(self.levels[-1] - x[:, :, C:], axes=(0, 1))
        x[:, :, :C] += np.fft.irfft2(np.einsum("...gc,...g->...c", gain, residual),
                                     s=coarse_shape, axes=(0, 1)).astype(np.float32)
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
