"""Peak memory and time of ``texto fit`` against the exemplar's size.

``python benchmarks/bench_fit_memory.py [--quick]``: exemplars of 256 to 4096 pixels a side
(cobbles, resized with Pillow's bicubic filter), each fitted by a fresh ``texto fit`` process
with the default preset and 20,000 samples per stage (memory does not depend on the
samples); prints the peak RSS, its growth per megapixel of exemplar, and the wall time.
The syntheses a fit samples from are at most ``fitting.SAMPLE_SIDE`` pixels a side, so
beyond that the peak grows only with the exemplar's own arrays (the decoded image and two
float32 pyramids).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from common import cores, cpu_model, load_average, run_measured

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="sides 256 and 1024 only")
    args = ap.parse_args(argv)
    sides = [256, 1024] if args.quick else [256, 512, 1024, 2048, 4096]
    print(f"machine: {cpu_model()}, {cores()}; load average {load_average()}")
    sample = Image.open(ROOT / "sample_textures" / "cobbles.png").convert("RGB")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for side in sides:
            exemplar = Path(tmp) / f"cobbles_{side}.png"
            sample.resize((side, side), Image.BICUBIC).save(exemplar)
            seconds, peak = run_measured([sys.executable, "-m", "texto_cli", "fit", str(exemplar),
                                          "-o", str(Path(tmp) / "m.npz"), "--iters", "20000", "-q"])
            rows.append({"side": side, "megapixels": side * side / 1e6, "peak_mib": peak,
                         "seconds": seconds})
            print(f"  {side:>5}x{side:<5} peak {peak:7.0f} MiB  fit {seconds:6.1f} s", flush=True)
    print("\n| exemplar | megapixels | peak RSS | fit time |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['side']}x{r['side']} | {r['megapixels']:.2f} | {r['peak_mib']:.0f} MiB | "
              f"{r['seconds']:.1f} s |")
    mp = np.array([r["megapixels"] for r in rows])
    slope, intercept = np.polyfit(mp, [r["peak_mib"] for r in rows], 1)
    print(f"\npeak RSS ~ {intercept:.0f} MiB + {slope:.0f} MiB per megapixel of exemplar "
          f"(least squares over the {len(rows)} sizes)")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"fit_memory{'_quick' if args.quick else ''}.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
