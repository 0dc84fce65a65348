"""numba kernels of the multi-layer transport maps: descending the target tree.

Target tree layout (see ``hierarchy.TargetTree``): nodes are numbered breadth first,
node 0 is the root, the children of node ``p`` are the contiguous nodes
``first[p] : first[p] + count[p]`` and leaves have ``count == 0``. Scores are
``|y|^2 - 2<x, y> - v``, i.e. the power distance minus the constant ``|x|^2``.
All arrays are C-contiguous; points and centres float32.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True, fastmath=True, inline="always")
def _best_child(x, p, centers, sqnorm, first, count, weights):
    """Index of the child of ``p`` minimising ``|y|^2 - 2<x,y> - w``; and that score.

    Four children per pass over ``x``: each loaded value of x feeds four dot
    products. Ties go to the lowest node id."""
    c = first[p]
    end = c + count[p]
    best = c
    best_score = np.inf
    d = x.shape[0]
    while c + 4 <= end:
        y0 = centers[c]
        y1 = centers[c + 1]
        y2 = centers[c + 2]
        y3 = centers[c + 3]
        d0 = np.float32(0.0)
        d1 = np.float32(0.0)
        d2 = np.float32(0.0)
        d3 = np.float32(0.0)
        for k in range(d):
            v = x[k]
            d0 += v * y0[k]
            d1 += v * y1[k]
            d2 += v * y2[k]
            d3 += v * y3[k]
        s0 = sqnorm[c] - 2.0 * d0 - weights[c]
        s1 = sqnorm[c + 1] - 2.0 * d1 - weights[c + 1]
        s2 = sqnorm[c + 2] - 2.0 * d2 - weights[c + 2]
        s3 = sqnorm[c + 3] - 2.0 * d3 - weights[c + 3]
        if s0 < best_score:
            best_score = s0
            best = c
        if s1 < best_score:
            best_score = s1
            best = c + 1
        if s2 < best_score:
            best_score = s2
            best = c + 2
        if s3 < best_score:
            best_score = s3
            best = c + 3
        c += 4
    while c < end:
        dot = np.float32(0.0)
        y = centers[c]
        for k in range(d):
            dot += x[k] * y[k]
        score = sqnorm[c] - 2.0 * dot - weights[c]
        if score < best_score:
            best_score = score
            best = c
        c += 1
    return best, best_score


@njit(cache=True, fastmath=True)
def asgd_train(samples, centers, sqnorm, first, count, rel_mass, step, eta, v_iter, v_avg, visits):
    """Run multi-layer averaged SGD on a batch of samples, in place.

    samples: (n, D) float32. centers: (N, D) float32, sqnorm: (N,) float32.
    rel_mass: (N,) float64, a node's mass divided by its parent's.
    step: (N,) float64, the constant C of the group whose parent is the node.
    v_iter, v_avg: (N,) float64 current and averaged weights; visits: (N,) int64
    visit counts of each group (indexed by parent). eta: averaging weight, the
    average moves by (1 + eta) / (n + eta) towards the iterate (0: plain 1/n).
    Samples are taken in order:
    the descent uses the current iterate ``v_iter``, as ASGD prescribes.
    """
    for i in range(samples.shape[0]):
        x = samples[i]
        p = 0
        while count[p] > 0:
            best, _ = _best_child(x, p, centers, sqnorm, first, count, v_iter)
            visits[p] += 1
            k = visits[p]
            gamma = step[p] / math.sqrt(k)
            inv_k = (1.0 + eta) / (k + eta)
            start = first[p]
            for c in range(start, start + count[p]):
                v_iter[c] += gamma * rel_mass[c]
            v_iter[best] -= gamma
            for c in range(start, start + count[p]):
                v_avg[c] += (v_iter[c] - v_avg[c]) * inv_k
            p = best


@njit(cache=True, fastmath=True, parallel=True)
def assign_leaves(points, centers, sqnorm, first, count, weights, out):
    """Descend the tree for every row of ``points`` (n, D) float32; write leaf node ids to
    ``out`` (n,) int64. ``centers`` (N, D') may have zero columns beyond D (D' >= D):
    each point is copied into a zero-padded buffer, one buffer per block of points."""
    n, D = points.shape
    block = 1024
    for b in prange((n + block - 1) // block):
        x = np.zeros(centers.shape[1], dtype=np.float32)
        for i in range(b * block, min(n, (b + 1) * block)):
            x[:D] = points[i]
            p = 0
            while count[p] > 0:
                p, _ = _best_child(x, p, centers, sqnorm, first, count, weights)
            out[i] = p


@njit(cache=True, fastmath=True, parallel=True)
def group_dual_terms(points, centers, sqnorm, first, count, weights, out_min, out_leaf):
    """Like ``assign_leaves`` but also returns, per point, the sum over the visited
    groups of the minimal power distance ``min_c |x - y_c|^2 - w_c`` (float64)."""
    for i in prange(points.shape[0]):
        x = points[i]
        xx = 0.0
        for k in range(x.shape[0]):
            xx += x[k] * x[k]
        p = 0
        total = 0.0
        while count[p] > 0:
            p, score = _best_child(x, p, centers, sqnorm, first, count, weights)
            total += score + xx
        out_min[i] = total
        out_leaf[i] = p
