"""Texture quality measures and the tiling baseline.

All images are float (H, W, C) in [0, 1] (2-D gray accepted); exemplar and
output must have the same C.  Patches are ``patch x patch x C`` vectors of
dimension D = C * patch**2.  Every function is deterministic given ``seed``.

* patch_sliced_wasserstein: distance between the patch distributions of the
  exemplar and of the output at several pyramid levels; lower is closer.
  Units: intensity (projections on unit vectors), so a uniform shift of all
  pixels by delta scores about delta.
* nearest_patch_distance: median RMS-per-pixel distance from output patches to
  their nearest exemplar patch (exact search); 0 for verbatim copies, large
  for blur or colours the exemplar does not have.
* copy_coherence: share of neighbouring output pixels whose nearest exemplar
  patches are neighbours too, i.e. come from the same verbatim copied block;
  about 1 for a tiling, a few percent for genuinely new texture.
* fine_detail_ratio: RMS of the output's finest octave over the exemplar's; 1
  for as much fine detail as the exemplar, below 1 for blur. A direct measure of
  sharpness: the nearest-patch distance is not one on noisy textures, where blur
  *lowers* it (a blurred patch sits nearer the mean of the noisy patches around it;
  benchmarks/bench_heldout.py measures it on unseen parts of the samples).

Costs, 256x256 RGB exemplar vs 512x512 output, 2 cores: quality_report about
1.5 s, dominated by the exact nearest-neighbour search (float32 BLAS); the
search grows linearly with the number of exemplar patches.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._shared import as_image, dilate
from .image.pyramid import build_pyramid, lowpass

#: patch side of the measures
PATCH = 7

__all__ = [
    "patch_sliced_wasserstein",
    "patch_sliced_wasserstein_levels",
    "nearest_patch_distance",
    "copy_coherence",
    "fine_detail_ratio",
    "tile_exemplar",
    "quality_report",
]


def _pair(exemplar: np.ndarray, output: np.ndarray, patch: int) -> tuple[np.ndarray, np.ndarray]:
    ex, out = as_image(exemplar, name="exemplar"), as_image(output, name="output")
    if ex.shape[2] != out.shape[2]:
        raise ValueError(f"exemplar has {ex.shape[2]} channels but output has {out.shape[2]}")
    for name, a in (("exemplar", ex), ("output", out)):
        if min(a.shape[:2]) < patch:
            raise ValueError(f"{name} {a.shape[:2]} is smaller than the {patch}x{patch} patch")
    return ex, out


def _patch_view(img: np.ndarray, patch: int) -> np.ndarray:
    """(H-p+1, W-p+1, C, p, p) read-only view of all patches."""
    return sliding_window_view(img, (patch, patch), axis=(0, 1))


def _patches_at(img: np.ndarray, patch: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Patches with top-left corners (rows, cols): float32 (n, D)."""
    return _patch_view(img, patch)[rows, cols].reshape(len(rows), -1)


def _random_patches(img: np.ndarray, patch: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Up to n distinct random patches of img (all of them if fewer): float32 (m, D)."""
    ph, pw = img.shape[0] - patch + 1, img.shape[1] - patch + 1
    total = ph * pw
    flat = rng.choice(total, size=n, replace=False) if total > n else np.arange(total)
    return _patches_at(img, patch, flat // pw, flat % pw)


def _quantiles(sorted_proj: np.ndarray, n: int) -> np.ndarray:
    """Rows of sorted (N, P) projections at the n quantiles (k + 0.5)/n."""
    big = sorted_proj.shape[0]
    if big == n:
        return sorted_proj
    idx = ((np.arange(n) + 0.5) * (big / n)).astype(np.intp)
    return sorted_proj[np.minimum(idx, big - 1)]


def patch_sliced_wasserstein(exemplar: np.ndarray, output: np.ndarray, **options: Any) -> float:
    """Sliced Wasserstein-2 distance between patch distributions, mean over pyramid levels:
    the mean of ``patch_sliced_wasserstein_levels`` (which describes it and its options)."""
    return float(np.mean(patch_sliced_wasserstein_levels(exemplar, output, **options)))


def patch_sliced_wasserstein_levels(
    exemplar: np.ndarray | Sequence[np.ndarray],
    output: np.ndarray,
    patch: int = PATCH,
    levels: int = 4,
    n_proj: int = 64,
    n_patches: int = 20000,
    seed: int = 0,
    weights: Sequence[float] | None = None,
) -> list[float]:
    """Sliced Wasserstein-2 distance between patch distributions, per pyramid level.

    At each of ``levels`` pyramid levels (pyramid.build_pyramid; levels too
    small for one patch in either image are skipped) up to ``n_patches``
    random patches of each image are projected on ``n_proj`` random unit
    directions of R^D (the same for both images); the sorted projections are
    compared quantile by quantile (the larger set is resampled at the
    smaller's quantiles) and SW2 = sqrt(mean squared difference).  Returns
    SW2 per level, finest first (intensity units, see module docstring).
    ``exemplar`` a list of images: their mixture, round(n_patches w_e) patches of
    exemplar e with ``weights`` w (default: their areas), normalised to sum 1.
    """
    several = isinstance(exemplar, (list, tuple))
    pairs = [_pair(ex, output, patch) for ex in (exemplar if several else [exemplar])]
    out = pairs[0][1]
    shares = np.array([ex.shape[0] * ex.shape[1] for ex, _ in pairs] if weights is None
                      else weights, dtype=np.float64)
    shares /= shares.sum()
    rng = np.random.default_rng(seed)
    pyr_ex = [build_pyramid(ex, levels) for ex, _ in pairs]
    pyr_out = build_pyramid(out, levels)
    dists = []
    for lvl, b in enumerate(pyr_out):
        refs = [p[lvl] for p in pyr_ex]
        if min(min(a.shape[:2]) for a in refs + [b]) < patch:
            break
        xa = _random_patches(refs[0], patch, n_patches, rng) if len(refs) == 1 else \
            np.concatenate([_random_patches(a, patch, max(1, round(n_patches * w)), rng)
                            for a, w in zip(refs, shares)])
        xb = _random_patches(b, patch, n_patches, rng)
        dists.append(_sliced_w2(xa, xb, n_proj, rng))
    return dists


def _sliced_w2(xa: np.ndarray, xb: np.ndarray, n_proj: int, rng: np.random.Generator) -> float:
    """SW2 between the patch sets xa (n, D) and xb (m, D) on n_proj random directions."""
    dirs = rng.standard_normal((xa.shape[1], n_proj)).astype(np.float32)
    dirs /= np.linalg.norm(dirs, axis=0, keepdims=True)
    pa = np.sort(xa @ dirs, axis=0)
    pb = np.sort(xb @ dirs, axis=0)
    n = min(len(pa), len(pb))
    diff = _quantiles(pa, n).astype(np.float64) - _quantiles(pb, n)
    return float(np.sqrt(np.mean(diff * diff)))


def region_sliced_wasserstein(image: np.ndarray, region_a: np.ndarray, region_b: np.ndarray,
                              patch: int = PATCH, levels: int = 4, n_proj: int = 64,
                              n_patches: int = 20000, min_patches: int = 16,
                              seed: int = 0) -> list[float]:
    """``patch_sliced_wasserstein_levels`` between two regions of one image (inpainting:
    the filled region against the known one): at each pyramid level, the patches lying
    wholly in ``region_a`` against those wholly in ``region_b`` ((H, W) bool; a coarse
    pixel belongs to a region if its filter footprint does, ``pyramid.mask_pyramid``).
    Levels where a region holds fewer than ``min_patches`` patches end the list."""
    from .image.patches import whole_patches
    from .image.pyramid import mask_pyramid

    img = as_image(image)
    rng = np.random.default_rng(seed)
    dists = []
    pyr = build_pyramid(img, levels)
    for lvl, ra, rb in zip(pyr, mask_pyramid(region_a, levels), mask_pyramid(region_b, levels)):
        if min(lvl.shape[:2]) < patch:
            break
        sets = []
        for region in (ra, rb):
            rows, cols = np.nonzero(whole_patches(region, patch))
            if len(rows) < min_patches:
                return dists
            pick = rng.choice(len(rows), size=min(n_patches, len(rows)), replace=False)
            sets.append(_patches_at(lvl, patch, rows[pick], cols[pick]))
        dists.append(_sliced_w2(*sets, n_proj, rng))
    return dists


def seam_ratio(image: np.ndarray, hole: np.ndarray, ring: int = 2) -> float:
    """Mean gradient magnitude on the hole's boundary ring (pixels within ``ring`` of the
    boundary, on either side) over the mean gradient elsewhere, inside and outside the hole:
    1 when the edge of a filled hole does not show, above 1 for a visible seam."""
    img = as_image(image, np.float64)
    gy = np.zeros(img.shape[:2])
    gx = np.zeros(img.shape[:2])
    gy[:-1] = np.sqrt(((img[1:] - img[:-1]) ** 2).sum(axis=2))
    gx[:, :-1] = np.sqrt(((img[:, 1:] - img[:, :-1]) ** 2).sum(axis=2))
    grad = np.hypot(gx, gy)[:-1, :-1]
    hole = np.asarray(hole, bool)
    band = (dilate(hole, ring) & dilate(~hole, ring))[:-1, :-1]
    return float(grad[band].mean() / grad[~band].mean())


def _nearest(queries: np.ndarray, base: np.ndarray, q_block: int = 512, b_block: int = 4096) -> np.ndarray:
    """Exact nearest neighbour (squared Euclidean) of each query row among base rows.

    queries (n, D), base (M, D) float32 -> indices (n,) intp.  Brute force by
    BLAS on centred data: argmax_j [q, 1] . [b_j, -|b_j|^2 / 2] (the norm term
    rides in the matrix product), in q_block x b_block tiles that fit in cache.
    """
    mu = base.mean(axis=0, dtype=np.float64).astype(np.float32)
    b = base - mu
    b = np.concatenate([b, -0.5 * np.einsum("ij,ij->i", b, b)[:, None]], axis=1)
    q = np.concatenate([queries - mu, np.ones((len(queries), 1), np.float32)], axis=1)
    best = np.empty(len(q), dtype=np.intp)
    for qs in range(0, len(q), q_block):
        qb = q[qs : qs + q_block]
        rows = np.arange(len(qb))
        top = np.full(len(qb), -np.inf, dtype=np.float32)
        arg = np.zeros(len(qb), dtype=np.intp)
        for bs in range(0, len(b), b_block):
            score = qb @ b[bs : bs + b_block].T
            j = np.argmax(score, axis=1)
            s = score[rows, j]
            better = s > top
            top[better], arg[better] = s[better], j[better] + bs
        best[qs : qs + q_block] = arg
    return best


def _exemplar_patches(ex: np.ndarray, patch: int) -> tuple[np.ndarray, int]:
    """All exemplar patches (M, D) float32 and the patch-grid width."""
    view = _patch_view(ex, patch)
    return np.ascontiguousarray(view.reshape(view.shape[0] * view.shape[1], -1)), view.shape[1]


def _rms_distances(queries: np.ndarray, base: np.ndarray, idx: np.ndarray) -> np.ndarray:
    d = queries.astype(np.float64) - base[idx]
    return np.sqrt(np.mean(d * d, axis=1))


def nearest_patch_distance(
    exemplar: np.ndarray, output: np.ndarray, patch: int = PATCH, n_samples: int = 4000, seed: int = 0
) -> float:
    """Median over ``n_samples`` random output patches of the RMS-per-pixel distance
    (Euclidean / sqrt(D), intensity units) to the nearest exemplar patch (exact)."""
    ex, out = _pair(exemplar, output, patch)
    rng = np.random.default_rng(seed)
    base, _ = _exemplar_patches(ex, patch)
    q = _random_patches(out, patch, n_samples, rng)
    return float(np.median(_rms_distances(q, base, _nearest(q, base))))


def _coherence_search(
    ex: np.ndarray, out: np.ndarray, patch: int, n_pixels: int, seed: int
) -> tuple[float, np.ndarray]:
    """Sample n_pixels output positions p; search p, p+(0,1), p+(1,0).

    Returns (coherence, RMS distances of all 3 * n_pixels queries).
    """
    rng = np.random.default_rng(seed)
    rows_max, cols_max = out.shape[0] - patch, out.shape[1] - patch  # p + 1 must stay valid
    if rows_max < 1 or cols_max < 1:
        raise ValueError(f"output {out.shape[:2]} too small for {patch}x{patch} patch pairs")
    r = rng.integers(0, rows_max, n_pixels)
    c = rng.integers(0, cols_max, n_pixels)
    rows = np.concatenate([r, r, r + 1])
    cols = np.concatenate([c, c + 1, c])
    base, grid_w = _exemplar_patches(ex, patch)
    q = _patches_at(out, patch, rows, cols)
    idx = _nearest(q, base)
    nr, nc = idx // grid_w - rows, idx % grid_w - cols  # offsets into the exemplar
    n = n_pixels
    same_right = (nr[:n] == nr[n : 2 * n]) & (nc[:n] == nc[n : 2 * n])
    same_down = (nr[:n] == nr[2 * n :]) & (nc[:n] == nc[2 * n :])
    coherence = 0.5 * (same_right.mean() + same_down.mean())
    return float(coherence), _rms_distances(q, base, idx)


def copy_coherence(
    exemplar: np.ndarray, output: np.ndarray, patch: int = PATCH, n_samples: int = 4000, seed: int = 0
) -> float:
    """Share of neighbour pairs (p, p+(0,1)) and (p, p+(1,0)) whose nearest exemplar
    patches have the same offset (nn_position - p): ``n_samples`` pairs, half of each
    kind (n_samples/2 random pixels p).  Near 1 = verbatim copied blocks."""
    ex, out = _pair(exemplar, output, patch)
    coherence, _ = _coherence_search(ex, out, patch, max(1, n_samples // 2), seed)
    return coherence


def _finest_octave_rms(img: np.ndarray, border: int) -> float:
    """RMS of img minus its one-octave ``pyramid.lowpass``, ``border`` pixels from each
    side left out (their filters see mirrored pixels)."""
    h, w = img.shape[:2]
    band = (img - lowpass(img, 1))[border:h - border, border:w - border]
    return float(np.sqrt(np.mean(band.astype(np.float64) ** 2)))


def fine_detail_ratio(exemplar: np.ndarray, output: np.ndarray, border: int = 4) -> float:
    """RMS of the output's finest octave (the image minus its one-octave pyramid.lowpass)
    over the exemplar's, all channels pooled; ``border`` pixels from
    each side left out. 1 = as sharp as the exemplar, < 1 = blurred, > 1 = noisier."""
    ex, out = _pair(exemplar, output, 2 * border + 2)
    return _finest_octave_rms(out, border) / max(_finest_octave_rms(ex, border), 1e-12)


def tile_exemplar(exemplar: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Verbatim-tiling baseline: the exemplar repeated (np.tile) and cropped to (H, W)."""
    ex = as_image(exemplar, name="exemplar")
    h, w = int(shape[0]), int(shape[1])
    reps = (-(-h // ex.shape[0]), -(-w // ex.shape[1]), 1)
    return np.ascontiguousarray(np.tile(ex, reps)[:h, :w])


def quality_report(exemplar: np.ndarray, output: np.ndarray, patch: int = PATCH, seed: int = 0) -> dict[str, float]:
    """The measures on one output, the nearest-patch ones sharing one search.

    Keys: ``sliced_wasserstein`` (4 levels, 64 directions, 20000 patches),
    ``nearest_patch_distance`` (median over the 6000 patches searched for the
    coherence), ``copy_coherence`` (2000 pixels, right and bottom pairs) and
    ``fine_detail_ratio``.
    """
    ex, out = _pair(exemplar, output, patch)
    coherence, dist = _coherence_search(ex, out, patch, 2000, seed)
    return {
        "sliced_wasserstein": patch_sliced_wasserstein(ex, out, patch=patch, seed=seed),
        "nearest_patch_distance": float(np.median(dist)),
        "copy_coherence": coherence,
        "fine_detail_ratio": fine_detail_ratio(ex, out),
    }
