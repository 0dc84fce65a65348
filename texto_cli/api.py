"""The Python API, mirroring the command line.

    import texto_cli
    model = texto_cli.fit("wall.png")              # or an (H, W, C) array in [0, 1]
    model.save("wall.npz")
    model = texto_cli.Model.load("wall.npz")
    image = model.synthesize((1280, 768), seed=3)  # (768, 1280, C) float32 in [0, 1]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .config import make_config
from .errors import ImageError, UsageError
from .texture.model import FORMAT_VERSION, Model


def fit(image: np.ndarray | str | os.PathLike, preset: str = "default", progress=None,
        **options: Any) -> Model:
    """Fit a texture model to ``image``: a path, or an (H, W[, C]) array (float in [0, 1],
    or uint8 / uint16). ``options`` are those of ``texto fit`` (scales, patch, targets,
    layers, clusters, iters, step, detail, octaves, gain_octaves, window, passes, stride,
    seed);
    progress(stage, n_stages, done, total)."""
    from .texture.fitting import fit as fit_model
    from .image.io import read_image

    info: dict[str, Any] = {}
    if isinstance(image, (str, os.PathLike)):
        source = Path(image).name
        image, facts = read_image(image)
        info = {"bit_depth": facts.bit_depth, "mode": facts.mode, "had_alpha": facts.had_alpha,
                "source": source}
    else:
        arr = np.asarray(image)
        if arr.dtype == np.uint8:
            info["bit_depth"], arr = 8, arr / 255.0
        elif arr.dtype == np.uint16:
            info["bit_depth"], arr = 16, arr / 65535.0
        image = arr
    config = make_config(preset, **options)
    return fit_model(image, config, info, progress=progress)


def check_model_path(path: str | os.PathLike) -> None:
    """Refuse, before any work, a model path that cannot be written."""
    p = Path(path)
    if p.suffix.lower() != ".npz":
        raise UsageError(f"{path}: model files end in .npz")
    from .image.io import _check_writable_target

    try:
        _check_writable_target(p)
    except ImageError as e:
        raise UsageError(str(e)) from None


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def memory_estimate(model: Model, size: tuple[int, int], tile: int | None = None) -> int:
    """Bytes a synthesis of ``size`` = (width, height) needs at its peak (an upper estimate);
    ``tile``: for the banded path of ``tiling`` with bands and tiles of that many pixels."""
    from .texture.synthesis import grid_size

    rows, cols = grid_size(model, size)
    f = 2 ** (model.config.scales - 1)
    channels = model.pyramid[0].shape[2]
    field = rows * cols * channels * 4 * 8  # the coarsest field and its FFT
    if tile is None:
        pixels = rows * f * cols * f
        # a few float32 images at the finest scale, the patch index, the quantised output
        return int(pixels * (4 * channels * 4 + 4 + 2 * channels)) + field + 50_000_000
    band = tile * cols * f * channels * (4 * 3 + 2)
    work = (tile + 64) ** 2 * (4 * channels * 4 + 4)
    return int(band + work + field) + 80_000_000


def check_memory(model: Model, size: tuple[int, int], tile: int | None = None) -> None:
    """Raise UsageError if a synthesis of ``size`` needs more memory than is available."""
    need, have = memory_estimate(model, size, tile), _available_memory()
    if have is not None and need > have:
        raise UsageError(f"--size {size[0]}x{size[1]} needs about {need / 2 ** 30:.1f} GiB of memory, "
                         f"only {have / 2 ** 30:.1f} GiB is available; choose a smaller size")


def describe(model: Model) -> dict[str, Any]:
    """A JSON-ready summary of a model: what ``texto inspect`` shows."""
    from . import __version__

    stages = []
    for k, st in enumerate(model.stages):
        d = st.diagnostics
        stages.append({
            "name": model.stage_name(k),
            "scale": st.scale, "patch": st.config.patch, "targets": int(len(st.positions)),
            "layers": st.ot.layers, "clusters": st.config.clusters if st.ot.layers > 1 else 0,
            "iters": st.config.iters, "octaves": st.octaves,
            **{key: float(d.get(key, float("nan"))) for key in
               ("mass_l1", "noise_floor", "empty_share", "max_ratio", "seconds")},
            "trace": [[p.samples, p.seconds, p.value] for p in st.ot.trace],
        })
    return {
        "format_version": FORMAT_VERSION,
        "texto_version": model.written_by or __version__,
        "exemplar": model.exemplar,
        "scales": model.config.scales,
        "config": model.config.to_dict(),
        "fit_seconds": model.fit_seconds,
        "band_gains": None if model.band_gains is None else model.band_gains.tolist(),
        "gain_diagnostics": model.gain_diagnostics,
        "stages": stages,
    }
