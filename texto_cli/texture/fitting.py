"""Fitting a texture model to an exemplar, stage by stage from coarse to fine.

Stage k transports the patches of the synthesis *before* stage k. Its source
measure mu_k is sampled exactly: fresh random syntheses are run through the
already-fitted stages 0..k-1 and all their patches are served in random order.
The targets are J_k patches of the exemplar at that scale, at positions drawn
uniformly without replacement (all positions if there are fewer than J_k).
Identical patches are merged into one target whose mass is their count, so
flat or repetitive exemplars give a smaller, well-posed transport problem; a
DegenerateExemplarWarning says so.

Several exemplars make one model (``Model.regions``): each stage draws its targets from
every exemplar in proportion to its weight (its area by default), and the masses of the
targets follow the weights even where an exemplar has fewer patches than its share.
A guide (``guided``) is fitted as extra channels of the exemplar.

The stages at the finest scale do not take the octave limit (``FitConfig.octaves``)
on trust: once such a stage's map is fitted, ``choose_octave_limit`` runs trial
outputs through it with each candidate limit and keeps the one closest to the
exemplar: textures differ in how many octaves their finest stages should change.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Callable

import numpy as np

from ..ot import sdot
from .bandgains import fit_band_gains
from .._shared import as_image
from ..config import FitConfig
from ..errors import UsageError
from .model import Model
from .stage import Stage, StageSpec
from ..metrics import PATCH, patch_sliced_wasserstein_levels
from ..image.patches import extract, grid_shape, whole_patches
from ..image.pyramid import build_pyramid, mask_pyramid, min_size_for
from .guided import trial_constraint
from .synthesis import run

#: progress(stage, n_stages, samples_done, samples_total)
Progress = Callable[[int, int, int, int], None]


class DegenerateExemplarWarning(UserWarning):
    """The exemplar has few distinct patches (flat, binary or repetitive): the model is degenerate."""


#: integer mass of the least heavy drawn position when the exemplars' weights set the masses
MASS_UNIT = 64


def choose_targets(level: np.ndarray, patch: int, J: int, rng: np.random.Generator,
                   valid: np.ndarray | None = None, regions: list[np.ndarray] | None = None,
                   weights: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Draw J patch positions of ``level`` (all if fewer) and merge identical patches;
    ``valid`` (h, w) bool: only patches whose pixels are all valid (``whole_patches``).
    ``regions``: (h, w) bool per exemplar, ``weights`` (E,) their shares: round(J w_e)
    positions from exemplar e, the mass of each w_e / (positions drawn from e).

    Returns positions (J', 2) int32, counts (J',) int32 (integer masses: the positions
    merged into each target; with ``regions``, each weighing its exemplar's mass per
    position, MASS_UNIT for the lightest), the target patches (J', D) float32, J' <= J,
    sorted by patch value, and how many positions were drawn.
    """
    Hp, Wp = grid_shape(level.shape[:2], patch)
    if regions is not None:
        draws = []
        for w, region in zip(weights, regions):
            allowed = np.flatnonzero(whole_patches(region, patch))
            draws.append(rng.choice(allowed, size=min(max(1, round(J * w)), len(allowed)),
                                    replace=False))
        mass = np.array([w / len(d) for w, d in zip(weights, draws)])  # per drawn position
        units = np.round(MASS_UNIT * mass / mass.min()).astype(np.int64)
        flat = np.concatenate(draws)
        order = np.argsort(flat)
        flat, per_position = flat[order], np.repeat(units, [len(d) for d in draws])[order]
    elif valid is None:
        J = min(J, Hp * Wp)
        flat = np.sort(rng.choice(Hp * Wp, size=J, replace=False))
    else:
        allowed = np.flatnonzero(whole_patches(valid, patch))
        flat = np.sort(rng.choice(allowed, size=min(J, len(allowed)), replace=False))
    positions = np.stack([flat // Wp, flat % Wp], axis=1).astype(np.int32)
    patches = extract(level, positions[:, 0], positions[:, 1], patch)
    unique, first, inverse, counts = np.unique(patches, axis=0, return_index=True,
                                               return_inverse=True, return_counts=True)
    if regions is not None:
        counts = np.bincount(inverse.ravel(), weights=per_position, minlength=len(unique))
    return positions[first], counts.astype(np.int32), unique, len(flat)


class PatchSampler:
    """sample(n, rng) -> (n, D) float32 patches of the input of stage ``spec``: of fresh
    syntheses through the model's stages fitted so far.

    Each synthesis is periodic (no border effects: every patch is an interior
    patch) on a coarse grid of ``coarse_shape``; its patches (those on the stage's grid,
    ``StageSpec.grid_stride``) are shuffled and served until used up, then a new
    synthesis is made.
    """

    def __init__(self, model: Model, spec: StageSpec, coarse_shape: tuple[int, int]):
        self.model, self.spec, self.coarse_shape = model, spec, coarse_shape
        self.stages = list(model.stages)
        self.pool = np.empty((0, 0), dtype=np.float32)
        self.used = 0

    def _refill(self, rng: np.random.Generator) -> None:
        constraint = trial_constraint(self.model, self.coarse_shape, rng, self.stages,
                                      self.spec.scale)
        image = run(self.model, self.coarse_shape, rng, stages=self.stages, gains=False,
                    periodic=True, constraint=constraint)
        stride = self.spec.grid_stride(image.shape, True)
        H, W = grid_shape(image.shape[:2], self.spec.patch, True, stride)
        rows, cols = np.divmod(np.arange(H * W), W)
        # extract in raster order (cache friendly), then shuffle the rows
        self.pool = extract(image, stride * rows, stride * cols, self.spec.patch,
                            periodic=True)[rng.permutation(H * W)]
        self.used = 0

    def __call__(self, n: int, rng: np.random.Generator) -> np.ndarray:
        parts, need = [], n
        while need > 0:
            if self.used == len(self.pool):
                self._refill(rng)
            take = min(need, len(self.pool) - self.used)
            parts.append(self.pool[self.used:self.used + take])
            self.used += take
            need -= take
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


#: how much closer (relative) another octave limit must measure to replace the configured one
LIMIT_MARGIN = 0.03
#: largest side (pixels) of the trial syntheses that choose the band gains
GAIN_TRIAL_SIDE = 512
#: largest side (pixels) of the syntheses that sample each stage's input and try its octave
#: limits (the exemplar's size below that)
SAMPLE_SIDE = 1024


def choose_octave_limit(model: Model, stage: Stage, coarse_shape: tuple[int, int],
                        rng: np.random.Generator, trials: int = 4) -> dict[int, float]:
    """Choose the octave limit of ``stage``, the model's last fitted stage, by measurement.

    ``trials`` periodic syntheses on ``coarse_shape`` are run up to the stage and through
    it with each candidate limit of ``StageSpec.octave_trials``, and judged on the pyramid
    levels it names. The candidate whose outputs have the lowest patch sliced-Wasserstein
    distance to the exemplar (metrics) replaces the configured limit if it is LIMIT_MARGIN
    closer (ties go to the larger limit). Sets ``stage.octaves``; returns each candidate's
    mean distance (NaN where the levels are too small to measure; then the configured
    limit is kept).
    """
    octaves = model.config.octaves
    candidates, first = stage.spec.octave_trials(octaves)
    n_levels = octaves + 1 - first
    reference = [build_pyramid(ex, first + 1)[-1] for ex in model.exemplar_levels(0)]
    if min(min(r.shape[:2]) for r in reference) < PATCH:  # too small to measure
        return {limit: math.nan for limit in candidates}
    scores: dict[int, list[float]] = {limit: [] for limit in candidates}
    for _ in range(trials):
        constraint = trial_constraint(model, coarse_shape, rng, model.stages[:-1], stage.spec.scale)
        x = run(model, coarse_shape, rng, stages=model.stages[:-1], gains=False, periodic=True,
                constraint=constraint)
        index = stage.transport(x, periodic=True)
        for limit in candidates:
            out = build_pyramid(stage.output(x, index, periodic=True, octaves=limit), first + 1)[-1]
            sw = patch_sliced_wasserstein_levels(reference, out, levels=n_levels,
                                                 weights=model.weights) \
                if min(out.shape[:2]) >= PATCH else []
            scores[limit].append(float(np.mean(sw)) if len(sw) == n_levels else np.nan)
    means = {limit: float(np.mean(v)) for limit, v in scores.items()}
    best = min(candidates, key=lambda limit: means[limit])
    if all(math.isfinite(v) for v in means.values()) \
            and means[best] < (1 - LIMIT_MARGIN) * means[octaves]:
        stage.octaves = best
    return means


def atlas(pyramids: list[list[np.ndarray]], zoom: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Several exemplars' pyramids side by side in one (``Model.regions``): each starts at a
    column that is a multiple of ``zoom``; the pixels between them are 0. Returns the atlas
    levels and the regions, (E, 4) int64 (top, left, height, width) at level 0."""
    heights = [p[0].shape[0] for p in pyramids]
    widths = [-(-p[0].shape[1] // zoom) * zoom for p in pyramids]
    lefts = np.concatenate([[0], np.cumsum(widths)[:-1]])
    H, W, C = -(-max(heights) // zoom) * zoom, sum(widths), pyramids[0][0].shape[2]
    levels = []
    for s in range(len(pyramids[0])):
        level = np.zeros((H >> s, W >> s, C), np.float32)
        for left, pyramid in zip(lefts, pyramids):
            h, w = pyramid[s].shape[:2]
            level[:h, left >> s:(left >> s) + w] = pyramid[s]
        levels.append(level)
    regions = np.array([[0, left, p[0].shape[0], p[0].shape[1]] for left, p in zip(lefts, pyramids)],
                       dtype=np.int64)
    return levels, regions


def check_exemplar(shape: tuple[int, ...], config: FitConfig) -> None:
    """Raise UsageError if an exemplar of ``shape`` (H, W[, C]) is too small for ``config``."""
    need = min_size_for(config.scales, config.patch)
    if min(shape[:2]) < need:
        from ..image.pyramid import max_scales_for

        most = max_scales_for(min(shape[:2]), config.patch)
        hint = f"; with {config.patch}x{config.patch} patches it allows at most {most} scale(s)" \
            if most >= 1 else ""
        raise UsageError(f"exemplar is {shape[1]}x{shape[0]} pixels, {config.scales} scales of "
                         f"{config.patch}x{config.patch} patches need at least {need}x{need}{hint}")


def check_exemplars(images: list[np.ndarray], guides: list[np.ndarray] | None,
                    config: FitConfig) -> None:
    """Raise UsageError unless the exemplars (each (H, W, C)) are large enough for
    ``config`` and share their channels, and each guide is its exemplar's size with the
    channels of the others."""
    for image in images:
        check_exemplar(image.shape, config)
    if len({image.shape[2] for image in images}) > 1:
        raise UsageError(f"the exemplars have different channel counts "
                         f"({', '.join(str(im.shape[2]) for im in images)}); give exemplars "
                         f"that are all gray, all colour, or all with alpha")
    if guides is None:
        return
    if len(guides) != len(images):
        raise UsageError(f"{len(guides)} guide(s) for {len(images)} exemplar(s): give one each")
    for image, guide in zip(images, guides):
        if guide.shape[:2] != image.shape[:2]:
            raise UsageError(f"a guide is {guide.shape[1]}x{guide.shape[0]} pixels, its exemplar "
                             f"{image.shape[1]}x{image.shape[0]}: they must be the same size")
    if len({guide.shape[2] for guide in guides}) > 1:
        raise UsageError("the guides have different channel counts")


def fit(image: np.ndarray | list[np.ndarray], config: FitConfig, exemplar_info: dict | None = None,
        progress: Progress | None = None, known: np.ndarray | None = None,
        guide: np.ndarray | list[np.ndarray] | None = None,
        weights: list[float] | None = None, maps: list | None = None) -> Model:
    """Fit a model to ``image`` (H, W, C) float32 in [0, 1] with ``config``.

    exemplar_info: facts stored in the model (bit_depth, mode...). The same
    image, config and seed give identical model arrays. ``known`` (H, W) bool: the
    targets are patches of known pixels only (``pyramid.mask_pyramid``; inpainting).
    ``image`` a list: one model of several exemplars (of any sizes, the same channels),
    mixed by ``weights`` (default: their areas). ``guide``: (H, W, G) float in [0, 1]
    aligned with the exemplar (a list: one per exemplar), for guided synthesis. ``maps``:
    the ``MapSpec`` of each group of the exemplar's channels (a material's maps, stacked).
    """
    several = isinstance(image, (list, tuple))
    images = [as_image(im) for im in (image if several else [image])]
    guides = None if guide is None else \
        [as_image(g) for g in (guide if isinstance(guide, (list, tuple)) else [guide])]
    check_exemplars(images, guides, config)
    if known is not None and len(images) > 1:
        raise UsageError("a mask of known pixels needs one exemplar")
    started = time.perf_counter()
    G = 0 if guides is None else guides[0].shape[2]
    if guides is not None:
        images = [np.dstack([im, g]) for im, g in zip(images, guides)]
    pyramids = [build_pyramid(im, config.scales) for im in images]
    regions = shares = None
    if len(images) > 1:
        pyramid, regions = atlas(pyramids, config.zoom)
        shares = np.asarray(weights if weights is not None else regions[:, 2] * regions[:, 3],
                            dtype=np.float64)
        if shares.shape != (len(images),) or not np.isfinite(shares).all() or (shares <= 0).any():
            raise UsageError(f"--weights needs {len(images)} positive numbers, one per exemplar")
        shares = shares / shares.sum()
    else:
        pyramid = pyramids[0]
    info = {"height": pyramid[0].shape[0], "width": pyramid[0].shape[1],
            "channels": images[0].shape[2] - G, "bit_depth": 8, "mode": "unknown"}
    info.update(exemplar_info or {})
    if maps is not None and sum(m.channels for m in maps) != info["channels"]:
        raise UsageError(f"the maps have {sum(m.channels for m in maps)} channels, the "
                         f"exemplar {info['channels']}")
    model = Model(config, info, pyramid, stages=[], regions=regions, weights=shares,
                  guide_channels=G, maps=maps)
    valid = None if known is None else mask_pyramid(known, config.scales)
    rng = np.random.default_rng(config.seed)
    exemplar_coarse = (max(p[-1].shape[0] for p in pyramids), max(p[-1].shape[1] for p in pyramids))
    # syntheses the exemplar's size, at most SAMPLE_SIDE pixels a side: memory does not grow
    # with the exemplar
    most = -(-SAMPLE_SIDE // config.zoom)
    coarse = (min(exemplar_coarse[0], most), min(exemplar_coarse[1], most))
    for spec in config.stages:
        t0 = time.perf_counter()
        positions, counts, targets, drawn = choose_targets(
            model.levels[spec.scale], spec.patch, spec.targets, rng,
            None if known is None else valid[spec.scale],
            None if regions is None else model.region_masks(spec.scale), shares)
        J = len(positions)
        if J < 0.5 * drawn:
            warnings.warn(f"{spec.name}: only {J} distinct {spec.patch}x{spec.patch} patches "
                          f"among {drawn} drawn; the exemplar is flat or repetitive and "
                          f"the model is degenerate", DegenerateExemplarWarning, stacklevel=2)
        sampler = PatchSampler(model, spec, coarse)
        report = (lambda done, total, k=spec.index: progress(k, len(config.stages), done, total)) \
            if progress else None
        ot = sdot.fit(sampler, targets, masses=counts, layers=spec.layers, clusters=spec.clusters,
                      iters=spec.iters, step=config.step, seed=int(rng.integers(2 ** 63)),
                      monitor_samples=min(10 * J, 50_000), progress=report)
        n_eval = min(max(50 * J, 20_000), 500_000)
        diag = ot.diagnostics(sampler(n_eval, rng))
        diag["noise_floor"] = math.sqrt(2 * J / (math.pi * n_eval))
        diag["train_seconds"] = ot.seconds
        stage = Stage(spec, model.levels, positions, counts, ot, config.octaves, diag)
        model.stages.append(stage)
        if spec.measures_octave_limit and config.octaves > 0:
            for limit, sw in choose_octave_limit(model, stage, coarse, rng).items():
                if math.isfinite(sw):
                    diag[f"limit_{limit}_sw"] = sw
        diag["seconds"] = time.perf_counter() - t0
    if config.gain_octaves > 0:
        t0 = time.perf_counter()
        # trial syntheses twice the exemplar's size, at most GAIN_TRIAL_SIDE pixels a side
        most = -(-GAIN_TRIAL_SIDE // config.zoom)
        canvas = (min(2 * exemplar_coarse[0], most), min(2 * exemplar_coarse[1], most))
        model.band_gains, model.gain_diagnostics = fit_band_gains(model, canvas, rng,
                                                                  config.gain_octaves)
        model.gain_diagnostics["seconds"] = time.perf_counter() - t0
    model.fit_seconds = time.perf_counter() - started
    return model
