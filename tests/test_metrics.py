"""Quality measures: baselines (tiling, ADSN, noise) must rank as DESIGN.md section 5 says."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data, transform

from texto_cli import metrics
from texto_cli.image.adsn import adsn_field
from texto_cli.metrics import (
    copy_coherence,
    fine_detail_ratio,
    nearest_patch_distance,
    patch_sliced_wasserstein,
    patch_sliced_wasserstein_levels,
    quality_report,
    tile_exemplar,
)


@pytest.fixture(scope="module")
def exemplar() -> np.ndarray:
    """A real, structured colour texture: 96x96 gravel with a colour twist."""
    g = transform.resize(data.gravel() / 255.0, (96, 96), anti_aliasing=True)
    return np.stack([g, g**1.4, 0.2 + 0.6 * g], axis=2).astype(np.float32)


@pytest.fixture(scope="module")
def outputs(exemplar) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    shape = (192, 192)
    return {
        "tile": tile_exemplar(exemplar, shape),
        "adsn": adsn_field(exemplar, shape, rng),
        "noise": rng.random(shape + (3,)).astype(np.float32),
    }


def test_tile_exemplar(exemplar):
    t = tile_exemplar(exemplar, (200, 150))
    assert t.shape == (200, 150, 3) and t.dtype == np.float32
    np.testing.assert_array_equal(t[:96, :96], exemplar)
    np.testing.assert_array_equal(t[96:192, 96:150], exemplar[:, :54])
    np.testing.assert_array_equal(tile_exemplar(exemplar, (10, 20)), exemplar[:10, :20])


def test_exact_nearest_neighbour_search():
    rng = np.random.default_rng(1)
    base = rng.random((3000, 27)).astype(np.float32)
    q = rng.random((300, 27)).astype(np.float32)
    idx = metrics._nearest(q, base, q_block=128, b_block=700)  # several blocks both ways
    d = ((q[:, None, :].astype(np.float64) - base[None]) ** 2).sum(-1)
    np.testing.assert_allclose(d[np.arange(300), idx], d.min(axis=1), rtol=1e-5)


def test_sliced_wasserstein_ranks_baselines(exemplar, outputs):
    sw = {k: patch_sliced_wasserstein(exemplar, v, n_patches=6000) for k, v in outputs.items()}
    assert sw["tile"] < 0.01
    assert sw["noise"] > 10 * sw["tile"]
    assert sw["noise"] > 5 * sw["adsn"]
    assert sw["adsn"] > sw["tile"]


def test_sliced_wasserstein_units_and_symmetry(exemplar):
    shifted = exemplar * 0.8 + 0.1  # stays in [0, 1]
    same = patch_sliced_wasserstein(exemplar, exemplar, levels=2, n_patches=4000)
    assert same < 0.006
    delta = 0.1
    moved = patch_sliced_wasserstein(shifted, shifted + delta, levels=2, n_patches=4000)
    assert 0.6 * delta < moved < 1.4 * delta  # a uniform shift delta scores about delta
    a = patch_sliced_wasserstein(exemplar, shifted, levels=2, seed=3)
    assert a == patch_sliced_wasserstein(exemplar, shifted, levels=2, seed=3)  # deterministic
    # per level: one value per level, their mean is the overall figure; a coarse-only
    # change (a smooth ramp) shows at the coarse level more than at the finest
    per = patch_sliced_wasserstein_levels(exemplar, shifted, levels=2, seed=3)
    assert len(per) == 2 and np.isclose(np.mean(per), a)
    ramp = exemplar + 0.15 * np.linspace(-1, 1, exemplar.shape[1])[None, :, None]
    fine, coarse = patch_sliced_wasserstein_levels(exemplar, np.clip(ramp, 0, 1), levels=2)
    assert coarse > fine


def test_nearest_patch_distance(exemplar, outputs):
    d = {k: nearest_patch_distance(exemplar, v, n_samples=1000) for k, v in outputs.items()}
    assert d["tile"] < 1e-3  # copies (only patches across tile seams are not in the exemplar)
    assert d["adsn"] > 0.03  # new but blurry / unstructured
    assert d["noise"] > d["adsn"]
    assert nearest_patch_distance(exemplar, exemplar, n_samples=500) < 1e-3
    shifted = np.clip(exemplar + 0.05, 0, 1)
    assert 0.0 < nearest_patch_distance(exemplar, shifted, n_samples=500) <= 0.05 + 1e-6


def test_copy_coherence(exemplar, outputs):
    c_tile = copy_coherence(exemplar, outputs["tile"], n_samples=1000)
    c_adsn = copy_coherence(exemplar, outputs["adsn"], n_samples=1000)
    c_noise = copy_coherence(exemplar, outputs["noise"], n_samples=1000)
    assert c_tile > 0.9
    assert c_adsn < 0.5 and c_noise < 0.5
    rolled = np.roll(outputs["tile"], (17, 5), axis=(0, 1))  # copies at another offset
    assert copy_coherence(exemplar, rolled, n_samples=1000) > 0.85  # ~12% of patches cross a seam
    # independently scrambled 8x8 blocks: copies, but coherent only inside blocks
    rng = np.random.default_rng(2)
    blocks = outputs["tile"].reshape(24, 8, 24, 8, 3).transpose(0, 2, 1, 3, 4).reshape(576, 8, 8, 3)
    scrambled = blocks[rng.permutation(576)].reshape(24, 24, 8, 8, 3).transpose(0, 2, 1, 3, 4).reshape(192, 192, 3)
    c_scr = copy_coherence(exemplar, scrambled, n_samples=1000)
    assert 0.05 < c_scr < 0.6


def test_fine_detail_ratio(exemplar, outputs):
    assert fine_detail_ratio(exemplar, exemplar) == pytest.approx(1.0)
    assert fine_detail_ratio(exemplar, outputs["tile"]) == pytest.approx(1.0, abs=0.05)
    assert fine_detail_ratio(exemplar, outputs["noise"]) > 2.0  # white noise: all fine detail
    # a 3x3 box blur keeps the coarse image and loses most of the finest octave
    pad = np.pad(exemplar, ((1, 1), (1, 1), (0, 0)), mode="reflect")
    blurred = sum(pad[i:i + 96, j:j + 96] for i in range(3) for j in range(3)) / 9
    assert fine_detail_ratio(exemplar, blurred) < 0.6
    # a ratio of contrasts: scaling both images leaves it unchanged; a flat exemplar is
    # not a division by zero
    assert fine_detail_ratio(0.5 * exemplar, 0.5 * blurred) == \
        pytest.approx(fine_detail_ratio(exemplar, blurred), rel=1e-5)
    assert np.isfinite(fine_detail_ratio(np.zeros((20, 20, 3)), exemplar))


def test_quality_report(exemplar, outputs):
    r = quality_report(exemplar, outputs["tile"])
    assert set(r) == {"sliced_wasserstein", "nearest_patch_distance", "copy_coherence",
                      "fine_detail_ratio"}
    assert all(isinstance(v, float) and np.isfinite(v) for v in r.values())
    assert r["nearest_patch_distance"] < 1e-3 and r["copy_coherence"] > 0.9
    assert r["fine_detail_ratio"] == pytest.approx(1.0, abs=0.05)
    assert r == quality_report(exemplar, outputs["tile"])


def test_shape_errors(exemplar):
    with pytest.raises(ValueError, match="channels"):
        nearest_patch_distance(exemplar, np.zeros((50, 50, 1), np.float32))
    with pytest.raises(ValueError, match="smaller"):
        patch_sliced_wasserstein(exemplar, np.zeros((5, 50, 3), np.float32))
    gray = exemplar[:, :, 0]
    assert patch_sliced_wasserstein(gray, gray, levels=1, n_patches=10000) < 1e-6  # all patches: exact
