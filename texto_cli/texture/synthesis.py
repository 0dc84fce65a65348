"""Synthesis: from a model and a seed to a new image, coarse to fine.

The image starts as the ADSN Gaussian field of the exemplar's coarsest level
(``start_field``), on a grid 2^(S-1) times smaller than the output; then every stage
of the model (``stage.Stage``) transports its patches and writes its output, coarse to
fine. Last, the band of each of the output's finest octaves is scaled by the model's
gain (``model.band_gains``, chosen when fitting: ``bandgains``), which gives the output
the exemplar's energy per octave and channel. Everything is mean-centred
(``Model.levels``) until the exemplar's mean colour is added back at the end.
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
    (then no lag of the exemplar's autocorrelation wraps)."""
    coarsest = model.levels[-1]
    periodic = periodic or (coarse_shape[0] >= coarsest.shape[0]
                            and coarse_shape[1] >= coarsest.shape[1])
    return adsn_field(coarsest, coarse_shape, rng, periodic=periodic)


def run(model, coarse_shape: tuple[int, int], rng: np.random.Generator,
        stages: Sequence[Stage] | None = None, gains: bool = True, periodic: bool = False,
        record: ScaleImages | None = None,
        progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Run ``stages`` (default: all the model's) on a fresh field of ``coarse_shape``.

    Returns float32 (zoom * rows, zoom * cols, C), mean-centred, with zoom that of the
    last stage run (times its factor); ``gains``: then apply the model's band gains.
    Fitting runs the stages fitted so far, without gains, to sample the next stage's
    input. record: collects per-stage images. progress(done, total) after each stage.
    """
    stages = model.stages if stages is None else stages
    x = start_field(model, coarse_shape, rng, periodic)
    for k, stage in enumerate(stages):
        index = stage.transport(x, periodic)
        previous, x = x, stage.output(x, index, periodic)
        if record is not None:
            record.before.append(previous)
            record.after.append(stage.transported(index, x, periodic))
        if progress is not None:
            progress(k + 1, len(stages))
    if gains and model.active_gains is not None:
        scale_bands(x, model.active_gains, periodic)
    return x


def synthesize(model, size: tuple[int, int], seed: int = 0, tileable: bool = False,
               record: ScaleImages | None = None,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """A new (H, W, C) float32 image in [0, 1] of ``size`` = (width, height) pixels.

    The same model, size and seed give the same bytes. ``tileable``: periodic
    field and wrap-around patches at every scale, so the result tiles seamlessly;
    then width and height must be multiples of 2^(S-1).
    """
    check_size(model, size, tileable)
    width, height = size
    rng = np.random.default_rng(seed)
    image = run(model, grid_size(model, size), rng, periodic=tileable, record=record,
                progress=progress)
    if record is not None:
        for images in (record.before, record.after):
            images[:] = [np.clip(im + model.offset, 0.0, 1.0) for im in images]
    image = image[:height, :width]
    image += model.offset
    return np.ascontiguousarray(np.clip(image, 0.0, 1.0, out=image))
