"""Hierarchy of SDOT targets: recursive k-means clustering into a tree.

Layer 0 holds the J targets. With ``layers = L`` the tree has L levels below
the root: the top level has ``clusters`` nodes and every level below multiplies
the node count by the same branching factor ``b = (J / clusters) ** (1 / (L - 1))``,
so with 4 layers, J = 16000 and 20 clusters the levels hold 20, ~190, ~1700 and
16000 nodes. Each node is the mass-weighted mean of the targets below it and carries
their total mass. ``layers = 1`` is the flat problem: the root's children are
the targets themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


#: column multiple of ``TargetTree.padded_centers`` (8 float32 = one AVX register)
PAD_TO = 8


@dataclass(frozen=True)
class TargetTree:
    """Flat breadth-first tree of N nodes over J targets in dimension D.

    centers: (N, D) float32, node 0 is the root (its center is unused).
    sqnorm: (N,) float32, squared norms of the centers.
    mass: (N,) float64, total target mass below each node (root: 1).
    first, count: (N,) int64, children of node p are first[p] : first[p] + count[p].
    parent: (N,) int64, parent of each node (root: -1).
    target: (N,) int64, target index of a leaf, -1 for internal nodes.
    """

    centers: np.ndarray
    sqnorm: np.ndarray
    mass: np.ndarray
    first: np.ndarray
    count: np.ndarray
    parent: np.ndarray
    target: np.ndarray

    @cached_property
    def padded_centers(self) -> np.ndarray:
        """(N, D') float32: ``centers`` with zero columns up to D' = D rounded up to a
        multiple of PAD_TO. Descending with these runs whole SIMD vectors (the detail
        stage's D = 27 becomes 32) and gives the same nodes up to float rounding."""
        n, d = self.centers.shape
        out = np.zeros((n, -(-d // PAD_TO) * PAD_TO), dtype=np.float32)
        out[:, :d] = self.centers
        return out

    @property
    def n_nodes(self) -> int:
        return self.centers.shape[0]

    @property
    def rel_mass(self) -> np.ndarray:
        """(N,) float64: each node's mass divided by its parent's (root: 1)."""
        rel = np.ones(self.n_nodes)
        rel[1:] = self.mass[1:] / self.mass[self.parent[1:]]
        return rel

    @property
    def groups(self) -> np.ndarray:
        """Ids of the internal nodes, i.e. of the sibling groups (their children)."""
        return np.flatnonzero(self.count > 0)

    @property
    def leaves(self) -> np.ndarray:
        """Leaf node ids, in the order of ``target`` (one per target)."""
        leaf_ids = np.flatnonzero(self.count == 0)
        order = np.empty(len(leaf_ids), dtype=np.int64)
        order[self.target[leaf_ids]] = leaf_ids
        return order


def kmeans(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator,
           iters: int = 20) -> np.ndarray:
    """Weighted k-means (k-means++ seeding, Lloyd iterations) on (n, D) float32 points.

    Returns (n,) int64 labels in [0, k), every label used at least once (k <= n).
    """
    n = points.shape[0]
    k = min(k, n)
    if k <= 1:
        return np.zeros(n, dtype=np.int64)
    pts = points.astype(np.float32, copy=False)
    sq = np.einsum("ij,ij->i", pts, pts)
    # k-means++ seeding
    centers = np.empty((k, pts.shape[1]), dtype=np.float32)
    centers[0] = pts[rng.integers(n)]
    d2 = np.maximum(sq - 2 * pts @ centers[0] + centers[0] @ centers[0], 0)
    for c in range(1, k):
        prob = d2 * weights
        total = prob.sum()
        idx = rng.choice(n, p=prob / total) if total > 0 else rng.integers(n)
        centers[c] = pts[idx]
        d2 = np.minimum(d2, np.maximum(sq - 2 * pts @ centers[c] + centers[c] @ centers[c], 0))
    labels = np.zeros(n, dtype=np.int64)
    for it in range(iters):
        dist = (centers * centers).sum(1)[None, :] - 2 * pts @ centers.T
        new = np.argmin(dist, axis=1)
        # re-seed empty clusters with the points farthest from their centre
        counts = np.bincount(new, minlength=k)
        if (counts == 0).any():
            far = np.argsort(dist[np.arange(n), new] + sq)[::-1]
            for c, p in zip(np.flatnonzero(counts == 0), far):
                new[p] = c
        if it > 0 and np.array_equal(new, labels):
            break
        labels = new
        wsum = np.bincount(labels, weights=weights, minlength=k)
        for j in range(pts.shape[1]):
            centers[:, j] = np.bincount(labels, weights=weights * pts[:, j], minlength=k) / wsum
    return labels


def _balanced_split(targets: np.ndarray, masses: np.ndarray, members: np.ndarray, k: int,
                    rng: np.random.Generator, slack: float = 3.0) -> list[np.ndarray]:
    """k-means ``members`` into about k parts; a part with more than ``slack`` times the
    mean part size is cut into mean-sized slices along its main axis of variation.

    Dense regions of the targets (e.g. the patches of a flat background) would
    otherwise form one huge group that every sample falling there has to scan.
    """
    labels = kmeans(targets[members], masses[members], k, rng)
    mean = max(1.0, len(members) / max(k, 1))
    parts = []
    for c in range(labels.max() + 1):
        part = members[labels == c]
        if len(part) <= slack * mean or k == 1:
            parts.append(part)
            continue
        y = targets[part].astype(np.float64)
        y -= y.mean(axis=0)
        axis = np.linalg.svd(y[:2048], full_matrices=False)[2][0]  # main direction
        order = part[np.argsort(y @ axis, kind="stable")]
        parts.extend(np.array_split(order, int(np.ceil(len(part) / mean))))
    return parts


def build_tree(targets: np.ndarray, masses: np.ndarray, layers: int, clusters: int,
               rng: np.random.Generator) -> TargetTree:
    """Cluster (J, D) targets with (J,) masses into a ``layers``-level tree (see module doc)."""
    targets = np.ascontiguousarray(targets, dtype=np.float32)
    masses = np.asarray(masses, dtype=np.float64)
    J, D = targets.shape
    if layers < 1:
        raise ValueError("layers must be >= 1")
    clusters = int(min(max(clusters, 1), J))
    branching = (J / clusters) ** (1.0 / (layers - 1)) if layers > 1 else 1.0

    # Each level is a list of member-index arrays (one per node), built top-down.
    levels: list[list[np.ndarray]] = []
    parents_of_level: list[np.ndarray] = []
    current = [np.arange(J)]
    for depth in range(layers):
        if depth == layers - 1:
            nodes_here = J
        else:
            nodes_here = clusters * branching ** depth
        new_level: list[np.ndarray] = []
        new_parent: list[int] = []
        for pi, members in enumerate(current):
            if depth == layers - 1:
                parts = [members[i:i + 1] for i in range(len(members))]
            else:
                k = max(1, int(round(len(members) * nodes_here / J)))
                parts = _balanced_split(targets, masses, members, k, rng)
            new_level.extend(parts)
            new_parent.extend([pi] * len(parts))
        levels.append(new_level)
        parents_of_level.append(np.array(new_parent, dtype=np.int64))
        current = new_level

    n_nodes = 1 + sum(len(level) for level in levels)
    centers = np.zeros((n_nodes, D), dtype=np.float32)
    mass = np.zeros(n_nodes)
    first = np.zeros(n_nodes, dtype=np.int64)
    count = np.zeros(n_nodes, dtype=np.int64)
    parent = np.full(n_nodes, -1, dtype=np.int64)
    target = np.full(n_nodes, -1, dtype=np.int64)
    mass[0] = masses.sum()
    prev_offset = 0  # node id of the first node of the previous level
    offset = 1
    for depth, level in enumerate(levels):
        for i, members in enumerate(level):
            node = offset + i
            w = masses[members]
            mass[node] = w.sum()
            centers[node] = (w @ targets[members]) / w.sum() if w.sum() > 0 else targets[members].mean(0)
            p = prev_offset + parents_of_level[depth][i]
            parent[node] = p
            if count[p] == 0:
                first[p] = node
            count[p] += 1
            if depth == layers - 1:
                target[node] = members[0]
                centers[node] = targets[members[0]]
        prev_offset = offset
        offset += len(level)
    mass /= mass[0]
    sqnorm = np.einsum("ij,ij->i", centers, centers).astype(np.float32)
    return TargetTree(centers, sqnorm, mass, first, count, parent, target)


MAX_DEPTH = 64


def node_depth(parent: np.ndarray) -> np.ndarray:
    """(N,) int64 depth of every node of a tree given by ``parent`` (parent[0] = -1,
    parent[i] < i). Raises ValueError if the tree is deeper than MAX_DEPTH."""
    depth = np.zeros(len(parent), dtype=np.int64)
    for _ in range(MAX_DEPTH):
        new = depth.copy()
        new[1:] = depth[parent[1:]] + 1
        if np.array_equal(new, depth):
            return depth
        depth = new
    raise ValueError(f"tree is deeper than {MAX_DEPTH} levels")


def tree_from_parents(parent: np.ndarray, target: np.ndarray, leaf_centers: np.ndarray,
                      leaf_masses: np.ndarray | None = None) -> TargetTree:
    """Rebuild a TargetTree from its stored shape (as saved in model files).

    parent: (N,) int, breadth-first (parent[0] = -1, parents non-decreasing and
    smaller than the node). target: (N,) int, target index of each leaf, -1 for
    internal nodes. leaf_centers: (J, D) targets; leaf_masses: (J,) (default uniform).
    Raises ValueError if the arrays do not describe such a tree over all J targets.
    """
    parent = np.asarray(parent, dtype=np.int64)
    target = np.asarray(target, dtype=np.int64)
    J = len(leaf_centers)
    n = len(parent)
    if parent.ndim != 1 or target.shape != parent.shape or n < 2:
        raise ValueError("tree arrays have inconsistent shapes")
    if parent[0] != -1 or (parent[1:] < 0).any() or (parent[1:] >= np.arange(1, n)).any() \
            or (np.diff(parent[1:]) < 0).any():
        raise ValueError("tree parents are not a breadth-first tree")
    count = np.bincount(parent[1:], minlength=n).astype(np.int64)
    is_leaf = count == 0
    if (target[is_leaf] < 0).any() or (target[~is_leaf] != -1).any():
        raise ValueError("tree leaves and targets do not match")
    if not np.array_equal(np.sort(target[is_leaf]), np.arange(J)):
        raise ValueError("tree leaves are not a permutation of the targets")
    first = np.zeros(n, dtype=np.int64)
    kids = np.flatnonzero(count)
    first[kids] = np.searchsorted(parent[1:], kids) + 1
    masses = np.full(J, 1.0 / J) if leaf_masses is None else np.asarray(leaf_masses, np.float64)
    D = leaf_centers.shape[1]
    mass = np.zeros(n)
    leaves = np.flatnonzero(is_leaf)
    mass[leaves] = masses[target[leaves]]
    inner = np.flatnonzero(~is_leaf)
    slot = np.full(n, -1, dtype=np.int64)  # row of each internal node in ``sums``
    slot[inner] = np.arange(len(inner))
    sums = np.zeros((len(inner), D))  # mass-weighted sums of the internal nodes' leaves
    depth = node_depth(parent)
    for d in range(int(depth.max()), 0, -1):  # deepest level first: children before parents
        nodes = np.flatnonzero(depth == d)
        leafy = is_leaf[nodes]
        values = np.empty((len(nodes), D))
        values[leafy] = leaf_centers[target[nodes[leafy]]] * mass[nodes[leafy], None]
        values[~leafy] = sums[slot[nodes[~leafy]]]
        # siblings are contiguous, so each parent's children are one run of ``nodes``
        runs = np.flatnonzero(np.diff(parent[nodes], prepend=-2))
        owners = parent[nodes[runs]]
        mass[owners] += np.add.reduceat(mass[nodes], runs)
        sums[slot[owners]] += np.add.reduceat(values, runs, axis=0)
    centers = np.zeros((n, D), dtype=np.float32)
    weighed = inner[mass[inner] > 0]
    centers[weighed] = sums[slot[weighed]] / mass[weighed, None]
    centers[leaves] = leaf_centers[target[leaves]]
    centers[0] = 0.0  # the root's centre is never used
    sqnorm = np.einsum("ij,ij->i", centers, centers).astype(np.float32)
    return TargetTree(centers, sqnorm, mass / mass[0], first, count, parent, target)
