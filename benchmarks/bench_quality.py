"""Quality benchmark of the texture model (issue #3, DESIGN.md section 5).

Run ``python benchmarks/bench_quality.py [--quick] [--samples a,b] [--size 512]
[--out DIR] [--refit]``.

For every exemplar of ``sample_textures/*.png`` (or the ``--samples`` names):

* fit the default model (``texto_cli.fit(path)``) and the ``fast`` preset
  model, saved as ``DIR/models/<name>_<preset>.npz``; a saved model is reused
  (and its stored fit time reported) when it exists, loads, was fitted with the
  same configuration on the same exemplar, and ``--refit`` is not given;
* synthesise ``size x size`` images from each with seeds 1, 2 and 3, and time
  the first (after a tiny warm-up synthesis, so numba cache loading is not counted);
* build the baselines: the ADSN Gaussian field (the same seeds, clipped to [0, 1])
  and the verbatim tiling of the exemplar;
* ``texto_cli.metrics.quality_report`` on every output, averaged over the seeds: sliced
  Wasserstein distance of 7x7 patches over 4 pyramid levels (SW, lower is
  closer), median distance to the nearest exemplar patch (NN, copying drives it
  to 0; blur raises it on structured textures but lowers it on noisy ones, see
  bench_heldout.py), verbatim-copy coherence (COH, ~1 for copies) and the
  fine-detail ratio (DET, finest-octave RMS over the exemplar's: < 1 = blurred).

Prints one table per metric (rows: textures, then the median over textures;
columns: default / fast / ADSN / tiling; each a mean over the seeds), the timings,
and a verdict line per texture.  Writes to DIR: ``quality.json`` (everything
printed, and every seed's measures), the seed-1 outputs
``images/<name>_<method>.png``, one contact sheet ``sheet_<name>.png`` per
texture and ``overview.png``.

Contact sheet layout, left to right, each panel 1:1 (no resampling), with a
label strip on top: exemplar (256x256, centred on gray) | default | fast |
ADSN.  Overview: one row per texture, exemplar | default synthesis, both at
the same scale (shrunk together only if the PNG would exceed 2 MB).

``--quick``: 2 textures (brick, cobbles), 256x256 outputs and small models
(iters=20000, targets=200,400,800,1600, detail_targets=500, for both presets);
a smoke check: about 50 s on the 2-core machine with the compiled kernels cached
(about a minute more when numba compiles them first, e.g. after a kernel module
changed).  Its default output folder is ``benchmarks/out/quality_quick``, so it
never overwrites the full run's results.

Timings are wall-clock on a shared machine: the load average is printed at the
start and the end, since other processes slow fitting and synthesis.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from common import current_format, load_average

import texto_cli
from texto_cli.image.adsn import adsn_field
from texto_cli.config import make_config
from texto_cli.errors import TextoError
from texto_cli.image.io import read_image, write_image
from texto_cli.metrics import quality_report, tile_exemplar
from texto_cli.texture.model import Model

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_textures"
ORDER = ["brick", "grass", "gravel", "deep_field", "cobbles", "marble", "fabric"]
QUICK_SAMPLES = ["brick", "cobbles"]
QUICK_OPTIONS = {"iters": 20000, "targets": [200, 400, 800, 1600], "detail_targets": 500}
PRESETS = ["default", "fast"]
METHODS = ["default", "fast", "adsn", "tiling"]
COLUMN = {"default": "default", "fast": "fast", "adsn": "ADSN", "tiling": "tiling"}
METRICS = [
    ("sliced_wasserstein", "SW", "sliced Wasserstein, 7x7 patches, 4 levels (lower = closer)"),
    ("nearest_patch_distance", "NN",
     "median nearest-exemplar-patch distance (copies -> 0; blur lowers it on noisy textures)"),
    ("copy_coherence", "COH", "verbatim-copy coherence (~1 = copied blocks)"),
    ("fine_detail_ratio", "DET", "finest-octave RMS / the exemplar's (1 = as sharp, < 1 = blurred)"),
]
SEEDS = (1, 2, 3)  # one synthesis per seed and method; the tables give their mean
COH_RATIO = 0.6          # "default coherence well below tiling's": < 0.6 x tiling
OVERVIEW_MAX_BYTES = 2_000_000


def log(msg: str = "") -> None:
    print(msg, flush=True)


def available_samples() -> list[str]:
    names = sorted(p.stem for p in SAMPLES.glob("*.png"))
    return [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]


def chosen_samples(ap: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The sample names a bench runs on: ``--samples`` (unknown names are an argparse
    error), else QUICK_SAMPLES with ``--quick``, else all of them."""
    names = available_samples()
    if args.samples:
        wanted = [s.strip() for s in args.samples.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in names]
        if unknown:
            ap.error(f"unknown sample(s) {', '.join(unknown)}; available: {', '.join(names)}")
        return wanted
    if args.quick:
        return [n for n in QUICK_SAMPLES if n in names] or names[:2]
    return names


# --------------------------------------------------------------------------- models


def get_model(path: Path, name: str, preset: str, exemplar: np.ndarray, options: dict,
              out_dir: Path, refit: bool) -> tuple[Model, float, bool]:
    """(model, fit seconds, reused?). Reuses out_dir/models/<name>_<preset>.npz if valid."""
    model_path = out_dir / "models" / f"{name}_{preset}.npz"
    want = make_config(preset, **options)
    if model_path.exists() and not refit:
        why = None
        try:
            model = Model.load(model_path)
        except TextoError as e:
            model, why = None, f"cannot load ({e})"
        if model is not None:
            if model.config != want:
                why = "configuration differs"
            elif not current_format(model_path):
                why = "older model format"
            elif model.pyramid[0].shape != exemplar.shape or \
                    not np.allclose(model.pyramid[0], exemplar, atol=1e-6):
                why = "exemplar differs"
        if why is None:
            return model, float(model.fit_seconds), True
        log(f"  {name}/{preset}: saved model not reused: {why}")
    t0 = time.perf_counter()
    model = texto_cli.fit(path, preset=preset, **options)
    seconds = time.perf_counter() - t0
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model.save(model_path)
    return model, seconds, False


def timed_syntheses(model: Model, size: int) -> tuple[list[np.ndarray], float]:
    """One size x size synthesis per seed of SEEDS, and the seconds the first took."""
    side = model.config.zoom * max(st.spec.patch for st in model.stages)
    model.synthesize((side, side), seed=0)  # warm-up: numba cache loading, first-call costs
    t0 = time.perf_counter()
    images = [model.synthesize((size, size), seed=SEEDS[0])]
    seconds = time.perf_counter() - t0
    return images + [model.synthesize((size, size), seed=s) for s in SEEDS[1:]], seconds


# --------------------------------------------------------------------------- pictures


def _rgb(img: np.ndarray) -> np.ndarray:
    img = np.asarray(img, dtype=np.float32)
    if img.ndim == 2:
        img = img[:, :, None]
    c = img.shape[2]
    if c == 1:
        return np.repeat(img, 3, axis=2)
    if c == 2:
        return np.repeat(img[:, :, :1], 3, axis=2)
    return img[:, :, :3]


def _label_strip(text: str, width: int, height: int = 18) -> np.ndarray:
    from PIL import Image, ImageDraw

    strip = Image.new("RGB", (width, height), (255, 255, 255))
    ImageDraw.Draw(strip).text((4, 3), text, fill=(0, 0, 0))
    return np.asarray(strip, dtype=np.float32) / 255.0


def _centred(img: np.ndarray, h: int, w: int, fill: float = 0.5) -> np.ndarray:
    out = np.full((h, w, 3), fill, dtype=np.float32)
    ih, iw = min(img.shape[0], h), min(img.shape[1], w)
    r, c = (h - ih) // 2, (w - iw) // 2
    out[r:r + ih, c:c + iw] = img[:ih, :iw]
    return out


def contact_sheet(panels: list[tuple[str, np.ndarray]], gap: int = 4) -> np.ndarray:
    """Panels side by side at 1:1, each with a label strip on top, white gaps."""
    h = max(p.shape[0] for _, p in panels)
    w = max(p.shape[1] for _, p in panels)
    cols = []
    for label, img in panels:
        cols.append(np.concatenate([_label_strip(label, w), _centred(_rgb(img), h, w)], axis=0))
        cols.append(np.ones((h + 18, gap, 3), dtype=np.float32))
    return np.concatenate(cols[:-1], axis=1)


def _shrink(img: np.ndarray, factor: float) -> np.ndarray:
    from PIL import Image

    h, w = img.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    pil = Image.fromarray((np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8))
    return np.asarray(pil.resize(size, Image.LANCZOS), dtype=np.float32) / 255.0


def write_overview(path: Path, rows: list[tuple[str, np.ndarray, np.ndarray]]) -> float:
    """Rows of exemplar | default synthesis at one common scale; returns the scale used."""
    built = []
    for name, ex, syn in rows:
        built.append(contact_sheet([(f"{name}: exemplar", ex), (f"{name}: default synthesis", syn)]))
        built.append(np.ones((6, built[-1].shape[1], 3), dtype=np.float32))
    width = max(b.shape[1] for b in built)
    sheet = np.concatenate([np.pad(b, ((0, 0), (0, width - b.shape[1]), (0, 0)), constant_values=1)
                            for b in built[:-1]], axis=0)
    factor = 1.0
    while True:
        write_image(path, sheet if factor == 1.0 else _shrink(sheet, factor))
        if path.stat().st_size <= OVERVIEW_MAX_BYTES or factor < 0.2:
            return factor
        factor *= 0.85


# --------------------------------------------------------------------------- tables


def fmt(x: float, width: int = 9) -> str:
    return f"{x:{width}.4f}"


def metric_table(results: dict, key: str, title: str) -> list[str]:
    names = list(results)
    nw = max(10, max(len(n) for n in names))
    lines = [title, f"{'texture':<{nw}} " + " ".join(f"{COLUMN[m]:>9}" for m in METHODS)]
    for n in names:
        lines.append(f"{n:<{nw}} " + " ".join(fmt(results[n]["metrics"][m][key]) for m in METHODS))
    med = [float(np.median([results[n]["metrics"][m][key] for n in names])) for m in METHODS]
    lines.append(f"{'median':<{nw}} " + " ".join(fmt(v) for v in med))
    return lines


def time_table(results: dict) -> list[str]:
    names = list(results)
    nw = max(10, max(len(n) for n in names))
    lines = ["fit and synthesis times, seconds (r = model reused from disk, its stored fit time)",
             f"{'texture':<{nw}} {'fit def':>9} {'fit fast':>9} {'syn def':>9} {'syn fast':>9}"]
    for n in names:
        t = results[n]["timing"]
        cells = [f"{t[p]['fit_seconds']:8.1f}{'r' if t[p]['reused'] else ' '}" for p in PRESETS]
        cells += [f"{t[p]['synth_seconds']:9.2f}" for p in PRESETS]
        lines.append(f"{n:<{nw}} " + " ".join(cells))
    med = [float(np.median([results[n]["timing"][p][k] for n in names]))
           for k in ("fit_seconds", "synth_seconds") for p in PRESETS]
    lines.append(f"{'median':<{nw}} " + " ".join(f"{v:8.1f} " if i < 2 else f"{v:9.2f}"
                                                 for i, v in enumerate(med)))
    return lines


def verdict(name: str, m: dict) -> tuple[str, dict]:
    d, f, a, t = (m[k] for k in METHODS)
    sw = "sliced_wasserstein"
    nn = "nearest_patch_distance"
    coh = "copy_coherence"
    det = "fine_detail_ratio"
    v = {
        "sw_below_adsn": d[sw] < a[sw],
        "sw_below_fast": d[sw] < f[sw],
        "nn_below_adsn": d[nn] < a[nn],
        "nn_below_fast": d[nn] < f[nn],
        "detail_above_fast": d[det] > f[det],
        "coherence_ratio_to_tiling": d[coh] / t[coh] if t[coh] > 0 else float("nan"),
    }
    v["coherence_ok"] = bool(d[coh] < COH_RATIO * t[coh])
    yn = lambda b: "yes" if b else "NO"  # noqa: E731
    line = (f"{name}: SW default<ADSN {yn(v['sw_below_adsn'])}, default<fast {yn(v['sw_below_fast'])}"
            f" | NN below ADSN {yn(v['nn_below_adsn'])}, below fast {yn(v['nn_below_fast'])}"
            f" | finer detail (DET {d[det]:.2f}) than fast ({f[det]:.2f}) {yn(v['detail_above_fast'])}"
            f" | coherence {d[coh]:.3f} = {v['coherence_ratio_to_tiling']:.2f}x tiling "
            f"({'ok' if v['coherence_ok'] else 'TOO HIGH'}, < {COH_RATIO}x wanted)")
    return line, v


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 textures, 256x256, small models")
    ap.add_argument("--samples", help="comma-separated texture names (default: all)")
    ap.add_argument("--size", type=int, help="output side in pixels (default 512, quick 256)")
    ap.add_argument("--out", help="output folder (default benchmarks/out/quality[_quick])")
    ap.add_argument("--refit", action="store_true", help="fit again even if a saved model exists")
    args = ap.parse_args(argv)

    names = chosen_samples(ap, args)
    size = args.size or (256 if args.quick else 512)
    options = dict(QUICK_OPTIONS) if args.quick else {}
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "out" / (
        "quality_quick" if args.quick else "quality")
    (out / "images").mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    log(f"quality benchmark: {len(names)} textures, {size}x{size} outputs, seeds {SEEDS}, "
        f"{'quick models ' + json.dumps(options) if args.quick else 'full models'}; out {out}")
    log(f"load average at start: {load_average()}; numba kernels cached: "
        f"{'yes' if texto_cli.kernels_cached() else 'no (the first fit compiles them, about a minute)'}")
    results: dict = {}
    overview_rows = []
    for name in names:
        path = SAMPLES / f"{name}.png"
        exemplar, _ = read_image(path)
        t_tex = time.perf_counter()
        outputs, timing = {}, {}
        for preset in PRESETS:
            model, fit_s, reused = get_model(path, name, preset, exemplar, options, out, args.refit)
            outputs[preset], syn_s = timed_syntheses(model, size)
            timing[preset] = {"fit_seconds": fit_s, "reused": reused, "synth_seconds": syn_s,
                              "stages": [{k: st.diagnostics.get(k) for k in
                                          ("mass_l1", "noise_floor", "empty_share", "seconds")}
                                         for st in model.stages]}
            log(f"  {name}/{preset}: {'model reused' if reused else 'fitted'} "
                f"(fit {fit_s:.1f} s{', stored' if reused else ''}), synthesis {syn_s:.2f} s")
        outputs["adsn"] = [np.clip(adsn_field(exemplar, (size, size), np.random.default_rng(s)), 0, 1)
                           for s in SEEDS]
        outputs["tiling"] = [tile_exemplar(exemplar, (size, size))]  # the same for every seed
        metrics, per_seed = {}, {}
        t0 = time.perf_counter()
        for m in METHODS:
            per_seed[m] = [quality_report(exemplar, im) for im in outputs[m]]
            metrics[m] = {k: float(np.mean([r[k] for r in per_seed[m]])) for k in per_seed[m][0]}
            write_image(out / "images" / f"{name}_{m}.png", outputs[m][0])
        metric_s = time.perf_counter() - t0
        first = {m: images[0] for m, images in outputs.items()}
        sheet = contact_sheet([(f"{name}: exemplar 1:1", exemplar),
                               ("default", first["default"]), ("fast", first["fast"]),
                               ("ADSN", first["adsn"])])
        write_image(out / f"sheet_{name}.png", sheet)
        overview_rows.append((name, exemplar, first["default"]))
        results[name] = {"exemplar": str(path.relative_to(ROOT)), "shape": list(exemplar.shape),
                         "metrics": metrics, "metrics_per_seed": per_seed, "timing": timing}
        log(f"  {name}: SW " + " ".join(f"{COLUMN[m]} {metrics[m]['sliced_wasserstein']:.4f}"
                                        for m in METHODS)
            + f" (metrics {metric_s:.1f} s, texture {time.perf_counter() - t_tex:.1f} s)")

    factor = write_overview(out / "overview.png", overview_rows)
    total = time.perf_counter() - started

    lines = []
    for key, short, title in METRICS:
        lines += metric_table(results, key, f"{short}: {title}") + [""]
    lines += time_table(results) + [""]
    lines.append("verdicts (default model vs baselines)")
    for name in names:
        line, v = verdict(name, results[name]["metrics"])
        results[name]["verdict"] = v
        lines.append(line)
    log()
    log("\n".join(lines))
    log()
    log(f"load average at end: {load_average()}")
    log(f"total {total:.1f} s; wrote {out}/quality.json, sheet_<name>.png, overview.png"
        f" (scale {factor:.2f}), images/")

    summary = {
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0],
                    "cpus": os.cpu_count()},
        "texto_version": texto_cli.__version__,
        "quick": args.quick, "size": size, "seeds": SEEDS, "fit_options": options,
        "total_seconds": total, "coherence_ratio_wanted": COH_RATIO,
        "median": {key: {m: float(np.median([results[n]["metrics"][m][key] for n in names]))
                         for m in METHODS} for key, _, _ in METRICS},
        "textures": results,
        "tables": lines,
    }
    (out / "quality.json").write_text(json.dumps(summary, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
