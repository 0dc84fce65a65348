"""Fitting a texture model to an exemplar, stage by stage from coarse to fine.

Stage k transports the patches of the synthesis *before* stage k. Its source
measure mu_k is sampled exactly: fresh random syntheses are run through the
already-fitted stages 0..k-1 and all their patches are served in random order.
The targets are J_k patches of the exemplar at that scale, at positions drawn
uniformly without replacement (all positions if there are fewer than J_k).
Identical patches are merged into one target whose mass is their count, so
flat or repetitive exemplars give a smaller, well-posed transport problem; a
DegenerateExemplarWarning says so.

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
from .synthesis import run

#: progress(stage, n_stages, samples_done, samples_total)
Progress = Callable[[int, int, int, int], None]


class DegenerateExemplarWarning(UserWarning):
    """The exemplar has few distinct patches (flat, binary or repetitive): the model is degenerate."""


def choose_targets(level: np.ndarray, patch: int, J: int, rng: np.random.Generator,
                   valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw J patch positions of ``level`` (all if fewer) and merge identical patches;
    ``valid`` (h, w) bool: only patches whose pixels are all valid (``whole_patches``).

    Returns positions (J', 2) int32, counts (J',) int32 (positions merged into each
    target) and the target patches (J', D) float32, J' <= J, sorted by patch value.
    """
    Hp, Wp = grid_shape(level.shape[:2], patch)
    if valid is None:
        J = min(J, Hp * Wp)
        flat = np.sort(rng.choice(Hp * Wp, size=J, replace=False))
    else:
        allowed = np.flatnonzero(whole_patches(valid, patch))
        flat = np.sort(rng.choice(allowed, size=min(J, len(allowed)), replace=False))
    positions = np.stack([flat // Wp, flat % Wp], axis=1).astype(np.int32)
    patches = extract(level, positions[:, 0], positions[:, 1], patch)
    unique, first, counts = np.unique(patches, axis=0, return_index=True, return_counts=True)
    return positions[first], counts.astype(np.int32), unique


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
        image = run(self.model, self.coarse_shape, rng, stages=self.stages, gains=False,
                    periodic=True)
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
    reference = build_pyramid(model.levels[0], first + 1)[-1]
    if min(reference.shape[:2]) < PATCH:  # too small to measure: keep the configured limit
        return {limit: math.nan for limit in candidates}
    scores: dict[int, list[float]] = {limit: [] for limit in candidates}
    for _ in range(trials):
        x = run(model, coarse_shape, rng, stages=model.stages[:-1], gains=False, periodic=True)
        index = stage.transport(x, periodic=True)
        for limit in candidates:
            out = build_pyramid(stage.output(x, index, periodic=True, octaves=limit), first + 1)[-1]
            sw = patch_sliced_wasserstein_levels(reference, out, levels=n_levels) \
                if min(out.shape[:2]) >= PATCH else []
            scores[limit].append(float(np.mean(sw)) if len(sw) == n_levels else np.nan)
    means = {limit: float(np.mean(v)) for limit, v in scores.items()}
    best = min(candidates, key=lambda limit: means[limit])
    if all(math.isfinite(v) for v in means.values()) \
            and means[best] < (1 - LIMIT_MARGIN) * means[octaves]:
        stage.octaves = best
    return means


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


def fit(image: np.ndarray, config: FitConfig, exemplar_info: dict | None = None,
        progress: Progress | None = None, known: np.ndarray | None = None) -> Model:
    """Fit a model to ``image`` (H, W, C) float32 in [0, 1] with ``config``.

    exemplar_info: facts stored in the model (bit_depth, mode...). The same
    image, config and seed give identical model arrays. ``known`` (H, W) bool: the
    targets are patches of known pixels only (``pyramid.mask_pyramid``; inpainting).
    """
    image = as_image(image)
    check_exemplar(image.shape, config)
    started = time.perf_counter()
    pyramid = build_pyramid(image, config.scales)
    info = {"height": image.shape[0], "width": image.shape[1], "channels": image.shape[2],
            "bit_depth": 8, "mode": "unknown"}
    info.update(exemplar_info or {})
    model = Model(config, info, pyramid, stages=[])
    valid = None if known is None else mask_pyramid(known, config.scales)
    rng = np.random.default_rng(config.seed)
    exemplar_coarse = pyramid[-1].shape[:2]
    # syntheses the exemplar's size, at most SAMPLE_SIDE pixels a side: memory does not grow
    # with the exemplar
    most = -(-SAMPLE_SIDE // config.zoom)
    coarse = (min(exemplar_coarse[0], most), min(exemplar_coarse[1], most))
    for spec in config.stages:
        t0 = time.perf_counter()
        positions, counts, targets = choose_targets(
            model.levels[spec.scale], spec.patch, spec.targets, rng,
            None if known is None else valid[spec.scale])
        J = len(positions)
        if J < 0.5 * counts.sum():
            warnings.warn(f"{spec.name}: only {J} distinct {spec.patch}x{spec.patch} patches "
                          f"among {counts.sum()} drawn; the exemplar is flat or repetitive and "
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
