"""Controlled synthesis: style transfer, guided synthesis and joint models of several exemplars.

``python benchmarks/bench_transfer.py [--quick] [--parts transfer,guided,joint] [--iters N]
[--out DIR]``.

* Transfer: each style sample's model (default preset) redraws photographs
  (scikit-image's astronaut, coffee and chelsea) and a sample of another texture at
  strengths 0, 0.25, 0.5, 0.75 and 1. Style: the patch sliced-Wasserstein distance (SW, 4
  levels) of the output to the style exemplar, against a plain synthesis of the same size
  (the floor). Content: the correlation of the output's coarse octaves with the content's
  (levels 3 and 4 of a Laplacian pyramid of the luminance, mean of the two), which
  should fall with the strength, from near 1 towards the synthesis's (checked to within
  MONOTONE_SLACK: strengths that keep the same octaves differ only by noise).
* Guided: a model fitted with the exemplar's own local mean luminance as guide (Gaussian
  blur of SIGMA px, scaled to [0, 1]), and a plain model. The target guide of seed s is
  that of the plain model's synthesis of seed 100 + s (its "source": a layout the texture
  can have). Measures, 512x512, seeds 1-3: the correlation of the output's local mean
  luminance with the target guide, and the SW to the exemplar, of the guided output, the
  targets' sources, the plain model's synthesis of seed s and the guided model's
  unguided one. The guided output takes its layout from its target, so the SW of the
  target's source is its yardstick; the plain synthesis's is the overall floor.
* Joint: one model of two samples (``texto fit a b -o``) against each one's own model: SW
  of 512x512 syntheses (seeds 1-3) to each exemplar and to their mixture.

Pictures go to ``OUT/``; the figures to ``OUT/transfer.json`` (``transfer_PARTS.json`` for
some parts only).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from common import fit_bench_setup

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_textures"
STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: how much the content correlation may rise from one strength to the next and still count
#: as falling
MONOTONE_SLACK = 0.005
#: the guide's blur (pixels): the scale of the "local mean" (``--sigma``)
SIGMA = 12.0
SEEDS = (1, 2, 3)
SIDE = 512


def luminance(image: np.ndarray) -> np.ndarray:
    return image.mean(axis=2) if image.shape[2] > 1 else image[:, :, 0]


def coarse_correlation(a: np.ndarray, b: np.ndarray, levels=(3, 4)) -> float:
    """Mean over ``levels`` of the correlation of the Laplacian bands of the luminances."""
    from texto_cli.image.pyramid import build_pyramid, upsample

    pa, pb = (build_pyramid(luminance(x)[:, :, None], max(levels) + 2) for x in (a, b))
    values = []
    for lvl in levels:
        h, w = (min(p[lvl].shape[i], 2 * p[lvl + 1].shape[i]) for i in (0, 1) for p in [pa])
        ba, bb = ((p[lvl][:h, :w] - upsample(p[lvl + 1])[:h, :w]).ravel() for p in (pa, pb))
        values.append(np.corrcoef(ba, bb)[0, 1])
    return float(np.mean(values))


def blurred(image: np.ndarray, sigma: float = SIGMA) -> np.ndarray:
    from skimage.filters import gaussian

    return gaussian(luminance(image), sigma)


def read(name: str) -> np.ndarray:
    from texto_cli.image.io import read_image

    return read_image(SAMPLES / f"{name}.png")[0]


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def sw(reference, image: np.ndarray) -> float:
    from texto_cli.metrics import patch_sliced_wasserstein

    return patch_sliced_wasserstein(reference, image)


def save(path: Path, images: list[np.ndarray]) -> None:
    from texto_cli.image.io import write_image

    height = max(im.shape[0] for im in images)
    padded = [np.pad(np.repeat(im, 3, 2) if im.shape[2] == 1 else im,
                     ((0, height - im.shape[0]), (0, 4), (0, 0)), constant_values=1.0)
              for im in images]
    write_image(path, np.concatenate(padded, axis=1))


def bench_transfer(styles, contents, options, out) -> list[dict]:
    import skimage.data

    import texto_cli

    photos = {name: getattr(skimage.data, name)().astype(np.float32) / 255
              for name in ("astronaut", "coffee", "chelsea")}
    rows = []
    for style in styles:
        exemplar = read(style)
        model = texto_cli.fit(exemplar, **options)
        for content_name in contents:
            content = photos[content_name] if content_name in photos else read(content_name)
            plan = texto_cli.plan_transfer(model, content)
            content = plan.content  # in the model's channels
            plain = model.synthesize(content.shape[1::-1], seed=1)
            row = {"style": style, "content": content_name,
                   "synthesis": {"sw": sw(exemplar, plain),
                                 "content_corr": coarse_correlation(plain, content)}}
            outputs = []
            for strength in STRENGTHS:
                t0 = time.perf_counter()
                image = texto_cli.transfer(model, content, strength, seed=1)
                seconds = time.perf_counter() - t0
                outputs.append(image)
                row[f"{strength:g}"] = {"sw": sw(exemplar, image), "seconds": seconds,
                                        "content_corr": coarse_correlation(image, content)}
            corrs = [row[f"{s:g}"]["content_corr"] for s in STRENGTHS]
            row["monotonic"] = bool(all(b <= a + MONOTONE_SLACK for a, b in zip(corrs, corrs[1:])))
            rows.append(row)
            save(out / f"transfer_{style}_{content_name}.png", [content] + outputs + [plain])
            print(f"  {style:<10} on {content_name:<9} SW " +
                  " ".join(f"{row[f'{s:g}']['sw']:.4f}" for s in STRENGTHS) +
                  f" (synthesis {row['synthesis']['sw']:.4f}); content corr " +
                  " ".join(f"{c:.2f}" for c in corrs) +
                  f" (synthesis {row['synthesis']['content_corr']:.2f})", flush=True)
    return rows


def bench_guided(styles, options, out, sigma: float = SIGMA) -> list[dict]:
    import texto_cli

    rows = []
    for style in styles:
        exemplar = read(style)
        g = blurred(exemplar, sigma)
        lo, hi = float(g.min()), float(g.max())
        guide = ((g - lo) / (hi - lo))[:, :, None].astype(np.float32)
        model = texto_cli.fit(exemplar, guide=guide, **options)
        plain = texto_cli.fit(exemplar, **{k: v for k, v in options.items() if k != "guide_weight"})
        row = {"style": style, "guide_weight": model.config.guide_weight, "sigma": sigma}
        images: dict[str, list[np.ndarray]] = {k: [] for k in ("guided", "source", "unguided", "plain")}
        targets = []
        for s in SEEDS:  # the target of seed s: the guide of the plain synthesis of seed 100 + s
            source = plain.synthesize((SIDE, SIDE), seed=100 + s)
            target = np.clip((blurred(source, sigma) - lo) / (hi - lo), 0, 1)[:, :, None] \
                .astype(np.float32)
            targets.append(target)
            images["source"].append(source)
            images["guided"].append(model.synthesize((SIDE, SIDE), seed=s, guide=target))
            images["unguided"].append(model.synthesize((SIDE, SIDE), seed=s))
            images["plain"].append(plain.synthesize((SIDE, SIDE), seed=s))
        for kind, outputs in images.items():
            row[kind] = {"guide_corr": float(np.mean([correlation(blurred(im, sigma), t)
                                                      for im, t in zip(outputs, targets)])),
                         "sw": float(np.mean([sw(exemplar, im) for im in outputs]))}
        save(out / f"guided_{style}_sigma{sigma:g}.png", [targets[0], images["guided"][0]])
        row["sw_ratio_source"] = row["guided"]["sw"] / row["source"]["sw"]
        row["sw_ratio_plain"] = row["guided"]["sw"] / row["plain"]["sw"]
        rows.append(row)
        print(f"  {style:<10} sigma {sigma:g}: guide corr {row['guided']['guide_corr']:.3f} (unguided "
              f"{row['unguided']['guide_corr']:.3f}, plain {row['plain']['guide_corr']:.3f}); "
              f"SW {row['guided']['sw']:.4f} (the targets' sources {row['source']['sw']:.4f}, "
              f"plain {row['plain']['sw']:.4f}, unguided {row['unguided']['sw']:.4f}; guided / "
              f"sources {row['sw_ratio_source']:.2f}, guided / plain {row['sw_ratio_plain']:.2f})",
              flush=True)
    return rows


def bench_joint(pairs, options, out) -> list[dict]:
    import texto_cli

    rows = []
    for a, b in pairs:
        exemplars = [read(a), read(b)]
        models = {"joint": texto_cli.fit(exemplars, **options),
                  a: texto_cli.fit(exemplars[0], **options),
                  b: texto_cli.fit(exemplars[1], **options)}
        row = {"pair": [a, b]}
        for key, model in models.items():
            images = [model.synthesize((SIDE, SIDE), seed=s) for s in SEEDS]
            row[key] = {f"sw_{a}": float(np.mean([sw(exemplars[0], im) for im in images])),
                        f"sw_{b}": float(np.mean([sw(exemplars[1], im) for im in images])),
                        "sw_mixture": float(np.mean([sw(exemplars, im) for im in images]))}
            if key == "joint":
                save(out / f"joint_{a}_{b}.png", exemplars + [images[0]])
        rows.append(row)
        for key in models:
            r = row[key]
            print(f"  {a}+{b:<9} {key:<10} SW to {a} {r[f'sw_{a}']:.4f}, to {b} {r[f'sw_{b}']:.4f}, "
                  f"to the mixture {r['sw_mixture']:.4f}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer samples, 100,000 samples per stage")
    ap.add_argument("--parts", default="transfer,guided,joint", help="which parts to run")
    ap.add_argument("--guide-weight", type=float, help="fit option of the guided models")
    ap.add_argument("--guided", help="comma-separated samples of the guided part")
    ap.add_argument("--sigma", type=float, nargs="+", default=[SIGMA],
                    help="the guides' blur, pixels (several: one guided row each)")
    ap.add_argument("--iters", type=int, help="fit samples per stage (default: the preset's)")
    ap.add_argument("--out", type=Path, help="output folder (default benchmarks/out/transfer)")
    args = ap.parse_args(argv)
    options, out = fit_bench_setup("transfer", args.quick, args.iters, args.out)
    if args.quick:
        styles, contents, guided = ["cobbles"], ["astronaut", "brick"], ["marble"]
        pairs = [("gravel", "grass")]
    else:
        styles, contents = ["cobbles", "fabric", "marble"], ["astronaut", "coffee", "chelsea", "brick"]
        guided, pairs = ["marble", "cobbles", "gravel", "grass"], [("gravel", "grass"), ("marble", "cobbles")]
    guided = args.guided.split(",") if args.guided else guided
    parts = args.parts.split(",")
    transfer = bench_transfer(styles, contents, options, out) if "transfer" in parts else []
    weight = {} if args.guide_weight is None else {"guide_weight": args.guide_weight}
    guided_rows = [row for sigma in args.sigma
                   for row in bench_guided(guided, {**options, **weight}, out, sigma)] \
        if "guided" in parts else []
    joint = bench_joint(pairs, options, out) if "joint" in parts else []
    name = "transfer" if len(parts) == 3 else "transfer_" + "_".join(parts)
    (out / f"{name}.json").write_text(json.dumps(
        {"transfer": transfer, "guided": guided_rows, "joint": joint}, indent=2))

    print("\n| style | content | " + " | ".join(f"SW s={s:g}" for s in STRENGTHS) +
          " | SW synthesis | " + " | ".join(f"corr s={s:g}" for s in STRENGTHS) + " | corr synthesis |")
    print("|---|---|" + "---|" * (2 * len(STRENGTHS) + 2))
    for r in transfer:
        print(f"| {r['style']} | {r['content']} | "
              + " | ".join(f"{r[f'{s:g}']['sw']:.4f}" for s in STRENGTHS)
              + f" | {r['synthesis']['sw']:.4f} | "
              + " | ".join(f"{r[f'{s:g}']['content_corr']:.2f}" for s in STRENGTHS)
              + f" | {r['synthesis']['content_corr']:.2f} |")
    print(f"\ncontent correlation falls monotonically with the strength (within "
          f"{MONOTONE_SLACK}): {sum(r['monotonic'] for r in transfer)} of {len(transfer)}")
    print("\n| guided | sigma | corr guided | corr unguided | corr plain | SW guided | SW targets' sources "
          "| SW plain | SW unguided | guided / sources | guided / plain |\n" + "|---" * 11 + "|")
    for r in guided_rows:
        print(f"| {r['style']} | {r['sigma']:g} | " + " | ".join(f"{r[k]['guide_corr']:.3f}" for k in
                                               ("guided", "unguided", "plain")) + " | "
              + " | ".join(f"{r[k]['sw']:.4f}" for k in ("guided", "source", "plain", "unguided"))
              + f" | {r['sw_ratio_source']:.2f} | {r['sw_ratio_plain']:.2f} |")
    print("\n| pair | model | SW to first | SW to second | SW to mixture |\n|---|---|---|---|---|")
    for r in joint:
        a, b = r["pair"]
        for key in ("joint", a, b):
            print(f"| {a} + {b} | {key} | {r[key][f'sw_{a}']:.4f} | {r[key][f'sw_{b}']:.4f} | "
                  f"{r[key]['sw_mixture']:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
