"""Material sets: does a joint model keep aligned maps consistent?

``python benchmarks/bench_material.py [--quick] [--iters N] [--out DIR]``.

The cobbles' material set (``sample_textures/cobbles_material``: albedo, normal, height;
the normals computed from the height) is fitted as one material model (``texto fit
--map ...``) and as three separate single-map models. For seeds 1-3 at 512x512:

* Consistency: the synthesised normal map against the normals computed from the
  synthesised height (``height_normals``, with the height's scale fitted on the exemplar
  pair): mean angular error (degrees) and the correlation of their x and y components
  (mean of the two). Baselines: the separate models with the same seed (their maps do
  not share a layout), and the exemplar's own pair (the floor: quantisation).
* Fidelity: each map's patch SW to its exemplar map, joint against its single-map model
  (default, and without the detail stage as the material model), and with the albedo
  weighing 1.5 (``--map-weight albedo=1.5``).
* Cost: whole ``texto synthesize`` processes at 2048x2048 (median of 3), the material
  model against the albedo-only model: seconds and peak memory.

Pictures (albedo, normal, height and a Lambert rendering side by side: ``joint.png``,
``separate.png``, ``exemplar.png``) go to ``OUT/``; figures to ``OUT/material.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from common import fit_bench_setup, run_measured

ROOT = Path(__file__).resolve().parents[1]
MATERIAL = ROOT / "sample_textures" / "cobbles_material"
NAMES = ("albedo", "normal", "height")
SEEDS = (1, 2, 3)
SIDE = 512


def height_normals(height: np.ndarray, scale: float) -> np.ndarray:
    """Unit normals (H, W, 3) of a height map (H, W) in [0, 1] times ``scale`` pixels, as
    the sample's were made: central differences, OpenGL convention (y up)."""
    h = height * scale
    gy = (np.roll(h, -1, 0) - np.roll(h, 1, 0)) * 0.5
    gx = (np.roll(h, -1, 1) - np.roll(h, 1, 1)) * 0.5
    n = np.stack([-gx, gy, np.ones_like(h)], axis=-1)
    return n / np.linalg.norm(n, axis=-1, keepdims=True)


def decode(normal: np.ndarray) -> np.ndarray:
    n = 2 * normal.astype(np.float64) - 1
    return n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-9)


def consistency(normal: np.ndarray, height: np.ndarray, scale: float) -> tuple[float, float]:
    """(mean angle in degrees, mean correlation of the x and y components) between the
    normal map and the normals of the height map, 2 pixels from the borders excluded."""
    a, b = decode(normal)[2:-2, 2:-2], height_normals(height[:, :, 0], scale)[2:-2, 2:-2]
    angle = np.degrees(np.arccos(np.clip((a * b).sum(-1), -1, 1))).mean()
    corr = np.mean([np.corrcoef(a[..., k].ravel(), b[..., k].ravel())[0, 1] for k in (0, 1)])
    return float(angle), float(corr)


def lambert(albedo: np.ndarray, normal: np.ndarray, light=(-1.0, 1.0, 1.5)) -> np.ndarray:
    """The albedo (H, W, 3) lit by a distant light from the upper left (OpenGL normals, y
    up): albedo x max(n.l, 0) / (z.l), a flat surface keeping its albedo."""
    l = np.asarray(light) / np.linalg.norm(light)
    shade = np.clip(decode(normal) @ l, 0, None) / l[2]
    return np.clip(albedo * shade[:, :, None], 0, 1).astype(np.float32)


def sheet(maps: dict[str, np.ndarray], gap: int = 6) -> np.ndarray:
    """Albedo, normal, height and the Lambert rendering side by side, white gaps."""
    panels = [maps["albedo"], maps["normal"], np.repeat(maps["height"], 3, 2),
              lambert(maps["albedo"], maps["normal"])]
    h, w = panels[0].shape[:2]
    out = np.ones((h, len(panels) * (w + gap) - gap, 3), np.float32)
    for k, panel in enumerate(panels):
        out[:, k * (w + gap):k * (w + gap) + w] = panel
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="100,000 samples per stage, 1024x1024 cost")
    ap.add_argument("--iters", type=int, help="fit samples per stage (default: the preset's)")
    ap.add_argument("--out", type=Path, help="output folder (default benchmarks/out/material)")
    args = ap.parse_args(argv)

    import texto_cli
    from texto_cli.image.io import read_image, write_image
    from texto_cli.metrics import patch_sliced_wasserstein

    options, out = fit_bench_setup("material", args.quick, args.iters, args.out)
    exemplar = {name: read_image(MATERIAL / f"{name}.png")[0] for name in NAMES}
    scales = np.linspace(1, 40, 391)
    floor = [consistency(exemplar["normal"], exemplar["height"], s) for s in scales]
    scale = float(scales[int(np.argmin([f[0] for f in floor]))])
    row: dict = {"height_scale": scale, "exemplar": dict(zip(("angle", "corr"),
                                                            consistency(exemplar["normal"], exemplar["height"], scale)))}
    paths = {name: MATERIAL / f"{name}.png" for name in NAMES}
    joint = texto_cli.fit(paths, **options)
    heavy = texto_cli.fit(paths, map_weights={"albedo": 1.5}, **options)
    single = {name: texto_cli.fit(paths[name], **options) for name in NAMES}
    plain = {name: texto_cli.fit(paths[name], detail=False, **options) for name in NAMES}
    results = {"joint": [], "separate": [], "heavy": []}
    sw = {key: {n: [] for n in NAMES} for key in ("joint", "heavy", "single", "plain")}
    for seed in SEEDS:
        maps = joint.synthesize((SIDE, SIDE), seed=seed)
        heavy_maps = heavy.synthesize((SIDE, SIDE), seed=seed)
        separate = {name: model.synthesize((SIDE, SIDE), seed=seed) for name, model in single.items()}
        results["joint"].append(consistency(maps["normal"], maps["height"], scale))
        results["heavy"].append(consistency(heavy_maps["normal"], heavy_maps["height"], scale))
        results["separate"].append(consistency(separate["normal"], separate["height"], scale))
        for name in NAMES:
            sw["joint"][name].append(patch_sliced_wasserstein(exemplar[name], maps[name]))
            sw["heavy"][name].append(patch_sliced_wasserstein(exemplar[name], heavy_maps[name]))
            sw["single"][name].append(patch_sliced_wasserstein(exemplar[name], separate[name]))
            sw["plain"][name].append(patch_sliced_wasserstein(
                exemplar[name], plain[name].synthesize((SIDE, SIDE), seed=seed)))
        if seed == SEEDS[0]:
            write_image(out / "joint.png", sheet(maps))
            write_image(out / "separate.png", sheet(separate))
            write_image(out / "exemplar.png", sheet(exemplar))
    for key in results:
        row[key] = {"angle": float(np.mean([r[0] for r in results[key]])),
                    "corr": float(np.mean([r[1] for r in results[key]]))}
    row["sw"] = {kind: {n: float(np.mean(v)) for n, v in per.items()} for kind, per in sw.items()}

    side = 1024 if args.quick else 2048
    cost = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key, model in (("material", joint), ("albedo only", single["albedo"])):
            path = Path(tmp) / f"{key.split()[0]}.npz"
            model.save(path)
            runs = [run_measured([sys.executable, "-m", "texto_cli", "synthesize", str(path),
                                  "--size", f"{side}x{side}", "-o", str(Path(tmp) / "o.png")])
                    for _ in range(3)]
            cost[key] = {"seconds": statistics.median(r[0] for r in runs),
                         "peak_mib": max(r[1] for r in runs)}
    row["cost"] = {"side": side, **cost}
    (out / "material.json").write_text(json.dumps(row, indent=2))

    print(f"\nheight scale fitted on the exemplar pair: {scale:.1f} px")
    print("| maps | mean angle (degrees) | correlation |\n|---|---|---|")
    for key, label in (("exemplar", "the exemplar's own pair (floor)"), ("joint", "material model"),
                       ("heavy", "material model, albedo weight 1.5"),
                       ("separate", "separate models, same seed")):
        print(f"| {label} | {row[key]['angle']:.2f} | {row[key]['corr']:.3f} |")
    print("\n| map | material model | single-map model | ratio | single, no detail stage "
          "| ratio | material, albedo weight 1.5 | ratio |\n|---|---|---|---|---|---|---|---|")
    for name in NAMES:
        a, b, c, d = (row["sw"][key][name] for key in ("joint", "single", "plain", "heavy"))
        print(f"| {name} | {a:.4f} | {b:.4f} | {a / b:.2f} | {c:.4f} | {a / c:.2f} | {d:.4f} "
              f"| {d / b:.2f} |")
    print(f"\n| {side}x{side} synthesis | seconds (median of 3) | peak MiB |\n|---|---|---|")
    for key, c in cost.items():
        print(f"| {key} | {c['seconds']:.2f} | {c['peak_mib']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
