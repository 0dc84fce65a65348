"""The SDOT solver against the exact 1-D solution and on a 27-D problem."""

import numpy as np
import pytest

from texto_cli.ot import exact1d, sdot
from texto_cli.ot.hierarchy import MAX_DEPTH, build_tree, node_depth, tree_from_parents


def no_monitor(ot):
    return 0.0


@pytest.mark.parametrize("layers,clusters", [(1, 0), (2, 10)])
def test_1d_exact_error_small(layers, clusters):
    J = 100
    ot = sdot.fit(exact1d.gaussian_sampler, exact1d.targets(J), layers=layers, clusters=clusters,
                  iters=1_000_000, seed=0, monitor=no_monitor)
    assert exact1d.mass_error(ot.assign, J) <= 0.03


def test_1d_untrained_map_is_far_from_optimal():
    """The error measure can fail: the nearest-neighbour map (v = 0) is far off."""
    J = 100
    ot = sdot.fit(exact1d.gaussian_sampler, exact1d.targets(J), layers=1, iters=1,
                  monitor=no_monitor)
    ot.weights[:] = 0
    assert exact1d.mass_error(ot.assign, J) > 0.3


def test_exact_reference_map_has_zero_error():
    J = 50
    b = exact1d.optimal_boundaries(J)
    assert exact1d.mass_error(lambda x: np.searchsorted(b, x[:, 0]) - 1, J) < 1e-9


D, J = 27, 1000


def gaussian_27(n, rng):
    return (0.5 + 0.25 * rng.standard_normal((n, D))).astype(np.float32)


@pytest.fixture(scope="module")
def cube_targets():
    return np.random.default_rng(42).random((J, D)).astype(np.float32)


@pytest.fixture(scope="module")
def fitted_27d(cube_targets):
    return sdot.fit(gaussian_27, cube_targets, layers=2, clusters=10, iters=1_000_000, seed=3)


def test_27d_every_cell_within_band(fitted_27d):
    """Band: every cell mass within [0.5/J, 1.5/J] on 2e6 fresh samples (sampling sd is 2.2% of 1/J)."""
    x = gaussian_27(2_000_000, np.random.default_rng(7))
    m = fitted_27d.cell_masses(x) * J
    assert m.min() >= 0.5 and m.max() <= 1.5
    d = fitted_27d.diagnostics(x[:200_000])
    assert d["empty_share"] == 0.0
    assert np.isfinite(d["dual"]) and d["cost"] > 0
    # the band is not trivially met: nearest-neighbour assignment leaves cells far outside it
    nn = _nn(x[:200_000], fitted_27d)
    m_nn = np.bincount(nn, minlength=J) / len(nn) * J
    assert m_nn.max() > 1.5 or m_nn.min() < 0.5


def _nn(x, ot):
    y = ot.tree.centers[ot.tree.leaves]
    out = np.empty(len(x), dtype=np.int64)
    for a in range(0, len(x), 20000):
        d = (y * y).sum(1)[None] - 2 * x[a:a + 20000] @ y.T
        out[a:a + 20000] = np.argmin(d, axis=1)
    return out


def test_padded_descent_matches_plain_descent(fitted_27d):
    """Assignment runs on centres zero-padded from D = 27 to 32 columns: the same leaves as
    descending the unpadded tree, up to float rounding at near ties."""
    from texto_cli.ot import descent

    t = fitted_27d.tree
    assert t.padded_centers.shape == (t.n_nodes, 32)
    assert np.array_equal(t.padded_centers[:, :D], t.centers) and not t.padded_centers[:, D:].any()
    x = gaussian_27(50_000, np.random.default_rng(11))
    plain = np.empty(len(x), dtype=np.int64)
    descent.assign_leaves(x, t.centers, t.sqnorm, t.first, t.count,
                          fitted_27d.weights.astype(np.float32), plain)
    assert np.mean(fitted_27d.assign_nodes(x) == plain) > 0.999


def test_27d_trace_records_convergence(fitted_27d):
    samples = [t.samples for t in fitted_27d.trace]
    assert samples[0] == 1024 and samples[-1] == 1_000_000
    assert all(b == 2 * a for a, b in zip(samples[:-2], samples[1:-1]))
    assert fitted_27d.trace[-1].value < fitted_27d.trace[0].value


def test_same_seed_same_weights_and_dtypes(cube_targets):
    a = sdot.fit(gaussian_27, cube_targets, layers=2, clusters=10, iters=20_000, seed=5,
                 monitor=no_monitor)
    b = sdot.fit(gaussian_27, cube_targets.astype(np.float64), layers=2, clusters=10,
                 iters=20_000, seed=5, monitor=no_monitor)
    c = sdot.fit(gaussian_27, cube_targets, layers=2, clusters=10, iters=20_000, seed=6,
                 monitor=no_monitor)
    assert np.array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)
    x = gaussian_27(5000, np.random.default_rng(1))
    assert np.array_equal(a.assign(x), a.assign(x.astype(np.float64)))


@pytest.mark.parametrize("layers", [1, 2, 3, 4])
def test_tree_covers_every_target_once(layers):
    rng = np.random.default_rng(0)
    y = rng.random((500, 5)).astype(np.float32)
    masses = rng.random(500)
    masses /= masses.sum()
    tree = build_tree(y, masses, layers, 8, rng)
    leaves = tree.leaves
    assert sorted(tree.target[leaves]) == list(range(500))
    np.testing.assert_allclose(tree.mass[leaves], masses, rtol=1e-12)
    depth = np.zeros(tree.n_nodes, dtype=int)
    for n in range(1, tree.n_nodes):
        depth[n] = depth[tree.parent[n]] + 1
    assert set(depth[leaves]) == {layers}
    if layers > 1:
        assert tree.count[0] == 8
    # every internal node's mass is its children's total, its centre their barycentre
    for g in tree.groups:
        kids = slice(tree.first[g], tree.first[g] + tree.count[g])
        assert np.isclose(tree.mass[kids].sum(), tree.mass[g])
        if g > 0:
            bary = tree.mass[kids] @ tree.centers[kids] / tree.mass[kids].sum()
            np.testing.assert_allclose(bary, tree.centers[g], atol=1e-5)
    # a stored tree rebuilds to the same masses, centres and depths
    again = tree_from_parents(tree.parent, tree.target, y, masses)
    np.testing.assert_allclose(again.mass, tree.mass, rtol=1e-12)
    np.testing.assert_allclose(again.centers, tree.centers, atol=1e-6)
    assert np.array_equal(node_depth(tree.parent), depth)


def test_stored_tree_deeper_than_the_limit_is_refused():
    n = MAX_DEPTH + 3  # a chain: node i is the only child of node i - 1
    parent = np.arange(-1, n - 1)
    target = np.full(n, -1)
    target[-1] = 0
    with pytest.raises(ValueError, match="deeper"):
        tree_from_parents(parent, target, np.zeros((1, 2), np.float32))


def test_bad_arguments_are_refused():
    y = np.zeros((10, 2))
    with pytest.raises(ValueError):
        sdot.fit(gaussian_27, np.zeros((0, 2)))
    with pytest.raises(ValueError):
        sdot.fit(gaussian_27, y, masses=-np.ones(10))
    with pytest.raises(ValueError):
        sdot.fit(gaussian_27, y, layers=0)
