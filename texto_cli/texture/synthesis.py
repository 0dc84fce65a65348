"""Synthesis: from a model and a seed to a new image, coarse to fine.

At the coarsest scale the image starts as the ADSN Gaussian field of the
exemplar. At every scale, each w x w patch is sent through the scale's SDOT
map to an exemplar patch at position p; going one scale finer, that patch is
replaced by the 2w x 2w exemplar patch at 2p of the finer level and the
overlapping blocks are averaged, each weighted about its centre by a Gaussian
(``config.window``; ``patches.block_window``). At the finest scale the transported patches
are averaged at their own size, then the optional detail stage transports the
small (5 x 5) patches of that image once more and writes the centre pixel of each
transported patch: averaging the overlapping patches would blur the very detail
this stage restores (with the seed's 3x3 patches, the centre pixel halved the
finest-level patch sliced-Wasserstein distance on the sample textures).

Every stage changes only ``stage.octaves`` octaves of the image (the model's
``config.octaves``, or what the fit measured better for the stages at the finest
scale; see fitting.choose_octave_limit), from its own pyramid level down: the
coarser octaves of its output are replaced by those of its input (``keep_coarse``).
A 7 x 7 patch spans about 3 octaves; what it does to coarser ones is noise (each
transported patch brings its own mean), and without the limit that noise piles up
from stage to stage: grass ends with 1.4 times the exemplar's standard deviation at
pyramid level 3.

Last, the band of each of the output's finest octaves is scaled by the model's gain
(``model.band_gains``, chosen when fitting: ``bandgains``), which gives the output
the exemplar's energy per octave and channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import UsageError
from ..image.adsn import adsn_field
from ..image.patches import aggregate, centre_pixels, transport
from ..image.pyramid import keep_coarse, scale_bands


@dataclass
class ScaleImages:
    """Images recorded during a synthesis, for inspection: per stage, the image
    before transport and the transported image (patch averages at that scale)."""

    before: list[np.ndarray] = field(default_factory=list)
    after: list[np.ndarray] = field(default_factory=list)


def grid_size(model, size: tuple[int, int]) -> tuple[int, int]:
    """(rows, cols) of the working grid at the coarsest scale for an output of
    ``size`` = (width, height): the output is synthesised on a grid of
    2^(S-1) times that, then cropped."""
    f = 2 ** (model.config.scales - 1)
    width, height = size
    return -(-height // f), -(-width // f)


def kept_octaves(model, k: int) -> int:
    """Octaves of stage k's output that ``keep_coarse`` takes from the stage's input: the
    stage's octave limit, one more when the stage upsamples (0: no limit)."""
    octaves = model.stages[k].octaves
    return 0 if octaves == 0 else octaves + (model.stages[k].scale > 0)


def stage_stride(model, k: int, shape: tuple[int, ...], periodic: bool) -> int:
    """Step of the patch grid stage k transports on an image of ``shape``: the model's
    ``config.stride`` for the 7 x 7 stages at the finest scale, else 1; 1 as well for a
    periodic image whose sides are not multiples of it (the grid must wrap evenly)."""
    stride = model.config.stride
    if model.config.stage_scale(k) > 0 or model.config.is_detail(k) or stride == 1:
        return 1
    if periodic and (shape[0] % stride or shape[1] % stride):
        return 1
    return stride


def stage_transport(model, k: int, x: np.ndarray, periodic: bool) -> np.ndarray:
    """Stage k's transport of the patches of its input ``x``: (Hp, Wp) int32 target index
    of the patches on its grid (``stage_stride``)."""
    st = model.stages[k]
    return transport(x, st.config.patch, st.ot, periodic, stage_stride(model, k, x.shape, periodic))


def stage_output(model, k: int, x: np.ndarray, index: np.ndarray, periodic: bool) -> np.ndarray:
    """Stage k's output from its input ``x`` and transport ``index``: the averaged exemplar
    patches (at the next finer scale if the stage upsamples) or, for the detail stage,
    their centre pixels; then its coarse octaves kept from ``x``."""
    st = model.stages[k]
    w = st.config.patch
    if model.config.is_detail(k):
        new = centre_pixels(model.levels[0], st.positions, index, w, periodic, x)
    elif st.scale > 0:
        new = aggregate(model.levels[st.scale - 1], st.positions, index, w, 2, periodic,
                        model.config.window)
    else:
        new = aggregate(model.levels[0], st.positions, index, w, 1, periodic,
                        stride=stage_stride(model, k, x.shape, periodic), fill=x)
    return keep_coarse(new, x, kept_octaves(model, k), periodic, reference_is_coarse=st.scale > 0)


def run(model, coarse_shape: tuple[int, int], rng: np.random.Generator, stop: int | None = None,
        periodic: bool = False, record: ScaleImages | None = None,
        progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Run the stages of ``model`` on a fresh ADSN field of ``coarse_shape``.

    stop: if given, return the image *before* stage ``stop`` (the source of
    that stage's transport; used to sample patches when fitting it); stages
    from ``stop`` on need not be fitted. Otherwise return the final image,
    of shape 2^(S-1) * coarse_shape, with the band gains applied. record: collects
    per-stage images. progress(done, total) is called after each stage.
    """
    stages = model.stages
    n_stages = len(stages) if stop is None else stop
    coarsest = model.levels[model.config.scales - 1]
    tileable_grid = periodic or (coarse_shape[0] >= coarsest.shape[0]
                                 and coarse_shape[1] >= coarsest.shape[1])
    x = adsn_field(coarsest, coarse_shape, rng, periodic=tileable_grid)
    for k in range(n_stages):
        st = stages[k]
        index = stage_transport(model, k, x, periodic)
        previous, x = x, stage_output(model, k, x, index, periodic)
        if record is not None:
            record.before.append(previous)
            record.after.append(x if st.scale == 0 else aggregate(
                model.levels[st.scale], st.positions, index, st.config.patch, 1, periodic))
        if progress is not None:
            progress(k + 1, n_stages)
    if stop is None and model.active_gains is not None:
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
    width, height = size
    if width < 1 or height < 1:
        raise UsageError(f"size must be positive, got {width}x{height}")
    f = 2 ** (model.config.scales - 1)
    if tileable and (width % f or height % f):
        raise UsageError(f"a tileable output needs width and height that are multiples of {f} "
                         f"(2^(scales-1)); got {width}x{height}")
    coarse = grid_size(model, size)
    min_side = max(st.config.patch for st in model.stages)
    if min(coarse) < min_side:
        raise UsageError(f"size {width}x{height} is too small for this model: "
                         f"at least {min_side * f}x{min_side * f} pixels")
    rng = np.random.default_rng(seed)
    image = run(model, coarse, rng, periodic=tileable, record=record, progress=progress)
    if record is not None:
        for images in (record.before, record.after):
            images[:] = [np.clip(im + model.offset, 0.0, 1.0) for im in images]
    image = image[:height, :width]
    image += model.offset
    return np.ascontiguousarray(np.clip(image, 0.0, 1.0, out=image))
