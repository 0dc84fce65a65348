"""The ``texto`` command: a click shell over the public API (``texto_cli``) and the console.

Exit status: 0 success, 1 a failure (bad file, bad model, write error),
2 a usage error (bad option value), 130 interrupted. Errors are one line on
stderr; ``--debug`` (or TEXTO_DEBUG=1) shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import click

import texto_cli
from texto_cli.console import Reporter, print_description, summary_lines

EPILOG_FIT = """\b
Examples:
  texto fit wall.png -o wall.npz
  texto fit wall.png -o wall.npz --preset fast
  texto fit wall.png -o wall.npz --targets 500,1000,2000,8000 --iters 200000
  cat wall.png | texto fit - -o wall.npz
  texto fit a.png b.png c.png -O models/          (one model each)
  texto fit a.png b.png -o both.npz --weights 2,1 (one model of both)
  texto fit wall.png --guide wall_height.png -o wall_guided.npz
  texto fit --map albedo=a.png --map normal=n.png --map height=h.png -o wall_pbr.npz
  texto fit library/*.png -O models/ --scheduler local:2   (on a dask cluster)
"""

EPILOG_SYNTH = """\b
Examples:
  texto synthesize wall.npz --size 1280x768 -o wall_big.png
  texto synthesize wall.npz --size 512x512 --count 4 -o variant.png
  texto synthesize wall.npz --size 1024x1024 -o - | display
  texto synthesize wall.npz --size 512x512 --save-scales scales/
  texto synthesize wall_guided.npz --guide target_height.png -o wall_guided.png
  texto synthesize wall_pbr.npz --size 2048 -o big.png   (big_albedo.png, ...)
  texto synthesize wall.npz --size 65536 -o world.zarr --scheduler tcp://head:8786
"""

EPILOG_TRANSFER = """\b
Examples:
  texto transfer wall.npz photo.png -o photo_wall.png
  texto transfer wall.npz photo.png -o photo_wall.png --strength 0.8 --seed 2
"""

EPILOG_INSPECT = """\b
Examples:
  texto inspect wall.npz
  texto inspect wall.npz --json | jq .stages
  texto inspect wall.npz --preview wall_preview.png
"""


def _debug() -> bool:
    return os.environ.get("TEXTO_DEBUG", "") not in ("", "0")


def _message_and_code(e: BaseException) -> tuple[str, int]:
    """The one-line message and exit status for an exception that reached the command."""
    if isinstance(e, KeyboardInterrupt):
        return "interrupted", 130
    if isinstance(e, texto_cli.UsageError):
        return str(e), 2
    if isinstance(e, texto_cli.TextoError):
        return str(e), 1
    if isinstance(e, MemoryError):
        return "out of memory; try a smaller --size", 1
    if isinstance(e, BrokenPipeError):
        return "stdout: the pipe closed before the whole image was written", 1
    if isinstance(e, OSError):
        return f"{e.filename or ''}: {e.strerror or e}".lstrip(": "), 1
    # a bug: still one line, the traceback on request
    return (f"internal error ({type(e).__name__}: {e}); rerun with --debug for the traceback "
            f"and report it", 1)


class TextoGroup(click.Group):
    """Turns library errors into one-line messages and exit codes (--debug: tracebacks),
    click's usage errors too."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as e:
            hint = ""
            if isinstance(e, click.UsageError) and e.ctx is not None:
                hint = f" (see '{e.ctx.command_path} --help')"
            click.echo(f"texto: error: {e.format_message()}{hint}", err=True)
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("texto: error: interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except (Exception, KeyboardInterrupt) as e:
            if _debug():
                raise
            if isinstance(e, BrokenPipeError):  # nothing more can reach stdout: silence it
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            message, code = _message_and_code(e)
            click.echo(f"texto: error: {message}", err=True)
            sys.exit(code)


@click.group(cls=TextoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(texto_cli.__version__, "--version", prog_name="texto")
@click.option("--debug", is_flag=True, help="Show Python tracebacks on errors.")
def main(debug: bool) -> None:
    """texto: exemplar-based texture synthesis by multi-layer semi-discrete optimal transport.

    \b
    texto fit EXEMPLAR -o MODEL.npz          learn a texture model
    texto synthesize MODEL.npz --size WxH    make new images of the texture
    texto inspect MODEL.npz                  show what a model holds
    texto inpaint IMAGE --mask MASK -o OUT   fill a hole with new texture
    texto transfer MODEL.npz CONTENT -o OUT  redraw an image with the texture
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


def _comma_list(kind: type, what: str):
    """A click callback: 'A,B,..' as a list of ``kind`` (``what``: its plural, for errors)."""
    def callback(ctx, param, value: str | None) -> list | None:
        if value is None:
            return None
        try:
            values = [kind(v) for v in value.split(",") if v.strip()]
        except ValueError:
            raise click.BadParameter(f"expected comma-separated {what}, got {value!r}") from None
        if not values:
            raise click.BadParameter(f"expected at least one {what[:-1]}")
        return values
    return callback



class SizeType(click.ParamType):
    """WIDTHxHEIGHT, or N for NxN."""

    name = "WxH"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            return texto_cli.parse_size(value)
        except texto_cli.UsageError as e:
            self.fail(str(e).removeprefix("--size "), param, ctx)


def threads_option(command):
    """--threads, for the commands that compute."""
    def set_threads(ctx, param, value):
        if value is not None:
            texto_cli.set_threads(value)
        return value

    return click.option("--threads", type=int, callback=set_threads, expose_value=False,
                        help="Threads of texto's kernels (results do not depend on it); use 1 "
                             "when running several texto processes at once.  "
                             "[default: one per core]")(command)


def scheduler_option(what: str):
    """--scheduler, for the commands that can run on a dask cluster."""
    return click.option("--scheduler", metavar="ADDRESS|local:N",
                        help=f"{what} on a dask.distributed cluster: a scheduler's address "
                             "(tcp://host:8786), or local:N for N worker processes here.  "
                             "[needs texto-cli[dask]]")


def _announce_compilation(rep: Reporter) -> None:
    if not texto_cli.kernels_cached():
        rep.info("compiling kernels (first run only, 10 to 30 s) ...")


def _given(options: dict) -> dict:
    """The fit options given on the command line (click passes the others as None)."""
    return {name: value for name, value in options.items() if value is not None}


def _pairs(convert):
    """A click callback: repeated NAME=VALUE options as a dict (VALUE through ``convert``)."""
    def callback(ctx, param, values):
        pairs = {}
        for item in values:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise click.BadParameter(f"expected NAME=VALUE, got {item!r}")
            try:
                pairs[name] = convert(value)
            except ValueError:
                raise click.BadParameter(f"bad value in {item!r}") from None
        return pairs or None
    return callback


def fit_options(command=None, exclude: tuple[str, ...] = ()):
    """Decorate ``command`` with --preset and one click option per fit option
    (``texto_cli.fit_options``) but those named in ``exclude``. Every option but --preset
    defaults to None: only those given on the command line reach the API."""
    if command is None:
        return lambda command: fit_options(command, exclude)
    command = click.option("--preset", type=click.Choice(list(texto_cli.PRESETS)),
                           default="default", show_default=True,
                           help="; ".join(f"{k}: {v}" for k, v in texto_cli.PRESET_HELP.items())
                           + ".")(command)
    for opt in reversed([o for o in texto_cli.fit_options() if o.name not in exclude]):
        help = f"{opt.help}  [default: {opt.shown_default}]"
        if isinstance(opt.default, bool):
            decorator = click.option(f"{opt.flag}/--no-{opt.flag[2:]}", opt.name, default=None,
                                     help=help)
        elif opt.per_scale:
            decorator = click.option(opt.flag, opt.name, callback=_comma_list(int, "integers"),
                                     metavar=opt.metavar, help=help)
        else:
            decorator = click.option(opt.flag, opt.name, metavar=opt.metavar, help=help,
                                     type=float if isinstance(opt.default, float) else int)
        command = decorator(command)
    return command


@main.command(epilog=EPILOG_FIT)
@click.argument("exemplars", nargs=-1, metavar="EXEMPLAR...",
                type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Model file to write (.npz).")
@click.option("-O", "--output-dir", type=click.Path(file_okay=False),
              help="Folder for the models of several exemplars (NAME.npz each).")
@click.option("--guide", "guides", multiple=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="A guide map aligned with the exemplar (same size; e.g. a height or a "
                   "gradient), for `synthesize --guide`; once per exemplar.")
@click.option("--weights", callback=_comma_list(float, "numbers"), metavar="W1,W2,..",
              help="Shares of the exemplars in one model (-o).  [default: their areas]")
@click.option("--map", "maps", multiple=True, callback=_pairs(str), metavar="NAME=FILE",
              help="A material's map (albedo=a.png, normal=n.png, height=h.png ...), all "
                   "the same size, instead of EXEMPLAR: one model of them all (-o).")
@click.option("--map-weight", "map_weights", multiple=True, callback=_pairs(float),
              metavar="NAME=W", help="A map's weight W: it counts W² times as much in the "
                                     "patches.  [default: 1, every map the same, whatever "
                                     "its channels and contrast]")
@click.option("--map-kind", "map_kinds", multiple=True, callback=_pairs(str),
              metavar="NAME=KIND", help="plain or normal (unit vectors, renormalised on "
                                        "output).  [default: normal for a map named normal]")
@fit_options
@click.option("--max-megapixels", type=float,
              help="Refuse exemplars larger than this (before decoding them); crop or downscale "
                   f"larger ones.  [default: {texto_cli.MAX_PIXELS / 1e6:.1f}]")
@click.option("--keep-going", is_flag=True,
              help="With several exemplars, report one that fails and go on with the others.")
@scheduler_option("Fit the models as tasks (each writes its model; the others go on past "
                  "one that fails)")
@threads_option
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
def fit(exemplars, output, output_dir, guides, weights, maps, map_weights, map_kinds, preset,
        max_megapixels, keep_going, scheduler, quiet, **options):
    """Learn a texture model from EXEMPLAR (PNG, JPEG or TIFF; - reads stdin); several
    exemplars make one model with -o, one model each with -O."""
    given = _given(options)
    if max_megapixels is not None:
        given["max_megapixels"] = max_megapixels
    plan = texto_cli.plan_fit(exemplars, output, output_dir, preset, guides=guides,
                              weights=weights, maps=maps, map_kinds=map_kinds,
                              map_weights=map_weights, scheduler=scheduler, **given)
    rep = Reporter(quiet)
    failed = _fit_on_cluster(plan, rep) if plan.scheduler is not None else \
        _fit_here(plan, rep, keep_going)
    if failed:
        raise texto_cli.TextoError(f"{len(failed)} of {len(plan.jobs)} exemplars failed: "
                                   f"{', '.join(failed)}")


def _fit_here(plan, rep: Reporter, keep_going: bool) -> list[str]:
    """Fit the jobs one after another; the names of those that failed (with --keep-going)."""
    failed = []
    for job in plan.jobs:
        try:
            _fit_one(plan, job, rep)
        except texto_cli.TextoError as e:
            if not keep_going:
                raise
            failed.append(job.name)
            click.echo(f"texto: error: {e}", err=True)
    return failed


def _fit_on_cluster(plan, rep: Reporter) -> list[str]:
    """Fit the jobs as tasks of the plan's dask cluster; the names of those that failed."""
    failed = []
    for job, report, error in plan.run_on_cluster():
        if error is None:
            for warning in report["warnings"]:
                rep.warn(f"{report['name']}: {warning}")
            rep.info(f"wrote {job.dest} ({report['description']}) in "
                     f"{report['info']['fit_seconds']:.1f} s")
            continue
        failed.append(job.name)
        text = str(error) if isinstance(error, texto_cli.TextoError) else \
            f"{type(error).__name__}: {error}"
        click.echo(f"texto: error: {text if job.name in text else f'{job.name}: {text}'}", err=True)
    return failed


def _fit_one(plan, job, rep: Reporter) -> None:
    inputs = plan.read(job)
    rep.info(f"fitting {inputs.name}: {inputs.description}")
    _announce_compilation(rep)
    with rep.progress(f"fit {inputs.name}", plan.samples) as task, \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", texto_cli.DegenerateExemplarWarning)
        model = plan.fit(inputs, progress=lambda done, total: task.update(done))
    for w in caught:
        if issubclass(w.category, texto_cli.DegenerateExemplarWarning):
            rep.warn(f"{inputs.name}: {w.message}")
    dest = job.dest
    model.save(dest)
    for line in summary_lines(texto_cli.describe(model)):
        rep.info(line)
    rep.info(f"wrote {dest} ({dest.stat().st_size / 1e6:.1f} MB) in {model.fit_seconds:.1f} s")


@main.command(epilog=EPILOG_SYNTH)
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--size", type=SizeType(),
              help="Output size WIDTHxHEIGHT in pixels, e.g. 1280x768 (N: NxN).  "
                   "[required unless --guide gives it]")
@click.option("--guide", type=click.Path(dir_okay=False, allow_dash=True),
              help="Target guide of a guided model (like the one it was fitted with): the "
                   "output follows it, at its size, or at --size with the guide resized "
                   "(bilinear; the aspect ratio is not kept).")
@click.option("-o", "--output", type=click.Path(allow_dash=True),
              help="Image to write (.png, .tif, .jpg; - for PNG on stdout; .zarr for a zarr "
                   "store).  [default: MODEL_WxH_sSEED.png]")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--count", type=int, default=1, show_default=True,
              help="Number of variants, with seeds SEED, SEED+1, ..., written as NAME_sSEED.png.")
@click.option("--tileable", is_flag=True, help="Make an image that tiles seamlessly.")
@click.option("--bit-depth", type=click.Choice(["8", "16"]), help="Output bits per sample.  "
              "[default: the exemplar's]")
@click.option("--tile", type=int, help="Synthesise in bands and tiles of this many pixels, in bounded "
              "memory (PNG and TIFF).  [default: 1024 above 4096x4096, else off]")
@click.option("--jobs", type=int, default=1, show_default=True,
              help="Processes computing the tiles of a band in parallel (with --tile; worth it "
                   "for outputs of several megapixels).")
@click.option("--save-scales", type=click.Path(file_okay=False),
              help="Also write every stage's image before and after transport into this folder "
                   "(sSEED/ subfolders with --count).")
@click.option("--maps", callback=lambda ctx, param, v: v and [m for m in v.split(",") if m],
              metavar="NAME,..", help="A material model's maps to write.  [default: all]")
@scheduler_option("Compute the tiles (--tile, default 1024)")
@threads_option
@click.option("-q", "--quiet", is_flag=True, help="No messages on stderr.")
def synthesize(model_path, size, guide, output, seed, count, tileable, bit_depth, tile, jobs,
               save_scales, maps, scheduler, quiet):
    """Make new images of the texture of MODEL (a .npz from `texto fit`)."""
    rep = Reporter(quiet)
    _announce_compilation(rep)  # before the plan loads the model: loading runs a kernel
    plan = texto_cli.plan_synthesis(model_path, size, output, seed=seed, count=count,
                                    tileable=tileable, bit_depth=bit_depth and int(bit_depth),
                                    tile=tile, jobs=jobs, save_scales=save_scales, guide=guide,
                                    maps=maps, scheduler=scheduler)
    width, height = plan.size
    for note in plan.notes:
        rep.warn(note)
    with plan.cluster():
        _write_outputs(plan, rep)


def _write_outputs(plan, rep: Reporter) -> None:
    width, height = plan.size
    for i, (dest, variant_seed) in enumerate(plan.outputs):
        if plan.on_dask:
            with rep.progress(f"synthesize {dest}", plan.bands) as task:
                plan.write(i, progress=lambda done, total: task.update(done))
            rep.info(f"wrote {_files(plan, dest)} ({width}x{height}, seed {variant_seed}, "
                     f"tiles of {plan.tile_side} on dask)")
            continue
        if plan.tile is not None:
            with rep.progress(f"synthesize {dest}", plan.bands) as task:
                plan.write(i, progress=lambda done, total: task.update(done))
            rep.info(f"wrote {_files(plan, dest)} ({width}x{height}, seed {variant_seed}, "
                     f"tiles of {plan.tile})")
            continue
        stage_images = plan.write(i)
        if stage_images:
            rep.info(f"wrote {stage_images} stage images to {plan.stage_folder(i)}")
        if dest != "-":
            rep.info(f"wrote {_files(plan, dest)} ({width}x{height}, seed {variant_seed})")


def _files(plan, dest) -> str:
    return ", ".join(str(path) for path, _ in plan.targets(dest))


EPILOG_INPAINT = """\b
Examples:
  texto inpaint wall.png --mask hole.png -o wall_filled.png
  texto inpaint wall.png --mask hole.png -o wall_filled.png --preset fast
  texto inpaint scan.png --mask alpha -o scan_repaired.png --model paper.npz
"""


@main.command(epilog=EPILOG_INPAINT)
@click.argument("image", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--mask", required=True, type=click.Path(dir_okay=False),
              help="Grayscale image of IMAGE's size: non-zero pixels are filled; or 'alpha': "
                   "the pixels of IMAGE whose alpha is 0.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Image to write (.png or .tif): IMAGE with the hole filled.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False),
              help="A model fitted elsewhere (same channels as IMAGE).  [default: fit one on "
                   "the known part of IMAGE, with the fit options below]")
@fit_options(exclude=("guide_weight",))
@threads_option
@click.option("-q", "--quiet", is_flag=True, help="No progress or messages on stderr.")
def inpaint(image, mask, output, model_path, preset, quiet, **options):
    """Fill the MASK region of IMAGE with new texture that joins its surroundings.

    --seed seeds the fill (and the fit, without --model)."""
    given = _given(options)
    rep = Reporter(quiet)
    _announce_compilation(rep)
    plan = texto_cli.plan_inpaint(image, mask, output, model_path, given.pop("seed", 0), preset,
                                  **given)
    if plan.empty:
        plan.run()
        rep.info(f"the mask is empty: nothing to fill; wrote {output}, a copy of {image}")
        return
    if plan.model is None:
        rep.info(f"fitting a model on the known part of {image} "
                 f"({100 * (1 - plan.hole.mean()):.0f}% of it)")
        with rep.progress("fit", plan.samples) as task:
            plan.model = plan.fit(progress=lambda done, total: task.update(done))
    plan.run()
    rep.info(f"wrote {output} ({int(plan.hole.sum())} pixels filled)")


@main.command(epilog=EPILOG_TRANSFER)
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.argument("content", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Image to write (.png, .tif, .jpg; - for PNG on stdout), CONTENT's size.")
@click.option("--strength", type=float, default=0.5, show_default=True,
              help="How much texture: 0 keeps the content and gives it the texture's colours "
                   "and grain, 1 keeps only its coarsest layout.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--bit-depth", type=click.Choice(["8", "16"]), help="Output bits per sample.  "
              "[default: the deeper of the content's and the exemplar's]")
@threads_option
@click.option("-q", "--quiet", is_flag=True, help="No messages on stderr.")
def transfer(model_path, content, output, strength, seed, bit_depth, quiet):
    """Redraw CONTENT (an image; - reads stdin) with the texture of MODEL: style transfer."""
    rep = Reporter(quiet)
    _announce_compilation(rep)
    plan = texto_cli.plan_transfer(model_path, content, output, strength, seed,
                                   bit_depth and int(bit_depth))
    for note in plan.notes:
        rep.warn(note)
    plan.run()
    if output != "-":
        height, width = plan.content.shape[:2]
        rep.info(f"wrote {output} ({width}x{height}, strength {strength:g}, seed {seed})")


@main.command(epilog=EPILOG_INSPECT)
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--preview", type=click.Path(dir_okay=False),
              help="Write a contact sheet PNG: exemplar, a synthesis, every stage, convergence.")
@threads_option
def inspect(model_path, as_json, preview):
    """Show what MODEL holds: exemplar, scales, and the fit's per-scale figures."""
    model = texto_cli.load(model_path)
    if preview is not None:
        texto_cli.write_preview(model, preview)
        click.echo(f"wrote {preview}", err=True)
    info = texto_cli.describe(model)
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        print_description(model_path, info)


if __name__ == "__main__":  # pragma: no cover
    main()
