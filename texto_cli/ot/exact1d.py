"""The 1-D experiment of the slides texto comes from, solved exactly: N(0, 1) to J equally spaced points of (-1, 1).

The ground truth for the SDOT solver. In 1-D every cell of a (multi-layer)
power-diagram map is a union of intervals; their boundaries are found on a
fine grid and refined by bisection, and the Gaussian cdf gives the exact mass
of each cell.
"""

from __future__ import annotations

from math import erf, sqrt
from typing import Callable

import numpy as np

_erf = np.vectorize(erf, otypes=[float])


def gaussian_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal cdf, float64."""
    return 0.5 * (1.0 + _erf(np.asarray(x, dtype=np.float64) / sqrt(2.0)))


def targets(J: int) -> np.ndarray:
    """(J, 1) float64: J equally spaced points of the open interval (-1, 1)."""
    return np.linspace(-1.0, 1.0, J + 2)[1:-1, None]


def gaussian_sampler(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 1) samples of N(0, 1)."""
    return rng.standard_normal((n, 1))


def cell_masses(assign: Callable[[np.ndarray], np.ndarray], J: int, lo: float = -8.0,
                hi: float = 8.0, grid: int = 200_001, bisections: int = 45) -> np.ndarray:
    """(J,) exact N(0,1) mass of the cell of each target under the map ``assign``.

    assign: (n, 1) float64 points -> (n,) target indices (e.g. ``SemiDiscreteOT.assign``).
    Cells narrower than the grid step (8e-5 by default) between two grid points
    of one cell are missed; at J <= 10^4 such cells would carry < 1e-5 mass.
    """
    xs = np.linspace(lo, hi, grid)
    a = assign(xs[:, None])
    change = np.flatnonzero(a[1:] != a[:-1])
    left, right = xs[change].copy(), xs[change + 1].copy()
    label = a[change]
    for _ in range(bisections):
        mid = 0.5 * (left + right)
        same = assign(mid[:, None]) == label
        left = np.where(same, mid, left)
        right = np.where(same, right, mid)
    bounds = np.concatenate([[-np.inf], 0.5 * (left + right), [np.inf]])
    cells = np.concatenate([label, a[-1:]])
    masses = np.zeros(J)
    np.add.at(masses, cells, np.diff(gaussian_cdf(bounds)))
    return masses


def mass_error(assign: Callable[[np.ndarray], np.ndarray], J: int) -> float:
    """Exact L1 cell-mass error sum_j |mu(cell_j) - 1/J| of a map onto ``targets(J)``."""
    return float(np.abs(cell_masses(assign, J) - 1.0 / J).sum())


def optimal_boundaries(J: int) -> np.ndarray:
    """(J + 1,) boundaries of the exact OT cells: the Gaussian quantiles k / J (float64)."""
    # bisection on the cdf: no scipy at run time
    q = np.arange(J + 1) / J
    lo, hi = np.full(J + 1, -40.0), np.full(J + 1, 40.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        below = gaussian_cdf(mid) < q
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    out = 0.5 * (lo + hi)
    out[0], out[-1] = -np.inf, np.inf
    return out
