"""Fit configuration: the model's hyper-parameters, presets, and their validation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Sequence

from .errors import UsageError


@dataclass(frozen=True)
class ScaleConfig:
    """One transport stage: patch side (pixels), number of targets J, SDOT layers,
    top-layer clusters and ASGD samples."""

    patch: int
    targets: int
    layers: int
    clusters: int
    iters: int


@dataclass(frozen=True)
class FitConfig:
    """Hyper-parameters of a texture model.

    Per-scale tuples are ordered coarse to fine and have ``scales`` entries.
    ``detail`` adds the seed's last transport of small patches at the finest
    scale (``detail_patch`` x ``detail_patch`` patches, ``detail_targets`` targets).
    ``step`` multiplies the SDOT default step rule (None = 1).
    ``octaves``: how many octaves a stage may change, from its own pyramid level
    down; the coarser ones are kept from its input (0 = no limit, as in the seed).
    ``gain_octaves``: the band of each of this many finest octaves of the output is
    scaled by a gain measured at fit time, which gives the syntheses the exemplar's
    energy per octave and channel (0 = none, as in the seed; see ``bandgains``).
    ``window``: the exemplar-based upsampling averages its 2w x 2w blocks with Gaussian
    weights of this standard deviation, a fraction of the block side
    (``patches.block_window``; 0 = the plain mean, as in the seed).
    ``passes``: transports of ``patch`` x ``patch`` patches at the finest scale, each one
    fitted to the output of the one before (1, as in the seed).
    ``stride``: those transports take the patches at every ``stride``-th row and column
    only (1 = all, as in the seed).
    """

    scales: int = 4
    patch: int = 7
    targets: tuple[int, ...] = (1000, 2000, 4000, 16000)
    layers: int = 4
    clusters: tuple[int, ...] = (10, 10, 20, 20)
    iters: int = 1_000_000
    step: float | None = 0.125
    detail: bool = True
    detail_patch: int = 5
    detail_targets: int = 4000
    detail_clusters: int = 20
    octaves: int = 3
    gain_octaves: int = 4
    window: float = 0.15
    passes: int = 2
    stride: int = 2
    seed: int = 0

    def stages(self) -> list[ScaleConfig]:
        """The transport stages: one per scale, coarse to fine, the finest repeated for its
        extra passes, then the detail stage if enabled."""
        out = [ScaleConfig(self.patch, self.targets[s], self.layers, self.clusters[s], self.iters)
               for s in range(self.scales)]
        out += [out[-1]] * (self.passes - 1)
        if self.detail:
            out.append(ScaleConfig(self.detail_patch, self.detail_targets, self.layers,
                                   self.detail_clusters, self.iters))
        return out

    def stage_scale(self, k: int) -> int:
        """Pyramid level stage k works at: scales - 1 down to 0, then 0 (0 = finest)."""
        return max(self.scales - 1 - k, 0)

    def is_detail(self, k: int) -> bool:
        """True for the detail stage (the last one, if enabled)."""
        return self.detail and k == self.scales + self.passes - 1

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"], d["clusters"] = list(self.targets), list(self.clusters)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FitConfig":
        d = dict(d)
        d["targets"], d["clusters"] = tuple(d["targets"]), tuple(d["clusters"])
        d.setdefault("octaves", 0)  # format 2 files predate the octave limit
        d.setdefault("gain_octaves", 0)  # formats 2 to 4 predate the band gains
        d.setdefault("window", 0.0)  # formats 2 to 5 average the upsampled blocks plainly
        d.setdefault("passes", 1)  # formats 2 to 6 have one pass at the finest scale
        d.setdefault("stride", 1)  # ... and transport all its patches
        return validated(cls(**d))


PRESETS: dict[str, FitConfig] = {
    # The seed's best configuration (7x7 patches, a detail pass) with measured changes.
    # A 5x5 detail pass rather than the seed's 3x3: over the 7 samples (2 fits x 3 seeds)
    # it lowers SW by 7 to 26% (gravel 0.0084 -> 0.0066) and brings the finest octave's
    # energy from 83-99% of the exemplar's to 96-105% (metrics.fine_detail_ratio); NN rises
    # 4 to 14%, to what a genuine unseen sample scores (benchmarks/bench_heldout.py).
    # A pixel chosen from a 3x3 neighbourhood agrees too well with its neighbours' choices,
    # and the grain comes out smoother than the exemplar's.
    # 4-layer maps: at J = 16000 a patch costs 58 distances against 95 with 3 layers and
    # about 440 with the seed's 2 (cobbles), at the same quality (SW within 5%, NN within 1%
    # over the 7 samples and 2 fits each). On patch data the step rule's best multiplier is 1/16
    # to 1/4 (cobbles, J = 16000, 3 layers: mass error 0.35 at 1/8, 0.67 at 1), and 1e6
    # samples then beat the 2-layer 5e5 on every scale.
    # A stage changes only the 3 octaves its 7x7 patches span, so the coarse statistics
    # set by coarser stages do not drift (grass: pyramid std of level 3 0.050 against
    # the exemplar's 0.036 without the limit, 0.043 with it).
    # The upsampling weighs each 14x14 block by a Gaussian of sd 0.15 x 14 px about its centre:
    # mean SW over two fits x 3 seeds lower or level on all 7 samples (cobbles 0.0081 -> 0.0070,
    # marble 0.0059 -> 0.0052, brick 0.0035 -> 0.0032), NN within 2%; sd 0.1 and 0.2 alike.
    # Two 7x7 passes at the finest scale, each on the patches of every 2nd row and column: over
    # all patches, a second pass lowered SW on 6 of the 7 samples over two fits (gravel 0.0038 ->
    # 0.0034, cobbles 0.0070 -> 0.0062; fabric 0.0060 -> 0.0063) but synthesised 1.7 times
    # slower; strided, both passes together cost half of one over all patches, and bench_quality
    # measured SW lower on 6 samples and level on brick (gravel 0.0036 -> 0.0032).
    "default": FitConfig(),
    # The reference code's configuration: 3x3 patches, J <= 1000, 1 layer, 1e5 steps.
    "fast": FitConfig(patch=3, targets=(1000, 1000, 1000, 1000), layers=1, clusters=(1, 1, 1, 1),
                      iters=100_000, step=None, detail=False, octaves=0, gain_octaves=0,
                      window=0.0, passes=1, stride=1),
}


def _per_scale(values: Sequence[int], scales: int, name: str) -> tuple[int, ...]:
    """Fit a coarse-to-fine list to ``scales`` entries: one value is broadcast; a
    preset's list keeps its finest entries, repeating its coarsest if too short."""
    values = tuple(int(v) for v in values)
    if len(values) == 1:
        return values * scales
    if len(values) >= scales:
        return values[len(values) - scales:]
    return (values[0],) * (scales - len(values)) + values


def make_config(preset: str = "default", scales: int | None = None,
                targets: Sequence[int] | None = None, clusters: Sequence[int] | None = None,
                **overrides: Any) -> FitConfig:
    """A validated FitConfig: the preset, with the given options overriding it.

    ``targets``/``clusters`` given by the user must have one entry or one per scale.
    """
    if preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    base = PRESETS[preset]
    S = base.scales if scales is None else int(scales)
    if S < 1:
        raise UsageError(f"--scales must be at least 1, not {S}")
    for name, given in (("targets", targets), ("clusters", clusters)):
        if given is not None and len(given) not in (1, S):
            raise UsageError(f"--{name} needs 1 or {S} comma-separated values (one per scale, "
                             f"coarse to fine), got {len(given)}")
    cfg = replace(base, scales=S,
                  targets=_per_scale(targets if targets is not None else base.targets, S, "targets"),
                  clusters=_per_scale(clusters if clusters is not None else base.clusters, S,
                                      "clusters"),
                  **{k: v for k, v in overrides.items() if v is not None})
    return validated(cfg)


def validated(cfg: FitConfig) -> FitConfig:
    """Return ``cfg`` if every value is in range, else raise UsageError naming the option."""
    def need(ok: bool, msg: str) -> None:
        if not ok:
            raise UsageError(msg)

    need(1 <= cfg.scales <= 12, f"--scales must be between 1 and 12, not {cfg.scales}")
    need(len(cfg.targets) == cfg.scales and len(cfg.clusters) == cfg.scales,
         "targets and clusters need one value per scale")
    need(1 <= cfg.patch <= 31, f"--patch must be between 1 and 31 pixels, not {cfg.patch}")
    need(all(2 <= j <= 1_000_000 for j in cfg.targets), "--targets values must be between 2 and 1e6")
    need(all(1 <= k for k in cfg.clusters), "--clusters values must be at least 1")
    need(1 <= cfg.layers <= 8, f"--layers must be between 1 and 8, not {cfg.layers}")
    need(1 <= cfg.iters <= 10 ** 10, f"--iters must be between 1 and 1e10, not {cfg.iters}")
    need(cfg.step is None or cfg.step > 0, "--step must be positive")
    need(1 <= cfg.detail_patch <= 31 and cfg.detail_targets >= 2 and cfg.detail_clusters >= 1,
         "invalid detail pass settings")
    need(0 <= cfg.octaves <= 8, f"--octaves must be between 0 and 8, not {cfg.octaves}")
    need(0 <= cfg.gain_octaves <= 8, f"--gain-octaves must be between 0 and 8, not {cfg.gain_octaves}")
    need(0 <= cfg.window <= 1, f"--window must be between 0 and 1, not {cfg.window}")
    need(1 <= cfg.passes <= 4, f"--passes must be between 1 and 4, not {cfg.passes}")
    need(1 <= cfg.stride <= cfg.patch, f"--stride must be between 1 and the patch side "
         f"({cfg.patch}), not {cfg.stride}")
    need(0 <= cfg.seed < 2 ** 63, "--seed must be a nonnegative integer")
    return cfg
