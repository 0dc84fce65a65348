"""Synthesis by tiles, in bounded memory, for outputs of any size.

Every stage is local: an output pixel depends only on the patches that cover
it, and a patch only on the w x w input pixels under it; the octave limit
(``pyramid.keep_coarse``) and the band gains (``pyramid.scale_bands``) add a
halo of 3 * 2^octaves pixels and need crops that start on their decimation grid. Only
the coarsest Gaussian field is global, and it is 2^(S-1) times smaller per side than
the output. So a tile of the output is computed from a crop of the field, running
every stage on a crop just large enough (its halo) for the pixels the next
stage needs. The band gains come last, on a band of whole rows: the tiles of a band
are synthesised with the gains' halo of rows (kept from the band above for its top
rows) and gained tile by tile from the ungained strip. The result is bit-identical
to ``synthesis.synthesize``: the same patches are transported and each pixel sums the
same contributions in the same order.

A tile is a pure function of (model, seed, size, tile rectangle) given the
field, so tiles can run anywhere (processes here with ``jobs``; a dask
``delayed`` per tile would do the same on a cluster).
"""

from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from ..errors import UsageError
from ..image.pyramid import scale_bands
from .synthesis import check_size, finish, grid_size, start_field


@dataclass(frozen=True)
class Span:
    """Half-open range [start, stop) of pixel rows (or columns) at one scale."""

    start: int
    stop: int


def check_tile(tile: int) -> None:
    """Raise UsageError unless ``tile`` is a valid tile side: a multiple of 16 pixels (the
    tiled TIFF's tile grid), at least 16."""
    if tile < 16 or tile % 16:
        raise UsageError(f"--tile must be a multiple of 16, at least 16; got {tile}")


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


def with_halo(out: Span, octaves: int, length: int) -> Span:
    """Output rows a stage must compute so that its low-pass is exact on ``out``,
    starting on the low-pass's decimation grid."""
    if octaves == 0:
        return out
    f = 2 ** octaves
    return Span(max(0, (out.start - 3 * f) // f * f), min(length, out.stop + 3 * f))


def plan(model, canvas: tuple[int, int], rows: Span, cols: Span) -> list[tuple[Span, Span]]:
    """Input (rows, cols) of every stage, coarse to fine, for the final pixels (rows, cols).

    canvas: (rows, cols) of the coarsest grid. Entry k is the crop of stage k's input.
    """
    spans = []
    r, c = rows, cols
    for stage in reversed(model.stages):
        spec, octaves = stage.spec, stage.kept_octaves()
        lengths = (canvas[0] * spec.zoom, canvas[1] * spec.zoom)
        # the output crop starts at factor * input start; the input crop on the patch grid
        align = math.lcm(max(1, 2 ** octaves // spec.factor), spec.grid_stride(lengths, False))
        r, c = (_needed_input(spec.patch, spec.factor, lengths[i],
                              with_halo(span, octaves, spec.factor * lengths[i]))
                for i, span in enumerate((r, c)))
        r, c = Span(r.start // align * align, r.stop), Span(c.start // align * align, c.stop)
        spans.append((r, c))
    return spans[::-1]


def synthesize_tile(model, field: np.ndarray, rows: Span, cols: Span,
                    canvas: tuple[int, int] | None = None) -> np.ndarray:
    """Final pixels (rows, cols) of the synthesis whose coarsest field is ``field``
    (mean-centred, ``synthesis.start_field``), before the band gains
    (``apply_band_gains``). Returns float32 (h, w, C), centred. With ``canvas`` (the
    coarsest grid's (rows, cols)), ``field`` is only the crop the tile needs: the field at
    ``plan(model, canvas, rows, cols)[0]``."""
    spans = plan(model, canvas or field.shape[:2], rows, cols)
    r0, c0 = spans[0]
    x = field if canvas else field[r0.start:r0.stop, c0.start:c0.stop]
    for k, stage in enumerate(model.stages):
        r, c = spans[k]
        f = stage.spec.factor
        x = stage.output(x, stage.transport(x))
        # x now covers rows [f * r.start, f * r.stop) of this stage's output
        nr, nc = spans[k + 1] if k + 1 < len(spans) else (rows, cols)
        x = x[nr.start - f * r.start:nr.stop - f * r.start, nc.start - f * c.start:nc.stop - f * c.start]
    return x


def apply_band_gains(strip: np.ndarray, strip_rows: Span, rows: Span, columns: list[Span],
                     gains: np.ndarray) -> None:
    """Apply the band gains, in place, to rows ``rows`` of ``strip`` (float32 (h, W, C), the
    whole width of the synthesis before its gains, holding rows ``strip_rows``, which
    include the gains' halo of ``rows``), one tile of ``columns`` at a time.

    Each tile is gained from a crop with the halo's columns, exactly as in memory. Its
    left halo lies in tiles already gained, so their columns are kept from before (at most
    the halo's width plus a tile)."""
    width = strip.shape[1]
    L = len(gains)
    top, bottom = rows.start - strip_rows.start, rows.stop - strip_rows.start
    before = strip[:, :0].copy()  # ungained columns [kept_from, cols.start) of the strip
    kept_from = 0
    for cols in columns:
        crop_cols = with_halo(cols, L, width)
        ungained = np.concatenate([before[:, crop_cols.start - kept_from:],
                                   strip[:, cols.start:cols.stop]], axis=1)
        before, kept_from = ungained, crop_cols.start
        crop = np.concatenate([ungained, strip[:, cols.stop:crop_cols.stop]], axis=1)
        scale_bands(crop, gains)
        strip[top:bottom, cols.start:cols.stop] = \
            crop[top:bottom, cols.start - crop_cols.start:cols.stop - crop_cols.start]


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
    top to bottom: float32 (h, width, C) in [0, 1]. Peak memory is about one band (with the
    band gains' halo of rows) plus the coarse field; ``jobs`` processes compute the tiles of
    a band in parallel. The tiles are synthesised without the gains, which are then applied
    to the band: their halo costs one cheap pass, not every stage's transports."""
    check_size(model, size)
    check_tile(tile)
    width, height = size
    coarse = grid_size(model, size)
    field = start_field(model, coarse, np.random.default_rng(seed))
    bands = [Span(r, min(r + tile, height)) for r in range(0, height, tile)]
    columns = [Span(c, min(c + tile, width)) for c in range(0, width, tile)]
    pool = None
    if jobs > 1:  # spawn, not fork: the parent's numba threads do not survive a fork
        threads = max(1, (os.cpu_count() or 1) // jobs)
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(model, field, threads))
    else:
        _WORKER.update(model=model, field=field)
    gains = model.active_gains
    L = 0 if gains is None else len(gains)
    channels = model.levels[0].shape[2]
    # the gains act on the whole synthesis canvas (a multiple of 2^(S-1) a side), which is
    # then cropped to the size asked for: the last tile of a band reaches the canvas's edge
    canvas_h, canvas_w = coarse[0] * model.config.zoom, coarse[1] * model.config.zoom
    columns[-1] = Span(columns[-1].start, canvas_w)
    # rows before the gains, computed for the previous band and needed by this one's halo
    kept, kept_rows = np.empty((0, canvas_w, channels), np.float32), Span(0, 0)
    try:
        for b, rows in enumerate(bands):
            need = with_halo(rows, L, canvas_h)  # this band's rows and the gains' halo
            strip = np.empty((need.stop - need.start, canvas_w, channels), np.float32)
            done = kept_rows.stop - need.start
            strip[:done] = kept[need.start - kept_rows.start:]
            new = Span(kept_rows.stop, need.stop)
            work = [(new, cols) for cols in columns] if new.stop > new.start else []
            for (_, cols), part in zip(work, pool.map(_tile_job, work) if pool else map(_tile_job, work)):
                strip[done:, cols.start:cols.stop] = part
            if b + 1 < len(bands):  # keep the next band's halo before this band is gained in place
                after = with_halo(bands[b + 1], L, canvas_h)
                kept, kept_rows = strip[after.start - need.start:].copy(), Span(after.start, need.stop)
            if L:
                apply_band_gains(strip, need, rows, columns, gains)
            yield finish(model, strip[rows.start - need.start:rows.stop - need.start],
                         (width, rows.stop - rows.start))
            if progress is not None:
                progress(b + 1, len(bands))
    finally:
        _WORKER.clear()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
