"""Pyramid (downsampling, sizes) and the ADSN Gaussian field."""

from __future__ import annotations

import numpy as np
import pytest

from texto_cli.image import adsn
from texto_cli.image.adsn import adsn_field, adsn_spot
from texto_cli.image.pyramid import (band_std, build_pyramid, downsample, lowpass, max_scales_for,
                               min_size_for, scale_bands, upsample)

RNG = np.random.default_rng(7)


# ------------------------------------------------------------------------------- pyramid


@pytest.mark.parametrize("shape", [(32, 48, 3), (33, 47, 1), (2, 2, 4), (9, 5)])
def test_downsample_shape_dtype(shape):
    x = RNG.random(shape).astype(np.float32)
    y = downsample(x)
    assert y.dtype == np.float32
    assert y.shape == (shape[0] // 2, shape[1] // 2) + shape[2:]


def test_downsample_constant_and_range():
    x = np.full((10, 12, 3), 0.37, np.float32)
    np.testing.assert_allclose(downsample(x), 0.37, rtol=1e-6)
    y = downsample(RNG.random((64, 64, 2)).astype(np.float32))
    assert y.min() >= 0.0 and y.max() <= 1.0


def test_downsample_periodic_preserves_mean_and_kills_nyquist():
    x = RNG.random((32, 40, 3)).astype(np.float32)
    np.testing.assert_allclose(downsample(x, periodic=True).mean(axis=(0, 1)), x.mean(axis=(0, 1)), rtol=1e-5)
    i, j = np.mgrid[0:32, 0:32]
    checker = ((-1.0) ** (i + j))[:, :, None].astype(np.float32)
    assert np.abs(downsample(checker, periodic=True)).max() < 1e-6
    stripes = ((-1.0) ** i)[:, :, None].astype(np.float32)  # Nyquist along y only
    assert np.abs(downsample(stripes, periodic=True)).max() < 1e-6


def test_downsample_alignment_coarse_p_is_fine_2p():
    """An image constant on 2x2 blocks downsamples to its block image filtered by the
    symmetric kernel [1, 6, 1]/8: coarse pixel p is centred on fine pixels 2p, 2p+1."""
    c = RNG.random((16, 16)).astype(np.float32)
    x = np.kron(c, np.ones((2, 2), np.float32))[:, :, None]
    y = downsample(x, periodic=True)[:, :, 0]
    k = lambda a, ax: (np.roll(a, 1, ax) + 6 * a + np.roll(a, -1, ax)) / 8  # noqa: E731
    np.testing.assert_allclose(y, k(k(c, 0), 1), atol=1e-6)


def test_downsample_blurs_less_than_it_aliases():
    """Passband (period 8 px) keeps most of its amplitude; near-Nyquist (period 8/3 px) is cut."""
    j = np.arange(64)
    low = np.tile(np.cos(2 * np.pi * j / 8), (8, 1))[:, :, None].astype(np.float32)
    high = np.tile(np.cos(2 * np.pi * 3 * j / 8), (8, 1))[:, :, None].astype(np.float32)
    amplitude = lambda a: np.sqrt(2 * np.mean(a**2))  # noqa: E731  (of a sampled sinusoid)
    assert 0.75 < amplitude(downsample(low, periodic=True)) < 0.8  # cos(pi/8)^3 = 0.789
    assert amplitude(downsample(high, periodic=True)) < 0.06  # cos(3pi/8)^3 = 0.056 (box: 0.38)


def test_upsample_is_the_adjoint_of_downsample():
    x = RNG.random((16, 12, 3)).astype(np.float32)
    y = RNG.random((8, 6, 3)).astype(np.float32)
    lhs = np.sum(downsample(x, periodic=True).astype(np.float64) * y)
    assert lhs == pytest.approx(np.sum(x.astype(np.float64) * upsample(y, periodic=True)) / 4, rel=1e-5)
    assert upsample(y).shape == (16, 12, 3)
    np.testing.assert_allclose(upsample(np.full((3, 5, 2), 0.3, np.float32)), 0.3, atol=1e-7)


def test_lowpass_keeps_coarse_octaves_and_is_local():
    x = RNG.random((100, 90, 2)).astype(np.float32)
    low = lowpass(x, 3)
    assert low.shape == x.shape and low.dtype == np.float32
    # a fine checkerboard is removed, a constant kept
    checker = (np.indices((64, 64)).sum(0) % 2).astype(np.float32)[..., None]
    assert np.abs(lowpass(checker, 2, periodic=True) - 0.5).max() < 1e-6
    assert np.abs(lowpass(checker, 2) - 0.5)[8:-8, 8:-8].max() < 1e-6
    np.testing.assert_allclose(lowpass(np.full((37, 21, 1), 0.7, np.float32), 3), 0.7, atol=1e-6)
    # a crop starting on the decimation grid (multiples of 8) gives the same values
    # 3 * 8 pixels away from its cut ends; this is what tiled synthesis relies on
    crop = lowpass(x[16:, 24:], 3)
    np.testing.assert_array_equal(crop[24:, 24:], low[40:, 48:])
    end = lowpass(x[:72, :64], 3)
    np.testing.assert_array_equal(end[:72 - 24, :64 - 24], low[:72 - 24, :64 - 24])
    assert np.array_equal(lowpass(x, 0), np.zeros_like(x))


@pytest.mark.parametrize("shape", [(64, 96, 3), (70, 53, 1)])
def test_scale_bands_scales_each_octave_band(shape):
    x = RNG.random(shape).astype(np.float32)
    gains = RNG.uniform(0.5, 1.5, (4, shape[2])).astype(np.float32)
    lows = [x] + [lowpass(x, lvl) for lvl in range(1, 5)]
    bands = [lows[lvl] - lows[lvl + 1] for lvl in range(4)]
    want = lows[4] + sum(g * b for g, b in zip(gains, bands))
    got = scale_bands(x.copy(), gains)
    # the same as scaling the lowpass differences, away from the end (padding to 16 there)
    np.testing.assert_allclose(got[:-48, :-48], want[:-48, :-48], atol=1e-6)
    assert np.array_equal(scale_bands(x.copy(), np.ones((4, shape[2]), np.float32)), x)


def test_band_std_measures_the_octave_bands():
    x = RNG.random((64, 96, 3)).astype(np.float32)  # sides multiples of 16: no padding
    lows = [x] + [lowpass(x, lvl, periodic=True) for lvl in range(1, 5)]
    want = [[(lows[lvl] - lows[lvl + 1])[..., c].std() for c in range(3)] for lvl in range(4)]
    np.testing.assert_allclose(band_std(x, 4, periodic=True), want, rtol=1e-4)


def test_build_pyramid():
    x = RNG.random((100, 64, 3)).astype(np.float32)
    pyr = build_pyramid(x, 4)
    assert [p.shape for p in pyr] == [(100, 64, 3), (50, 32, 3), (25, 16, 3), (12, 8, 3)]
    np.testing.assert_array_equal(pyr[0], x)
    np.testing.assert_array_equal(pyr[2], downsample(downsample(x)))
    assert len(build_pyramid(x, 1)) == 1
    with pytest.raises(ValueError):
        build_pyramid(x, 0)


def test_min_size_for():
    assert min_size_for(4, 7) == 112
    assert min_size_for(1, 7) == 14
    assert min_size_for(4, 3) == 48
    for scales, patch in [(4, 7), (3, 5), (2, 3)]:
        side = min_size_for(scales, patch)
        assert build_pyramid(np.zeros((side, side, 1)), scales)[-1].shape[0] >= 2 * patch
        assert build_pyramid(np.zeros((side - 1, side - 1, 1)), scales)[-1].shape[0] < 2 * patch
        assert max_scales_for(side, patch) == scales
        assert max_scales_for(side - 1, patch) == scales - 1
    assert max_scales_for(5, 7) == 0


# ---------------------------------------------------------------------------------- ADSN


def _direct_circular(t: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """sum_y t(y) W(x - y mod grid), by explicit shifts (reference implementation)."""
    out = np.zeros(noise.shape + t.shape[2:])
    for dy in range(t.shape[0]):
        for dx in range(t.shape[1]):
            out += t[dy, dx] * np.roll(noise, (dy, dx), axis=(0, 1))[:, :, None]
    return out


def test_adsn_equals_direct_periodic_convolution():
    ex = RNG.random((5, 4, 3)).astype(np.float32)
    f = adsn_field(ex, (9, 11), np.random.default_rng(3))
    m, t = adsn_spot(ex)
    noise = np.random.default_rng(3).standard_normal((9, 11))
    np.testing.assert_allclose(f, m + _direct_circular(t, noise), atol=1e-5)
    assert f.dtype == np.float32 and f.shape == (9, 11, 3)


def test_adsn_small_output_periodic_folds_the_spot():
    ex = RNG.random((12, 10, 2)).astype(np.float32)
    f = adsn_field(ex, (5, 7), np.random.default_rng(4), periodic=True)
    m, t = adsn_spot(ex)
    noise = np.random.default_rng(4).standard_normal((5, 7))
    np.testing.assert_allclose(f, m + _direct_circular(t, noise), atol=1e-5)  # roll wraps = folding


def test_adsn_non_periodic_is_a_linear_convolution():
    ex = RNG.random((6, 5, 1)).astype(np.float32)
    f = adsn_field(ex, (4, 9), np.random.default_rng(5), periodic=False)
    m, t = adsn_spot(ex)
    grid = (adsn._fast_size(4 + 6 - 1), adsn._fast_size(9 + 5 - 1))
    noise = np.random.default_rng(5).standard_normal(grid)
    ref = m + _direct_circular(t, noise)[:4, :9]
    np.testing.assert_allclose(f, ref, atol=1e-5)
    # each output value only uses noise samples that no other lag reuses: no wrap-around
    assert grid[0] >= 4 + 6 - 1 and grid[1] >= 9 + 5 - 1


def test_adsn_mean_is_exact_on_the_periodic_grid():
    ex = RNG.random((20, 30, 3)).astype(np.float32)
    f = adsn_field(ex, (64, 48), np.random.default_rng(0))
    np.testing.assert_allclose(f.astype(np.float64).mean(axis=(0, 1)), ex.mean(axis=(0, 1)), atol=1e-5)


def test_adsn_autocovariance_matches_exemplar():
    """Empirical (cross-)covariances of a large field = the exemplar's at small lags."""
    h = w = 16
    base = RNG.standard_normal((h + 4, w + 4))
    smooth = (base[:-4, :-4] + base[2:-2, 2:-2] + base[4:, 4:] + base[:-4, 4:]) / 4  # correlated
    ex = np.stack([smooth, 0.5 * smooth + 0.3 * RNG.standard_normal((h, w))], axis=2).astype(np.float32)
    m, t = adsn_spot(ex)
    fields = [adsn_field(ex, (256, 256), np.random.default_rng(s)).astype(np.float64) - m for s in range(4)]
    scale = np.sum(t[:, :, 0] ** 2)
    for dy, dx in [(0, 0), (0, 1), (1, 0), (2, 2), (1, -3)]:
        for i, j in [(0, 0), (1, 1), (0, 1)]:
            # theoretical: sum_y t_i(y) t_j(y + d) over overlapping positions
            ys = slice(max(0, -dy), h - max(0, dy))
            xs = slice(max(0, -dx), w - max(0, dx))
            yd = slice(max(0, dy), h + min(0, dy))
            xd = slice(max(0, dx), w + min(0, dx))
            theory = np.sum(t[ys, xs, i] * t[yd, xd, j])
            emp = np.mean([np.mean(f[:, :, i] * np.roll(f, (-dy, -dx), axis=(0, 1))[:, :, j]) for f in fields])
            assert abs(emp - theory) < 0.06 * scale, (dy, dx, i, j, emp, theory)


def test_adsn_is_seamless_when_periodic():
    ex = RNG.random((16, 16, 1)).astype(np.float32)
    f = adsn_field(ex, (64, 80), np.random.default_rng(9))[:, :, 0]
    # tile 2x2: the seams must be statistically invisible -> compare exactly with a
    # field computed on the doubled grid from the doubled noise (same convolution)
    noise = np.random.default_rng(9).standard_normal((64, 80))
    m, t = adsn_spot(ex)
    big = m[0] + _direct_circular(t, np.tile(noise, (2, 2)))[:, :, 0]
    np.testing.assert_allclose(np.tile(f, (2, 2)), big, atol=1e-5)


def test_adsn_deterministic_and_seed_dependent():
    ex = RNG.random((24, 24, 3)).astype(np.float32)
    a = adsn_field(ex, (40, 50), np.random.default_rng(123))
    b = adsn_field(ex, (40, 50), np.random.default_rng(123))
    c = adsn_field(ex, (40, 50), np.random.default_rng(124))
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, c)
    d = adsn_field(ex, (40, 50), np.random.default_rng(123), periodic=False)
    e = adsn_field(ex, (40, 50), np.random.default_rng(123), periodic=False)
    assert d.tobytes() == e.tobytes()


def test_adsn_constant_exemplar_and_gray_input():
    f = adsn_field(np.full((8, 8, 2), 0.25, np.float32), (10, 10), np.random.default_rng(0))
    np.testing.assert_allclose(f, 0.25, atol=1e-7)
    g = adsn_field(RNG.random((8, 8)).astype(np.float32), (10, 12), np.random.default_rng(0))
    assert g.shape == (10, 12, 1)
    with pytest.raises(ValueError):
        adsn_field(np.zeros((4, 4, 1)), (0, 5), np.random.default_rng(0))


@pytest.mark.parametrize("periodic", [False, True])
@pytest.mark.parametrize("shape", [(40, 56), (64, 48)])  # sides multiples of 2^4 or not
def test_subtract_lowpass_and_keep_coarse_match_the_definition(periodic, shape):
    from texto_cli.image.pyramid import subtract_lowpass
    from texto_cli.image.pyramid import keep_coarse

    new = RNG.random((*shape, 3)).astype(np.float32)
    ref = RNG.random((*shape, 3)).astype(np.float32)
    coarse = RNG.random((shape[0] // 2, shape[1] // 2, 3)).astype(np.float32)
    want = new - lowpass(new - ref, 3, periodic)
    np.testing.assert_array_equal(subtract_lowpass(new.copy(), new - ref, 3, periodic), want)
    np.testing.assert_array_equal(keep_coarse(new.copy(), ref, 3, periodic), want)
    want = new - lowpass(new - upsample(coarse, periodic), 4, periodic)
    np.testing.assert_array_equal(keep_coarse(new.copy(), coarse, 4, periodic, reference_is_coarse=True),
                                  want)
