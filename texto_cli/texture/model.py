"""The texture model: the exemplar pyramid and its chain of fitted stages.

Transport works on mean-centred intensities (``Model.levels``: the pyramid minus the
exemplar's mean colour), which keeps float32 distances exact enough for very dark or
very bright exemplars; the mean is added back at the end of synthesis. The file format
is ``modelfile``'s.
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

@dataclass
class Model:
    """A fitted texture model.

    config: its FitConfig. exemplar: facts about the exemplar (height, width, channels,
    bit_depth, mode, source). pyramid: float32 (h_s, w_s, C) levels in [0, 1], s = 0
    finest. stages: the fitted stages, coarse to fine (``config.stages``).
    band_gains: (L, C) float32 gains of the output's L finest octave bands, or None;
    gain_diagnostics: how the fit chose them (``bandgains.fit_band_gains``) and ``seconds``.
    """

    config: FitConfig
    exemplar: dict[str, Any]
    pyramid: list[np.ndarray]
    stages: list[Stage]
    fit_seconds: float = 0.0
    written_by: str = ""
    band_gains: np.ndarray | None = None
    gain_diagnostics: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.offset = self.pyramid[0].mean(axis=(0, 1)).astype(np.float32)
        self.levels = [np.ascontiguousarray(lvl - self.offset) for lvl in self.pyramid]

    @property
    def bit_depth(self) -> int:
        return int(self.exemplar.get("bit_depth", 8))

    @property
    def channels(self) -> int:
        return int(self.pyramid[0].shape[2])

    @property
    def active_gains(self) -> np.ndarray | None:
        """``band_gains`` if the synthesis applies them: None if absent or all 1."""
        if self.band_gains is None or not (self.band_gains != 1).any():
            return None
        return self.band_gains

    def synthesize(self, size: tuple[int, int], seed: int = 0, tileable: bool = False) -> np.ndarray:
        """A new (H, W, C) float32 image in [0, 1] of ``size`` = (width, height) pixels."""
        from .synthesis import synthesize

        return synthesize(self, size, seed=seed, tileable=tileable)

    def save(self, path: str | os.PathLike) -> None:
        """Write the model atomically to ``path`` (.npz)."""
        from .modelfile import save

        save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Model":
        """Read and validate a model file; raises ModelError."""
        from .modelfile import load

        return load(path)
