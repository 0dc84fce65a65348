"""Speed of texto (issue 4): synthesis and fit times, cost against output size, peak
memory, and the speed-up of the exact multi-layer transport over brute force.

    python benchmarks/bench_speed.py [--quick] [--exemplar PNG] [--refit]

Prints, in one run on one machine:

1. synthesis seconds at 512², 1024², 1280x768, 2048² and 4096² for the default
   model and the fast preset of one 256x256 exemplar, in process (median of
   several runs after a warm-up run; numba threads as configured) and as a whole
   ``texto synthesize`` process with a warm numba cache (median of 3-5 runs), and
   4096² against 16 x 1024² (cost linear in pixels), also as 3 pairs measured back
   to back in one process, so that both sides of each ratio see the same machine load;
2. peak memory (maximum resident set size of the process) of ``texto synthesize``
   at 4096², in memory and by tiles;
3. fit seconds per stage (the model's own diagnostics, ``texto inspect --json``)
   and the whole ``texto fit`` wall time when the models are fitted by this run;
4. the finest-scale transport of the default model against a brute-force
   one-layer assignment of the same patches by numpy/BLAS (argmin over
   ``|y|^2 - 2 x.y - v`` in float32 blocks), as patches per second and a ratio;
5. the first run with a cold numba cache (a fresh cache directory): whole-process
   ``texto synthesize`` seconds, compilation included.

Models are fitted once into benchmarks/out/speed/ and reused (``--refit`` fits
again). ``--quick`` (about a minute once models exist, on an idle machine): small models
(few iterations), sizes 512² and 1280x768 only, 2 runs each, no 4096², no peak
memory and no cold-cache run.
The machine is shared: timings are medians, and the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import cores, cpu_model, load_average, loads, run_measured

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "speed"
TEXTO = [sys.executable, "-m", "texto_cli"]


def machine() -> str:
    import numba

    return (f"{cpu_model()}, {cores()}, numba {numba.__version__} with "
            f"{numba.config.NUMBA_NUM_THREADS} threads, numpy {np.__version__}, "
            f"Python {platform.python_version()}")


def fit_model(exemplar: Path, preset: str, quick: bool, refit: bool) -> tuple[Path, float | None]:
    name = f"{exemplar.stem}_{preset}{'_quick' if quick else ''}.npz"
    path = OUT / name
    options = {"iters": 20000} if quick else {}
    if loads(path, preset, **options) and not refit:
        return path, None
    extra = [arg for name, value in options.items() for arg in (f"--{name}", str(value))]
    seconds, _ = run_measured(TEXTO + ["fit", str(exemplar), "-o", str(path), "--preset", preset,
                                       "-q", *extra])
    return path, seconds


def size_label(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def in_process(model_path: Path, sizes: list[tuple[int, int]], runs: int) -> dict:
    """Median in-process seconds of ``Model.synthesize`` per size (after a warm-up)."""
    from texto_cli import load

    model = load(model_path)
    model.synthesize((256, 256), seed=0)  # warm-up: kernels loaded, indexes built
    out = {}
    for size in sizes:
        n = runs if size[0] * size[1] <= 2048 * 2048 else max(1, runs // 2)
        times = []
        for r in range(n):
            t0 = time.perf_counter()
            model.synthesize(size, seed=r)
            times.append(time.perf_counter() - t0)
        out[size] = statistics.median(times)
    return out


def linearity(model_path: Path, pairs: int = 3) -> list[float]:
    """4096² seconds / (16 x 1024² seconds) for ``pairs`` pairs measured back to back in
    one process (each 1024² time a median of 4): the shared machine's load drifts over a
    run, and a ratio of times taken minutes apart measures that drift too."""
    from texto_cli import load

    model = load(model_path)
    model.synthesize((256, 256), seed=0)

    def seconds(size: tuple[int, int], seed: int) -> float:
        t0 = time.perf_counter()
        model.synthesize(size, seed=seed)
        return time.perf_counter() - t0

    return [seconds((4096, 4096), p) / (16 * statistics.median(seconds((1024, 1024), r)
                                                                for r in range(4)))
            for p in range(pairs)]


def whole_process(model_path: Path, sizes: list[tuple[int, int]], runs: int, tmp: Path) -> dict:
    out = {}
    for size in sizes:
        n = runs if size[0] * size[1] <= 2048 * 2048 else max(1, min(runs, 2))
        times = [run_measured(TEXTO + ["synthesize", str(model_path), "--size", size_label(size),
                                       "-o", str(tmp / "out.png"), "-q", "--seed", str(r)])[0]
                 for r in range(n)]
        out[size] = statistics.median(times)
    return out


def brute_force_ratio(model_path: Path, size: tuple[int, int], n_patches: int) -> dict:
    """Finest 7x7 stage of ``model``: our transport of the patches of a crop of the
    image it transports, against a one-layer numpy/BLAS argmin over the J leaf
    targets with their weights, on the same patches."""
    from texto_cli.image import patches
    from texto_cli.texture import synthesis
    from texto_cli import load

    from texto_cli.texture.stage import FINEST

    model = load(model_path)
    k = next(k for k, st in enumerate(model.stages) if st.spec.kind == FINEST)
    st = model.stages[k]
    w = st.spec.patch
    rng = np.random.default_rng(0)
    image = synthesis.run(model, synthesis.grid_size(model, size), rng, stages=model.stages[:k],
                          gains=False)
    side = int(np.sqrt(n_patches))
    crop = np.ascontiguousarray(image[:side + w - 1, :side + w - 1])
    patches.transport(crop[:32, :32], w, st.ot)  # warm-up
    ours = []
    for _ in range(3):
        t0 = time.perf_counter()
        index = patches.transport(crop, w, st.ot)
        ours.append(time.perf_counter() - t0)
    rows, cols = np.divmod(np.arange(side * side), side)
    x = patches.extract(crop, rows, cols, w)
    t = st.ot.tree
    y = t.centers[t.leaves]  # (J, D) float32, target order
    yy = np.einsum("ij,ij->i", y, y)
    v = st.ot.leaf_weights.astype(np.float32)
    bias = yy - v
    brute = []
    for _ in range(2):
        t0 = time.perf_counter()
        labels = np.empty(len(x), dtype=np.int64)
        for a in range(0, len(x), 4096):
            scores = x[a:a + 4096] @ y.T
            scores *= -2.0
            scores += bias
            labels[a:a + 4096] = scores.argmin(axis=1)
        brute.append(time.perf_counter() - t0)
    n = side * side
    agree = float((index.reshape(-1) == labels).mean())
    return {"patches": n, "J": len(y), "D": y.shape[1], "layers": st.ot.layers,
            "ours_per_s": n / statistics.median(ours), "brute_per_s": n / statistics.median(brute),
            "ratio": statistics.median(brute) / statistics.median(ours), "same_cell": agree}


def brute_force_in_subprocess(model_path: Path, size: tuple[int, int], n_patches: int) -> dict:
    """``brute_force_ratio`` in a fresh process whose BLAS may use every core (the
    baseline must not be handicapped by a thread limit inherited from the caller)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(os.cpu_count() or 1))
    r = subprocess.run([sys.executable, __file__, "--brute-worker", str(model_path),
                        size_label(size), str(n_patches)], check=True, capture_output=True,
                       text=True, env=env)
    return json.loads(r.stdout.strip().splitlines()[-1])


def cold_start(model_path: Path, tmp: Path) -> float:
    """Whole-process synthesis at 1280x768 with an empty numba cache."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp / "cold_numba_cache"))
    seconds, _ = run_measured(TEXTO + ["synthesize", str(model_path), "--size", "1280x768", "-o",
                                       str(tmp / "cold.png"), "-q"], env=env)
    return seconds


def fit_stages(model_path: Path) -> list[dict]:
    r = subprocess.run(TEXTO + ["inspect", str(model_path), "--json"], check=True,
                       capture_output=True, text=True)
    return json.loads(r.stdout)["stages"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run (< 60 s once models exist)")
    ap.add_argument("--exemplar", type=Path, default=ROOT / "sample_textures" / "cobbles.png")
    ap.add_argument("--refit", action="store_true", help="fit the models again")
    ap.add_argument("--brute-worker", nargs=3, metavar=("MODEL", "SIZE", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.brute_worker:
        model, size, n = args.brute_worker
        w, h = (int(v) for v in size.split("x"))
        print(json.dumps(brute_force_ratio(Path(model), (w, h), int(n))))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"machine: {machine()}")
    print(f"load average at start: {load_average()} (the machine is shared; figures are medians)")

    if args.quick:
        sizes = [(512, 512), (1280, 768)]
        runs_in, runs_proc = 2, 2
    else:
        sizes = [(512, 512), (1024, 1024), (1280, 768), (2048, 2048), (4096, 4096)]
        runs_in, runs_proc = 5, 5

    models, fit_wall = {}, {}
    for preset in ("default", "fast"):
        models[preset], fit_wall[preset] = fit_model(args.exemplar, preset, args.quick, args.refit)

    # warm the numba cache for the whole-process runs
    with tempfile.TemporaryDirectory(dir=OUT) as tmpdir:
        tmp = Path(tmpdir)
        for preset in models:
            run_measured(TEXTO + ["synthesize", str(models[preset]), "--size", "256x256", "-o",
                                  str(tmp / "warm.png"), "-q"])

        print(f"\n1. synthesis seconds ({args.exemplar.name}; in process: median of {runs_in} "
              f"after warm-up, {max(1, runs_in // 2)} above 2048²; whole process: median of "
              f"{runs_proc}, 2 at 4096²)")
        head = f"{'model':<9}{'size':>11}{'in process':>12}{'process':>10}{'Mpix/s':>8}"
        print(head)
        results = {}
        for preset, path in models.items():
            inproc = in_process(path, sizes, runs_in)
            proc = whole_process(path, sizes, runs_proc, tmp)
            results[preset] = (inproc, proc)
            for size in sizes:
                mpix = size[0] * size[1] / 1e6 / inproc[size]
                print(f"{preset:<9}{size_label(size):>11}{inproc[size]:>12.2f}{proc[size]:>10.2f}"
                      f"{mpix:>8.2f}")
        if (4096, 4096) in sizes:
            print("cost against pixels: 4096² time / (16 x 1024² time), target <= 1.2")
            for preset, (inproc, proc) in results.items():
                print(f"  {preset:<8} in process {inproc[(4096, 4096)] / (16 * inproc[(1024, 1024)]):.2f}"
                      f"   whole process {proc[(4096, 4096)] / (16 * proc[(1024, 1024)]):.2f}")
            for preset, path in models.items():
                ratios = linearity(path)
                print(f"  {preset:<8} in process, {len(ratios)} pairs back to back: median "
                      f"{statistics.median(ratios):.2f} ({', '.join(f'{r:.2f}' for r in ratios)})")

        if not args.quick:
            print("\n2. peak memory of `texto synthesize` at 4096x4096 (max RSS of the process)")
            for preset, path in models.items():
                for label, extra in (("in memory", []), ("tiles of 1024", ["--tile", "1024"])):
                    seconds, peak = run_measured(TEXTO + ["synthesize", str(path), "--size",
                                                          "4096x4096", "-o", str(tmp / "big.png"),
                                                          "-q", *extra])
                    print(f"  {preset:<8} {label:<14} {peak:7.0f} MB  {seconds:6.2f} s")

        print("\n3. fit seconds per stage (from the model; 'train' is the ASGD kernel alone)")
        for preset, path in models.items():
            stages = fit_stages(path)
            wall = f", whole `texto fit` {fit_wall[preset]:.1f} s wall" if fit_wall[preset] else \
                " (model fitted by an earlier run; --refit to time `texto fit`)"
            total = sum(s["seconds"] for s in stages)
            print(f"  {preset}: {total:.1f} s in stages{wall}")
            for s in stages:
                print(f"    {s['name']:<9} {s['patch']}x{s['patch']} J={s['targets']:<6} "
                      f"layers={s['layers']} {s['seconds']:6.1f} s  mass error {s['mass_l1']:.3f} "
                      f"(floor {s['noise_floor']:.3f})")

        print("\n4. finest-scale transport against a brute-force one-layer numpy/BLAS argmin "
          "(BLAS on all cores)")
        r = brute_force_in_subprocess(models["default"], (1280, 768), 8192 if args.quick else 65536)
        print(f"  {r['patches']} patches of D={r['D']} against J={r['J']} targets: ours "
              f"({r['layers']} layers, tree descent) {r['ours_per_s'] / 1e3:.0f}k patches/s, "
              f"brute force {r['brute_per_s'] / 1e3:.0f}k patches/s: ratio {r['ratio']:.1f}x "
              f"(same cell for {100 * r['same_cell']:.0f}% of patches: the multi-layer map is not "
              f"the one-layer map)")

        if not args.quick:
            print("\n5. first run with a cold numba cache (1280x768, default model, whole process)")
            print(f"  {cold_start(models['default'], tmp):.1f} s (compilation included)")

    print(f"\nload average at end: {load_average()}; bench took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
