"""Pictures of a model: a contact sheet (exemplar, a synthesis, every stage before and
after its transport, convergence curves), and the per-stage images of a synthesis.

Drawn with Pillow (a dependency of imageio): no plotting library is needed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .synthesis import ScaleImages, synthesize

COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127)]


def stage_names(model) -> list[str]:
    """'scale 3', ..., 'scale 0', 'scale 0 (2)', then 'detail' (``StageSpec.name``)."""
    return [st.spec.name for st in model.stages]


def stage_images(model, size: tuple[int, int], seed: int = 0) -> tuple[np.ndarray, ScaleImages]:
    """A synthesis of ``size`` = (width, height) and its per-stage images (float32, [0, 1])."""
    record = ScaleImages()
    image = synthesize(model, size, seed=seed, record=record)
    return image, record


def save_stage_images(model, record: ScaleImages, folder: str | Path, bit_depth: int = 8) -> list[Path]:
    """Write every stage's image before and after transport as
    ``<k>_<stage>_before.png`` / ``_after.png`` in ``folder`` (created if needed);
    <stage> is e.g. ``scale1``, ``scale0_pass2``, ``detail``. A material's maps go to
    ``<k>_<stage>_before_<map>.png`` each."""
    from ..image.io import write_image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for k, (name, before, after) in enumerate(zip(stage_names(model), record.before, record.after)):
        stem = name.replace(" (", "_pass").replace(")", "").replace(" ", "")
        for label, image in (("before", before), ("after", after)):
            for map_name, part in model.split(image).items():
                path = folder / (f"{k}_{stem}_{label}" + (f"_{map_name}" if model.maps else "") + ".png")
                write_image(path, part, bit_depth=bit_depth)
                written.append(path)
    return written


def _to_rgb8(image: np.ndarray) -> np.ndarray:
    a = np.clip(image, 0, 1)
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    elif a.shape[2] == 2:  # gray + alpha: show the gray
        a = np.repeat(a[:, :, :1], 3, axis=2)
    return (a[:, :, :3] * 255 + 0.5).astype(np.uint8)


def _tile(image: np.ndarray, side: int):
    from PIL import Image

    im = Image.fromarray(_to_rgb8(image))
    scale = side / max(im.width, im.height)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    return im.resize(size, Image.NEAREST if scale >= 1 else Image.LANCZOS)


def _plot(model, width: int, height: int):
    """Log-log curves of the L1 mass error against samples, one per stage."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(im)
    left, right, top, bottom = 46, width - 10, 22, height - 30
    d.text((left, 4), "mass error vs samples (log-log)", fill="black")
    traces = [np.array([[p.samples, p.value] for p in st.ot.trace if p.value > 0]).reshape(-1, 2)
              for st in model.stages]
    points = np.concatenate(traces) if traces else np.zeros((0, 2))
    d.rectangle([left, top, right, bottom], outline="black")
    if len(points) == 0:
        return im
    lx, ly = np.log10(points[:, 0]), np.log10(points[:, 1])
    x0, x1 = math.floor(lx.min()), math.ceil(lx.max() + 1e-9)
    y0, y1 = math.floor(ly.min() * 2) / 2, math.ceil(ly.max() * 2 + 1e-9) / 2

    def xy(sx, sy):
        return (left + (sx - x0) / max(x1 - x0, 1e-9) * (right - left),
                bottom - (sy - y0) / max(y1 - y0, 1e-9) * (bottom - top))

    for e in range(x0, x1 + 1):
        d.text((xy(e, y0)[0] - 8, bottom + 4), f"1e{e}", fill="black")
    for v in np.arange(y0, y1 + 1e-9, 0.5):
        d.text((4, xy(x0, v)[1] - 6), f"{10 ** v:.2g}", fill="black")
    for k, (name, tr) in enumerate(zip(stage_names(model), traces)):
        colour = COLOURS[k % len(COLOURS)]
        if len(tr):
            d.line([xy(a, b) for a, b in np.log10(tr)], fill=colour, width=2)
        d.text((right - 70, top + 4 + 12 * k), name, fill=colour)
    return im


def contact_sheet(model, seed: int = 0):
    """The preview picture of a model, as a PIL image."""
    from PIL import Image, ImageDraw

    ex_h, ex_w = model.pyramid[0].shape[:2]
    height = 256
    width = 2 * height
    f = model.config.zoom
    size = (max(width, f * 16) // f * f, max(height, f * 16) // f * f)
    image, record = stage_images(model, size, seed)
    exemplar = _tile(model.pyramid[0][:, :, :model.channels], height)
    sample = _tile(image, width)
    plot = _plot(model, 360, height)
    n = len(record.before)
    thumb = 150
    pad = 18
    sheet_w = max(exemplar.width + sample.width + plot.width + 4 * 10, n * (thumb + 10) + 10)
    thumb_h = _tile(record.before[-1], thumb).height
    sheet_h = 10 + pad + height + 10 + 2 * (pad + thumb_h) + 20
    sheet = Image.new("RGB", (sheet_w, sheet_h), "white")
    d = ImageDraw.Draw(sheet)
    x = 10
    for label, tile in ((f"exemplar {ex_w}x{ex_h}", exemplar), (f"synthesis {size[0]}x{size[1]}", sample),
                        ("", plot)):
        d.text((x, 10), label, fill="black")
        sheet.paste(tile, (x, 10 + pad))
        x += tile.width + 10
    y = 10 + pad + height + 10
    for k, name in enumerate(stage_names(model)):
        x = 10 + k * (thumb + 10)
        for row, (label, images) in enumerate((("before", record.before), ("after", record.after))):
            yy = y + row * (pad + thumb_h)
            d.text((x, yy), f"{name} {label}", fill="black")
            sheet.paste(_tile(images[k], thumb), (x, yy + pad))
    return sheet
