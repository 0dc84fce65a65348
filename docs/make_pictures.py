"""Redraw the README pictures from the demo model (run ``make demo`` first).

``python docs/make_pictures.py [out/demo_model.npz]`` writes
* docs/demo.jpg: the exemplar beside the 1280x768 demo synthesis (seed 1), both at 3/4 size;
* docs/tileable.jpg: a 256x256 tileable synthesis (seed 3), tiled 2x2;
* docs/preview.png: the ``texto inspect --preview`` contact sheet;
* docs/inpaint.jpg: the cobbles sample with the blob hole of ``benchmarks/bench_inpaint.py``
  and texto's fill, taken from that bench's sheet (run it first; skipped if absent);
* docs/transfer.jpg, docs/guided.jpg, docs/joint.jpg: sheets of ``benchmarks/bench_transfer.py``
  (the astronaut redrawn with cobbles at strengths 0, 0.5, 0.75 and 1, the guided marble,
  the gravel + grass joint model), at most 1280 pixels wide (run it first; skipped if absent);
* docs/material.jpg: the material model's maps and their Lambert rendering, from
  ``benchmarks/bench_material.py``'s sheet (run it first; skipped if absent).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from skimage.transform import rescale

from texto_cli.image.io import read_image, write_image
from texto_cli import load

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GAP = 9


def main() -> None:
    model_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "out" / "demo_model.npz"
    demo_pictures(model_path)
    inpaint_picture()
    bench_pictures()


def demo_pictures(model_path: Path) -> None:
    model = load(model_path)
    source = ROOT / "sample_textures" / model.exemplar["source"]
    exemplar, _ = read_image(source)
    synthesis = model.synthesize((1280, 768), seed=1)

    small = [rescale(im, 0.75, channel_axis=2, anti_aliasing=True) for im in (exemplar, synthesis)]
    height = small[1].shape[0]
    sheet = np.ones((height, small[0].shape[1] + GAP + small[1].shape[1], 3), np.float32)
    sheet[:small[0].shape[0], :small[0].shape[1]] = small[0]
    sheet[:, small[0].shape[1] + GAP:] = small[1]
    write_image(DOCS / "demo.jpg", sheet)

    tile = model.synthesize((256, 256), seed=3, tileable=True)
    write_image(DOCS / "tileable.jpg", np.tile(tile, (2, 2, 1)))

    subprocess.run([sys.executable, "-m", "texto_cli", "inspect", str(model_path),
                    "--preview", str(DOCS / "preview.png")], check=True, stdout=subprocess.DEVNULL)
    print("wrote docs/demo.jpg, docs/tileable.jpg, docs/preview.png")


def inpaint_picture() -> None:
    sheet_path = ROOT / "benchmarks" / "out" / "inpaint" / "cobbles_blob.png"
    if sheet_path.exists():
        bench, _ = read_image(sheet_path)
        side = bench.shape[0]  # panels: the holed image, texto, the two baselines
        pair = np.ones((side, 2 * side + GAP, 3), np.float32)
        pair[:, :side], pair[:, side + GAP:] = bench[:, :side], bench[:, side:2 * side]
        write_image(DOCS / "inpaint.jpg", pair)
        print("wrote docs/inpaint.jpg")


def bench_pictures() -> None:
    out = ROOT / "benchmarks" / "out"
    for name, sheet in (("transfer", "transfer/transfer_cobbles_astronaut"),
                        ("guided", "transfer/guided_marble_sigma12"),
                        ("joint", "transfer/joint_gravel_grass"), ("material", "material/joint")):
        path = out / f"{sheet}.png"
        if path.exists():
            image, _ = read_image(path)
            if name == "transfer":  # the content and strengths 0, 0.5, 0.75, 1 of its 7 panels
                side = image.shape[0] + 4
                image = np.concatenate([image[:, k * side:(k + 1) * side] for k in (0, 1, 3, 4, 5)],
                                       axis=1)[:, :-4]
            scale = min(1.0, 1280 / image.shape[1])
            if scale < 1:
                image = rescale(image, scale, channel_axis=2, anti_aliasing=True)
            write_image(DOCS / f"{name}.jpg", image)
            print(f"wrote docs/{name}.jpg")


if __name__ == "__main__":
    main()
