"""Inpainting: texto against two baselines, on holes cut in the sample textures.

``python benchmarks/bench_inpaint.py [--quick] [--samples a,b] [--iters N] [--out DIR]``.

Each sample gets three holes: a centred square of 25% of the area, an irregular blob and a
40-pixel strip along its right border. For each, a model is fitted on the known part
(``texto_cli.api.plan_inpaint``: default preset, ``--iters`` samples per stage), and the
hole is filled by:

* texto: ``texto_cli.inpaint`` with that model;
* Gaussian: the conditional Gaussian start alone, at full resolution
  (``inpainting.prefill``: the known pixels' ADSN field conditioned on a band around the
  hole);
* pasted: a plain synthesis of the same model, the image's size, pasted into the hole.

Measures (``texto_cli.metrics``): the patch sliced-Wasserstein distance of the filled region
to the known region (mean over the pyramid levels where both hold patches; lower is closer;
the untouched image's own figure, "genuine", is the yardstick: the real content of the hole
against the rest), the seam ratio (mean gradient on the hole's boundary ring over the mean
gradient elsewhere; 1 = no visible edge), and the seconds each fill took. Pictures of every
fill go to ``OUT/<sample>_<mask>.png``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from common import cores, cpu_model, load_average

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_textures"
METHODS = ("texto", "gaussian", "pasted", "genuine")


def masks(shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """The three holes, (H, W) bool True = fill."""
    H, W = shape
    square = np.zeros(shape, bool)
    square[H // 4:H // 4 + H // 2, W // 4:W // 4 + W // 2] = True
    yy, xx = np.mgrid[:H, :W] / max(H, W)
    blob = np.zeros(shape)
    for cy, cx, r in ((0.40, 0.45, 0.16), (0.58, 0.60, 0.13), (0.52, 0.32, 0.10), (0.30, 0.62, 0.09)):
        blob += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    blob += 0.25 * np.sin(23 * xx) * np.sin(17 * yy)
    strip = np.zeros(shape, bool)
    strip[:, W - 40:] = True
    return {"square": square, "blob": blob > 0.9, "border": strip}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 samples, 100,000 samples per stage")
    ap.add_argument("--samples", help="comma-separated sample names (default: all)")
    ap.add_argument("--iters", type=int, help="fit samples per stage (default: the preset's)")
    ap.add_argument("--out", type=Path, help="output folder (default benchmarks/out/inpaint)")
    args = ap.parse_args(argv)

    import texto_cli
    from texto_cli.image.io import read_image, write_image
    from texto_cli.metrics import region_sliced_wasserstein, seam_ratio
    from texto_cli.texture.inpainting import prefill

    names = args.samples.split(",") if args.samples else \
        (["cobbles", "gravel"] if args.quick else sorted(p.stem for p in SAMPLES.glob("*.png")))
    iters = args.iters or (100_000 if args.quick else None)
    out = args.out or ROOT / "benchmarks" / "out" / ("inpaint_quick" if args.quick else "inpaint")
    out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {cpu_model()}, {cores()}; load average {load_average()}; "
          f"fit samples per stage: {iters or 'default'}", flush=True)
    options = {} if iters is None else {"iters": iters}
    rows = []
    for name in names:
        image, _ = read_image(SAMPLES / f"{name}.png")
        for kind, hole in masks(image.shape[:2]).items():
            plan = texto_cli.plan_inpaint(image, hole, None, seed=1, **options)
            t0 = time.perf_counter()
            plan.model = plan.fit()
            fit_seconds = time.perf_counter() - t0
            fills, seconds = {}, {}
            t0 = time.perf_counter()
            fills["texto"] = plan.run()
            seconds["texto"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            fills["gaussian"] = np.clip(prefill(image, ~hole, seed=1), 0, 1)
            seconds["gaussian"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            synth = plan.model.synthesize(image.shape[1::-1], seed=1)
            fills["pasted"] = np.where(hole[:, :, None], synth, image)
            seconds["pasted"] = time.perf_counter() - t0
            fills["genuine"], seconds["genuine"] = image, 0.0
            row = {"sample": name, "mask": kind, "hole_share": float(hole.mean()),
                   "fit_seconds": fit_seconds}
            for m in METHODS:
                sw = region_sliced_wasserstein(fills[m], hole, ~hole)
                row[m] = {"sw": float(np.mean(sw)), "sw_levels": len(sw),
                          "seam": seam_ratio(fills[m], hole), "seconds": seconds[m]}
            rows.append(row)
            write_image(out / f"{name}_{kind}.png", np.concatenate(
                [np.where(hole[:, :, None], 0.0, image)] + [fills[m] for m in METHODS[:3]], axis=1))
            print(f"  {name:<11} {kind:<7} hole {100 * hole.mean():4.1f}%  fit {fit_seconds:5.1f} s  "
                  + "  ".join(f"{m} SW {row[m]['sw']:.4f} seam {row[m]['seam']:.2f}"
                              for m in METHODS), flush=True)
    (out / "inpaint.json").write_text(json.dumps(rows, indent=2))

    print("\n| sample | hole | SW texto | SW Gaussian | SW pasted | SW genuine | seam texto "
          "| seam Gaussian | seam pasted | seam genuine | fill s texto / Gaussian / pasted |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['sample']} | {r['mask']} | " + " | ".join(f"{r[m]['sw']:.4f}" for m in METHODS)
              + " | " + " | ".join(f"{r[m]['seam']:.2f}" for m in METHODS) + " | "
              + " / ".join(f"{r[m]['seconds']:.2f}" for m in METHODS[:3]) + " |")
    below = sum(r["texto"]["sw"] < min(r["gaussian"]["sw"], r["pasted"]["sw"]) for r in rows)
    seams = sum(0.8 <= r["texto"]["seam"] <= 1.2 for r in rows)
    print(f"\ntexto below both baselines on SW: {below} of {len(rows)}; "
          f"seam within 0.8-1.2: {seams} of {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
