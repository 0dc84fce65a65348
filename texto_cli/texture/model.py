"""The texture model: the exemplar pyramid and its chain of fitted stages.

Transport works on mean-centred intensities (``Model.levels``: the pyramid minus the
exemplar's mean colour), which keeps float32 distances exact enough for very dark or
very bright exemplars; the mean is added back at the end of synthesis. The file format
is ``modelfile``'s.

A model of several exemplars keeps their pyramids side by side in one atlas pyramid:
exemplar e occupies ``regions[e]`` (top, left, height, width at level 0, top and left
multiples of 2^(scales-1), so that its level-s pyramid is the region shifted right by s
bits). A stage's targets are patches inside one region, and an upsampling stage writes
the block at twice a target's position, which lies in the same exemplar one level finer.

A guided model's pyramid has ``guide_channels`` more channels after the texture's: the
exemplar's guide, which ``levels`` multiply by ``guide_scale``.

A material model's texture channels are several aligned maps (``MapSpec``: albedo,
normal, height...), stacked; ``levels`` scale each map so that its variance, summed over
its channels, is the maps' mean times its weight squared: every map weighs the same in a
patch distance by default, whatever its channels and contrast. ``finish`` undoes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import FitConfig
from .stage import Stage

#: range of a valid band gain
GAIN_RANGE = (0.125, 8.0)
#: map kinds: plain values, or unit vectors encoded as (n + 1) / 2 (renormalised on output)
MAP_KINDS = ("plain", "normal")


@dataclass(frozen=True)
class MapSpec:
    """One map of a material: its ``name``, ``channels``, ``kind`` (MAP_KINDS), ``weight``
    w (the map counts w^2 times as much as a map of weight 1 in a patch distance) and the
    ``bit_depth`` it was read at."""

    name: str
    channels: int
    kind: str = "plain"
    weight: float = 1.0
    bit_depth: int = 8

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "channels": self.channels, "kind": self.kind,
                "weight": self.weight, "bit_depth": self.bit_depth}

@dataclass
class Model:
    """A fitted texture model.

    config: its FitConfig. exemplar: facts about the exemplar (height, width, channels,
    bit_depth, mode, source). pyramid: float32 (h_s, w_s, C) levels in [0, 1], s = 0
    finest. stages: the fitted stages, coarse to fine (``config.stages``).
    band_gains: (L, C) float32 gains of the output's L finest octave bands, or None;
    gain_diagnostics: how the fit chose them (``bandgains.fit_band_gains``) and ``seconds``.
    regions: (E, 4) int64 (top, left, height, width) of each exemplar at level 0 of the
    pyramid (default: one exemplar, the whole pyramid); weights: (E,) float64 share of each
    in the model, summing to 1. guide_channels: the pyramid's last G channels are a guide.
    format_version: the format of the file it was read from (None: not read from a file).
    maps: a material's maps, in channel order (None: one image). scale: (C + G,) float32,
    what ``levels`` multiply each channel by before centring.
    """

    config: FitConfig
    exemplar: dict[str, Any]
    pyramid: list[np.ndarray]
    stages: list[Stage]
    fit_seconds: float = 0.0
    written_by: str = ""
    band_gains: np.ndarray | None = None
    gain_diagnostics: dict[str, float] = field(default_factory=dict)
    regions: np.ndarray | None = None
    weights: np.ndarray | None = None
    guide_channels: int = 0
    format_version: int | None = None
    maps: list[MapSpec] | None = None

    def __post_init__(self) -> None:
        if self.regions is None:
            self.regions = np.array([[0, 0, *self.pyramid[0].shape[:2]]], dtype=np.int64)
            self.weights = np.ones(1)
        pyramid = self.pyramid
        self.scale = np.ones(self.pyramid[0].shape[2], np.float32)
        if self.maps:
            bounds = np.cumsum([0] + [m.channels for m in self.maps])
            energy = [float(self.pyramid[0][:, :, a:b].var(axis=(0, 1)).sum())
                      for a, b in zip(bounds[:-1], bounds[1:])]
            mean = float(np.mean(energy))
            self.scale[:self.channels] = np.repeat(
                [m.weight * (mean / max(e, 1e-12)) ** 0.5 for m, e in zip(self.maps, energy)],
                [m.channels for m in self.maps])
        if self.guide_channels:
            self.scale[self.channels:] = self.guide_scale
        if (self.scale != 1).any():
            pyramid = [lvl * self.scale for lvl in pyramid]
        means = [self.crop(pyramid[0], 0, e).mean(axis=(0, 1)) for e in range(len(self.regions))]
        mean = means[0] if len(means) == 1 else np.tensordot(self.weights, means, axes=1)
        self.offset = mean.astype(np.float32)
        self.levels = [np.ascontiguousarray(lvl - self.offset) for lvl in pyramid]

    @property
    def bit_depth(self) -> int:
        return int(self.exemplar.get("bit_depth", 8))

    @property
    def channels(self) -> int:
        """Channels of the texture (and of a synthesis), the guide's excluded."""
        return int(self.pyramid[0].shape[2]) - self.guide_channels

    @property
    def guide_scale(self) -> float:
        """What the guide's channels are multiplied by in ``levels``: w sqrt(C / G) for
        ``config.guide_weight`` w, so that the G guide channels together weigh w^2 times
        the C texture channels together in a patch distance, whatever C and G."""
        return self.config.guide_weight * (self.channels / self.guide_channels) ** 0.5

    @property
    def map_channels(self) -> dict[str, tuple[int, int]]:
        """Each map's channels [a, b) in a synthesis, by name ({"image": all} without maps)."""
        if not self.maps:
            return {"image": (0, self.channels)}
        bounds = np.cumsum([0] + [m.channels for m in self.maps]).tolist()
        return {m.name: (a, b) for m, a, b in zip(self.maps, bounds[:-1], bounds[1:])}

    def split(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """A synthesis (H, W, C) as its maps, by name (one "image" if the model has none)."""
        if not self.maps:
            return {"image": image}
        return {name: np.ascontiguousarray(image[:, :, a:b])
                for name, (a, b) in self.map_channels.items()}

    @property
    def exemplars(self) -> int:
        """How many exemplars the model was fitted to."""
        return len(self.regions)

    def crop(self, level: np.ndarray, scale: int, e: int) -> np.ndarray:
        """Exemplar ``e``'s part of ``level``, an atlas level at pyramid ``scale`` (a view)."""
        top, left, height, width = (int(v) >> scale for v in self.regions[e])
        return level[top:top + height, left:left + width]

    def exemplar_levels(self, scale: int) -> list[np.ndarray]:
        """Each exemplar's mean-centred level ``scale`` (float32 views of ``levels``)."""
        return [self.crop(self.levels[scale], scale, e) for e in range(self.exemplars)]

    def region_masks(self, scale: int) -> list[np.ndarray]:
        """(h_s, w_s) bool per exemplar: its pixels in atlas level ``scale``."""
        masks = []
        for e in range(self.exemplars):
            mask = np.zeros(self.levels[scale].shape[:2], bool)
            self.crop(mask, scale, e)[...] = True
            masks.append(mask)
        return masks

    @property
    def active_gains(self) -> np.ndarray | None:
        """``band_gains`` if the synthesis applies them: None if absent or all 1."""
        if self.band_gains is None or not (self.band_gains != 1).any():
            return None
        return self.band_gains

    def synthesize(self, size: tuple[int, int], seed: int = 0, tileable: bool = False,
                   guide: np.ndarray | None = None) -> np.ndarray | dict[str, np.ndarray]:
        """A new (H, W, C) float32 image in [0, 1] of ``size`` = (width, height) pixels (a
        material model: its maps by name, ``split``); ``guide``: (H, W, G) float in [0, 1],
        the target guide of a guided model."""
        from .synthesis import synthesize

        image = synthesize(self, size, seed=seed, tileable=tileable, guide=guide)
        return self.split(image) if self.maps else image

    def __reduce__(self):
        """Pickled as its model file: what a process pool or a dask cluster ships is about a
        tenth of the arrays the model holds in memory."""
        from .modelfile import from_bytes, to_bytes

        return from_bytes, (to_bytes(self, compress=False),)

    def save(self, path: str | os.PathLike) -> None:
        """Write the model atomically to ``path`` (.npz)."""
        from .modelfile import save

        save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Model":
        """Read and validate a model file; raises ModelError."""
        from .modelfile import load

        return load(path)
