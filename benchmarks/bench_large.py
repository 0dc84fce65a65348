"""Large outputs in bounded memory: time and peak memory of `texto synthesize` at
4096², 8192² and 16384² (issue 7), each as a whole process.

Peak memory is the maximum resident set size of the process (getrusage of the
child). The tiled path (bands and tiles of 1024 pixels, the default above 4096²)
is used at every size here; at 4096² the in-memory path is measured beside it.

    python benchmarks/bench_large.py [--quick] [--model M.npz] [--sizes 4096,8192,16384]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import cores, cpu_model, loads, run_measured

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "large"


def measure(model: Path, size: int, extra: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one ``texto synthesize`` of size x size."""
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        return run_measured([sys.executable, "-m", "texto_cli", "synthesize", str(model),
                             "--size", f"{size}x{size}", "-o", str(Path(tmp) / "big.png"),
                             "--quiet", *extra])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small model, sizes 1024 and 2048")
    ap.add_argument("--model", type=Path, help="model to use (default: fit cobbles)")
    ap.add_argument("--sizes", default=None, help="comma-separated output sides")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {cpu_model()}, {cores()}")
    model = args.model
    if model is None:
        model = OUT / ("cobbles_quick.npz" if args.quick else "cobbles.npz")
        options = {"iters": 20000, "targets": [200, 400, 800, 1600], "detail": False} \
            if args.quick else {}
        if not loads(model, "default", **options):
            import texto_cli

            texto_cli.fit(ROOT / "sample_textures" / "cobbles.png", **options).save(model)
    sizes = [int(s) for s in (args.sizes or ("1024,2048" if args.quick else "4096,8192,16384")).split(",")]
    # warm the numba cache so that no run pays for compilation
    measure(model, 256, [])
    rows = []
    for side in sizes:
        for label, extra in (("tiled", ["--tile", "1024"]),) + ((("in-memory", []),) if side <= 4096 else ()):
            seconds, peak = measure(model, side, extra)
            mp = side * side / 1e6
            rows.append((f"{side}x{side}", label, seconds, seconds / mp, peak))
            print(f"  {side}x{side} {label}: {seconds:.1f} s, peak {peak:.0f} MiB", flush=True)
    print()
    print(f"{'size':>12} {'path':>10} {'seconds':>9} {'s/Mpixel':>9} {'peak MiB':>9}")
    for size, label, seconds, per_mp, peak in rows:
        print(f"{size:>12} {label:>10} {seconds:9.1f} {per_mp:9.3f} {peak:9.0f}")
    full_float = {s: s * s * 3 * 4 / 2 ** 20 for s in sizes}
    print("(a full float32 RGB image would take " +
          ", ".join(f"{v:.0f} MiB at {s}²" for s, v in full_float.items()) + ")")


if __name__ == "__main__":
    main()
