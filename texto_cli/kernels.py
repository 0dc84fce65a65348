"""numba kernels: every per-sample and per-pixel loop of texto lives here.

The public API (``sdot``, ``synthesis``...) prepares contiguous float32 arrays and
calls these kernels; nothing here knows about files, options or images beyond
plain arrays.

Target tree layout shared by the SDOT kernels (see ``hierarchy.TargetTree``):
nodes are numbered breadth first, node 0 is the root, the children of node ``p``
are the contiguous nodes ``first[p] : first[p] + count[p]`` and leaves have
``count == 0``. Scores are ``|y|^2 - 2<x, y> - v``, i.e. the power distance
minus the constant ``|x|^2``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True, fastmath=True, inline="always")
def _best_child(x, p, centers, sqnorm, first, count, weights):
    """Index of the child of ``p`` minimising ``|y|^2 - 2<x,y> - w``; and that score.

    Four children per pass over ``x``: each loaded value of x feeds four dot
    products (1.4 times faster than one child at a time on 7x7 colour patches).
    Ties go to the lowest node id."""
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


# ---------------------------------------------------------------------------
# Patches. A w x w patch of an (H, W, C) image at (i, j) is the vector of
# image[i + a, j + b, c] in (a, b, c) row-major order, length D = w * w * C.
# With ``periodic`` the indices wrap around the image borders.


@njit(cache=True, inline="always")
def _load_patch(image, i, j, w, periodic, x):
    H, W, C = image.shape
    k = 0
    for a in range(w):
        r = i + a
        if periodic and r >= H:
            r -= H
        for b in range(w):
            c = j + b
            if periodic and c >= W:
                c -= W
            for ch in range(C):
                x[k] = image[r, c, ch]
                k += 1


@njit(cache=True, parallel=True)
def gather_patches(image, rows, cols, w, periodic, out):
    """Patches of ``image`` (H, W, C) float32 at (rows[n], cols[n]) into out (n, w*w*C) float32."""
    for n in prange(rows.shape[0]):
        _load_patch(image, rows[n], cols[n], w, periodic, out[n])


@njit(cache=True, fastmath=True, parallel=True)
def assign_image_patches(image, w, stride, periodic, centers, sqnorm, first, count, weights,
                         target, out):
    """Transport the w x w patches of ``image`` (H, W, C) float32 on a grid of step
    ``stride``: out[i, j] (int32) is the target index of the patch at (stride i, stride j),
    found by descending the tree with ``weights`` (float32); out's shape is
    ``patches.grid_shape``. ``centers`` (N, D') may have zero columns beyond
    D = w * w * C. The patch matrix is never built: one patch buffer per row."""
    for i in prange(out.shape[0]):
        x = np.zeros(centers.shape[1], dtype=np.float32)
        for j in range(out.shape[1]):
            _load_patch(image, stride * i, stride * j, w, periodic, x)
            p = 0
            while count[p] > 0:
                p, _ = _best_child(x, p, centers, sqnorm, first, count, weights)
            out[i, j] = target[p]


@njit(cache=True, parallel=True)
def aggregate_patches(source, positions, index, w, factor, step, periodic, window, out):
    """Average transported patches back into an image, with weights.

    The patch at (i, j) of ``index`` (Hp, Wp) int32 is the (f w) x (f w) block of
    ``source`` (h, w', C) float32 at f * positions[index[i, j]] (positions: (J, 2)
    int32 rows/cols), placed at step * (i, j) of ``out`` (Ho, Wo, C) float32, and each
    pixel of out is the weighted mean of the blocks covering it, pixel (a, b) of a
    block weighing window[a] * window[b] (``window``: (f w,) float32; all ones gives
    the plain mean, to the bit). f = ``factor``: 1 rebuilds the image at the same
    scale, 2 (with step 2) is the exemplar-based upsampling to the next finer scale.
    Periodic: Ho = step Hp, blocks wrap. Pixels no block covers keep their value.
    All arrays C-contiguous. Each output row is owned by one thread and sums its
    blocks in the same order: results do not depend on thread count.
    """
    Ho, Wo, C = out.shape
    Hp, Wp = index.shape
    fw = factor * w
    span = fw * C  # one block row, as contiguous floats of a source or output row
    row_len = Wo * C
    src = source.reshape((source.shape[0], source.shape[1] * C))
    dst = out.reshape((Ho, row_len))
    block = np.empty((fw, span), dtype=np.float32)  # weight of each float of a block row
    for a in range(fw):
        for k in range(span):
            block[a, k] = window[a] * window[k // C]
    col_weight = np.zeros(Wo, dtype=np.float32)  # weight of the blocks covering each column
    for j in range(Wp):
        for b in range(fw):
            col_weight[(step * j + b) % Wo] += window[b]
    for r in prange(Ho):
        acc = np.zeros(row_len, dtype=np.float32)
        row_weight = np.float32(0.0)
        for a in range(r % step, fw, step):
            i = (r - a) // step
            if periodic:
                i %= Hp
            elif i < 0 or i >= Hp:
                continue
            row_weight += window[a]
            wa = block[a]
            for j in range(Wp):
                t = index[i, j]
                s = src[factor * positions[t, 0] + a, factor * positions[t, 1] * C:]
                c = step * j * C
                head = min(span, row_len - c)  # the part before the wrap (all if not periodic)
                for k in range(head):
                    acc[c + k] += wa[k] * s[k]
                for k in range(head, span):
                    acc[c + k - row_len] += wa[k] * s[k]
        for c in range(Wo):
            n = row_weight * col_weight[c]
            if n > 0:
                for ch in range(C):
                    dst[r, c * C + ch] = acc[c * C + ch] / n


# ---------------------------------------------------------------------------
# Pyramid filters (see ``pyramid``). Both are separable and apply the same
# float32 operations in the same order as the row-then-column numpy formulas,
# so a pixel's value does not depend on the image it is computed in.


@njit(cache=True, inline="always")
def _tap(i, n, periodic):
    """Index i of a length-n axis, wrapped or mirrored (-1 -> 0, n -> n - 1: for one
    pixel beyond the edge, mirroring and repeating the edge agree)."""
    if periodic:
        return i % n
    if i < 0:
        return -i - 1
    if i >= n:
        return 2 * n - 1 - i
    return i


#: what ``halve`` subtracts from its image a before filtering
NOTHING, SAME_SIZE, DOUBLED = 0, 1, 2


@njit(cache=True, inline="always")
def _doubled(low, periodic, r, c, ch):
    """Pixel (r, c, ch) of ``low`` (h, w, C) doubled bilinearly: fine 2p takes 3/4 of
    coarse p and 1/4 of p - 1, fine 2p + 1 3/4 of p and 1/4 of p + 1 (edges repeated or
    wrapped); rows first, then columns."""
    three_q = np.float32(0.75)
    quarter = np.float32(0.25)
    p = r // 2
    pn = _tap(p - 1 if r % 2 == 0 else p + 1, low.shape[0], periodic)
    q = c // 2
    qn = _tap(q - 1 if c % 2 == 0 else q + 1, low.shape[1], periodic)
    row_q = low[p, q, ch] * three_q + low[pn, q, ch] * quarter
    row_qn = low[p, qn, ch] * three_q + low[pn, qn, ch] * quarter
    return row_q * three_q + row_qn * quarter


@njit(cache=True)
def _difference_row(a, b, mode, periodic, r, out):
    """out (W, C) = row r of ``a`` (H, W, C), minus row r of ``b`` (SAME_SIZE) or of ``b``
    doubled (DOUBLED); NOTHING copies the row."""
    W, C = out.shape
    for c in range(W):
        for ch in range(C):
            if mode == SAME_SIZE:
                out[c, ch] = a[r, c, ch] - b[r, c, ch]
            elif mode == DOUBLED:
                out[c, ch] = a[r, c, ch] + np.float32(-1.0) * _doubled(b, periodic, r, c, ch)
            else:
                out[c, ch] = a[r, c, ch]


@njit(cache=True)
def halve(a, b, mode, periodic, out):
    """out (H//2, W//2, C) float32: the image ``a`` (H, W, C) minus ``b`` as ``mode``
    says (NOTHING; SAME_SIZE: b (H, W, C); DOUBLED: b (H/2, W/2, C) doubled), filtered
    by [1, 3, 3, 1] / 8 on fine pixels 2p-1 .. 2p+2 along rows, then along columns,
    and decimated. The difference is never stored whole: its values are those of
    ``a - b`` or ``add_doubled(b, periodic, -1, a.copy())``.

    Each fine row of the difference is formed once (by a plain call) and serves two output
    rows. Serial: the filter is memory-bound (on 2 threads
    it ran 1.25 times faster, 0.01 s per 1280x768 synthesis), and numba compiled the
    parallel version with the differences inlined in 11 s on a first run, against 2 s."""
    H, W, C = a.shape
    three = np.float32(3.0)
    eighth = np.float32(1.0 / 8.0)
    fine = np.empty((4, W, C), dtype=np.float32)  # fine row j of the difference in slot j % 4
    col = np.empty((W, C), dtype=np.float32)  # output row p, filtered along rows
    for p in range(out.shape[0]):
        # fine rows 2p-1 .. 2p+2; rows 2p-1 and 2p were rows 2p'+1 and 2p'+2 of p' = p - 1
        for j in range(2 * p - 1 if p == 0 else 2 * p + 1, 2 * p + 3):
            _difference_row(a, b, mode, periodic, _tap(j, H, periodic), fine[(j + 4) % 4])
        s0, s1, s2, s3 = (2 * p + 3) % 4, (2 * p) % 4, (2 * p + 1) % 4, (2 * p + 2) % 4
        for c in range(W):
            for ch in range(C):
                v = (fine[s1, c, ch] + fine[s2, c, ch]) * three
                v += fine[s0, c, ch]
                v += fine[s3, c, ch]
                col[c, ch] = v * eighth
        for q in range(out.shape[1]):
            c0 = _tap(2 * q - 1, W, periodic)
            c1 = _tap(2 * q, W, periodic)
            c2 = _tap(2 * q + 1, W, periodic)
            c3 = _tap(2 * q + 2, W, periodic)
            for ch in range(C):
                v = (col[c1, ch] + col[c2, ch]) * three
                v += col[c0, ch]
                v += col[c3, ch]
                out[p, q, ch] = v * eighth


@njit(cache=True, parallel=True)
def add_doubled(low, periodic, sign, out):
    """out[r, c] += sign * (``low`` (h, w, C) doubled bilinearly, see ``_doubled``),
    for the top-left (rows, cols) of out <= (2h, 2w)."""
    for r in prange(out.shape[0]):
        for c in range(out.shape[1]):
            for ch in range(out.shape[2]):
                out[r, c, ch] += sign * _doubled(low, periodic, r, c, ch)


@njit(cache=True, parallel=True)
def write_centres(source, positions, index, c, periodic, out):
    """out[i + c, j + c] = source[positions[index[i, j]] + c] for every patch (i, j) of
    ``index`` (Hp, Wp) int32; rows and columns wrap around out if periodic."""
    H, W = out.shape[0], out.shape[1]
    C = out.shape[2]
    for i in prange(index.shape[0]):
        r = i + c
        if periodic and r >= H:
            r -= H
        for j in range(index.shape[1]):
            col = j + c
            if periodic and col >= W:
                col -= W
            t = index[i, j]
            sr = positions[t, 0] + c
            sc = positions[t, 1] + c
            for ch in range(C):
                out[r, col, ch] = source[sr, sc, ch]
