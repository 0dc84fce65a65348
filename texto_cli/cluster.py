"""texto on dask: syntheses as dask arrays of tiles, fits as dask tasks.

A synthesis is cut into the tiles of ``texture.tiling``: each chunk of the array is a task
that synthesises its tile from its crop of the coarsest Gaussian field (computed once, on
the client; each task carries its own crop, the model is in the graph once), so any
scheduler (the local threads, a ``LocalCluster``, a cluster of machines) computes the same
bytes as ``Model.synthesize``. With band gains, a chunk is gained from the ungained tiles
around it (the gains' halo), as the banded path does.

dask is an optional dependency (``pip install 'texto-cli[dask]'``), imported only here.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import UsageError
from .image.io import _quantise
from .image.pyramid import scale_bands
from .texture.synthesis import check_size, finish, grid_size, start_field, synthesize
from .texture.tiling import Span, with_halo, check_tile, plan, synthesize_tile

INSTALL = "pip install 'texto-cli[dask]'"


def require_dask(what: str = "this") -> Any:
    """The ``dask.array`` module, or UsageError naming what needs it and how to install it."""
    try:
        import dask.array as da
    except ImportError:
        raise UsageError(f"{what} needs dask: {INSTALL}") from None
    return da


def _spans(length: int, step: int) -> list[Span]:
    return [Span(s, min(s + step, length)) for s in range(0, length, step)]


def _tile(model, crop: np.ndarray, canvas: tuple[int, int], rows: Span, cols: Span,
          size: tuple[int, int] | None) -> np.ndarray:
    """Tile (rows, cols) before the band gains, from the crop of the coarsest field it needs
    (``tiling.synthesize_tile``); finished (``size`` = its width, height) unless None."""
    x = synthesize_tile(model, crop, rows, cols, canvas)
    return x if size is None else finish(model, x, size)


def _gained(model, rows: Span, cols: Span, crop_rows: Span, crop_cols: Span,
            pieces: list[tuple[Span, Span, np.ndarray]]) -> np.ndarray:
    """Tile (rows, cols) with the band gains, from the ungained ``pieces`` (rows, cols,
    array) covering the gains' crop (``crop_rows``, ``crop_cols``); finished."""
    C = pieces[0][2].shape[2]
    crop = np.empty((crop_rows.stop - crop_rows.start, crop_cols.stop - crop_cols.start, C), np.float32)
    for r, c, a in pieces:
        r0, r1 = max(r.start, crop_rows.start), min(r.stop, crop_rows.stop)
        c0, c1 = max(c.start, crop_cols.start), min(c.stop, crop_cols.stop)
        crop[r0 - crop_rows.start:r1 - crop_rows.start, c0 - crop_cols.start:c1 - crop_cols.start] = \
            a[r0 - r.start:r1 - r.start, c0 - c.start:c1 - c.start]
    scale_bands(crop, model.active_gains)
    part = crop[rows.start - crop_rows.start:rows.stop - crop_rows.start,
                cols.start - crop_cols.start:cols.stop - crop_cols.start]
    return finish(model, part, (cols.stop - cols.start, rows.stop - rows.start))


def _whole(model, size: tuple[int, int], seed: int) -> np.ndarray:
    return synthesize(model, size, seed=seed, tileable=True)


def synthesize_dask(model, size: tuple[int, int], chunks: int = 1024, seed: int = 0,
                    tileable: bool = False):
    """A synthesis of ``size`` = (width, height) as a lazy ``dask.array.Array`` (H, W, C)
    float32 in [0, 1], in chunks of ``chunks`` x ``chunks`` pixels (a multiple of 16), each
    a texto tile: computing it on any scheduler gives the bytes of ``Model.synthesize``
    with the same seed. A material model's array holds its maps' channels in turn
    (``Model.split``). ``tileable``: one task makes the whole periodic image (every pixel
    of a periodic synthesis depends on the opposite edge), then split into chunks."""
    da = require_dask("synthesize_dask")
    from dask import delayed

    check_size(model, size, tileable)
    check_tile(chunks)
    width, height = size
    C = model.channels
    token = uuid.uuid4().hex[:12]
    model_d = delayed(model, name=f"texto-model-{token}", traverse=False)
    if tileable:
        whole = delayed(_whole, pure=True)(model_d, size, seed, dask_key_name=f"texto-whole-{token}")
        return da.from_delayed(whole, (height, width, C), np.float32).rechunk((chunks, chunks, C))
    coarse = grid_size(model, size)
    field = start_field(model, coarse, np.random.default_rng(seed))

    def tile(key: str, rows: Span, cols: Span, size: tuple[int, int] | None):
        r, c = plan(model, coarse, rows, cols)[0]  # each task carries its crop of the field
        crop = np.ascontiguousarray(field[r.start:r.stop, c.start:c.stop])
        return delayed(_tile, pure=True)(model_d, crop, coarse, rows, cols, size,
                                         dask_key_name=key)

    canvas = (coarse[0] * model.config.zoom, coarse[1] * model.config.zoom)
    gains = model.active_gains
    L = 0 if gains is None else len(gains)
    ungained: dict[tuple[int, int], Any] = {}

    def ungained_tile(i: int, j: int):
        if (i, j) not in ungained:
            r = Span(i * chunks, min((i + 1) * chunks, canvas[0]))
            c = Span(j * chunks, min((j + 1) * chunks, canvas[1]))
            ungained[i, j] = (r, c, tile(f"texto-ungained-{token}-{i}-{j}", r, c, None))
        return ungained[i, j]

    blocks = []
    for i, rows in enumerate(_spans(height, chunks)):
        row = []
        for j, cols in enumerate(_spans(width, chunks)):
            shape = (rows.stop - rows.start, cols.stop - cols.start, C)
            key = f"texto-tile-{token}-{i}-{j}"
            if L == 0:
                task = tile(key, rows, cols, shape[1::-1])
            else:
                crop_r, crop_c = with_halo(rows, L, canvas[0]), with_halo(cols, L, canvas[1])
                pieces = [ungained_tile(a, b)
                          for a in range(crop_r.start // chunks, (crop_r.stop - 1) // chunks + 1)
                          for b in range(crop_c.start // chunks, (crop_c.stop - 1) // chunks + 1)]
                task = delayed(_gained, pure=True)(model_d, rows, cols, crop_r, crop_c, pieces,
                                                   dask_key_name=key)
            row.append(da.from_delayed(task, shape, np.float32))
        blocks.append(row)
    return da.concatenate([da.concatenate(row, axis=1) for row in blocks], axis=0)


@contextmanager
def running(scheduler: str | None) -> Iterator[None]:
    """Computations of the block on ``scheduler`` (``connect``), or without one on dask's
    synchronous scheduler: one tile at a time, texto's kernels using every core."""
    if scheduler is not None:
        import warnings

        with connect(scheduler), warnings.catch_warnings():
            # every tile carries its crop of the field: the graph is the field's size
            warnings.filterwarnings("ignore", message="Sending large graph")
            yield
        return
    import dask

    with dask.config.set(scheduler="synchronous"):
        yield


@contextmanager
def connect(scheduler: str) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler``: "local:N" starts a ``LocalCluster`` of N
    worker processes on this machine (one task at a time each, texto's kernels using
    cores / N threads), anything else is an existing scheduler's address. Closed on exit."""
    require_dask("--scheduler")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(f"--scheduler needs dask.distributed: {INSTALL}") from None
    if scheduler.startswith("local:"):
        try:
            n = int(scheduler[6:])
        except ValueError:
            n = 0
        if n < 1:
            raise UsageError(f"--scheduler local:N takes a number of workers N >= 1, not {scheduler!r}")
        threads = str(max(1, (os.cpu_count() or 1) // n))
        saved = os.environ.get("NUMBA_NUM_THREADS")
        os.environ["NUMBA_NUM_THREADS"] = threads  # the workers' processes inherit it
        try:
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.CRITICAL)
        finally:
            if saved is None:
                os.environ.pop("NUMBA_NUM_THREADS")
            else:
                os.environ["NUMBA_NUM_THREADS"] = saved
        with cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, ValueError, TypeError) as e:
        raise UsageError(f"cannot reach the dask scheduler at {scheduler!r} ({e})") from None
    with client:
        yield client


def _client():
    """The distributed client computations go to, or None (dask's local schedulers, also
    when one is chosen by ``dask.config`` while a client exists)."""
    import dask

    if dask.config.get("scheduler", None) in ("sync", "synchronous", "threads", "processes"):
        return None
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


def _by_band(client, array, rows: int, work, ahead: int = 1) -> Iterator[Any]:
    """Compute ``work(span)`` (a dask collection built from ``array``'s rows ``span``) for
    each band of ``rows`` rows of ``array`` in turn on ``client``; yield the results in
    order. ``ahead`` more bands are computing while one is consumed; the ungained tiles of
    ``synthesize_dask`` are held on the cluster while a band's neighbours need them, so
    none is computed twice and no graph is larger than a band's."""
    from dask.delayed import Delayed

    spans = _spans(array.shape[0], rows)
    graph = array.__dask_graph__()

    def row(key) -> int | None:  # the tile row of a texto key ("texto-KIND-TOKEN-ROW-COL")
        return int(key.split("-")[-2]) if isinstance(key, str) and key.startswith("texto-") else None

    ungained: dict[int, list] = {}  # tile row -> its ungained tiles' keys
    needs: dict[int, set[int]] = {}  # band -> the ungained tile rows its tiles are gained from
    for key, deps in graph.get_all_dependencies().items():
        if isinstance(key, str) and key.startswith("texto-ungained-"):
            ungained.setdefault(row(key), []).append(key)
        elif isinstance(key, str) and key.startswith("texto-tile-"):
            needs.setdefault(row(key), set()).update(
                row(d) for d in deps if isinstance(d, str) and d.startswith("texto-ungained-"))
    last_use = {i: max(k for k, rows_needed in needs.items() if i in rows_needed) for i in ungained}
    held: dict[int, list] = {}

    def submit(k: int):
        for i in needs.get(k, ()):
            if i not in held:
                held[i] = client.compute([Delayed(key, graph) for key in ungained[i]],
                                         optimize_graph=False)
        return client.compute(work(spans[k]), optimize_graph=False)

    pending = [submit(k) for k in range(min(ahead + 1, len(spans)))]
    for k in range(len(spans)):
        result = client.gather(pending.pop(0))
        for i in [i for i in held if last_use[i] <= k]:  # no later band needs them
            del held[i]
        if k + ahead + 1 < len(spans):
            pending.append(submit(k + ahead + 1))
        yield result


def bands(array, rows: int, ahead: int = 1) -> Iterator[np.ndarray]:
    """The rows of ``array`` (a dask array; ``rows`` its chunks' height) as numpy bands,
    top to bottom, computed on the active scheduler (``_by_band`` on a distributed one)."""
    client = _client()
    if client is None:
        for s in _spans(array.shape[0], rows):
            yield array[s.start:s.stop].compute()
        return
    yield from _by_band(client, array, rows, lambda s: array[s.start:s.stop], ahead)


def is_zarr_store(path) -> bool:
    """Whether folder ``path`` holds a zarr array or group (v2 or v3 metadata)."""
    p = Path(path)
    return any((p / name).is_file() for name in ("zarr.json", ".zarray", ".zgroup"))


def write_zarr(array, path, parts: dict[str, tuple[int, int, int]],
               attrs: dict[str, Any] | None = None) -> None:
    """Write ``array`` (a dask array (H, W, C) in [0, 1]) to the zarr store ``path``: for
    each of ``parts`` (name -> (first channel, end channel, bit depth)) an array of those
    channels quantised to uint8 or uint16, in ``array``'s chunks, each computed and written
    by the scheduler's workers (a cluster needs ``path`` on a filesystem they share). One
    part named "image" is the store itself; several make a group of one array each.
    ``attrs`` go to the store's attributes. Written to a temporary folder beside ``path``,
    then moved onto it (an existing zarr store at ``path`` is replaced, anything else
    refused)."""
    da = require_dask("zarr output")
    try:
        import zarr
    except ImportError:
        raise UsageError(f"zarr output needs zarr: {INSTALL}") from None
    target = Path(path)
    check_zarr_target(target)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        if len(parts) > 1:
            zarr.open_group(str(tmp), mode="w")
        targets = []  # (zarr array, its quantised dask array): each chunk written as it is
        for name, (a, b, bit_depth) in parts.items():
            dtype = np.uint8 if bit_depth == 8 else np.uint16
            q = array[:, :, a:b].map_blocks(_quantise, bit_depth, dtype=dtype)
            z = zarr.open_array(str(tmp), mode="w", path="" if len(parts) == 1 else name,
                                shape=q.shape, chunks=tuple(c[0] for c in q.chunks), dtype=dtype)
            targets.append((z, q))
        client = _client()
        if client is None:  # the local scheduler walks the whole graph in bounded memory
            da.store([q for _, q in targets], [z for z, _ in targets], lock=False)
        else:  # a band of tiles at a time: the scheduler never holds the whole graph
            for _ in _by_band(client, array, array.chunks[0][0], lambda s: da.store(
                    [q[s.start:s.stop] for _, q in targets], [z for z, _ in targets], lock=False,
                    regions=[(slice(s.start, s.stop),)] * len(targets), compute=False)):
                pass
        zarr.open(str(tmp), mode="r+").attrs.update(attrs or {})
        if target.exists():
            old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_zarr_target(path) -> None:
    """UsageError unless a zarr store could be written at ``path``: in a writable folder,
    and nothing there or a zarr store (which is replaced)."""
    p = Path(path)
    if p.exists() and not (p.is_dir() and is_zarr_store(p)):
        raise UsageError(f"{path}: exists and is not a zarr store; texto replaces only those")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{path}: folder {str(parent)!r} does not exist or is not writable")


def _fit_task(plan, job) -> dict[str, Any]:
    """Fit one job of a ``FitPlan`` and write its model: what the CLI reports of it."""
    import warnings

    from .api import describe
    from .texture.fitting import DegenerateExemplarWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateExemplarWarning)
        inputs = plan.read(job)
        model = plan.fit(inputs)
    model.save(job.dest)
    return {"name": inputs.name, "description": inputs.description, "info": describe(model),
            "warnings": [str(w.message) for w in caught
                         if issubclass(w.category, DegenerateExemplarWarning)]}


def fit_jobs(plan, client) -> Iterator[tuple[Any, dict[str, Any] | None, BaseException | None]]:
    """Run every job of ``plan`` (a ``FitPlan``) as a task on ``client``'s cluster; yield
    (job, report, None) or (job, None, error) as each finishes: a failing job does not stop
    the others."""
    from distributed import as_completed

    futures = {client.submit(_fit_task, plan, job, pure=False): job for job in plan.jobs}
    for future in as_completed(futures):
        job = futures[future]
        try:
            yield job, future.result(), None
        except Exception as e:  # noqa: BLE001 - reported by name, the others go on
            yield job, None, e
