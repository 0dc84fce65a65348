"""The Python API: what the command line does, validated in full before any work starts.

    import texto_cli
    model = texto_cli.fit("wall.png")                     # or an (H, W[, C]) array
    model.save("wall.npz")
    image = texto_cli.load("wall.npz").synthesize((1280, 768), seed=3)
    texto_cli.synthesize_to_file(model, "huge.png", (16384, 16384), seed=1)

``plan_fit`` and ``plan_synthesis`` are what ``texto fit`` and ``texto synthesize`` run:
they check every argument, path and limit first (raising UsageError, ImageError or
ModelError with a one-line message), and return a plan whose methods do the work.
"""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .config import FitConfig, make_config
from .errors import ImageError, UsageError
from .image.io import (MAX_PIXELS, SUPPORTED_EXTENSIONS, atomic_output, atomic_write_bytes,
                       check_output_path, check_writable_target, format_for_path, read_image,
                       read_stream, write_image, write_split_bands)
from .texture.fitting import DegenerateExemplarWarning, check_exemplars
from .texture.model import Model
from .texture.modelfile import FORMAT_VERSION, load

#: outputs above this many pixels are synthesised by tiles unless a tile size is given
AUTO_TILE_PIXELS = 4096 * 4096
AUTO_TILE = 1024

Progress = Callable[[int, int], None]


# ----------------------------------------------------------------------------- fitting


@dataclass
class Exemplar:
    """An exemplar ready to fit: float32 (H, W, C) ``image`` in [0, 1], the ``name`` used in
    messages, and the facts a model stores about it (bit_depth, mode, had_alpha, source)."""

    image: np.ndarray
    name: str
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def description(self) -> str:
        h, w, c = self.image.shape
        return f"{w}x{h}, {c} channel(s), {self.facts.get('bit_depth', 8)}-bit"


def read_exemplar(source: Any, name: str | None = None,
                  max_pixels: int | None = MAX_PIXELS) -> Exemplar:
    """An Exemplar from a path, ``"-"`` (stdin), image bytes, or an array: (H, W[, C]) of
    uint8, uint16 or floats in [0, 1]. Files of more than ``max_pixels`` pixels (None: no
    limit) are refused before they are decoded."""
    name = name or _source_name(source)
    stdin = isinstance(source, str) and source == "-"
    if stdin or isinstance(source, (bytes, bytearray, memoryview)):
        data = read_stream(sys.stdin.buffer) if stdin else source
        image, info = read_image(data, label="<stdin>", max_pixels=max_pixels)
    elif isinstance(source, (str, os.PathLike)):
        image, info = read_image(source, max_pixels=max_pixels)
    else:
        image, facts = _array_exemplar(source)
        return Exemplar(image, name, facts)
    facts = {"bit_depth": info.bit_depth, "mode": info.mode, "had_alpha": info.had_alpha,
             "source": name}
    return Exemplar(image, name, facts)


def _array_exemplar(array: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """The rule for arrays: uint8 (0-255) and uint16 (0-65535) samples are 8- and 16-bit
    images, floats must lie in [0, 1]; anything else is refused rather than guessed."""
    a = np.asarray(array)
    a = a[:, :, None] if a.ndim == 2 else a
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4) or 0 in a.shape:
        raise UsageError(f"an exemplar array must be (H, W) or (H, W, C) with C in 1..4, "
                         f"not {np.shape(array)}")
    bit_depth = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}.get(a.dtype)
    if bit_depth is not None:
        return np.ascontiguousarray(a / float(2 ** bit_depth - 1)), \
            {"bit_depth": bit_depth, "mode": "array"}
    if a.dtype.kind != "f":
        raise UsageError(f"an exemplar array must be uint8, uint16 or float in [0, 1], not "
                         f"{a.dtype}; convert it, e.g. array.astype(np.uint8) for 0-255 values")
    if not np.isfinite(a).all():
        raise UsageError("the exemplar array has NaN or infinite values")
    if a.min() < 0 or a.max() > 1:
        raise UsageError(f"exemplar floats must lie in [0, 1], these span "
                         f"[{a.min():.3g}, {a.max():.3g}]; divide by 255 for 0-255 values")
    return np.ascontiguousarray(a), {"bit_depth": 8, "mode": "array"}


def fit_samples(config: FitConfig) -> int:
    """Stochastic-gradient samples of one fit, over all stages (the unit of fit progress)."""
    return sum(spec.iters for spec in config.stages)


def _fit_progress(config: FitConfig, progress: Progress | None):
    """``fitting.fit``'s progress(stage, stages, done, total) as progress(samples done,
    ``fit_samples``), or None."""
    if progress is None:
        return None
    total = fit_samples(config)
    return lambda k, n, done, _: progress(sum(s.iters for s in config.stages[:k]) + done, total)


@dataclass
class FitJob:
    """One model to fit: its exemplar ``sources`` (several: one joint model), their
    ``guides`` (None, or one per exemplar), the model file ``dest`` (None: not written)."""

    sources: tuple[Any, ...]
    guides: tuple[Any, ...] | None
    dest: Path | None
    maps: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return " + ".join(_source_name(s) for s in self.sources or (self.maps or {}).values())


def _source_name(source: Any) -> str:
    """How messages name an exemplar source: its file name, "stdin" or "array"."""
    if isinstance(source, (bytes, bytearray, memoryview)) or \
            (isinstance(source, str) and source == "-"):
        return "stdin"
    return Path(source).name if isinstance(source, (str, os.PathLike)) else "array"


@dataclass
class FitInputs:
    """What a FitJob reads: its exemplars and guides (float32 (H, W, G) arrays or None)."""

    exemplars: list[Exemplar]
    guides: list[np.ndarray] | None
    maps: list | None = None

    @property
    def name(self) -> str:
        return " + ".join(ex.name for ex in self.exemplars)

    @property
    def description(self) -> str:
        guided = "" if self.guides is None else f", guide of {self.guides[0].shape[2]} channel(s)"
        return "; ".join(ex.description for ex in self.exemplars) + guided

    @property
    def facts(self) -> dict[str, Any]:
        """The exemplar facts a model stores: the first exemplar's, the deepest bit depth,
        every source's name."""
        facts = dict(self.exemplars[0].facts)
        facts["bit_depth"] = max(ex.facts.get("bit_depth", 8) for ex in self.exemplars)
        if len(self.exemplars) > 1:
            facts["source"] = self.name
            facts["sources"] = [ex.name for ex in self.exemplars]
        return facts


@dataclass
class FitPlan:
    """A validated ``texto fit``: its ``config``, the ``jobs`` (one per model), the joint
    models' exemplar ``weights`` (None: by area), and the largest exemplar it reads, in
    pixels (None: no limit)."""

    config: FitConfig
    jobs: list[FitJob]
    max_pixels: int | None = MAX_PIXELS
    weights: list[float] | None = None
    map_kinds: dict[str, str] | None = None
    map_weights: dict[str, float] | None = None
    scheduler: str | None = None

    def run_on_cluster(self) -> Iterator[tuple[FitJob, dict[str, Any] | None, Exception | None]]:
        """Fit every job as a task of the dask cluster ``scheduler`` and write its model;
        yield (job, report, None) or (job, None, error) as each finishes (report: "name",
        "description", "info" as ``describe``'s, "warnings"). A job that fails does not stop
        the others."""
        from .cluster import connect, fit_jobs

        with connect(self.scheduler) as client:
            yield from fit_jobs(self, client)

    @property
    def samples(self) -> int:
        """``fit_samples`` of the configuration."""
        return fit_samples(self.config)

    def read(self, job: FitJob) -> FitInputs:
        """Read a job's exemplars and guides and check them against the configuration (size,
        channels; a guide the size of its exemplar)."""
        if job.maps is not None:
            material, specs = read_material(job.maps, self.map_kinds, self.map_weights)
            check_exemplars([material.image], None, self.config)
            return FitInputs([material], None, specs)
        exemplars = [read_exemplar(s, max_pixels=self.max_pixels) for s in job.sources]
        guides = None if job.guides is None else \
            [read_exemplar(g, max_pixels=self.max_pixels).image for g in job.guides]
        check_exemplars([ex.image for ex in exemplars], guides, self.config)
        return FitInputs(exemplars, guides)

    def fit(self, inputs: FitInputs, progress: Progress | None = None) -> Model:
        """Fit a model to ``inputs``. progress(samples done, samples in all) as it goes."""
        from .texture.fitting import fit as fit_model

        images = [ex.image for ex in inputs.exemplars]
        return fit_model(images if len(images) > 1 else images[0], self.config, inputs.facts,
                         progress=_fit_progress(self.config, progress), guide=inputs.guides,
                         weights=self.weights, maps=inputs.maps)


def _existing(paths: Sequence[Any], what: str = "") -> None:
    """Raise ImageError unless every path (but "-") names a file."""
    for ex in paths:
        if isinstance(ex, (str, os.PathLike)) and str(ex) != "-" and \
                (not Path(ex).exists() or Path(ex).is_dir()):
            raise ImageError(f"{what}{ex}: " + ("is a directory, not an image file"
                                                if Path(ex).is_dir() else "no such file"))


def plan_fit(exemplars: Sequence[str | os.PathLike], output: str | os.PathLike | None = None,
             output_dir: str | os.PathLike | None = None, preset: str = "default",
             max_megapixels: float | None = MAX_PIXELS / 1e6,
             guides: Sequence[str | os.PathLike] | None = None,
             weights: Sequence[float] | None = None, maps: dict[str, Any] | None = None,
             map_kinds: dict[str, str] | None = None,
             map_weights: dict[str, float] | None = None, scheduler: str | None = None,
             **options: Any) -> FitPlan:
    """Validate a ``texto fit``: the exemplars to one joint model ``output``, or each to
    its own ``output_dir``/NAME.npz (created if needed); every exemplar must exist and no
    two may share a model file. ``guides``: one per exemplar (guided models);
    ``weights``: the exemplars' shares in a joint model (default: their areas). Exemplars
    above ``max_megapixels`` (None: no limit) are refused when read. ``maps``: a
    material's maps by name instead of exemplars, to one model ``output`` (``map_kinds``,
    ``map_weights``: ``read_material``'s; the detail stage is off unless ``detail=True``:
    writing each pixel from another patch breaks the relations between maps, such as a
    normal map's to its height map's). ``scheduler``: fit the models as tasks of a dask
    cluster (``FitPlan.run_on_cluster``; paths are made absolute: the workers must see the
    same files). ``options`` as ``make_config``'s."""
    plan = _plan_fit(exemplars, output, output_dir, preset, max_megapixels, guides, weights,
                     maps, map_kinds, map_weights, **options)
    if scheduler is not None:
        from .cluster import require_dask

        require_dask("--scheduler")
        if any(str(s) == "-" for job in plan.jobs for s in job.sources + (job.guides or ())):
            raise UsageError("--scheduler fits on the cluster's workers: they cannot read stdin")
        absolute = lambda paths: None if paths is None else tuple(  # noqa: E731
            p if isinstance(p, np.ndarray) else Path(p).resolve() for p in paths)
        plan.jobs = [FitJob(absolute(job.sources), absolute(job.guides), job.dest.resolve(),
                            job.maps and dict(zip(job.maps, absolute(job.maps.values()))))
                     for job in plan.jobs]
        plan.scheduler = scheduler
    return plan


def _plan_fit(exemplars, output, output_dir, preset, max_megapixels, guides, weights, maps,
              map_kinds, map_weights, **options: Any) -> FitPlan:
    if maps:
        if exemplars or guides or weights or output is None:
            raise UsageError("--map NAME=FILE fits one material model: give -o MODEL.npz and "
                             "no other exemplar, --guide or --weights")
        _existing(list(maps.values()), "map ")
        check_model_path(output)
        return _material_plan(preset, maps, map_kinds, map_weights, Path(output),
                              None if max_megapixels is None else int(max_megapixels * 1e6),
                              options)
    if not exemplars:
        raise UsageError("give an EXEMPLAR (or a material's maps with --map NAME=FILE)")
    if (output is None) == (output_dir is None):
        raise UsageError("give either -o MODEL.npz (one model of all the exemplars) or -O FOLDER "
                         "(one model each)")
    if max_megapixels is not None and not max_megapixels > 0:
        raise UsageError(f"--max-megapixels must be positive, not {max_megapixels}")
    guides = list(guides) if guides else None
    if guides is not None and len(guides) != len(exemplars):
        raise UsageError(f"{len(guides)} --guide for {len(exemplars)} exemplar(s): give one "
                         f"guide per exemplar, in the same order")
    if weights:
        if output is None or len(exemplars) < 2:
            raise UsageError("--weights sets the shares of the exemplars of one joint model: "
                             "give several exemplars and -o")
        if len(weights) != len(exemplars) or not all(w > 0 for w in weights):
            raise UsageError(f"--weights needs {len(exemplars)} positive numbers, one per "
                             f"exemplar, got {', '.join(f'{w:g}' for w in weights)}")
    config = make_config(preset, **options)
    if sum(str(ex) == "-" for ex in list(exemplars) + (guides or [])) > 1:
        raise UsageError("stdin (-) can be read once only")
    _existing(exemplars)
    _existing(guides or [], "guide ")
    if output is not None:
        jobs = [FitJob(tuple(exemplars), None if guides is None else tuple(guides), Path(output))]
    else:
        jobs = [FitJob((ex,), None if guides is None else (guides[i],),
                       Path(output_dir) / f"{'stdin' if str(ex) == '-' else Path(ex).stem}.npz")
                for i, ex in enumerate(exemplars)]
        seen: dict[Path, Any] = {}
        for job in jobs:
            if job.dest in seen:
                raise UsageError(f"{seen[job.dest]} and {job.sources[0]} would both be fitted to "
                                 f"{job.dest}; rename one or fit them separately")
            seen[job.dest] = job.sources[0]
        Path(output_dir).mkdir(parents=True, exist_ok=True)
    for job in jobs:
        check_model_path(job.dest)
    return FitPlan(config, jobs, None if max_megapixels is None else int(max_megapixels * 1e6),
                   None if not weights else [float(w) for w in weights])


def _material_plan(preset: str, maps: dict[str, Any], kinds: dict[str, str] | None,
                   weights: dict[str, float] | None, dest: Path | None, max_pixels: int | None,
                   options: dict[str, Any]) -> FitPlan:
    """The plan of one material model; the detail stage is off unless asked for."""
    config = make_config(preset, **{"detail": False, **options})
    return FitPlan(config, [FitJob((), None, dest, dict(maps))], max_pixels, map_kinds=kinds,
                   map_weights=weights)


def read_material(maps: dict[str, Any], kinds: dict[str, str] | None = None,
                  weights: dict[str, float] | None = None) -> tuple[Exemplar, list]:
    """A material's maps (name -> a path or an array, as an exemplar) as one Exemplar of
    their stacked channels and their ``MapSpec``: ``kinds`` (default "normal" for a map
    named normal, else "plain") and ``weights`` (default 1) by name. The maps must share
    a size; each keeps its channels and bit depth."""
    from .texture.model import MAP_KINDS, MapSpec

    kinds, weights = dict(kinds or {}), dict(weights or {})
    for name in list(kinds) + list(weights):
        if name not in maps:
            raise UsageError(f"no map named {name!r}; the maps are {', '.join(maps)}")
    for name in maps:
        if not str(name).isidentifier():
            raise UsageError(f"a map name must be a word (letters, digits, _), not {name!r}")
    read = {name: read_exemplar(source, name) for name, source in maps.items()}
    sizes = {ex.image.shape[:2] for ex in read.values()}
    if len(sizes) > 1:
        raise UsageError("the maps must have the same size; they are " + ", ".join(
            f"{name} {ex.image.shape[1]}x{ex.image.shape[0]}" for name, ex in read.items()))
    specs = []
    for name, ex in read.items():
        kind = kinds.get(name, "normal" if name == "normal" else "plain")
        if kind not in MAP_KINDS:
            raise UsageError(f"map kinds are {', '.join(MAP_KINDS)}, not {kind!r}")
        if kind == "normal" and ex.image.shape[2] != 3:
            raise UsageError(f"the normal map {name} has {ex.image.shape[2]} channel(s), not 3")
        weight = weights.get(name, 1.0)
        if not 0 < weight < 1e6:
            raise UsageError(f"map weights must be positive, not {weight:g} ({name})")
        specs.append(MapSpec(name, ex.image.shape[2], kind, float(weight),
                             ex.facts.get("bit_depth", 8)))
    stacked = np.ascontiguousarray(np.concatenate([ex.image for ex in read.values()], axis=2))
    facts = {"bit_depth": max(m.bit_depth for m in specs), "mode": "material",
             "source": " + ".join(ex.name for ex in read.values())}
    return Exemplar(stacked, "material", facts), specs


def fit(exemplar: Any, preset: str = "default", progress: Progress | None = None,
        guide: Any = None, weights: Sequence[float] | None = None,
        map_kinds: dict[str, str] | None = None, map_weights: dict[str, float] | None = None,
        **options: Any) -> Model:
    """Fit a texture model to ``exemplar`` (a path, image bytes, or an (H, W[, C]) array of
    uint8, uint16 or floats in [0, 1]; a list of them: one model of them all, mixed by
    ``weights``, default their areas; a dict: a material's aligned maps by name, one model
    of them all, with ``map_kinds`` and ``map_weights``, see ``read_material``).
    ``guide``: a map aligned with the exemplar (one per exemplar), for guided synthesis.
    ``options``: those of ``texto fit`` as keywords (``FitConfig``'s fields: scales,
    patch, targets, ...). progress(done, total) in samples."""
    if isinstance(exemplar, dict):
        if guide is not None or weights is not None:
            raise UsageError("a material's maps make one model: no guide or weights")
        plan = _material_plan(preset, exemplar, map_kinds, map_weights, None, MAX_PIXELS, options)
        return plan.fit(plan.read(plan.jobs[0]), progress)
    sources = tuple(exemplar) if isinstance(exemplar, (list, tuple)) else (exemplar,)
    guides = None if guide is None else \
        tuple(guide) if isinstance(guide, (list, tuple)) else (guide,)
    if weights is not None and len(weights) != len(sources):
        raise UsageError(f"weights needs {len(sources)} numbers, one per exemplar")
    plan = FitPlan(make_config(preset, **options), [], weights=None if weights is None else
                   list(weights))
    return plan.fit(plan.read(FitJob(sources, guides, None)), progress)


def check_model_path(path: str | os.PathLike) -> None:
    """Refuse, before any work, a model path that cannot be written."""
    if Path(path).suffix.lower() != ".npz":
        raise UsageError(f"{path}: model files end in .npz")
    _usage(check_writable_target, path)


# --------------------------------------------------------------------------- synthesis


def parse_size(value: str | int | Sequence[int]) -> tuple[int, int]:
    """(width, height) from 'WIDTHxHEIGHT', 'N' (a square), N or a pair; UsageError if
    malformed."""
    if isinstance(value, int):
        value = (value, value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+)\s*(?:[xX]\s*(\d+)\s*)?", value)
        if not m:
            raise UsageError(f"--size must be WIDTHxHEIGHT (or N for NxN) in pixels, e.g. "
                             f"1280x768; got {value!r}")
        value = (int(m.group(1)), int(m.group(2) or m.group(1)))
    width, height = (int(v) for v in value)
    if width < 1 or height < 1:
        raise UsageError(f"--size must be at least 1x1, got {width}x{height}")
    return width, height


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
    f, channels = model.config.zoom, model.channels
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


def _check_stdout() -> None:
    """Refuse ``-o -`` when stdout is a terminal."""
    if sys.stdout.isatty():
        raise UsageError("-o - writes PNG data to stdout, which is a terminal; "
                         "redirect it to a file or a pipe")


def _check_jpeg(bit_depth: int | None, model: Model) -> None:
    """Refuse what a JPEG output cannot hold: 16 bits, or the model's alpha channel."""
    if bit_depth == 16:
        raise UsageError("JPEG holds 8 bits per sample; use .png or .tif for --bit-depth 16")
    if model.channels in (2, 4):
        raise UsageError("this model has an alpha channel, which JPEG cannot hold; "
                         "write .png or .tif")


def _usage(check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)`` for a path named by the user; its ImageError becomes a UsageError (a
    path that cannot be used is a mistake in the command line: exit status 2)."""
    try:
        return check(*args)
    except ImageError as e:
        raise UsageError(str(e)) from None


@dataclass
class SynthesisPlan:
    """A validated ``texto synthesize``: ``outputs`` are (path or "-" for stdout, seed);
    ``notes`` are what the user should know about them (one line each)."""

    model: Model
    size: tuple[int, int]
    outputs: list[tuple[Path | str, int]]
    tileable: bool = False
    bit_depth: int = 8
    tile: int | None = None
    jobs: int = 1
    save_scales: Path | None = None
    notes: list[str] = field(default_factory=list)
    guide: np.ndarray | None = None
    map_depths: dict[str, int] | None = None
    scheduler: str | None = None

    def targets(self, dest: Path | str) -> list[tuple[Path | str, int]]:
        """Where output ``dest`` goes: (path or "-", bit depth) per file; a material model's
        maps go to DEST_NAME.EXT each (``map_depths``, in the model's order)."""
        if self.map_depths is None or _is_zarr(dest):  # a zarr store holds every map
            return [(dest, self.bit_depth)]
        if dest == "-":
            return [("-", depth) for depth in self.map_depths.values()]
        dest = Path(dest)
        return [(dest.with_name(f"{dest.stem}_{name}{dest.suffix}"), depth)
                for name, depth in self.map_depths.items()]

    def parts(self, image: np.ndarray) -> list[np.ndarray]:
        """A synthesis (or a band of it) as the images ``targets`` writes."""
        if self.map_depths is None:
            return [image]
        maps = self.model.split(image)
        return [maps[name] for name in self.map_depths]

    @property
    def tile_side(self) -> int | None:
        """The side of the tiles the outputs are made of (None: made in memory)."""
        return self.tile or (AUTO_TILE if self.on_dask else None)

    @property
    def bands(self) -> int:
        """Bands of tiles per output (1 if made in memory): the unit of progress."""
        return -(-self.size[1] // self.tile_side) if self.tile_side else 1

    def stage_folder(self, i: int) -> Path | None:
        """Where output ``i``'s stage images go: ``save_scales``, or ``save_scales``/sSEED
        when there are several outputs."""
        if self.save_scales is None or len(self.outputs) == 1:
            return self.save_scales
        return self.save_scales / f"s{self.outputs[i][1]}"

    @property
    def on_dask(self) -> bool:
        """Whether the outputs are made as dask arrays (``--scheduler``, or zarr outputs)."""
        return self.scheduler is not None or any(_is_zarr(dest) for dest, _ in self.outputs)

    @contextmanager
    def cluster(self) -> Iterator[None]:
        """The context ``write`` runs in: connected to ``scheduler`` (``cluster.connect``),
        dask's synchronous scheduler for zarr outputs without one, else nothing."""
        if self.on_dask:
            from .cluster import running

            with running(self.scheduler):
                yield
        else:
            yield

    def write(self, i: int, progress: Progress | None = None) -> int:
        """Synthesise and write output ``i`` (inside ``cluster()`` if ``on_dask``);
        progress(bands done, bands) when tiled. Returns how many stage images it wrote
        (``stage_folder``)."""
        from .texture.preview import save_stage_images
        from .texture.synthesis import ScaleImages, synthesize
        from .texture.tiling import synthesize_bands

        dest, seed = self.outputs[i]
        if self.on_dask:
            self._write_dask(dest, seed, progress)
            return 0
        if self.tile is not None:
            self._write_bands(dest, synthesize_bands(self.model, self.size, seed=seed,
                                                     tile=self.tile, jobs=self.jobs,
                                                     progress=progress))
            return 0
        record = ScaleImages() if self.save_scales is not None else None
        image = synthesize(self.model, self.size, seed=seed, tileable=self.tileable, record=record,
                           guide=self.guide)
        written = 0
        if record is not None:
            folder = self.stage_folder(i)
            written = len(save_stage_images(self.model, record, folder, self.bit_depth))
        self._write_whole(dest, image)
        return written

    def _write_whole(self, dest: Path | str, image: np.ndarray) -> None:
        """Write output ``dest`` from the whole synthesis, split into the files of ``targets``
        (a material's maps encoded in parallel threads: the codecs release the GIL)."""
        def write_one(target: tuple[Path | str, int], part: np.ndarray) -> None:
            path, depth = target
            write_image(sys.stdout.buffer if path == "-" else path, part, bit_depth=depth)

        targets = self.targets(dest)
        if len(targets) == 1:
            write_one(targets[0], self.parts(image)[0])
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(len(targets), os.cpu_count() or 1)) as pool:
            list(pool.map(write_one, targets, self.parts(image)))

    def _write_dask(self, dest: Path | str, seed: int, progress: Progress | None) -> None:
        from .cluster import bands, synthesize_dask, write_zarr

        chunks = self.tile_side
        array = synthesize_dask(self.model, self.size, chunks=chunks, seed=seed,
                                tileable=self.tileable)
        if _is_zarr(dest):
            parts = {name: (*self.model.map_channels[name], depth)
                     for name, depth in (self.map_depths or {"image": self.bit_depth}).items()}
            from . import __version__

            write_zarr(array, dest, parts, {"texto_version": __version__, "seed": seed,
                                            "width": self.size[0], "height": self.size[1]})
            return
        if dest == "-" or format_for_path(dest) == "JPEG" or self.tileable:  # one piece
            self._write_whole(dest, array.compute())
            return
        total = -(-self.size[1] // chunks)

        def counted() -> Iterator[np.ndarray]:
            for k, band in enumerate(bands(array, chunks)):
                yield band
                if progress is not None:
                    progress(k + 1, total)

        self._write_bands(dest, counted())

    def _write_bands(self, dest: Path | str, bands: Iterator[np.ndarray]) -> None:
        """Write output ``dest`` from the synthesis's bands (``tile_side`` rows each), each
        split into the files of ``targets``."""
        targets = self.targets(dest)
        channels = [b - a for a, b in (self.model.map_channels[name]
                                       for name in self.map_depths or {"image": None})]
        write_split_bands([path for path, _ in targets], map(self.parts, bands), *self.size,
                          channels, [depth for _, depth in targets], self.tile_side)

    def run(self) -> None:
        """Write every output."""
        with self.cluster():
            for i in range(len(self.outputs)):
                self.write(i)


def _is_zarr(dest: Path | str) -> bool:
    return dest != "-" and Path(dest).suffix.lower() == ".zarr"


def read_guide(model: Model, guide: Any, size: tuple[int, int] | None) -> tuple[np.ndarray, str | None]:
    """A target guide for ``model`` (a path or an array, as an exemplar) at ``size`` =
    (width, height) (None: its own size): float32 (H, W, G), and a note if it was resized
    (Pillow's bilinear filter, anti-aliased when shrinking; the aspect ratio is not kept)."""
    if not model.guide_channels:
        raise UsageError("this model was fitted without a guide: fit it with --guide to use "
                         "--guide here")
    image = read_exemplar(guide).image
    G = model.guide_channels
    if image.shape[2] != G:
        raise UsageError(f"the guide has {image.shape[2]} channel(s), the model's guide {G}: "
                         f"give a guide like the one it was fitted with")
    h, w = image.shape[:2]
    if size is None or size == (w, h):
        return image, None
    from PIL import Image

    width, height = size
    resized = np.dstack([np.asarray(Image.fromarray(image[:, :, g], mode="F").resize(
        (width, height), Image.BILINEAR)) for g in range(G)]).astype(np.float32)
    return resized, f"the guide was resized from {w}x{h} to {width}x{height}"


def plan_synthesis(model: Model | str | os.PathLike, size: str | int | Sequence[int] | None,
                   output: str | os.PathLike | None = None, seed: int = 0, count: int = 1,
                   tileable: bool = False, bit_depth: int | None = None, tile: int | None = None,
                   jobs: int = 1, save_scales: str | os.PathLike | None = None,
                   guide: Any = None, maps: Sequence[str] | None = None,
                   scheduler: str | None = None) -> SynthesisPlan:
    """Validate a ``texto synthesize`` and load its model (a Model or a .npz path).

    output: .png, .tif/.tiff or .jpg path, "-" for PNG on stdout (not a terminal), or None
    for MODEL_WxH_sSEED.png. ``count`` variants take seeds seed, seed + 1, ... and are
    named by them: NAME_sSEED.png (MODEL_WxH_sSEED.png by default). ``tile``: synthesise
    by tiles of that side in bounded memory (automatic above 4096x4096 for PNG and TIFF);
    ``jobs`` processes compute the tiles. ``bit_depth``: 8 or 16, default the exemplar's
    (JPEG: 8). ``save_scales``: a folder for every stage's images (sSEED/ subfolders when
    ``count`` > 1). ``guide``: the target guide of a guided model (a path or an array);
    the output is its size, or it is resized to ``size``; guided outputs are made in memory.
    A material model writes NAME_MAP.EXT for each of its maps (``maps``: some of them; one
    for stdout), each at its own bit depth unless ``bit_depth`` is given. ``scheduler``: a
    dask.distributed scheduler's address, or "local:N" for N worker processes here
    (``cluster.connect``), computes the tiles (``tile`` pixels, default 1024). A .zarr
    output is a zarr store (a group of one array per map for a material) written tile by
    tile, on the cluster's workers with ``scheduler``; both need ``texto-cli[dask]``.
    """
    from .texture.synthesis import check_size
    from .texture.tiling import check_tile

    if size is None and guide is None:
        raise UsageError("give --size WIDTHxHEIGHT (or --guide, whose size is the output's)")
    if guide is not None and tile is not None:
        raise UsageError("--guide makes the output in memory; it does not combine with --tile")
    if guide is not None and isinstance(guide, (str, os.PathLike)):
        _existing([guide], "guide ")
    stem = Path(model).stem if isinstance(model, (str, os.PathLike)) else "texto"
    if not isinstance(model, Model):
        model = load(model)
    notes = []
    if guide is not None:
        guide, note = read_guide(model, guide, None if size is None else parse_size(size))
        notes += [note] if note else []
        size = guide.shape[1], guide.shape[0]
    width, height = parse_size(size)
    if count < 1:
        raise UsageError(f"--count must be at least 1, got {count}")
    if seed < 0:
        raise UsageError(f"--seed must be nonnegative, got {seed}")
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    if bit_depth not in (None, 8, 16):
        raise UsageError(f"--bit-depth must be 8 or 16, not {bit_depth}")
    seeds = range(seed, seed + count)
    if output is None:
        outputs: list[tuple[Path | str, int]] = [(Path(f"{stem}_{width}x{height}_s{s}.png"), s)
                                                 for s in seeds]
    elif output == "-":
        if count > 1:
            raise UsageError("--count > 1 cannot write to stdout; give -o NAME.png")
        _check_stdout()
        outputs = [("-", seed)]
    else:
        path = Path(output)
        outputs = [(path, seed)] if count == 1 else \
            [(path.with_name(f"{path.stem}_s{s}{path.suffix}"), s) for s in seeds]
    zarr = output not in (None, "-") and _is_zarr(output)
    jpeg = not zarr and output not in (None, "-") and _usage(format_for_path, output) == "JPEG"
    if zarr or scheduler is not None:
        from .cluster import check_zarr_target, require_dask

        require_dask("--scheduler" if scheduler is not None else "zarr output")
        if zarr:
            for dest, _ in outputs:
                check_zarr_target(dest)
        if guide is not None or save_scales is not None or jobs > 1:
            raise UsageError("--scheduler and zarr outputs compute tiles with dask: they do not "
                             "combine with --guide, --save-scales or --jobs")
    if tile is None and width * height > AUTO_TILE_PIXELS and output != "-" and not jpeg \
            and not tileable and guide is None and not zarr and scheduler is None:
        tile = AUTO_TILE
    if tile is not None:
        check_tile(tile)  # with dask: the chunks, which combine with anything
        if not zarr and scheduler is None and (tileable or save_scales is not None
                                               or output == "-" or jpeg):
            raise UsageError("--tile writes PNG or TIFF files; it does not combine with "
                             "--tileable, --save-scales, JPEG or stdout")
    elif jobs > 1:
        raise UsageError("--jobs computes tiles in parallel: give --tile N too (worth it for "
                         "outputs of several megapixels; smaller ones are faster with 1 job)")
    if jpeg:
        _check_jpeg(bit_depth, model)
    if jpeg and bit_depth is None and model.bit_depth == 16:
        notes.append("the exemplar was 16-bit; JPEG output is 8-bit")
    map_depths = None
    if model.maps:
        names = [m.name for m in model.maps]
        unknown = [n for n in maps or [] if n not in names]
        if unknown:
            raise UsageError(f"no map named {unknown[0]!r}; this model's maps are {', '.join(names)}")
        map_depths = {m.name: 8 if jpeg else bit_depth or m.bit_depth for m in model.maps
                      if not maps or m.name in maps}
        if output == "-" and len(map_depths) > 1:
            raise UsageError("a material model writes one file per map: -o - takes one map "
                             "(--maps NAME)")
    elif maps:
        raise UsageError("--maps chooses maps of a material model; this model has none")
    check_size(model, (width, height), tileable)
    if not zarr:  # a zarr store is written by the workers, one tile each
        check_memory(model, (width, height), tile or (AUTO_TILE if scheduler and not jpeg
                                                      and output != "-" else None))
    plan = SynthesisPlan(model, (width, height), outputs, tileable,
                         8 if jpeg else bit_depth or model.bit_depth, tile, jobs,
                         None if save_scales is None else Path(save_scales), notes, guide,
                         map_depths, scheduler)
    for dest, _ in outputs:
        for path, _ in [] if zarr else plan.targets(dest):
            if path != "-":
                _usage(check_output_path, path)
    return plan


def synthesize_to_file(model: Model | str | os.PathLike, output: str | os.PathLike,
                       size: str | Sequence[int], seed: int = 0, **options: Any) -> None:
    """Synthesise ``size`` = (width, height) and write it to ``output``; ``options`` as
    ``plan_synthesis``'s (tileable, bit_depth, tile, jobs, count...). Outputs above
    4096x4096 are made by tiles in bounded memory."""
    plan_synthesis(model, size, output, seed=seed, **options).run()


# ---------------------------------------------------------------------------- transfer


#: Rec. 709 luminance weights, for colour content given to a gray model
LUMINANCE = np.array([0.2126, 0.7152, 0.0722], np.float32)


def to_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """``image`` (float32 (H, W, C)) with ``channels`` channels: colour becomes gray by
    luminance (``LUMINANCE``), gray becomes colour by repetition, alpha is dropped or added
    (opaque)."""
    C = image.shape[2]
    if C == channels:
        return image
    colour = image[:, :, :-1] if C in (2, 4) else image
    if channels in (1, 2) and colour.shape[2] == 3:
        colour = (colour @ LUMINANCE)[:, :, None]
    elif channels in (3, 4) and colour.shape[2] == 1:
        colour = np.repeat(colour, 3, axis=2)
    if channels in (2, 4):
        alpha = image[:, :, -1:] if C in (2, 4) else np.ones_like(colour[:, :, :1])
        colour = np.concatenate([colour, alpha], axis=2)
    return np.ascontiguousarray(colour, dtype=np.float32)


@dataclass
class TransferPlan:
    """A validated ``texto transfer``: ``content`` (float32 (H, W, C), the model's channels)
    to redraw with ``model``'s texture at ``strength``, where to write (None: ``run`` only
    returns the result), at what bit depth; ``notes`` for the user."""

    model: Model
    content: np.ndarray
    output: Path | str | None
    strength: float
    seed: int = 0
    bit_depth: int = 8
    notes: list[str] = field(default_factory=list)

    def run(self) -> np.ndarray:
        """Make the output, write it if there is an output path, return it (float32
        (H, W, C) in [0, 1])."""
        from .texture.transfer import transfer as redraw

        image = redraw(self.model, self.content, self.strength, self.seed)
        if self.output is not None:
            write_image(sys.stdout.buffer if self.output == "-" else self.output, image,
                        bit_depth=self.bit_depth)
        return image


def plan_transfer(model: Model | str | os.PathLike, content: Any,
                  output: str | os.PathLike | None = None, strength: float = 0.5, seed: int = 0,
                  bit_depth: int | None = None) -> TransferPlan:
    """Validate a ``texto transfer``: ``content`` (a path, "-" for stdin, or an array, as an
    exemplar) redrawn with the texture of ``model`` (a Model or a .npz path, fitted without
    a guide) at ``strength`` in [0, 1] (0: the content recoloured with the texture's grain;
    1: texture laid out like the content's coarsest octave). The output is the content's
    size; content of other channels than the model's is converted (``to_channels``).
    ``output``: .png, .tif or .jpg path, "-" for PNG on stdout, or None."""
    from .texture.synthesis import check_size

    if not 0 <= strength <= 1:
        raise UsageError(f"--strength must be between 0 and 1, not {strength:g}")
    if seed < 0:
        raise UsageError(f"--seed must be nonnegative, got {seed}")
    if bit_depth not in (None, 8, 16):
        raise UsageError(f"--bit-depth must be 8 or 16, not {bit_depth}")
    jpeg = False
    if output == "-":
        _check_stdout()
    elif output is not None:
        jpeg = _usage(format_for_path, output) == "JPEG"
        _usage(check_output_path, output)
    _existing([content] if isinstance(content, (str, os.PathLike)) else [], "content ")
    if not isinstance(model, Model):
        model = load(model)
    if model.guide_channels or model.maps:
        raise UsageError("this model was fitted with a guide or a material's maps; transfer "
                         "needs a model of one image")
    if jpeg:
        _check_jpeg(bit_depth, model)
    exemplar = read_exemplar(content)
    notes = []
    image = exemplar.image
    if image.shape[2] != model.channels:
        notes.append(f"the content has {image.shape[2]} channel(s), the model {model.channels}: "
                     f"converted")
        image = to_channels(image, model.channels)
    H, W = image.shape[:2]
    try:
        check_size(model, (W, H))
    except UsageError as e:
        raise UsageError(f"the content is too small: {e}") from None
    check_memory(model, (W, H))
    depth = 8 if jpeg else bit_depth or max(model.bit_depth, exemplar.facts.get("bit_depth", 8))
    return TransferPlan(model, image, None if output is None else
                        ("-" if output == "-" else Path(output)), strength, seed, depth, notes)


def transfer(model: Model | str | os.PathLike, content: Any, strength: float = 0.5,
             seed: int = 0) -> np.ndarray:
    """``content`` (a path or an (H, W[, C]) array) redrawn with the texture of ``model``
    (a Model or a .npz path) at ``strength`` in [0, 1] (``plan_transfer``): float32
    (H, W, C) in [0, 1], the content's size. The same inputs and seed give the same bytes."""
    return plan_transfer(model, content, None, strength, seed).run()


def set_threads(threads: int) -> None:
    """Use ``threads`` threads in texto's kernels (numba's thread count; default: one per
    core). Outputs do not depend on it."""
    import numba

    most = numba.config.NUMBA_NUM_THREADS
    if not 1 <= threads <= most:
        raise UsageError(f"--threads must be between 1 and {most} (this machine's cores), "
                         f"not {threads}")
    numba.set_num_threads(threads)


# ----------------------------------------------------------------------------- inspect


def describe(model: Model) -> dict[str, Any]:
    """A JSON-ready summary of a model: what ``texto inspect`` shows."""
    from . import __version__

    stages = []
    for st in model.stages:
        d, spec = st.diagnostics, st.spec
        stages.append({
            "name": spec.name, "kind": spec.kind, "scale": spec.scale, "patch": spec.patch,
            "targets": int(len(st.positions)), "layers": st.ot.layers,
            "clusters": spec.clusters if st.ot.layers > 1 else 0,
            "iters": spec.iters, "stride": spec.stride, "octaves": st.octaves,
            **{key: float(d.get(key, float("nan"))) for key in
               ("mass_l1", "noise_floor", "empty_share", "max_ratio", "seconds")},
            "trace": [[p.samples, p.seconds, p.value] for p in st.ot.trace],
        })
    return {
        "format_version": model.format_version or FORMAT_VERSION,
        "texto_version": model.written_by or __version__,
        "exemplar": model.exemplar,
        "exemplars": [{"width": int(r[3]), "height": int(r[2]), "weight": float(w)}
                      for r, w in zip(model.regions, model.weights)],
        "guide_channels": model.guide_channels,
        "maps": None if model.maps is None else [m.to_dict() for m in model.maps],
        "scales": model.config.scales,
        "config": model.config.to_dict(),
        "fit_seconds": model.fit_seconds,
        "band_gains": None if model.band_gains is None else model.band_gains.tolist(),
        "gain_diagnostics": model.gain_diagnostics,
        "stages": stages,
    }


def write_preview(model: Model, path: str | os.PathLike, seed: int = 0) -> None:
    """Write the contact sheet of ``model`` (``texto inspect --preview``) to a .png path."""
    from .texture.preview import contact_sheet

    if Path(path).suffix.lower() != ".png":
        raise UsageError(f"--preview writes a PNG file; got {str(path)!r}")
    _usage(check_output_path, path)
    sheet = contact_sheet(model, seed)
    with atomic_output(path) as tmp:
        sheet.save(tmp, format="PNG")




# ---------------------------------------------------------------------------- inpaint


#: largest image ``inpaint`` reads, in pixels (the work is bounded by the hole's crop)
INPAINT_MAX_PIXELS = 100_000_000


def read_mask(mask: Any, image: np.ndarray, alpha: bool = False) -> np.ndarray:
    """(H, W) bool, True where ``image`` (float (H, W, C)) is to be filled: a path or an
    array the image's size whose non-zero pixels (in any colour channel) are the hole; or,
    with ``alpha``, the pixels of ``image`` whose alpha is 0."""
    H, W, C = image.shape
    if alpha:
        if C not in (2, 4):
            raise UsageError("--mask alpha needs an image with an alpha channel")
        return image[:, :, -1] == 0
    if isinstance(mask, (str, os.PathLike)):
        values, info = read_image(mask, max_pixels=INPAINT_MAX_PIXELS)
        colours = values[:, :, :-1] if info.channels in (2, 4) else values
    else:
        colours = np.asarray(mask)
        colours = colours[:, :, None] if colours.ndim == 2 else colours
    if colours.shape[:2] != (H, W):
        raise UsageError(f"the mask is {colours.shape[1]}x{colours.shape[0]} pixels, the image "
                         f"{W}x{H}: they must be the same size")
    return (colours > 0).any(axis=2)


@dataclass
class InpaintPlan:
    """A validated ``texto inpaint``: ``hole`` (H, W) bool in ``image`` (float32 (H, W, C),
    colour channels), the ``alpha`` channel if the mask was it, the model (None: fit one on
    the known part with ``config``), where to write, at what bit depth."""

    image: np.ndarray
    hole: np.ndarray
    output: Path | None
    bit_depth: int
    seed: int = 0
    model: Model | None = None
    config: FitConfig | None = None
    alpha: np.ndarray | None = None
    source: Path | None = None

    @property
    def empty(self) -> bool:
        """The mask is empty: there is nothing to fill."""
        return not self.hole.any()

    @property
    def samples(self) -> int:
        """``fit_samples`` of the known-part fit's configuration."""
        return fit_samples(self.config)

    def fit(self, progress: Progress | None = None) -> Model:
        """The model of the known part of the image (when none was given); progress(samples
        done, ``samples``)."""
        from .texture.inpainting import fit_known

        return fit_known(self.image, ~self.hole, self.config, {"mode": "inpaint"},
                         _fit_progress(self.config, progress))

    def run(self, progress: Progress | None = None) -> np.ndarray:
        """Fill the hole (fitting a model first if none was given) and write the output if
        there is one; returns it (float32 (H, W, C), alpha included)."""
        from .texture.inpainting import inpaint

        if self.empty:
            result = self.image if self.alpha is None else np.dstack([self.image, self.alpha])
            if self.source is not None and self.output is not None and \
                    format_for_path(self.source) == format_for_path(self.output):
                atomic_write_bytes(self.output, self.source.read_bytes())  # a true copy
                return result
        else:
            if self.model is None:
                self.model = self.fit(progress)
            result = inpaint(self.model, self.image, ~self.hole, seed=self.seed)
            if self.alpha is not None:
                result = np.dstack([result, np.where(self.hole, 1.0, self.alpha)])
        if self.output is not None:
            write_image(self.output, result, bit_depth=self.bit_depth)
        return result


def plan_inpaint(image: Any, mask: Any, output: str | os.PathLike | None,
                 model: Model | str | os.PathLike | None = None, seed: int = 0,
                 preset: str = "default", **options: Any) -> InpaintPlan:
    """Validate a ``texto inpaint``: ``image`` (a path or an array), ``mask`` (a path, an
    array, or "alpha": the pixels whose alpha is 0), the output (PNG or TIFF: known pixels
    are written back exactly, which JPEG cannot), the model (a Model, a .npz path, or None
    to fit one on the known part with ``preset`` and ``options``, those of ``texto fit``);
    ``output`` None: ``run`` only returns the result."""
    from .texture.inpainting import check_known

    if seed < 0:
        raise UsageError(f"--seed must be nonnegative, got {seed}")
    if output is not None:
        if _usage(format_for_path, output) == "JPEG":
            raise UsageError("inpaint writes PNG or TIFF: JPEG would change the known pixels")
        _usage(check_output_path, output)
    config = None if model is not None else make_config(preset, seed=seed, **options)
    if model is not None and options:
        raise UsageError(f"fit options ({', '.join(options)}) do not apply with --model")
    exemplar = read_exemplar(image, max_pixels=INPAINT_MAX_PIXELS)
    pixels = exemplar.image
    is_alpha = isinstance(mask, str) and mask == "alpha"
    hole = read_mask(mask, pixels, alpha=is_alpha)
    alpha = pixels[:, :, -1].copy() if is_alpha else None
    colours = np.ascontiguousarray(pixels[:, :, :-1]) if is_alpha else pixels
    if hole.all():
        raise UsageError("the mask covers the whole image: no known pixels to fill it from")
    if model is not None and not isinstance(model, Model):
        model = load(model)
    if model is not None and (model.exemplars > 1 or model.guide_channels or model.maps):
        raise UsageError("inpaint needs a model of one exemplar, without a guide or maps")
    if model is not None and model.channels != colours.shape[2]:
        raise UsageError(f"the model has {model.channels} channel(s), the image "
                         f"{colours.shape[2]} (alpha excluded with --mask alpha): fit a model "
                         f"on an image like it")
    if hole.any() and model is None:
        check_known(~hole, config)
    source = Path(image) if isinstance(image, (str, os.PathLike)) and str(image) != "-" and \
        Path(image).suffix.lower() in SUPPORTED_EXTENSIONS else None
    return InpaintPlan(colours, hole, None if output is None else Path(output),
                       exemplar.facts.get("bit_depth", 8), seed, model, config, alpha, source)


def inpaint(image: Any, mask: Any, model: Model | str | os.PathLike | None = None,
            seed: int = 0, preset: str = "default", **options: Any) -> np.ndarray:
    """``image`` (a path or an (H, W[, C]) array) with the pixels of ``mask`` (a path, an
    array of the image's size whose non-zero pixels are the hole, or "alpha") filled with
    new texture of ``model`` (a Model or a .npz path; None: a model fitted on the known
    part with ``preset`` and ``options``). Known pixels are unchanged. Returns float32
    (H, W, C) in [0, 1]."""
    return plan_inpaint(image, mask, None, model, seed, preset, **options).run()


__all__ = ["DegenerateExemplarWarning", "Exemplar", "FitPlan", "InpaintPlan", "SynthesisPlan",
           "TransferPlan", "check_model_path", "describe", "fit", "inpaint", "parse_size",
           "plan_fit", "plan_inpaint", "plan_synthesis", "plan_transfer", "read_exemplar",
           "set_threads", "synthesize_to_file", "transfer", "write_preview"]
