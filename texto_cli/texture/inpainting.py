"""Inpainting: new texture in a hole of an image, joined to the known pixels around it.

Coarse to fine, as synthesis, on a crop around the hole (its bounding box with a margin
of context at every scale):

1. at the coarsest scale the hole starts from the model's Gaussian (ADSN) field
   conditioned on the known pixels of a band around it (``conditional.conditional_adsn``);
2. every stage of the model transports the patches of the crop and writes its output
   (``stage.Stage``); the known pixels of the next scale (those whose whole filter
   footprint is known: ``pyramid.mask_pyramid``) are then re-imposed;
3. the band gains act inside the hole only, faded in over BLEND pixels from its edge.

Pixels outside the hole are the image's own, untouched. ``fit_known`` fits a model on the
known part of an image: its hole is first filled by the conditional Gaussian of the known
pixels' own spot, and only patches of known pixels are targets.
"""

from __future__ import annotations

import numpy as np

from .._shared import as_image, dilate
from ..errors import UsageError
from ..image.adsn import adsn_spot
from ..image.conditional import conditional_adsn, masked_spot
from ..image.patches import whole_patches
from ..image.pyramid import build_pyramid, mask_pyramid, scale_bands

#: pixels over which the band gains fade in from the hole's edge
BLEND = 4
#: fewest whole known patches each stage's targets are drawn from
MIN_KNOWN_PATCHES = 64
#: largest crop (pixels) an inpainting works on
MAX_CROP_PIXELS = 6000 * 6000


def check_known(known: np.ndarray, config) -> None:
    """Raise UsageError unless ``known`` (H, W) bool leaves enough to fit ``config`` on:
    MIN_KNOWN_PATCHES whole known patches at every stage's scale."""
    valid = mask_pyramid(known, config.scales)
    for spec in config.stages:
        n = int(whole_patches(valid[spec.scale], spec.patch).sum()) \
            if min(valid[spec.scale].shape) >= spec.patch else 0
        if n < MIN_KNOWN_PATCHES:
            raise UsageError(f"the mask leaves {n} whole known {spec.patch}x{spec.patch} patches at "
                             f"{spec.name}, at least {MIN_KNOWN_PATCHES} are needed: use a smaller "
                             f"mask, a larger image or fewer --scales")


def prefill(image: np.ndarray, known: np.ndarray, seed: int = 0) -> np.ndarray:
    """``image`` with its unknown pixels drawn from the Gaussian texture of the known ones
    (conditioned on a 16-pixel band around them), clipped to [0, 1]: float32 (H, W, C)."""
    mean, spot = masked_spot(image, known)
    filled = conditional_adsn(spot, mean, image, known, np.random.default_rng(seed), band=16)
    return np.clip(filled, 0.0, 1.0, out=filled)


def fit_known(image: np.ndarray, known: np.ndarray, config, facts: dict | None = None,
              progress=None):
    """A model of the known part of ``image`` (float32 (H, W, C)); ``known`` (H, W) bool."""
    from .fitting import fit

    check_known(known, config)
    return fit(prefill(image, known, config.seed), config, facts, progress=progress, known=known)


def _crop(known: np.ndarray, margin: int, f: int) -> tuple[slice, slice]:
    """Rows and columns of the hole's bounding box grown by ``margin``, within the image,
    with sides that are multiples of ``f`` where the image allows it."""
    spans = []
    for axis in (0, 1):
        hole = np.flatnonzero((~known).any(axis=1 - axis))
        n = known.shape[axis]
        start, stop = max(0, hole[0] - margin), min(n, hole[-1] + 1 + margin)
        length = -(-(stop - start) // f) * f
        if start + length <= n:
            stop = start + length
        else:
            start, stop = max(0, n - length), n
        spans.append(slice(start, stop))
    return spans[0], spans[1]


def _fade(hole: np.ndarray, width: int) -> np.ndarray:
    """(H, W) float32: 0 outside ``hole``, rising to 1 at ``width`` pixels inside it."""
    inside = np.zeros(hole.shape, np.float32)
    core = hole.copy()
    for _ in range(width):
        inside += core
        core = ~dilate(~core, 1)
    return inside / width


def inpaint(model, image: np.ndarray, known: np.ndarray, seed: int = 0) -> np.ndarray:
    """``image`` (float32 (H, W, C) in [0, 1], the model's channels) with its unknown pixels
    (``known`` (H, W) False) filled with new texture of ``model``; known pixels unchanged.
    The same inputs and seed give the same bytes. Returns float32 (H, W, C)."""
    image = as_image(image)
    known = np.asarray(known, dtype=bool)
    out = image.copy()
    if known.all():
        return out
    f = model.config.zoom
    widest = max(st.spec.patch for st in model.stages)
    rows, cols = _crop(known, f * (2 * widest + 4), f)
    crop, k = image[rows, cols], known[rows, cols]
    h, w = k.shape
    if h * w > MAX_CROP_PIXELS:
        raise UsageError(f"the hole and its context span {w}x{h} pixels, more than texto "
                         f"inpaints at once ({MAX_CROP_PIXELS / 1e6:.0f} megapixels)")
    # at the image's edges, mirrored context (a hole reaching an edge goes on beyond it, so
    # its last pixels are interior ones); then sides that are multiples of the zoom
    H, W = known.shape
    extra = f * widest
    top, left = extra * (rows.start == 0), extra * (cols.start == 0)
    bottom, right = extra * (rows.stop == H), extra * (cols.stop == W)
    bottom += -(h + top + bottom) % f
    right += -(w + left + right) % f
    pad = ((top, bottom), (left, right))
    crop = np.pad(crop, pad + ((0, 0),), mode="symmetric")
    k = np.pad(k, pad, mode="symmetric")
    if min(crop.shape[:2]) < widest * f:
        raise UsageError(f"the image is too small to inpaint with this model: at least "
                         f"{widest * f}x{widest * f} pixels")
    S = model.config.scales
    levels = [lvl - model.offset for lvl in build_pyramid(crop, S)]
    valid = mask_pyramid(k, S)
    rng = np.random.default_rng(seed)
    mean, spot = adsn_spot(model.levels[-1])
    x = conditional_adsn(spot, mean, levels[-1], valid[-1], rng, band=widest)
    for stage in model.stages:
        x = stage.output(x, stage.transport(x))
        s = stage.spec.output_scale
        x[valid[s]] = levels[s][valid[s]]
    if model.active_gains is not None:
        gained = scale_bands(x.copy(), model.active_gains)
        x += _fade(~k, BLEND)[:, :, None] * (gained - x)
    x = np.clip(x + model.offset, 0.0, 1.0)[top:top + h, left:left + w]
    region = out[rows, cols]
    region[~known[rows, cols]] = x[~known[rows, cols]]
    return out
