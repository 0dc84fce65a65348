"""numba kernels of the pyramid filters (see ``pyramid``).

Both filters are separable and apply the same float32 operations in the same order
as the row-then-column formulas, so a pixel's value does not depend on the image it
is computed in (``tiling`` relies on this).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


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

    Each fine row of the difference is formed once and serves two output rows. Serial:
    the filter is memory-bound (see docs/decisions.md)."""
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
