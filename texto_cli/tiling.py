"""Synthesis by tiles, in bounded memory, for outputs of any size.

Every stage is local: an output pixel depends only on the patches that cover
it, and a patch only on the w x w input pixels under it; the octave limit
(``synthesis.keep_coarse``) and the band gains (``pyramid.scale_bands``) add a
halo of 3 * 2^octaves pixels and need crops that start on their decimation grid. Only
the coarsest Gaussian field is global, and it is 2^(S-1) times smaller per side than
the output. So a tile of the output is computed from a crop of the field, running
every stage on a crop just large enough (its halo) for the pixels the next
stage needs. The result is bit-identical to ``synthesis.synthesize``: the same
patches are transported and each pixel sums the same contributions in the same
order.

A tile is a pure function of (model, seed, size, tile rectangle) given the
field, so tiles can run anywhere (processes here with ``jobs``; a dask
``delayed`` per tile would do the same on a cluster).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .adsn import adsn_field
from .errors import UsageError
from .patches import transport
from .pyramid import scale_bands
from .synthesis import grid_size, kept_octaves, stage_output


@dataclass(frozen=True)
class Span:
    """Half-open range [start, stop) of pixel rows (or columns) at one scale."""

    start: int
    stop: int


def _needed_input(stage_patch: int, factor: int, length_in: int, out: Span) -> Span:
    """Input rows a stage needs so that its output rows ``out`` are exact."""
    w = stage_patch
    last_patch = length_in - w
    if factor == 2:  # block of patch i covers output rows [2i, 2i + 2w)
        first = max(0, -((w * 2 - 1 - out.start) // 2))
        last = min(last_patch, (out.stop - 1) // 2)
    else:  # patch i covers output rows [i, i + w)
        first = max(0, out.start - w + 1)
        last = min(last_patch, out.stop - 1)
    return Span(first, last + w)


def _with_halo(out: Span, octaves: int, length: int) -> Span:
    """Output rows a stage must compute so that its low-pass is exact on ``out``,
    starting on the low-pass's decimation grid."""
    if octaves == 0:
        return out
    f = 2 ** octaves
    return Span(max(0, (out.start - 3 * f) // f * f), min(length, out.stop + 3 * f))


def gained(model, canvas: tuple[int, int], rows: Span, cols: Span) -> tuple[Span, Span]:
    """Final rows and columns the band gains need to be exact on (rows, cols)."""
    if model.active_gains is None:
        return rows, cols
    f = 2 ** (model.config.scales - 1)
    L = len(model.active_gains)
    return _with_halo(rows, L, canvas[0] * f), _with_halo(cols, L, canvas[1] * f)


def plan(model, canvas: tuple[int, int], rows: Span, cols: Span) -> list[tuple[Span, Span]]:
    """Input (rows, cols) of every stage, coarse to fine, for the final pixels (rows, cols).

    canvas: (rows, cols) of the coarsest grid. Entry k is the crop of stage k's input.
    """
    S = model.config.scales
    spans = []
    r, c = gained(model, canvas, rows, cols)
    for k in range(len(model.stages) - 1, -1, -1):
        st = model.stages[k]
        factor = 2 if st.scale > 0 else 1
        size = 2 ** (S - 1 - st.scale)
        octaves = kept_octaves(model, k)
        align = max(1, 2 ** octaves // factor)  # the output crop starts at factor * input start
        r, c = (_needed_input(st.config.patch, factor, canvas[i] * size,
                              _with_halo(span, octaves, factor * canvas[i] * size))
                for i, span in enumerate((r, c)))
        r, c = Span(r.start // align * align, r.stop), Span(c.start // align * align, c.stop)
        spans.append((r, c))
    return spans[::-1]


def synthesize_tile(model, field: np.ndarray, rows: Span, cols: Span) -> np.ndarray:
    """Final pixels (rows, cols) of the synthesis whose coarsest field is ``field``
    (mean-centred, as ``synthesis.run`` makes it). Returns float32 (h, w, C), centred."""
    canvas = field.shape[:2]
    spans = plan(model, canvas, rows, cols)
    final_rows, final_cols = gained(model, canvas, rows, cols)
    r0, c0 = spans[0]
    x = field[r0.start:r0.stop, c0.start:c0.stop]
    for k, st in enumerate(model.stages):
        (r, c) = spans[k]
        index = transport(x, st.config.patch, st.ot)
        factor = 2 if st.scale > 0 else 1
        x = stage_output(model, k, x, index, False)
        # x now covers rows [factor * r.start, factor * r.stop) of this stage's output
        nr, nc = spans[k + 1] if k + 1 < len(spans) else (final_rows, final_cols)
        x = x[nr.start - factor * r.start:nr.stop - factor * r.start,
              nc.start - factor * c.start:nc.stop - factor * c.start]
    if model.active_gains is None:
        return x
    x = scale_bands(np.ascontiguousarray(x), model.active_gains)
    return x[rows.start - final_rows.start:rows.stop - final_rows.start,
             cols.start - final_cols.start:cols.stop - final_cols.start]


def field_for(model, size: tuple[int, int], seed: int) -> np.ndarray:
    """The coarsest (centred) Gaussian field of a synthesis, exactly as ``synthesis.run`` draws it."""
    coarse = grid_size(model, size)
    coarsest = model.levels[model.config.scales - 1]
    periodic = coarse[0] >= coarsest.shape[0] and coarse[1] >= coarsest.shape[1]
    return adsn_field(coarsest, coarse, np.random.default_rng(seed), periodic=periodic)


_WORKER: dict = {}


def _init_worker(model, field, threads: int) -> None:
    import numba

    numba.set_num_threads(threads)
    _WORKER.update(model=model, field=field)


def _tile_job(spans: tuple[Span, Span]) -> np.ndarray:
    return synthesize_tile(_WORKER["model"], _WORKER["field"], *spans)


def synthesize_bands(model, size: tuple[int, int], seed: int = 0, tile: int = 1024, jobs: int = 1,
                     progress: Callable[[int, int], None] | None = None) -> Iterator[np.ndarray]:
    """Yield the synthesis of ``size`` = (width, height) as horizontal bands of ``tile`` rows,
    top to bottom: float32 (h, width, C) in [0, 1]. Peak memory is one band plus the
    coarse field; ``jobs`` processes compute the tiles of a band in parallel."""
    width, height = size
    coarse = grid_size(model, size)
    if min(coarse) < max(st.config.patch for st in model.stages):
        raise UsageError(f"size {width}x{height} is too small for this model")
    if tile < 16:
        raise UsageError("tile must be at least 16 pixels")
    field = field_for(model, size, seed)
    bands = [Span(r, min(r + tile, height)) for r in range(0, height, tile)]
    columns = [Span(c, min(c + tile, width)) for c in range(0, width, tile)]
    pool = None
    if jobs > 1:  # spawn, not fork: the parent's numba threads do not survive a fork
        threads = max(1, (os.cpu_count() or 1) // jobs)
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(model, field, threads))
    else:
        _WORKER.update(model=model, field=field)
    try:
        for b, rows in enumerate(bands):
            work = [(rows, cols) for cols in columns]
            band = np.empty((rows.stop - rows.start, width, model.levels[0].shape[2]), np.float32)
            for (_, cols), part in zip(work, pool.map(_tile_job, work) if pool else map(_tile_job, work)):
                band[:, cols.start:cols.stop] = part
            band += model.offset
            yield np.clip(band, 0.0, 1.0, out=band)
            if progress is not None:
                progress(b + 1, len(bands))
    finally:
        _WORKER.clear()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
