"""Held-out benchmark: the quality measures against a genuine unseen sample (issue #3).

Run ``python benchmarks/bench_heldout.py [--quick] [--samples a,b] [--out DIR]``.

The exemplar is all there is of a texture, so bench_quality.py cannot say how far a
*genuine* new sample of it would score. This bench makes one: every sample is cut
into its left and right halves, and the left half plays the exemplar.

* the default and ``fast`` models are fitted to the left half only;
* their outputs (the size of the right half, seeds 1, 2, 3), the ADSN field of the
  left half (same seeds) and the right half itself, a genuine piece of the same
  texture that no model saw, are measured against the left half with
  ``metrics.quality_report`` (SW, NN, COH, DET as in bench_quality.py; the mean over
  the seeds).

The genuine column is the yardstick: a synthesis as good as the texture itself
scores about what it scores. A nearest-patch distance (NN) far *below* it is not
sharpness but blur or copying: on noisy textures a blurred patch sits nearer the
exemplar's patches than a sharp one (``--blur`` adds the right half blurred by a
Gaussian of that many pixels as a fifth column to show it). The fine-detail ratio
(DET) measures sharpness directly. The last column, ``NN step``, is the default's
outputs after one step of the descent that lowers NN by construction: every 7x7 patch
is replaced by its nearest patch of the left half (exact search) and the overlapping
replacements are averaged (texture optimisation, Kwatra et al. 2005). How far DET falls
with NN there says whether a lower NN can be had without blur on that texture.

Prints one table per measure (rows: textures; columns: genuine, default, fast,
ADSN) and, per texture, whether the default and fast outputs are below the genuine
NN and which keeps more fine detail. Writes ``DIR/heldout.json`` and a contact sheet
``DIR/sheet_<name>.png`` (left half | right half | default | fast | ADSN, seed 1).
``--quick``: brick and cobbles with bench_quality's small models, about 30 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter
from bench_quality import (METRICS, QUICK_OPTIONS, ROOT, SAMPLES, SEEDS, chosen_samples,
                           contact_sheet, fmt, log)
from common import load_average

import texto_cli
from texto_cli.image.adsn import adsn_field
from texto_cli.image.io import read_image, write_image
from texto_cli.metrics import PATCH, _exemplar_patches, _nearest, _patch_view, quality_report
from texto_cli.image.patches import aggregate

COLUMNS = ["genuine", "default", "fast", "adsn"]


def nearest_patch_step(exemplar: np.ndarray, image: np.ndarray, patch: int = PATCH) -> np.ndarray:
    """One texture-optimisation step: each patch x patch patch of ``image`` (H, W, C) is
    replaced by its nearest ``exemplar`` patch and the replacements are averaged."""
    base, grid_w = _exemplar_patches(exemplar, patch)
    view = _patch_view(image, patch)
    queries = np.ascontiguousarray(view.reshape(view.shape[0] * view.shape[1], -1))
    index = _nearest(queries, base).reshape(view.shape[:2])
    positions = np.stack(np.divmod(np.arange(len(base)), grid_w), axis=1)
    return aggregate(exemplar, positions, index, patch)


def measure(name: str, options: dict, blur: float | None) -> tuple[dict, dict, list]:
    """Per column, the mean quality_report over its outputs; fit seconds; sheet panels."""
    ex, _ = read_image(SAMPLES / f"{name}.png")
    ex = ex[:, :, None] if ex.ndim == 2 else ex
    half = ex.shape[1] // 2
    left, right = np.ascontiguousarray(ex[:, :half]), np.ascontiguousarray(ex[:, half:])
    size = (right.shape[1], right.shape[0])
    outputs: dict[str, list[np.ndarray]] = {"genuine": [right]}
    fit_seconds = {}
    for preset in ("default", "fast"):
        t0 = time.perf_counter()
        model = texto_cli.fit(left, preset=preset, **options)
        fit_seconds[preset] = time.perf_counter() - t0
        outputs[preset] = [model.synthesize(size, seed=s) for s in SEEDS]
    outputs["adsn"] = [np.clip(adsn_field(left, right.shape[:2], np.random.default_rng(s)), 0, 1)
                       for s in SEEDS]
    if blur:  # a Gaussian cut at 3 sigma, mirrored borders
        outputs[f"blur {blur:g}"] = [gaussian_filter(right, (blur, blur, 0), mode="reflect",
                                                     truncate=3.0)]
    outputs["NN step"] = [nearest_patch_step(left, im.reshape(im.shape[0], im.shape[1], -1))
                          for im in outputs["default"]]
    scores = {}
    for column, images in outputs.items():
        reports = [quality_report(left, im) for im in images]
        scores[column] = {k: float(np.mean([r[k] for r in reports])) for k in reports[0]}
    panels = [("left half (exemplar)", left), ("right half (genuine)", right),
              ("default", outputs["default"][0]), ("fast", outputs["fast"][0]),
              ("ADSN", outputs["adsn"][0])]
    return scores, fit_seconds, panels


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 textures, small models")
    ap.add_argument("--samples", help="comma-separated texture names (default: all)")
    ap.add_argument("--blur", type=float, default=0.7,
                    help="also measure the right half blurred by this Gaussian sigma (0: no)")
    ap.add_argument("--out", help="output folder (default benchmarks/out/heldout[_quick])")
    args = ap.parse_args(argv)
    names = chosen_samples(ap, args)
    options = dict(QUICK_OPTIONS) if args.quick else {}
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "out" / (
        "heldout_quick" if args.quick else "heldout")
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    log(f"held-out benchmark: {len(names)} textures, models fitted on the left half, "
        f"seeds {SEEDS}; load average {load_average()}")
    results = {}
    for name in names:
        scores, fit_seconds, panels = measure(name, options, args.blur or None)
        results[name] = {"scores": scores, "fit_seconds": fit_seconds}
        write_image(out / f"sheet_{name}.png", contact_sheet(panels))
        log(f"  {name}: fits " + ", ".join(f"{p} {s:.1f} s" for p, s in fit_seconds.items()))

    columns = list(next(iter(results.values()))["scores"])
    lines = []
    for key, short, title in METRICS:
        lines += [f"{short}: {title}", f"{'texture':<10} " + " ".join(f"{c:>9}" for c in columns)]
        lines += [f"{n:<10} " + " ".join(fmt(results[n]["scores"][c][key]) for c in columns)
                  for n in names] + [""]
    lines.append("per texture: NN below the genuine sample's (blur or copying), fine detail")
    for n in names:
        s = results[n]["scores"]
        nn, det = "nearest_patch_distance", "fine_detail_ratio"
        below = [c for c in ("default", "fast") if s[c][nn] < s["genuine"][nn]]
        results[n]["nn_below_genuine"] = below
        lines.append(f"{n}: NN below genuine: {', '.join(below) or 'neither'}; "
                     f"DET default {s['default'][det]:.2f}, fast {s['fast'][det]:.2f}, "
                     f"genuine {s['genuine'][det]:.2f}")
    total = time.perf_counter() - started
    log("\n" + "\n".join(lines))
    log(f"\nload average at end: {load_average()}; total {total:.1f} s; wrote {out}/heldout.json")
    (out / "heldout.json").write_text(json.dumps(
        {"quick": args.quick, "seeds": SEEDS, "fit_options": options, "blur": args.blur,
         "total_seconds": total, "textures": results, "tables": lines}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
