"""numba kernels of patches: gathering, transporting and averaging them back.

A w x w patch of an (H, W, C) image at (i, j) is the vector of image[i + a, j + b, c]
in (a, b, c) row-major order, length D = w * w * C. With ``periodic`` the indices wrap
around the image borders. All arrays are C-contiguous; images float32.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..ot.descent import _best_child


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
