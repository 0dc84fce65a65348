"""Patch kernels against plain numpy loops."""

import numpy as np
import pytest

from texto_cli.image import patches
from texto_cli.ot import sdot


def naive_aggregate(source, positions, index, w, f, periodic, out_shape, window=None, step=None,
                    fill=None):
    step = step or f
    acc = np.zeros(out_shape)
    cnt = np.zeros(out_shape[:2] + (1,))
    weight = np.ones((f * w, f * w, 1)) if window is None else np.outer(window, window)[:, :, None]
    H, W = out_shape[:2]
    for i in range(index.shape[0]):
        for j in range(index.shape[1]):
            p = f * positions[index[i, j]]
            rows = (step * i + np.arange(f * w)) % H if periodic else step * i + np.arange(f * w)
            cols = (step * j + np.arange(f * w)) % W if periodic else step * j + np.arange(f * w)
            acc[np.ix_(rows, cols)] += weight * source[p[0]:p[0] + f * w, p[1]:p[1] + f * w]
            cnt[np.ix_(rows, cols)] += weight
    if fill is None:
        return acc / cnt
    return np.where(cnt > 0, acc / np.maximum(cnt, 1e-30), fill)


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    ex = rng.random((48, 48, 3)).astype(np.float32)
    fine = rng.random((96, 96, 3)).astype(np.float32)
    w = 4
    pos = np.stack([rng.integers(0, 45, 120), rng.integers(0, 45, 120)], 1).astype(np.int32)
    targets = patches.extract(ex, pos[:, 0], pos[:, 1], w)
    img = rng.random((23, 31, 3)).astype(np.float32)
    ot = sdot.fit(lambda n, r: r.random((n, targets.shape[1])), targets, layers=2, clusters=6,
                  iters=5000, monitor=lambda o: 0.0)
    return ex, fine, w, pos, targets, img, ot


def test_extract_is_row_col_channel_order(setup):
    ex, _, w, pos, targets, _, _ = setup
    for t in (0, 17, 119):
        r, c = pos[t]
        np.testing.assert_array_equal(targets[t], ex[r:r + w, c:c + w].reshape(-1))


@pytest.mark.parametrize("periodic", [False, True])
def test_transport_matches_assign(setup, periodic):
    _, _, w, _, _, img, ot = setup
    index = patches.transport(img, w, ot, periodic)
    H, W = img.shape[:2]
    assert index.shape == ((H, W) if periodic else (H - w + 1, W - w + 1))
    rows, cols = np.divmod(np.arange(index.size), index.shape[1])
    vectors = patches.extract(img, rows, cols, w, periodic)
    np.testing.assert_array_equal(index.reshape(-1), ot.assign(vectors))


@pytest.mark.parametrize("window", [0.0, 0.15])
@pytest.mark.parametrize("factor,periodic", [(1, False), (2, False), (1, True), (2, True)])
def test_aggregate_matches_naive(setup, factor, periodic, window):
    ex, fine, w, pos, _, img, ot = setup
    index = patches.transport(img, w, ot, periodic)
    source = ex if factor == 1 else fine
    out = patches.aggregate(source, pos, index, w, factor, periodic, window)
    ref = naive_aggregate(source, pos, index, w, factor, periodic, out.shape,
                          patches.block_window(factor * w, window))
    extra = 0 if periodic else w - 1
    assert out.shape == (factor * (index.shape[0] + extra), factor * (index.shape[1] + extra), 3)
    np.testing.assert_allclose(out, ref, atol=1e-5)
    if window > 0:  # the weights matter: not the plain mean
        plain = naive_aggregate(source, pos, index, w, factor, periodic, out.shape)
        assert np.abs(out - plain).max() > 1e-2


def test_block_window():
    np.testing.assert_array_equal(patches.block_window(8, 0.0), np.ones(8, np.float32))
    g = patches.block_window(14, 0.15)
    assert g.dtype == np.float32 and g.shape == (14,)
    np.testing.assert_allclose(g, g[::-1])  # centred
    assert g[6] == g[7] == g.max() and g[0] < 0.05  # the centre is between 6 and 7; g[0]: 3.1 sigma


@pytest.mark.parametrize("stride,periodic", [(2, False), (3, False), (2, True)])
def test_strided_transport_and_aggregate_match_naive(setup, stride, periodic):
    ex, _, w, pos, _, img, ot = setup
    if periodic:
        img = img[:22, :30]  # sides that are multiples of the stride
    full = patches.transport(img, w, ot, periodic)
    index = patches.transport(img, w, ot, periodic, stride)
    assert index.shape == patches.grid_shape(img.shape[:2], w, periodic, stride)
    np.testing.assert_array_equal(index, full[::stride, ::stride])
    out = patches.aggregate(ex, pos, index, w, 1, periodic, stride=stride, fill=img)
    ref = naive_aggregate(ex, pos, index, w, 1, periodic, img.shape, step=stride, fill=img)
    np.testing.assert_allclose(out, ref, atol=1e-5)
    if not periodic:  # the last rows and columns no patch of the grid reaches keep their value
        H, W = img.shape[:2]
        reach_r, reach_c = stride * (index.shape[0] - 1) + w, stride * (index.shape[1] - 1) + w
        assert reach_r < H or reach_c < W
        np.testing.assert_array_equal(out[reach_r:], img[reach_r:])
        np.testing.assert_array_equal(out[:, reach_c:], img[:, reach_c:])
