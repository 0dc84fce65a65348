"""Fit configuration: every option of ``texto fit``, defined once.

Each field of ``FitConfig`` carries its default, help text, valid range and its value in
the ``fast`` preset (``Option``, in the field's metadata). From them come the presets,
the validation of the Python API's keyword arguments (``make_config``), the click options
of ``texto fit`` and the README's table of them (``options_markdown``). Why each default
is what it is: ``docs/decisions.md``.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property
from typing import Any, Sequence

from .errors import UsageError

_SAME = object()  # an Option's fast value when it is the default's


@dataclass(frozen=True)
class Option:
    """What a FitConfig field is to a user: help text, valid range (inclusive bounds,
    None = unbounded), its value in the ``fast`` preset, whether it takes one value per
    scale (coarse to fine, comma-separated on the command line), the metavar; and, as
    ``options()`` gives it, the field's name and default."""

    help: str
    low: float | None = None
    high: float | None = None
    fast: Any = _SAME
    per_scale: bool = False
    metavar: str = "N"
    name: str = ""
    default: Any = None

    @property
    def flag(self) -> str:
        """The command-line spelling: ``gain_octaves`` -> ``--gain-octaves``."""
        return flag(self.name)

    @property
    def shown_default(self) -> str:
        """The default as help texts show it, with the fast preset's if it differs:
        '7 (fast: 3)'."""
        fast = self.default if self.fast is _SAME else self.fast
        return _shown(self.default) + (f" (fast: {_shown(fast)})" if fast != self.default else "")


def _option(default: Any, help: str, **meta: Any) -> Any:
    return field(default=default, metadata={"option": Option(help, **meta)})


@dataclass(frozen=True)
class FitConfig:
    """Hyper-parameters of a texture model; see each field's ``Option`` (``options()``).

    Per-scale tuples run coarse to fine and have ``scales`` entries.
    """

    scales: int = _option(4, "Scales, coarse to fine; the exemplar's smaller side must be "
                             "at least 2 x patch x 2^(scales-1) pixels.", low=1, high=12)
    patch: int = _option(7, "Patch side in pixels.", low=1, high=31, fast=3, metavar="W")
    targets: tuple[int, ...] = _option(
        (1000, 2000, 4000, 16000), "Exemplar patches J per scale, coarse to fine (one value: "
        "all scales).", low=2, high=1_000_000, fast=(1000, 1000, 1000, 1000), per_scale=True,
        metavar="J1,J2,..")
    layers: int = _option(4, "Layers of the transport maps.", low=1, high=8, fast=1, metavar="L")
    clusters: tuple[int, ...] = _option(
        (10, 10, 20, 20), "Top-layer clusters per scale, coarse to fine.", low=1,
        fast=(1, 1, 1, 1), per_scale=True, metavar="K1,K2,..")
    iters: int = _option(1_000_000, "Stochastic-gradient samples per stage.", low=1,
                         high=10 ** 10, fast=100_000)
    step: float = _option(0.125, "Multiplier of the automatic step size.", low=1e-6, high=1e6,
                          fast=1.0, metavar="C")
    detail: bool = _option(True, "A last transport of small patches, each pixel taking its "
                                 "patch's centre.", fast=False)
    detail_patch: int = _option(5, "Patch side of the detail stage.", low=1, high=31,
                                metavar="W")
    detail_targets: int = _option(4000, "Exemplar patches of the detail stage.", low=2,
                                  high=1_000_000, metavar="J")
    detail_clusters: int = _option(20, "Top-layer clusters of the detail stage.", low=1,
                                   metavar="K")
    octaves: int = _option(3, "Octaves each stage may change, from its scale down (0: all); "
                              "the finest stages measure whether fewer do better.",
                           low=0, high=8, fast=0)
    gain_octaves: int = _option(4, "Finest octaves whose energy the fit calibrates to the "
                                   "exemplar's, per channel (0: none).", low=0, high=8, fast=0)
    window: float = _option(0.15, "Gaussian weights of the upsampled blocks: standard "
                                  "deviation over the block side (0: plain mean).", low=0.0,
                            high=1.0, fast=0.0, metavar="S")
    passes: int = _option(2, "Transports at the finest scale, each fitted to the output of "
                             "the one before.", low=1, high=4, fast=1)
    stride: int = _option(2, "They transport the patches of every N-th row and column only "
                             "(1: all).", low=1, high=31, fast=1)
    guide_weight: float = _option(0.3, "Weight of the guide against the texture in the "
                                       "patches (with --guide): its channels together count "
                                       "its square times the texture's.", low=0.01,
                                  high=100.0, metavar="G")
    seed: int = _option(0, "Random seed: the same inputs and seed give the same model.",
                        low=0, high=2 ** 63 - 1)

    @property
    def zoom(self) -> int:
        """Output pixels per pixel of the coarsest grid along each side: 2^(scales - 1)."""
        return 2 ** (self.scales - 1)

    @cached_property
    def stages(self):
        """The stages, coarse to fine (``texture.stage.plan_stages``): tuple of StageSpec."""
        from .texture.stage import plan_stages

        return plan_stages(self)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"], d["clusters"] = list(self.targets), list(self.clusters)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FitConfig":
        """The config a model file's header describes; UsageError if invalid."""
        d = dict(d)
        if d.get("step") is None:  # files of the fast preset store its step rule as null
            d["step"] = 1.0
        d["targets"], d["clusters"] = tuple(d["targets"]), tuple(d["clusters"])
        return validated(cls(**d))


def options() -> list[Option]:
    """Every fit option, in FitConfig's order, with its name and default."""
    return [replace(f.metadata["option"], name=f.name, default=f.default)
            for f in fields(FitConfig)]


def flag(name: str) -> str:
    """The command-line spelling of an option: ``gain_octaves`` -> ``--gain-octaves``."""
    return "--" + name.replace("_", "-")


PRESETS: dict[str, FitConfig] = {
    "default": FitConfig(),
    "fast": FitConfig(**{opt.name: opt.fast for opt in options() if opt.fast is not _SAME}),
}
PRESET_HELP = {
    "default": "the best model",
    "fast": "the reference code's: 3x3 patches, J = 1000, 1 layer, 1e5 samples",
}


def _per_scale(values: Sequence[int], scales: int) -> tuple[int, ...]:
    """Fit a coarse-to-fine list to ``scales`` entries: one value is broadcast; a
    preset's list keeps its finest entries, repeating its coarsest if too short."""
    values = tuple(values)
    if len(values) == 1:
        return values * scales
    if len(values) >= scales:
        return values[len(values) - scales:]
    return (values[0],) * (scales - len(values)) + values


def _coerce(name: str, value: Any, default: Any) -> Any:
    """``value`` as the type of ``default`` (bool, int, float, or a tuple of ints), or
    UsageError naming the option."""
    def bad(kind: str) -> UsageError:
        return UsageError(f"{flag(name)} must be {kind}, not {value!r}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if isinstance(default, tuple):
        items = [value] if not isinstance(value, (list, tuple)) else list(value)
        if not items:
            raise bad("one or more integers")
        return tuple(_coerce(name, v, 0) for v in items)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
        raise bad("a number")
    if isinstance(default, int):
        if int(value) != value:
            raise bad("an integer")
        return int(value)
    return float(value)


def make_config(preset: str = "default", **overrides: Any) -> FitConfig:
    """A validated FitConfig: ``preset`` with ``overrides`` (option names as keywords).

    Per-scale options take one value or one per scale; a preset's per-scale values follow
    a change of ``scales`` (its finest entries are kept). Raises UsageError naming the
    option for an unknown option or a value of the wrong type or out of range.
    """
    if preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    base = PRESETS[preset]
    known = {opt.name: opt.default for opt in options()}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise UsageError(f"unknown fit option {unknown[0]!r}; the options are "
                         f"{', '.join(known)}")
    values = {name: _coerce(name, v, known[name]) for name, v in overrides.items()}
    scales = values.get("scales", base.scales)
    for opt in options():
        if not opt.per_scale:
            continue
        name = opt.name
        given = values.get(name)
        if given is not None and len(given) not in (1, scales):
            raise UsageError(f"{flag(name)} needs 1 or {scales} comma-separated values (one per "
                             f"scale, coarse to fine), got {len(given)}")
        values[name] = _per_scale(getattr(base, name) if given is None else given, scales)
    return validated(replace(base, **values))


def validated(cfg: FitConfig) -> FitConfig:
    """Return ``cfg`` if every value is in its option's range, else raise UsageError."""
    for opt in options():
        name, value = opt.name, getattr(cfg, opt.name)
        for v in (value if isinstance(value, tuple) else (value,)):
            if (opt.low is not None and v < opt.low) or (opt.high is not None and v > opt.high):
                rng = (f"between {opt.low:g} and {opt.high:g}" if opt.high is not None
                       else f"at least {opt.low:g}")
                raise UsageError(f"{flag(name)} must be {rng}, not {v}")
    if len(cfg.targets) != cfg.scales or len(cfg.clusters) != cfg.scales:
        raise UsageError("--targets and --clusters need one value per scale")
    if cfg.stride > cfg.patch:
        raise UsageError(f"--stride must be between 1 and the patch side ({cfg.patch}), "
                         f"not {cfg.stride}")
    return cfg


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def options_markdown() -> str:
    """The README's table of ``texto fit``'s options, one row per FitConfig field."""
    rows = ["| option | default | meaning |", "|---|---|---|",
            "| `--preset default\\|fast` | default | "
            + "; ".join(f"`{k}`: {v}" for k, v in PRESET_HELP.items()) + " |"]
    for opt in options():
        spelled = (f"{opt.flag}/--no-{opt.flag[2:]}" if isinstance(opt.default, bool)
                   else f"{opt.flag} {opt.metavar}")
        rows.append(f"| `{spelled}` | {opt.shown_default} | {opt.help} |")
    return "\n".join(rows) + "\n"
