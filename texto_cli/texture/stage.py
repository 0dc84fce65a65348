"""One transport stage of the texture model: what it is, and how it acts on an image.

A model is a chain of stages, coarse to fine (``plan_stages``):

- ``UPSAMPLE``, one per scale above the finest: transports the w x w patches of its input
  at pyramid level s and writes, for each, the 2w x 2w exemplar block at twice its
  position in level s - 1, the blocks averaged with Gaussian weights (``window``). Its
  output is twice the size of its input.
- ``FINEST``, ``passes`` of them at level 0: transports the patches on a grid of step
  ``stride`` and averages the chosen exemplar patches in place.
- ``DETAIL``, optional, last: transports small patches at level 0 and writes the centre
  pixel of each chosen patch (averaging would blur the grain this stage restores).

Every stage then keeps the octaves of its input from its octave limit down
(``pyramid.keep_coarse``), so it changes only the octaves its patches span. This module
is the only one that knows the kinds apart; synthesis, tiling and fitting loop over
stages and ask them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..image.patches import aggregate, centre_pixels, transport
from ..image.pyramid import keep_coarse
from ..ot.sdot import SemiDiscreteOT

UPSAMPLE, FINEST, DETAIL = "upsample", "finest", "detail"


@dataclass(frozen=True)
class StageSpec:
    """A stage as the configuration defines it, before fitting.

    index: position in the chain (0 = coarsest). kind: UPSAMPLE, FINEST or DETAIL.
    scale: pyramid level of its input (0 = finest). zoom: its input's pixels per pixel
    of the coarsest grid, 2^(scales - 1 - scale). pass_number: 1, 2... among the FINEST
    stages (0 for the others). last: the stage makes the output.
    patch, targets, layers, clusters, iters: its transport problem (``sdot.fit``).
    stride: step of its patch grid. window: Gaussian weights of the upsampled blocks,
    a fraction of the block side (0 = plain mean).
    """

    index: int
    kind: str
    scale: int
    zoom: int
    pass_number: int
    last: bool
    patch: int
    targets: int
    layers: int
    clusters: int
    iters: int
    stride: int = 1
    window: float = 0.0

    @property
    def name(self) -> str:
        """'scale 3', ..., 'scale 0', 'scale 0 (2)' for a second pass, 'detail'."""
        if self.kind == DETAIL:
            return "detail"
        return f"scale {self.scale}" + (f" ({self.pass_number})" if self.pass_number > 1 else "")

    @property
    def factor(self) -> int:
        """Output pixels per input pixel along each side: 2 when upsampling, else 1."""
        return 2 if self.kind == UPSAMPLE else 1

    @property
    def output_scale(self) -> int:
        """Pyramid level of its output: ``scale`` - 1 when upsampling, else ``scale``."""
        return self.scale - 1 if self.kind == UPSAMPLE else self.scale

    @property
    def measures_octave_limit(self) -> bool:
        """The fit measures this stage's octave limit (stages at the finest scale)."""
        return self.kind != UPSAMPLE

    def octave_trials(self, octaves: int) -> tuple[list[int], int]:
        """(candidate limits, first pyramid level judged) when the fit measures the limit of
        this stage against the configured ``octaves``: the last stage tries every limit down
        to 0 on levels 0 to ``octaves``; an earlier one tries ``octaves`` and 0 on levels
        ``octaves - 1`` and ``octaves``, the ones the next stage's limit leaves alone."""
        if self.last:
            return list(range(octaves, -1, -1)), 0
        return [octaves, 0], octaves - 1

    def grid_stride(self, shape: tuple[int, ...], periodic: bool) -> int:
        """Step of the patch grid on an input of ``shape``: ``stride``, or 1 for a periodic
        input whose sides are not multiples of it (the grid must wrap evenly)."""
        if periodic and (shape[0] % self.stride or shape[1] % self.stride):
            return 1
        return self.stride

    def header(self) -> dict[str, int]:
        """The stage's entry in a model file's header (without octaves and diagnostics)."""
        return {"scale": self.scale, "patch": self.patch, "targets": self.targets,
                "layers": self.layers, "clusters": self.clusters, "iters": self.iters}


def plan_stages(config: Any) -> tuple[StageSpec, ...]:
    """The stages of a ``FitConfig``, coarse to fine: one UPSAMPLE per scale above the
    finest, ``config.passes`` FINEST, then the DETAIL stage if ``config.detail``."""
    S = config.scales
    common = dict(layers=config.layers, iters=config.iters)
    kinds = [(UPSAMPLE, s, 0) for s in range(S - 1, 0, -1)]
    kinds += [(FINEST, 0, p) for p in range(1, config.passes + 1)]
    if config.detail:
        kinds.append((DETAIL, 0, 0))
    specs = []
    for index, (kind, scale, pass_number) in enumerate(kinds):
        last = index == len(kinds) - 1
        zoom = 2 ** (S - 1 - scale)
        if kind == DETAIL:
            specs.append(StageSpec(index, kind, scale, zoom, 0, last, config.detail_patch,
                                   config.detail_targets, clusters=config.detail_clusters, **common))
            continue
        s = S - 1 - scale  # the per-scale lists run coarse to fine
        specs.append(StageSpec(index, kind, scale, zoom, pass_number, last, config.patch,
                               config.targets[s], clusters=config.clusters[s], **common,
                               stride=config.stride if kind == FINEST else 1,
                               window=config.window if kind == UPSAMPLE else 0.0))
    return tuple(specs)


@dataclass
class Stage:
    """A fitted stage.

    spec: what it is. levels: the model's mean-centred exemplar pyramid (float32
    (h_s, w_s, C) per level, shared with the model). positions: (J, 2) int32 top-left
    corners of its targets in ``levels[spec.scale]``; counts: (J,) int32 sampled positions
    each target stands for. ot: the fitted map. octaves: its octave limit (0 = none).
    diagnostics: mass_l1, empty_share, ... and ``seconds``.
    """

    spec: StageSpec
    levels: list[np.ndarray] = field(repr=False)
    positions: np.ndarray
    counts: np.ndarray
    ot: SemiDiscreteOT
    octaves: int
    diagnostics: dict[str, float] = field(default_factory=dict)

    def kept_octaves(self, octaves: int | None = None) -> int:
        """Octaves of the output that ``keep_coarse`` takes from the input for the limit
        ``octaves`` (default: the stage's): one more than the limit when upsampling, as the
        output is one level finer; 0 = no limit."""
        octaves = self.octaves if octaves is None else octaves
        return 0 if octaves == 0 else octaves + (self.spec.factor == 2)

    def transport(self, x: np.ndarray, periodic: bool = False) -> np.ndarray:
        """(Hp, Wp) int32 target index of each patch of ``x`` (float32 (H, W, C), mean-centred,
        at the stage's scale) on the stage's grid (``StageSpec.grid_stride``)."""
        return transport(x, self.spec.patch, self.ot, periodic,
                         self.spec.grid_stride(x.shape, periodic))

    def output(self, x: np.ndarray, index: np.ndarray, periodic: bool = False,
               octaves: int | None = None) -> np.ndarray:
        """The stage's output (float32, mean-centred) from its input ``x`` and ``index``
        (``transport``): the chosen exemplar patches averaged (UPSAMPLE: at twice the size;
        FINEST: in place) or their centre pixels (DETAIL), then the octaves from the limit
        ``octaves`` (default: the stage's) down kept from ``x``. UPSAMPLE outputs are
        (2H, 2W, C); the others are shaped like ``x``."""
        spec = self.spec
        if spec.kind == DETAIL:
            new = centre_pixels(self.levels[0], self.positions, index, spec.patch, periodic, x)
        elif spec.kind == UPSAMPLE:
            new = aggregate(self.levels[spec.scale - 1], self.positions, index, spec.patch, 2,
                            periodic, spec.window)
        else:
            new = aggregate(self.levels[0], self.positions, index, spec.patch, 1, periodic,
                            stride=spec.grid_stride(x.shape, periodic), fill=x)
        return keep_coarse(new, x, self.kept_octaves(octaves), periodic,
                           reference_is_coarse=spec.kind == UPSAMPLE)

    def transported(self, index: np.ndarray, output: np.ndarray,
                    periodic: bool = False) -> np.ndarray:
        """The chosen patches averaged at the stage's own scale (for pictures of a synthesis):
        ``output`` itself, but for UPSAMPLE, whose output is one level finer."""
        if self.spec.kind != UPSAMPLE:
            return output
        return aggregate(self.levels[self.spec.scale], self.positions, index, self.spec.patch,
                         1, periodic)
