"""The ``texto`` command: a thin click shell over the library.

Exit status: 0 success, 1 a failure (bad file, bad model, write error),
2 a usage error (bad option value), 130 interrupted. Errors are one line on
stderr; ``--debug`` (or TEXTO_DEBUG=1) shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from pathlib import Path

import click

from . import __version__

EPILOG_FIT = """\b
Examples:
  texto fit wall.png -o wall.npz
  texto fit wall.png -o wall.npz --preset fast
  texto fit wall.png -o wall.npz --targets 500,1000,2000,8000 --iters 200000
  cat wall.png | texto fit - -o wall.npz
  texto fit a.png b.png c.png -O models/
"""

EPILOG_SYNTH = """\b
Examples:
  texto synthesize wall.npz --size 1280x768 -o wall_big.png
  texto synthesize wall.npz --size 512x512 --count 4 -o variant.png
  texto synthesize wall.npz --size 1024x1024 -o - | display
  texto synthesize wall.npz --size 512x512 --save-scales scales/
"""

EPILOG_INSPECT = """\b
Examples:
  texto inspect wall.npz
  texto inspect wall.npz --json | jq .stages
  texto inspect wall.npz --preview wall_preview.png
"""


def _debug() -> bool:
    return os.environ.get("TEXTO_DEBUG", "") not in ("", "0")


def _fail(message: str, code: int) -> None:
    click.echo(f"texto: error: {message}", err=True)
    sys.exit(code)


def _message_and_code(e: BaseException) -> tuple[str, int]:
    """The one-line message and exit status for an exception that reached the command."""
    from .errors import TextoError, UsageError

    if isinstance(e, KeyboardInterrupt):
        return "interrupted", 130
    if isinstance(e, UsageError):
        return str(e), 2
    if isinstance(e, TextoError):
        return str(e), 1
    if isinstance(e, MemoryError):
        return "out of memory; try a smaller --size", 1
    if isinstance(e, OSError):
        return f"{e.filename or ''}: {e.strerror or e}".lstrip(": "), 1
    # a bug: still one line, the traceback on request
    return (f"internal error ({type(e).__name__}: {e}); rerun with --debug for the traceback "
            f"and report it", 1)


class TextoGroup(click.Group):
    """Turns library errors into one-line messages and exit codes (--debug: tracebacks)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except (Exception, KeyboardInterrupt) as e:
            if _debug():
                raise
            _fail(*_message_and_code(e))


@click.group(cls=TextoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="texto")
@click.option("--debug", is_flag=True, help="Show Python tracebacks on errors.")
def main(debug: bool) -> None:
    """texto: exemplar-based texture synthesis by multi-layer semi-discrete optimal transport.

    \b
    texto fit EXEMPLAR -o MODEL.npz          learn a texture model
    texto synthesize MODEL.npz --size WxH    make new images of the texture
    texto inspect MODEL.npz                  show what a model holds
    """
    if debug:
        os.environ["TEXTO_DEBUG"] = "1"


def run() -> None:
    """The ``texto`` command (console script and ``python -m texto_cli``).

    texto's kernels never call BLAS, but numba looks for scipy's BLAS the first
    time it dispatches a kernel, which costs about 0.2 s of every run; the
    command's own process tells numba there is none. (Library users keep theirs.)
    """
    if "scipy.linalg.cython_blas" not in sys.modules:
        sys.modules["scipy.linalg.cython_blas"] = None  # type: ignore[assignment]
    main(prog_name="texto")


def _int_list(ctx, param, value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        values = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {value!r}") from None
    if not values:
        raise click.BadParameter("expected at least one integer")
    return values


def _reporter(quiet: bool):
    from .console import Reporter

    return Reporter(quiet)


def _announce_compilation(rep) -> None:
    from . import kernels_cached

    if not kernels_cached():
        rep.info("compiling kernels (first run only, 10 to 30 s) ...")


@main.command(epilog=EPILOG_FIT)
@click.argument("exemplars", nargs=-1, required=True, metavar="EXEMPLAR...")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Model file to write (.npz).")
@click.option("-O", "--output-dir", type=click.Path(file_okay=False),
              help="Folder for the models of several exemplars (NAME.npz each).")
@click.option("--preset", type=click.Choice(["default", "fast"]), default="default", show_default=True,
              help="default: the seed's best model (7x7 patches, 4 layers, detail pass); "
                   "fast: the reference code's (3x3, J<=1000, 1 layer).")
@click.option("--scales", type=int, help="Number of scales.  [default: 4]")
@click.option("--patch", type=int, help="Patch side in pixels.  [default: 7; fast: 3]")
@click.option("--targets", callback=_int_list,
              help="Exemplar patches J per scale, coarse to fine.  [default: 1000,2000,4000,16000]")
@click.option("--layers", type=int, help="SDOT layers.  [default: 4; fast: 1]")
@click.option("--clusters", callback=_int_list,
              help="Top-layer clusters per scale, coarse to fine.  [default: 10,10,20,20]")
@click.option("--iters", type=int, help="ASGD samples per scale.  [default: 1000000; fast: 100000]")
@click.option("--step", type=float, help="Multiplier of the default ASGD step rule.  [default: 0.125; fast: 1]")
@click.option("--detail/--no-detail", default=None,
              help="Extra 5x5 transport at the finest scale.  [default: on; fast: off]")
@click.option("--octaves", type=int, help="Octaves each stage may change, from its own scale down; "
              "coarser ones are kept (0: no limit). Stages at the finest scale keep the limit "
              "only if the fit measures that it helps.  [default: 3; fast: 0]")
@click.option("--gain-octaves", type=int, help="Finest octaves whose energy the fit calibrates "
              "to the exemplar's, per channel (0: none).  [default: 4; fast: 0]")
@click.option("--window", type=float, help="Standard deviation of the Gaussian weights of the "
              "upsampled blocks, a fraction of the block side (0: plain mean).  [default: 0.15; fast: 0]")
@click.option("--passes", type=int, help="7x7 transports at the finest scale, each fitted to "
              "the output of the one before.  [default: 2; fast: 1]")
@click.option("--stride", type=int, help="Those transports take the patches at every N-th row "
              "and column only (1: all).  [default: 2; fast: 1]")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
def fit(exemplars, output, output_dir, preset, scales, patch, targets, layers, clusters, iters, step,
        detail, octaves, gain_octaves, window, passes, stride, seed, quiet):
    """Learn a texture model from EXEMPLAR (PNG, JPEG or TIFF; - reads stdin)."""
    from .errors import UsageError

    if (output is None) == (output_dir is None):
        raise UsageError("give either -o MODEL.npz (one exemplar) or -O FOLDER (any number)")
    if output is not None and len(exemplars) != 1:
        raise UsageError(f"-o takes one exemplar, got {len(exemplars)}; use -O FOLDER for several")
    from .config import make_config

    cfg = make_config(preset, scales=scales, targets=targets, clusters=clusters, patch=patch,
                      layers=layers, iters=iters, step=step, detail=detail, octaves=octaves,
                      gain_octaves=gain_octaves, window=window, passes=passes,
                      stride=stride, seed=seed)
    jobs = []
    for ex in exemplars:
        if output is not None:
            dest = Path(output)
        else:
            stem = "stdin" if ex == "-" else Path(ex).stem
            dest = Path(output_dir) / f"{stem}.npz"
        jobs.append((ex, dest))
    if output_dir is not None:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
    from .api import check_model_path

    for _, dest in jobs:
        check_model_path(dest)
    rep = _reporter(quiet)
    for ex, dest in jobs:
        _fit_one(ex, dest, cfg, rep)


def _fit_one(exemplar: str, dest: Path, cfg, rep) -> None:
    from .texture.fitting import DegenerateExemplarWarning, check_exemplar
    from .texture.fitting import fit as fit_model
    from .image.io import read_image

    if exemplar == "-":
        image, info = read_image(sys.stdin.buffer.read(), label="<stdin>")
    else:
        image, info = read_image(exemplar)
    check_exemplar(image.shape, cfg)
    name = "stdin" if exemplar == "-" else Path(exemplar).name
    rep.info(f"fitting {name}: {image.shape[1]}x{image.shape[0]}, {image.shape[2]} channel(s), "
             f"{info.bit_depth}-bit")
    _announce_compilation(rep)
    stages = cfg.stages()
    total = sum(s.iters for s in stages)
    with rep.progress(f"fit {name}", total) as task, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateExemplarWarning)

        def progress(k, n, done, stage_total):
            task.update(sum(s.iters for s in stages[:k]) + done)

        model = fit_model(image, cfg, {"bit_depth": info.bit_depth, "mode": info.mode,
                                       "had_alpha": info.had_alpha, "source": name},
                          progress=progress)
    for w in caught:
        if issubclass(w.category, DegenerateExemplarWarning):
            rep.warn(f"{name}: {w.message}")
    model.save(dest)
    for line in _summary_lines(model):
        rep.info(line)
    rep.info(f"wrote {dest} ({dest.stat().st_size / 1e6:.1f} MB) in {model.fit_seconds:.1f} s")


def _summary_lines(model) -> list[str]:
    lines = []
    for k, st in enumerate(model.stages):
        d = st.diagnostics
        name = model.stage_name(k)
        lines.append(f"  {name:<15} {st.config.patch}x{st.config.patch} J={len(st.positions):<6} "
                     f"mass error {d.get('mass_l1', float('nan')):.3f} "
                     f"(sampling floor {d.get('noise_floor', float('nan')):.3f})  "
                     f"{d.get('seconds', 0):.1f} s")
    if model.band_gains is not None:
        lines.append(f"  {_gains_text(model.band_gains.tolist(), model.gain_diagnostics)}")
    return lines


def _passes_text(config: dict) -> str:
    passes, stride = config["passes"], config["stride"]
    return (f", {passes} pass{'es' if passes > 1 else ''} at the finest scale"
            + (f", stride {stride}" if stride > 1 else ""))


def _gains_text(gains: list[list[float]], diag: dict[str, float]) -> str:
    """'band gains, finest octave first: 0.99, 1.06/1.07/1.05, ... (trial SW ...)', channels
    joined by /; or why none were kept."""
    sw = (diag.get("sw_without", float("nan")), diag.get("sw_with", float("nan")))
    if all(g == 1 for octave in gains for g in octave):
        return (f"band gains: none kept (trial SW {sw[0]:.4f} without, {sw[1]:.4f} with; "
                f"{diag.get('seconds', 0):.1f} s)")
    return "band gains, finest octave first: " + ", ".join(
        "/".join(f"{g:.2f}" for g in octave) for octave in gains) + \
        f" (trial SW {sw[0]:.4f} -> {sw[1]:.4f}; {diag.get('seconds', 0):.1f} s)"


def _parse_size(value: str) -> tuple[int, int]:
    from .errors import UsageError

    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", value or "")
    if not m:
        raise UsageError(f"--size must be WIDTHxHEIGHT in pixels, e.g. 1280x768; got {value!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if w < 1 or h < 1:
        raise UsageError(f"--size must be at least 1x1, got {value!r}")
    return w, h


def _numbered(path: Path, i: int, count: int) -> Path:
    digits = len(str(count))
    return path.with_name(f"{path.stem}_{i:0{digits}d}{path.suffix}")


@main.command(epilog=EPILOG_SYNTH)
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--size", required=True, help="Output size WIDTHxHEIGHT in pixels, e.g. 1280x768.")
@click.option("-o", "--output", help="Image to write (.png, .tif, .jpg; - for PNG on stdout).  "
                                     "[default: MODEL_WxH_sSEED.png]")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--count", type=int, default=1, show_default=True,
              help="Number of variants (seeds SEED, SEED+1, ...), written as NAME_1.png, NAME_2.png ...")
@click.option("--tileable", is_flag=True, help="Make an image that tiles seamlessly.")
@click.option("--bit-depth", type=click.Choice(["8", "16"]), help="Output bits per sample.  "
              "[default: the exemplar's]")
@click.option("--tile", type=int, help="Synthesise in bands and tiles of this many pixels, in bounded "
              "memory (PNG and TIFF).  [default: 1024 above 4096x4096, else off]")
@click.option("--jobs", type=int, default=1, show_default=True,
              help="Processes computing tiles in parallel (with --tile).")
@click.option("--save-scales", type=click.Path(file_okay=False),
              help="Also write every stage's image before and after transport into this folder.")
@click.option("-q", "--quiet", is_flag=True, help="No messages on stderr.")
def synthesize(model_path, size, output, seed, count, tileable, bit_depth, tile, jobs, save_scales,
               quiet):
    """Make new images of the texture of MODEL (a .npz from `texto fit`)."""
    from .errors import UsageError

    width, height = _parse_size(size)
    if count < 1:
        raise UsageError(f"--count must be at least 1, got {count}")
    if seed < 0:
        raise UsageError(f"--seed must be nonnegative, got {seed}")
    if output == "-" and count > 1:
        raise UsageError("--count > 1 cannot write to stdout; give -o NAME.png")
    from .api import check_memory
    from .image.io import check_output_path, write_image
    from .texture.model import load

    if output is None:
        output = f"{Path(model_path).stem}_{width}x{height}_s{seed}.png"
    targets = [output] if count == 1 else [_numbered(Path(output), i + 1, count) for i in range(count)]
    if output != "-":
        for t in targets:
            check_output_path(t)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    if tile is None and width * height > 4096 * 4096 and output != "-" \
            and not str(output).lower().endswith((".jpg", ".jpeg")) and not tileable:
        tile = 1024
    if tile is not None:
        if tile < 16 or tile % 16:
            raise UsageError(f"--tile must be a multiple of 16, at least 16; got {tile}")
        if tileable or save_scales is not None or output == "-" \
                or str(output).lower().endswith((".jpg", ".jpeg")):
            raise UsageError("--tile writes PNG or TIFF files; it does not combine with --tileable, "
                             "--save-scales, JPEG or stdout")
    rep = _reporter(quiet)
    _announce_compilation(rep)  # before load: loading a model runs a kernel
    model = load(model_path)
    check_memory(model, (width, height), tile)
    depth = int(bit_depth) if bit_depth else model.bit_depth
    for i, dest in enumerate(targets):
        if tile is not None:
            _synthesize_tiled(model, dest, (width, height), seed + i, tile, jobs, depth, rep)
            continue
        from .texture.synthesis import ScaleImages
        from .texture.synthesis import synthesize as run_synthesis

        record = ScaleImages() if save_scales is not None and i == 0 else None
        image = run_synthesis(model, (width, height), seed=seed + i, tileable=tileable, record=record)
        if record is not None:
            from .texture.preview import save_stage_images

            written = save_stage_images(model, record, save_scales, bit_depth=depth)
            rep.info(f"wrote {len(written)} stage images to {save_scales}")
        if dest == "-":
            write_image(sys.stdout.buffer, image, bit_depth=depth)
        else:
            write_image(dest, image, bit_depth=depth)
            rep.info(f"wrote {dest} ({width}x{height}, seed {seed + i})")


def _synthesize_tiled(model, dest, size, seed, tile, jobs, depth, rep) -> None:
    from .image.io import write_bands
    from .texture.tiling import synthesize_bands

    width, height = size
    with rep.progress(f"synthesize {dest}", -(-height // tile)) as task:
        bands = synthesize_bands(model, size, seed=seed, tile=tile, jobs=jobs,
                                 progress=lambda done, total: task.update(done))
        write_bands(dest, bands, width, height, model.pyramid[0].shape[2], depth, tile)
    rep.info(f"wrote {dest} ({width}x{height}, seed {seed}, tiles of {tile})")


@main.command(epilog=EPILOG_INSPECT)
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--preview", type=click.Path(dir_okay=False),
              help="Write a contact sheet PNG: exemplar, a synthesis, every stage, convergence.")
def inspect(model_path, as_json, preview):
    """Show what MODEL holds: exemplar, scales, and the fit's per-scale figures."""
    from .api import describe
    from .texture.model import load

    model = load(model_path)
    if preview is not None:
        from .image.io import check_output_path
        from .texture.preview import write_preview

        if not str(preview).lower().endswith(".png"):
            from .errors import UsageError

            raise UsageError(f"--preview writes a PNG file; got {preview!r}")
        check_output_path(preview)
        write_preview(model, preview)
        click.echo(f"wrote {preview}", err=True)
    info = describe(model)
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    ex = info["exemplar"]
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    console.print(f"[bold]{model_path}[/bold]: texto model format {info['format_version']}, "
                  f"written by texto {info['texto_version']}")
    console.print(f"exemplar {ex.get('source', '')} {ex['width']}x{ex['height']}, "
                  f"{ex['channels']} channel(s), {ex['bit_depth']}-bit; "
                  f"{info['scales']} scales, octave limit {info['config']['octaves'] or 'none'}, "
                  f"upsampling window {info['config']['window'] or 'none'}"
                  f"{_passes_text(info['config'])}; "
                  f"fit in {info['fit_seconds']:.1f} s")
    if info["band_gains"] is not None:
        console.print(_gains_text(info["band_gains"], info["gain_diagnostics"]))
    table = Table(show_edge=False)
    for col in ("stage", "patch", "J", "layers", "clusters", "iters", "octaves", "mass err", "floor",
                "empty", "fit s", "mass err vs samples"):
        table.add_column(col, justify="left" if col in ("stage", "mass err vs samples") else "right")
    for st in info["stages"]:
        table.add_row(st["name"], f"{st['patch']}x{st['patch']}", str(st["targets"]),
                      str(st["layers"]), str(st["clusters"] or "-"), f"{st['iters']:,}",
                      str(st["octaves"] or "all"),
                      f"{st['mass_l1']:.3f}", f"{st['noise_floor']:.3f}",
                      f"{100 * st['empty_share']:.1f}%", f"{st['seconds']:.1f}",
                      _sparkline([p[2] for p in st["trace"]]))
    console.print(table)


def _sparkline(values: list[float]) -> str:
    if not values:
        return ""
    bars = "▁▂▃▄▅▆▇█"
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    return "".join(bars[min(7, int((v - lo) / span * 7.999))] for v in values)


if __name__ == "__main__":  # pragma: no cover
    main()
