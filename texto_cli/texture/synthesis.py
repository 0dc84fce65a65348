"""Synthesis: from a model and a seed to a new image, coarse to fine.

The image starts as the ADSN Gaussian field of the exemplar's coarsest level
(``start_field``), on a grid 2^(S-1) times smaller than the output; then every stage
of the model (``stage.Stage``) transports its patches and writes its output, coarse to
fine. Last, the band of each of the output's finest octaves is scaled by the model's
gain (``model.band_gains``, chosen when fitting: ``bandgains``), which gives the output
the exemplar's energy per octave and channel. Everything is mean-centred
(``Model.levels``) until the exemplar's mean colour is added back at the end.

A controlled synthesis (``Constraint``: a target guide, ``guided``; a content image,
``transfer``) chooses the field it starts from and acts on the image after every stage
and after the band gains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..errors import UsageError
from ..image.adsn import adsn_field
from ..image.pyramid import scale_bands
from .stage import Stage


@dataclass
class ScaleImages:
    """Images recorded during a synthesis, for inspection: per stage, the image
    before transport and the transported image (patch averages at that scale)."""

    before: list[np.ndarray] = field(default_factory=list)
    after: list[np.ndarray] = field(default_factory=list)


def grid_size(model, size: tuple[int, int]) -> tuple[int, int]:
    """(rows, cols) of the coarsest grid for an output of ``size`` = (width, height): the
    output is synthesised on a grid ``config.zoom`` = 2^(S-1) times that, then cropped."""
    f = model.config.zoom
    width, height = size
    return -(-height // f), -(-width // f)


def check_size(model, size: tuple[int, int], tileable: bool = False) -> None:
    """Raise UsageError if ``model`` cannot synthesise ``size`` = (width, height)."""
    width, height = size
    if width < 1 or height < 1:
        raise UsageError(f"size must be positive, got {width}x{height}")
    f = model.config.zoom
    if tileable and (width % f or height % f):
        raise UsageError(f"a tileable output needs width and height that are multiples of {f} "
                         f"(2^(scales-1)); got {width}x{height}")
    # every stage needs one whole patch: the coarsest grid at least as wide as the widest
    widest = max(st.spec.patch for st in model.stages)
    if min(grid_size(model, size)) < widest:
        side = (widest - 1) * f + 1
        raise UsageError(f"size {width}x{height} is too small for this model: "
                         f"at least {side}x{side} pixels")


def start_field(model, coarse_shape: tuple[int, int], rng: np.random.Generator,
                periodic: bool = False) -> np.ndarray:
    """The ADSN field a synthesis starts from: float32 (rows, cols, C), mean-centred.
    Periodic if ``periodic`` or if the grid is at least the coarsest exemplar level's size
    (then no lag of the exemplar's autocorrelation wraps).

    For a model of several exemplars, the Gaussian field of their mixture: with f_e the
    ADSN field of exemplar e (independent noises), m_e its mean and w_e its weight,
    sum_e sqrt(w_e) (f_e - m_e) + sum_e w_e m_e, whose covariance is the weighted mean of
    the exemplars' autocorrelations."""
    levels = model.exemplar_levels(model.config.scales - 1)

    def field(level: np.ndarray) -> np.ndarray:
        wraps = periodic or (coarse_shape[0] >= level.shape[0] and coarse_shape[1] >= level.shape[1])
        return adsn_field(level, coarse_shape, rng, periodic=wraps)

    if len(levels) == 1:
        return field(levels[0])
    out = np.zeros((*coarse_shape, levels[0].shape[2]), np.float64)
    for weight, level in zip(model.weights, levels):
        mean = level.mean(axis=(0, 1), dtype=np.float64)
        out += np.sqrt(weight) * (field(level) - mean) + weight * mean
    return out.astype(np.float32)


class Constraint:
    """What a controlled synthesis imposes; this base imposes nothing. ``start`` gives the
    field a synthesis starts from (float32 (rows, cols, C + G), mean-centred); ``impose``
    acts on the image ``x`` at pyramid level ``scale`` after the start, after each stage
    and after the band gains (level 0), and returns it."""

    def start(self, model, coarse_shape: tuple[int, int], rng: np.random.Generator,
              periodic: bool = False) -> np.ndarray:
        return start_field(model, coarse_shape, rng, periodic)

    def impose(self, x: np.ndarray, scale: int) -> np.ndarray:
        return x


def run(model, coarse_shape: tuple[int, int], rng: np.random.Generator,
        stages: Sequence[Stage] | None = None, gains: bool = True, periodic: bool = False,
        record: ScaleImages | None = None,
        progress: Callable[[int, int], None] | None = None,
        constraint: Constraint | None = None) -> np.ndarray:
    """Run ``stages`` (default: all the model's) on a fresh field of ``coarse_shape``.

    Returns float32 (zoom * rows, zoom * cols, C + G), mean-centred, with zoom that of the
    last stage run (times its factor); ``gains``: then apply the model's band gains.
    Fitting runs the stages fitted so far, without gains, to sample the next stage's
    input. record: collects per-stage images. progress(done, total) after each stage.
    constraint: of a controlled synthesis (default: none).
    """
    stages = model.stages if stages is None else stages
    constraint = constraint or Constraint()
    x = constraint.start(model, coarse_shape, rng, periodic)
    x = constraint.impose(x, model.config.scales - 1)
    for k, stage in enumerate(stages):
        index = stage.transport(x, periodic)
        previous, x = x, stage.output(x, index, periodic)
        x = constraint.impose(x, stage.spec.output_scale)
        if record is not None:
            record.before.append(previous)
            record.after.append(stage.transported(index, x, periodic))
        if progress is not None:
            progress(k + 1, len(stages))
    if gains and model.active_gains is not None:
        scale_bands(x, model.active_gains, periodic)
        x = constraint.impose(x, 0)
    return x


def finish(model, image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A synthesis's output from ``run``'s image: cropped to ``size`` = (width, height),
    the guide's channels dropped, the mean colour added back (and a material's map scales
    undone, its normal maps renormalised: ``Model.maps``), clipped to [0, 1]: float32
    (height, width, C), C-contiguous."""
    width, height = size
    C = model.channels
    image = image[:height, :width, :C] + model.offset[:C]
    if (model.scale[:C] != 1).any():
        image /= model.scale[:C]
    start = 0
    for spec in model.maps or []:
        if spec.kind == "normal":
            part = image[:, :, start:start + spec.channels]
            vectors = 2 * part - 1
            length = np.sqrt((vectors * vectors).sum(axis=2, keepdims=True))
            part[...] = (vectors / np.maximum(length, 1e-6) + 1) / 2
        start += spec.channels
    return np.clip(image, 0.0, 1.0, out=image)


def synthesize(model, size: tuple[int, int], seed: int = 0, tileable: bool = False,
               record: ScaleImages | None = None,
               progress: Callable[[int, int], None] | None = None,
               guide: np.ndarray | None = None) -> np.ndarray:
    """A new (H, W, C) float32 image in [0, 1] of ``size`` = (width, height) pixels.

    The same model, size and seed give the same bytes. ``tileable``: periodic
    field and wrap-around patches at every scale, so the result tiles seamlessly;
    then width and height must be multiples of 2^(S-1). ``guide``: (H, W, G) float in
    [0, 1], the target guide of a guided model (``guided.GuideConstraint``).
    """
    check_size(model, size, tileable)
    rng = np.random.default_rng(seed)
    coarse = grid_size(model, size)
    constraint = None
    if guide is not None:
        from .guided import GuideConstraint

        if np.shape(guide)[:2] != (size[1], size[0]) or np.ndim(guide) != 3 \
                or np.shape(guide)[2] != model.guide_channels:
            raise UsageError(f"the guide must be (height, width, {model.guide_channels}) = "
                             f"({size[1]}, {size[0]}, {model.guide_channels}), not "
                             f"{np.shape(guide)}")

        constraint = GuideConstraint.from_image(model, guide, coarse, tileable)
    image = run(model, coarse, rng, periodic=tileable, record=record, progress=progress,
                constraint=constraint)
    if record is not None:
        for images in (record.before, record.after):
            images[:] = [finish(model, im, (im.shape[1], im.shape[0])) for im in images]
    return finish(model, image, size)
