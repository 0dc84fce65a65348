"""texto on dask against the tiled path, and fits as dask tasks.

``python benchmarks/bench_dask.py [--quick] [--model M.npz] [--side N]``

* Synthesis of SIDE x SIDE (8192; --quick 2048) to PNG by tiles of 1024, each a whole
  ``texto synthesize`` process, one after another in one run: the tiled path with 1 and 2
  processes (``--jobs``), and dask with ``--scheduler local:1`` and ``local:2``. Wall
  seconds (including starting the cluster) and the peak RSS of the largest process of the
  run (client or worker). Then the same dask syntheses in this process, to read each
  worker's own peak RSS (``client.run``) and the cluster's start-up time.
* What a cluster is sent: the model (pickled as its file) and each tile's crop of the
  coarsest field; how much of each stage the tiles' halos compute twice.
* Batch fit of the seven samples (``--preset fast`` with --quick) plus one file that is
  not an image, ``-O`` on ``--scheduler local:2`` against one process fitting them in turn.

Figures go to ``benchmarks/out/dask.json``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import cores, cpu_model, load_average, run_measured

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SAMPLES = ROOT / "sample_textures"
TILE = 1024


def texto(*args: str) -> list[str]:
    return [sys.executable, "-m", "texto_cli", *args]


def synthesis_runs(model: Path, side: int, folder: Path) -> dict:
    runs = {}
    for label, extra in (("tiled, 1 process", []), ("tiled, --jobs 2", ["--jobs", "2"]),
                         ("dask local:1", ["--scheduler", "local:1"]),
                         ("dask local:2", ["--scheduler", "local:2"])):
        seconds, peak = run_measured(texto("synthesize", str(model), "--size", f"{side}x{side}",
                                           "--tile", str(TILE), "-o", str(folder / "out.png"),
                                           "-q", *extra))
        runs[label] = {"seconds": seconds, "peak_mib": peak}
        print(f"| {label} | {seconds:.1f} | {peak:.0f} |", flush=True)
    return runs


def worker_peaks(model_path: Path, side: int, folder: Path) -> dict:
    """Each worker's peak RSS (MiB) for the dask syntheses, and the cluster's start-up."""
    import texto_cli
    from texto_cli.cluster import bands, connect, synthesize_dask
    from texto_cli.image.io import write_bands

    model = texto_cli.load(model_path)
    found = {}
    for n in (1, 2):
        t = time.perf_counter()
        with connect(f"local:{n}") as client:
            start = time.perf_counter() - t
            t = time.perf_counter()
            array = synthesize_dask(model, (side, side), chunks=TILE, seed=0)
            write_bands(folder / "w.png", bands(array, TILE), side, side, model.channels, 8, TILE)
            seconds = time.perf_counter() - t
            peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        found[f"local:{n}"] = {"start_seconds": start, "seconds": seconds,
                               "worker_peak_mib": sorted(peaks.values())}
        print(f"local:{n}: cluster started in {start:.1f} s; synthesis {seconds:.1f} s; worker "
              f"peaks {', '.join(f'{p:.0f}' for p in sorted(peaks.values()))} MiB", flush=True)
    return found


def shipped(model_path: Path, side: int) -> dict:
    import texto_cli
    from texto_cli.cluster import synthesize_dask

    model = texto_cli.load(model_path)
    array = synthesize_dask(model, (side, side), chunks=TILE)
    graph = dict(array.__dask_graph__())
    crops = [a.nbytes for task in graph.values() for a in _arrays(task)]
    sizes = {"model_mb": len(pickle.dumps(model)) / 1e6, "tasks": len(graph),
             "field_crops_mb": sum(crops) / 1e6, "largest_crop_mb": max(crops) / 1e6}
    print(f"shipped: the model {sizes['model_mb']:.1f} MB (pickled as its file) to each "
          f"worker; each tile's crop of the coarsest field, at most "
          f"{sizes['largest_crop_mb']:.2f} MB ({sizes['field_crops_mb']:.0f} MB in all, "
          f"{len(crops)} tiles)", flush=True)
    return sizes


def _arrays(task) -> list[np.ndarray]:
    """The numpy arrays held in a graph task (the field crops), recursively."""
    if isinstance(task, np.ndarray):
        return [task]
    found = []
    for part in getattr(task, "args", None) or (task if isinstance(task, (list, tuple)) else []):
        found += _arrays(getattr(part, "value", part))
    return found


def recomputed(model_path: Path, side: int) -> dict:
    """How much of each stage the tiles compute, summed, over the stage's whole input: the
    halos make the tiles recompute part of their neighbours' work (most at coarse scales)."""
    import texto_cli
    from texto_cli.texture.synthesis import grid_size
    from texto_cli.texture.tiling import Span, plan

    model = texto_cli.load(model_path)
    coarse = grid_size(model, (side, side))
    canvas = (coarse[0] * model.config.zoom, coarse[1] * model.config.zoom)
    areas = np.zeros(len(model.stages))
    for r in range(0, canvas[0], TILE):
        for c in range(0, canvas[1], TILE):
            for k, (rows, cols) in enumerate(plan(model, coarse, Span(r, min(r + TILE, canvas[0])),
                                                  Span(c, min(c + TILE, canvas[1])))):
                areas[k] += (rows.stop - rows.start) * (cols.stop - cols.start)
    whole = np.array([coarse[0] * coarse[1] * st.spec.zoom ** 2 for st in model.stages])
    ratios = {st.spec.name: float(a / w) for st, a, w in zip(model.stages, areas, whole)}
    print("computed by the tiles / the stage's input, per stage: " + ", ".join(
        f"{name} {ratio:.2f}" for name, ratio in ratios.items())
        + f"; all stages, by area: {areas.sum() / whole.sum():.2f}", flush=True)
    return {"per_stage": ratios, "all": float(areas.sum() / whole.sum())}


def batch_fit(folder: Path, quick: bool) -> dict:
    inputs = folder / "exemplars"
    inputs.mkdir()
    for path in sorted(SAMPLES.glob("*.png")):
        shutil.copy(path, inputs / path.name)
    (inputs / "zz_broken.png").write_bytes(b"this is not an image")
    files = sorted(str(p) for p in inputs.iterdir())
    preset = ["--preset", "fast"] if quick else []
    found = {}
    for label, extra in (("one process, in turn", ["--keep-going"]),
                         ("dask local:2", ["--scheduler", "local:2"])):
        dest = folder / label.split()[0]
        t = time.perf_counter()
        r = subprocess.run(texto("fit", *files, "-O", str(dest), *preset, *extra),
                           capture_output=True, text=True)
        seconds = time.perf_counter() - t
        errors = [line for line in r.stderr.splitlines() if line.startswith("texto: error")]
        models = sorted(p.name for p in dest.glob("*.npz"))
        found[label] = {"seconds": seconds, "exit": r.returncode, "models": models, "errors": errors}
        print(f"| {label} | {seconds:.1f} | {len(models)} of {len(files)} | {r.returncode} |", flush=True)
        for line in errors:
            print(f"    {line}")
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2048x2048, the fast preset's fits")
    ap.add_argument("--model", type=Path, help="model to synthesise (default: fit cobbles)")
    ap.add_argument("--side", type=int, help="output side (default 8192; --quick 2048)")
    args = ap.parse_args(argv)
    side = args.side or (2048 if args.quick else 8192)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {cpu_model()}, {cores()}; load average {load_average()}", flush=True)
    row: dict = {"side": side, "tile": TILE}
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        folder = Path(tmp)
        model = args.model
        if model is None:
            model = folder / "cobbles.npz"
            subprocess.run(texto("fit", str(SAMPLES / "cobbles.png"), "-o", str(model), "-q",
                                 *(["--preset", "fast"] if args.quick else [])), check=True)
        print(f"\n{side}x{side} to PNG, tiles of {TILE}\n\n| run | seconds | peak MiB "
              f"(largest process) |\n|---|---|---|", flush=True)
        row["synthesis"] = synthesis_runs(model, side, folder)
        t1, t2 = (row["synthesis"][k]["seconds"] for k in ("dask local:1", "dask local:2"))
        print(f"\nscaling, dask local:1 / local:2: {t1 / t2:.2f}", flush=True)
        row["workers"] = worker_peaks(model, side, folder)
        row["shipped"] = shipped(model, side)
        row["recomputed"] = recomputed(model, side)
        print("\n| batch fit | seconds | models | exit |\n|---|---|---|---|", flush=True)
        row["batch_fit"] = batch_fit(folder, args.quick)
    (OUT / ("dask_quick.json" if args.quick else "dask.json")).write_text(json.dumps(row, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
