"""Semi-discrete optimal transport by (multi-layer) averaged stochastic gradient ascent.

From a source measure mu on R^D that can only be sampled to a discrete target
nu = sum_j nu_j delta_{y_j}, fit the dual weights v of the power-diagram map
``T(x) = y_{argmin_j |x - y_j|^2 - v_j}`` (Leclaire & Rabin, SSVM 2019).

``layers=1`` is plain ASGD (Genevay et al. 2016): step ``C / sqrt(k)`` and the
running average of the iterates. ``layers>=2`` is the multi-layer map: the
targets are clustered into a tree (``hierarchy``), every sibling group has its
own weights, visit count n, step ``C_g / sqrt(n)`` and average ``1/n``, and the
gradient of its own sub-problem (child masses renormalised within the group).

Default step (``step=None``): for each group g,
``C_g = 6 * gap_g * std``, where gap_g is the median distance of a child of g to
its nearest sibling and std the RMS distance of all targets to their
barycentre. Moving the boundary between neighbouring cells y_j, y_k across a
cell takes a weight change of about ``2 |y_j - y_k| |x - (y_j + y_k)/2|``:
the typical cost gap between neighbouring cells, a neighbour distance times a
transport displacement whose scale is the data's spread. The rule is in squared
distance units (invariant to rescaling the data), shrinks with the cell size as
J grows, and gives each layer of a multi-layer map its own scale. The gain 6
was chosen on the 1-D problems of ``benchmarks/bench_sdot.py``; a number passed
as ``step`` multiplies the rule.

Averaging: the running average of each group is weighted towards recent
iterates, ``v += (1 + eta) / (n + eta) * (v_iter - v)`` with ``eta = 3``
(polynomial-decay averaging, Shamir & Zhang 2013); ``eta = 0`` is the plain
``1/n`` average (see docs/decisions.md).

Nothing here knows about images.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import descent
from .hierarchy import TargetTree, build_tree

STEP_GAIN = 6.0

Sampler = Callable[[int, np.random.Generator], np.ndarray]


@dataclass
class TracePoint:
    """One point of the convergence trace."""

    samples: int
    seconds: float
    value: float


@dataclass
class SemiDiscreteOT:
    """A fitted (multi-layer) power-diagram map.

    tree: the target hierarchy. weights: (N,) float64, averaged weights, one per
    tree node (a node's weight lives in its parent's group). step: (N,) float64
    per-group step constants. trace: convergence trace (samples, seconds, monitor value).
    """

    tree: TargetTree
    weights: np.ndarray
    step: np.ndarray
    layers: int
    trace: list[TracePoint] = field(default_factory=list)
    iters: int = 0
    seconds: float = 0.0

    @property
    def n_targets(self) -> int:
        return int((self.tree.count == 0).sum())

    @property
    def leaf_weights(self) -> np.ndarray:
        """(J,) float64 weights of the targets, in target order, within their own groups."""
        return self.weights[self.tree.leaves]

    def _points(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.tree.centers.shape[1]:
            raise ValueError(f"expected points of shape (n, {self.tree.centers.shape[1]}), got {x.shape}")
        return x

    def assign_nodes(self, x: np.ndarray) -> np.ndarray:
        """(n,) int64 leaf node ids of the rows of (n, D) x."""
        x = self._points(x)
        out = np.empty(x.shape[0], dtype=np.int64)
        t = self.tree
        descent.assign_leaves(x, t.padded_centers, t.sqnorm, t.first, t.count,
                              self.weights.astype(np.float32), out)
        return out

    def assign(self, x: np.ndarray) -> np.ndarray:
        """(n,) int64: index into the targets of the layer-0 cell of each row of (n, D) x."""
        return self.tree.target[self.assign_nodes(x)]

    def cell_masses(self, x: np.ndarray) -> np.ndarray:
        """(J,) float64 share of the rows of x (fresh source samples) in each target cell."""
        return np.bincount(self.assign(x), minlength=self.n_targets) / len(x)

    def diagnostics(self, x: np.ndarray) -> dict[str, float]:
        """Fit quality measured on fresh source samples (n, D).

        mass_l1: sum_j |m_j - nu_j|; empty_share: share of targets receiving no
        sample; max_ratio: max_j m_j / nu_j; cost: mean |x - T(x)|^2; dual: the
        sum over layers of the group duals H^l (for layers=1, exactly H(v)).
        """
        x = self._points(x)
        t = self.tree
        nu = t.mass[t.leaves]
        mins = np.empty(len(x))
        leaf = np.empty(len(x), dtype=np.int64)
        descent.group_dual_terms(x, t.centers, t.sqnorm, t.first, t.count,
                                 self.weights.astype(np.float32), mins, leaf)
        m = np.bincount(t.target[leaf], minlength=self.n_targets) / len(x)
        # sum_g P(visit g) * sum_{c in g} rel_mass_c v_c, P(visit g) estimated on x
        visit = np.bincount(leaf, minlength=t.n_nodes).astype(np.float64)
        for node in range(t.n_nodes - 1, 0, -1):  # children have larger ids than parents
            visit[t.parent[node]] += visit[node]
        visit /= len(x)
        linear = np.bincount(t.parent[1:], weights=t.rel_mass[1:] * self.weights[1:],
                             minlength=t.n_nodes)
        y = t.centers[leaf]
        return {
            "mass_l1": float(np.abs(m - nu).sum()),
            "empty_share": float((m == 0).mean()),
            "max_ratio": float((m / nu).max()),
            "cost": float(((x - y) ** 2).sum(1).mean()),
            "dual": float(mins.mean() + (visit * linear).sum()),
        }


def _nearest_sibling_distance(y: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """(n,) distance of each row of (n, D) y to its nearest other row (inf if n == 1)."""
    y = y.astype(np.float64)
    sq = (y * y).sum(1)
    out = np.empty(len(y))
    for a in range(0, len(y), chunk):
        d2 = sq[a:a + chunk, None] - 2 * y[a:a + chunk] @ y.T + sq[None, :]
        d2[np.arange(d2.shape[0]), np.arange(a, a + d2.shape[0])] = np.inf
        out[a:a + chunk] = np.sqrt(np.maximum(d2.min(1), 0))
    return out


def _spread(tree: TargetTree, g: int) -> float:
    """Mass-weighted mean squared distance of the children of node g to their barycentre."""
    s, n = tree.first[g], tree.count[g]
    y = tree.centers[s:s + n].astype(np.float64)
    w = tree.mass[s:s + n]
    w = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    return float(w @ ((y - w @ y) ** 2).sum(1))


def default_step(tree: TargetTree) -> np.ndarray:
    """(N,) float64 step constant C_g of each group (indexed by its parent node); see module doc."""
    root_std = np.sqrt(_spread(tree, 0))
    step = np.zeros(tree.n_nodes)
    for g in tree.groups:
        s, n = tree.first[g], tree.count[g]
        if n > 1:
            gap = np.median(_nearest_sibling_distance(tree.centers[s:s + n]))
            step[g] = STEP_GAIN * gap * root_std
    groups = tree.groups
    positive = step[groups] > 0
    if not positive.any():
        step[groups] = 1.0  # all targets equal (or one per group): any step works
    else:
        step[groups] = np.maximum(step[groups], step[groups][positive].min())
    return step


def fit(sample: Sampler, targets: np.ndarray, masses: np.ndarray | None = None, layers: int = 2,
        clusters: int = 10, iters: int = 1_000_000, step: float | None = None, seed: int = 0,
        average_eta: float = 3.0, batch: int = 8192, monitor: Callable[[SemiDiscreteOT], float] | None = None,
        monitor_samples: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        init: np.ndarray | None = None) -> SemiDiscreteOT:
    """Fit a (multi-layer) semi-discrete OT map from ``sample`` to ``targets``.

    sample(n, rng) -> (n, D) array of fresh source samples. targets: (J, D) float.
    masses: (J,) nonnegative, normalised to sum 1 (default uniform). layers >= 1;
    clusters: number of top-layer clusters (ignored for layers=1). iters: number
    of ASGD samples. step: multiplier of the default step rule (None = 1).
    average_eta: averaging weight (module doc; 0 = the plain 1/n running average).
    monitor(ot) -> float is recorded in ``ot.trace`` at 2^k samples (k >= 10) and
    at the end; by default it is the L1 mass error on ``monitor_samples`` fresh
    samples drawn once (default max(20 J, 20000)). progress(done, total) is
    called after every batch. The same seed gives identical weights. init: (J,)
    initial weights of the targets; iterate and average start there (warm start,
    layers=1 only).
    """
    rng = np.random.default_rng(seed)
    targets = np.asarray(targets)
    if targets.ndim != 2 or len(targets) == 0:
        raise ValueError(f"targets must be a non-empty (J, D) array, got shape {targets.shape}")
    if not np.isfinite(targets).all():
        raise ValueError("targets must be finite")
    J = len(targets)
    if masses is None:
        masses = np.full(J, 1.0 / J)
    masses = np.asarray(masses, dtype=np.float64)
    if masses.shape != (J,) or (masses < 0).any() or masses.sum() <= 0:
        raise ValueError("masses must be J nonnegative numbers with a positive sum")
    masses = masses / masses.sum()
    if layers == 1:
        clusters = J
    tree = build_tree(targets, masses, layers, clusters, rng)
    steps = default_step(tree) * (1.0 if step is None else float(step))
    ot = SemiDiscreteOT(tree=tree, weights=np.zeros(tree.n_nodes), step=steps, layers=layers)
    if init is not None:
        if layers != 1 or np.shape(init) != (J,):
            raise ValueError("init must be (J,) target weights, with layers=1")
        ot.weights[tree.leaves] = init
    v_iter = ot.weights.copy()
    visits = np.zeros(tree.n_nodes, dtype=np.int64)
    rel_mass = tree.rel_mass

    if monitor is None:
        held_out = np.ascontiguousarray(
            sample(monitor_samples or max(20 * J, 20_000), rng), dtype=np.float32)
        nu = masses

        def monitor(o: SemiDiscreteOT) -> float:
            return float(np.abs(o.cell_masses(held_out) - nu).sum())

    checkpoints = [2 ** k for k in range(10, 64) if 2 ** k < iters] + [iters]
    done, elapsed = 0, 0.0
    for target_count in checkpoints:
        while done < target_count:
            n = min(batch, target_count - done)
            x = np.ascontiguousarray(sample(n, rng), dtype=np.float32)
            t0 = time.perf_counter()
            descent.asgd_train(x, tree.centers, tree.sqnorm, tree.first, tree.count, rel_mass,
                               steps, float(average_eta), v_iter, ot.weights, visits)
            elapsed += time.perf_counter() - t0
            done += n
            if progress is not None:
                progress(done, iters)
        ot.iters, ot.seconds = done, elapsed
        ot.trace.append(TracePoint(done, elapsed, monitor(ot)))
    return ot
