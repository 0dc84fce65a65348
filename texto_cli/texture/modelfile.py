"""The model file: a ``.npz`` archive, and its validation.

A stage stores the top-left corners of its J target patches in the exemplar at its
scale, the shape of its target tree and the SDOT weights; the target patches
themselves are cut from the pyramid when the model is loaded, which keeps files small.

File layout (``np.savez_compressed``, read with ``allow_pickle=False``):

- ``format``: "texto-model"; ``version``: int, FORMAT_VERSION.
- ``header``: JSON text: fit configuration, exemplar facts, per-stage
  configuration, diagnostics and timings.
- ``pyramid_<s>``: float32 (h_s, w_s, C), values in [0, 1], s = 0 finest.
- ``stage<k>_positions`` int32 (J, 2) and ``stage<k>_counts`` int32 (J,): each
  distinct target patch and how many of the sampled positions it stands for
  (its mass is count / total); ``stage<k>_parent``, ``stage<k>_target`` int32
  (N,) (see ``hierarchy.tree_from_parents``); ``stage<k>_weights`` float32 (N,);
  ``stage<k>_trace`` float64 (T, 3): samples, seconds, L1 mass error.
- ``band_gains`` float32 (L, C + G), L = ``config.gain_octaves`` > 0: the gain of each of
  the L finest octave bands of a synthesis, per channel (``pyramid.scale_bands``).
- ``regions`` int32 (E, 4) and ``weights`` float64 (E,): where each exemplar lies in
  the pyramid, and its share (``Model``); the header's ``guide_channels`` G: the
  pyramid's last G channels are a guide (format 8).

This release writes format FORMAT_VERSION and reads it and format 7 (one exemplar, no
guide); files of other formats are refused with a message naming their version. Model files are untrusted: they are read
with ``allow_pickle=False`` and every array is checked against the header before use.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..config import FitConfig
from ..errors import ModelError, TextoError
from ..image.io import atomic_output
from ..image.patches import extract
from ..ot.hierarchy import node_depth, tree_from_parents
from ..ot.sdot import SemiDiscreteOT, TracePoint
from .model import GAIN_RANGE, MAP_KINDS, MapSpec, Model
from .stage import Stage

FORMAT_NAME = "texto-model"
FORMAT_VERSION = 8
#: the formats this release reads: 7 is format 8 without regions, weights and guide
READS = (7, 8)


def _header(model: Model) -> dict[str, Any]:
    return {
        "texto_version": __version__,
        "config": model.config.to_dict(),
        "exemplar": model.exemplar,
        "fit_seconds": model.fit_seconds,
        "gain_diagnostics": model.gain_diagnostics,
        "guide_channels": model.guide_channels,
        "maps": None if model.maps is None else [m.to_dict() for m in model.maps],
        "stages": [{**st.spec.header(), "octaves": st.octaves, "diagnostics": st.diagnostics}
                   for st in model.stages],
    }


def to_arrays(model: Model) -> dict[str, np.ndarray]:
    """The arrays of the model file, by name."""
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT_NAME),
        "version": np.array(FORMAT_VERSION),
        "header": np.array(json.dumps(_header(model))),
    }
    for s, level in enumerate(model.pyramid):
        arrays[f"pyramid_{s}"] = level.astype(np.float32)
    for k, st in enumerate(model.stages):
        t = st.ot.tree
        arrays[f"stage{k}_positions"] = st.positions.astype(np.int32)
        arrays[f"stage{k}_counts"] = st.counts.astype(np.int32)
        arrays[f"stage{k}_parent"] = t.parent.astype(np.int32)
        arrays[f"stage{k}_target"] = t.target.astype(np.int32)
        arrays[f"stage{k}_weights"] = st.ot.weights.astype(np.float32)
        arrays[f"stage{k}_trace"] = np.array([[p.samples, p.seconds, p.value] for p in st.ot.trace],
                                             dtype=np.float64).reshape(-1, 3)
    if model.band_gains is not None:
        arrays["band_gains"] = model.band_gains.astype(np.float32)
    arrays["regions"] = np.asarray(model.regions, dtype=np.int32)
    arrays["weights"] = np.asarray(model.weights, dtype=np.float64)
    return arrays


def to_bytes(model: Model, compress: bool = True) -> bytes:
    """The model file of ``model``, in memory."""
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **to_arrays(model))
    return buf.getvalue()


def save(model: Model, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` atomically: a temporary file, then a rename."""
    data = to_bytes(model)
    with atomic_output(path) as tmp:
        Path(tmp).write_bytes(data)


# ------------------------------------------------------------------ loading and validation


def _read_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    p = Path(path)
    if not p.exists():
        raise ModelError(f"{path}: no such model file")
    if p.is_dir():
        raise ModelError(f"{path}: is a directory, not a model file")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ModelError(f"{path}: cannot read model file ({e.strerror or e})") from None
    return _parse(data, path)


def _parse(data: bytes, path: str | os.PathLike) -> dict[str, np.ndarray]:
    if not data:
        raise ModelError(f"{path}: empty file, not a texto model")
    if not data.startswith(b"PK"):
        raise ModelError(f"{path}: not a texto model (.npz) file")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return {name: z[name] for name in z.files}
    except Exception as e:  # any parse failure of untrusted bytes is a bad file
        raise ModelError(f"{path}: corrupt or truncated model file ({type(e).__name__})") from None


class _Checker:
    """Array checks that raise ModelError naming the file and the array."""

    def __init__(self, path: str | os.PathLike, arrays: dict[str, np.ndarray]):
        self.path, self.arrays = path, arrays

    def fail(self, msg: str) -> None:
        raise ModelError(f"{self.path}: invalid model file: {msg}")

    def get(self, name: str, dtype: Any, ndim: int) -> np.ndarray:
        a = self.arrays.get(name)
        if a is None:
            self.fail(f"array {name!r} is missing")
        if a.dtype != np.dtype(dtype) or a.ndim != ndim:
            self.fail(f"array {name!r} has type {a.dtype} and {a.ndim} dimensions, "
                      f"expected {np.dtype(dtype)} and {ndim}")
        return a

    def text(self, name: str) -> str:
        a = self.arrays.get(name)
        if a is None or a.dtype.kind != "U" or a.ndim != 0:
            self.fail(f"{name!r} is missing or not text")
        return str(a)


def _stage_facts(chk: _Checker, d: Any) -> tuple[dict[str, int], int, dict[str, float]]:
    """(header entry, octave limit, diagnostics) of one stage description."""
    keys = ("scale", "patch", "targets", "layers", "clusters", "iters", "octaves")
    if not isinstance(d, dict) or not all(type(d.get(k)) is int for k in keys):
        chk.fail("stage description is malformed")
    if not 0 <= d["octaves"] <= 8:
        chk.fail(f"stage octave limit {d['octaves']} is out of range")
    diag = d.get("diagnostics", {})
    if not isinstance(diag, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in diag.values()):
        chk.fail("stage diagnostics are malformed")
    return {k: d[k] for k in keys[:-1]}, d["octaves"], diag


def from_arrays(arrays: dict[str, np.ndarray], path: str | os.PathLike = "<model>") -> Model:
    """Validate the arrays of a model file and build the Model; raises ModelError."""
    chk = _Checker(path, arrays)
    if "format" not in arrays or chk.text("format") != FORMAT_NAME:
        raise ModelError(f"{path}: not a texto model (a foreign .npz file)")
    version = arrays.get("version")
    if version is None or version.dtype.kind not in "iu" or version.ndim != 0:
        chk.fail("format version is missing")
    if int(version) > FORMAT_VERSION:
        raise ModelError(f"{path}: model format {int(version)} was written by a newer texto; "
                         f"this texto reads format {FORMAT_VERSION}: upgrade texto")
    if int(version) not in READS:
        raise ModelError(f"{path}: model format {int(version)} was written by an older texto; "
                         f"this texto reads formats {READS[0]} to {FORMAT_VERSION}: fit the "
                         f"model again")
    try:
        header = json.loads(chk.text("header"))
        config = FitConfig.from_dict(header["config"])
        exemplar = dict(header["exemplar"])
        stage_dicts = list(header["stages"])
        fit_seconds = float(header.get("fit_seconds", 0.0))
        gain_diagnostics = {str(k): float(v)
                            for k, v in dict(header.get("gain_diagnostics", {})).items()}
        written_by = str(header.get("texto_version", ""))
        guide_channels = header.get("guide_channels", 0)
        maps = _maps(header.get("maps"))
    except ModelError:
        raise
    except (ValueError, KeyError, TypeError, TextoError) as e:
        chk.fail(f"header is malformed ({type(e).__name__})")

    channels = exemplar.get("channels")
    if maps is not None and channels != sum(m.channels for m in maps):
        chk.fail("the maps' channels do not add up to the exemplar's")
    if channels not in ((1, 2, 3, 4) if maps is None else range(1, 17)) \
            or exemplar.get("bit_depth") not in (8, 16):
        chk.fail("exemplar channels or bit depth out of range")
    if type(guide_channels) is not int or not 0 <= guide_channels <= 4:
        chk.fail("guide channels out of range")
    pyramid = []
    for s in range(config.scales):
        level = chk.get(f"pyramid_{s}", np.float32, 3)
        if level.shape[2] != channels + guide_channels or min(level.shape[:2]) < 1:
            chk.fail(f"pyramid level {s} has shape {level.shape}")
        if s > 0 and level.shape[:2] != (pyramid[-1].shape[0] // 2, pyramid[-1].shape[1] // 2):
            chk.fail(f"pyramid level {s} is not half of level {s - 1}")
        if not np.isfinite(level).all() or level.min() < -1e-3 or level.max() > 1 + 1e-3:
            chk.fail(f"pyramid level {s} has values outside [0, 1]")
        pyramid.append(np.ascontiguousarray(level))
    if (exemplar.get("height"), exemplar.get("width")) != pyramid[0].shape[:2]:
        chk.fail("exemplar size does not match pyramid level 0")

    regions, weights = _regions(chk, arrays, int(version), pyramid, config.zoom)
    model = Model(config, exemplar, pyramid, [], fit_seconds, written_by, None, gain_diagnostics,
                  regions, weights, guide_channels, int(version), maps)
    if len(stage_dicts) != len(config.stages):
        chk.fail(f"{len(stage_dicts)} stages described, the configuration has "
                 f"{len(config.stages)}")
    for k, (spec, d) in enumerate(zip(config.stages, stage_dicts)):
        entry, octaves, diag = _stage_facts(chk, d)
        if entry != spec.header():
            chk.fail(f"stage {k} does not match the configuration")
        level, w = model.levels[spec.scale], spec.patch
        pos = chk.get(f"stage{k}_positions", np.int32, 2)
        if pos.shape[1:] != (2,) or len(pos) < 1:
            chk.fail(f"stage {k} positions have shape {pos.shape}")
        if (pos < 0).any() or (pos[:, 0] > level.shape[0] - w).any() \
                or (pos[:, 1] > level.shape[1] - w).any():
            chk.fail(f"stage {k} has patch positions outside the exemplar")
        counts = chk.get(f"stage{k}_counts", np.int32, 1)
        if counts.shape != (len(pos),) or (counts < 1).any():
            chk.fail(f"stage {k} target counts do not match its positions")
        parent = chk.get(f"stage{k}_parent", np.int32, 1)
        target = chk.get(f"stage{k}_target", np.int32, 1)
        weights = chk.get(f"stage{k}_weights", np.float32, 1)
        trace = chk.get(f"stage{k}_trace", np.float64, 2)
        if weights.shape != parent.shape or not np.isfinite(weights).all():
            chk.fail(f"stage {k} weights are not finite or do not match the tree")
        if trace.shape[1:] != (3,) or not np.isfinite(trace).all() \
                or not (0 <= trace[:, 0]).all() or not (trace[:, 0] < 2.0 ** 62).all():
            chk.fail(f"stage {k} trace is malformed")
        try:
            tree = tree_from_parents(parent, target, extract(level, pos[:, 0], pos[:, 1], w), counts)
        except ValueError as e:
            chk.fail(f"stage {k}: {e}")
        depth = node_depth(tree.parent)
        layers = int(depth[tree.count == 0].max())
        ot = SemiDiscreteOT(tree=tree, weights=weights.astype(np.float64), step=np.zeros(len(parent)),
                            layers=layers, iters=spec.iters,
                            trace=[TracePoint(int(a), float(b), float(c)) for a, b, c in trace])
        model.stages.append(Stage(spec, model.levels, np.ascontiguousarray(pos), counts, ot,
                                  octaves, diag))
    band_gains = None
    if config.gain_octaves > 0:
        band_gains = chk.get("band_gains", np.float32, 2)
        if band_gains.shape != (config.gain_octaves, channels + guide_channels) or not np.isfinite(band_gains).all() \
                or band_gains.min() < GAIN_RANGE[0] or band_gains.max() > GAIN_RANGE[1]:
            chk.fail(f"band gains have shape {band_gains.shape} or values outside {GAIN_RANGE}")
        model.band_gains = band_gains
    return model


def _maps(entries: Any) -> list[MapSpec] | None:
    """The maps a header describes (None: not a material); ValueError if malformed."""
    if entries is None:
        return None
    if not isinstance(entries, list) or not entries:
        raise ValueError("maps")
    maps = []
    for d in entries:
        spec = MapSpec(str(d["name"]), d["channels"], d["kind"], float(d["weight"]), d["bit_depth"])
        if type(spec.channels) is not int or not 1 <= spec.channels <= 4 \
                or spec.kind not in MAP_KINDS or not 0 < spec.weight < 1e6 \
                or spec.bit_depth not in (8, 16) or not spec.name.isidentifier():
            raise ValueError("maps")
        maps.append(spec)
    if len({m.name for m in maps}) != len(maps):
        raise ValueError("maps")
    return maps


def _regions(chk: _Checker, arrays: dict[str, np.ndarray], version: int,
             pyramid: list[np.ndarray], zoom: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The exemplars' regions and weights of a format-8 file, checked (None for format 7)."""
    if version == 7:
        return None, None
    regions = chk.get("regions", np.int32, 2).astype(np.int64)
    weights = chk.get("weights", np.float64, 1)
    H, W = pyramid[0].shape[:2]
    if regions.shape[1:] != (4,) or len(regions) < 1 or weights.shape != (len(regions),):
        chk.fail(f"regions have shape {regions.shape}, weights {weights.shape}")
    top, left, height, width = regions.T
    if (top % zoom).any() or (left % zoom).any() or (top < 0).any() or (left < 0).any() \
            or (height < zoom).any() or (width < zoom).any() \
            or (top + height > H).any() or (left + width > W).any():
        chk.fail("an exemplar region lies outside the pyramid or off its grid")
    if not np.isfinite(weights).all() or (weights <= 0).any() or abs(weights.sum() - 1) > 1e-6:
        chk.fail("exemplar weights must be positive and sum to 1")
    return regions, weights


def load(path: str | os.PathLike) -> Model:
    """Read, validate and rebuild a model file; raises ModelError with a one-line message."""
    return from_arrays(_read_arrays(path), path)


def from_bytes(data: bytes, name: str = "<model>") -> Model:
    """A model from the bytes of a model file (``to_bytes``), validated as ``load`` does."""
    return from_arrays(_parse(data, name), name)
