"""texto against its two peers, side by side on one machine.

Run ``python benchmarks/bench_peers.py [--embark BIN] [--reference DIR]
[--reference-python PY] [--samples a,b] [--reference-samples a,b] [--size 512]
[--speed-sample cobbles] [--runs 3] [--out DIR] [--reuse] [--quick]``.

The peers (neither is a dependency of texto; build them outside the repository):

* Embark's texture-synthesis 0.8 (Rust CLI), ``--embark`` its binary; run with 2
  threads as ``BIN --out-size WxH --out OUT -t 2 --seed S --no-progress generate X``.
  It has no fitting step and writes 8-bit RGBA: the alpha channel is dropped (and a
  gray exemplar's output read as gray).
* the reference Python texto of Galerne, Leclaire & Rabin, ``--reference`` the folder
  holding its ``texto.py``, ``semidiscrete_ot.py``, ``patch.py`` and
  ``gaussian_texture.py``, run by ``--reference-python`` (an interpreter with numpy,
  scipy, scikit-learn, scikit-image, matplotlib and imageio; default: this one). Its
  configuration: 3x3 patches, 4 scales, 4-component Gaussian mixtures, 1e5 ASGD steps
  per scale: ``texto.model(im, 3, 4, 4, niter=100000)``, pickled, then
  ``model.synthesize(H, W)`` in another process, numpy's global generator seeded with
  0 for the fit and with the seed for a synthesis. It is slow (minutes per fit, GBs of
  memory at 512x512), hence ``--reference-samples``.

A peer whose path is not given or does not exist is skipped with a message.

For every exemplar of ``sample_textures/*.png`` (or the ``--samples`` names):

* texto's default and ``--preset fast`` models are fitted by ``texto fit`` and the
  reference's model by its own code, each as a whole process (wall seconds, peak RSS);
* ``size x size`` outputs with seeds 1, 2 and 3 from each method (``texto synthesize``,
  Embark, the reference), all written as 8-bit PNG and read back;
* ``texto_cli.metrics.quality_report`` on each, as in bench_quality.py, averaged over
  the seeds: SW (sliced Wasserstein of 7x7 patches, mean over 4 pyramid levels, lower is
  closer), NN (median nearest-exemplar-patch distance), COH (verbatim-copy coherence,
  ~1 for copies) and DET (finest-octave RMS over the exemplar's, 1 = as sharp).

Speed, on ``--speed-sample`` only: the whole-process wall time (median of ``--runs``
runs for texto and Embark, one for the reference) and peak RSS (the largest of the
runs) of a 1280x768 synthesis, after the quality runs have warmed texto's
compiled-kernel cache. texto runs as ``python -m texto_cli``: run the bench from the
repository root to measure that checkout's texto.

Prints a markdown table of the quality measures (per texture; the mean over the
textures, and over the reference's textures when it ran on fewer) and one of the
speed; writes ``DIR.json`` (``benchmarks/out/peers.json``) and the outputs to ``DIR``
(``benchmarks/out/peers``). ``--reuse`` reuses the models of an earlier run found in
``DIR/models`` (with their stored fit times); outputs are always made again.
The machine is shared: the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from common import cores, cpu_model, load_average, run_measured
from PIL import Image

from texto_cli.metrics import quality_report

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_textures"
OUT = ROOT / "benchmarks" / "out"
ORDER = ["brick", "grass", "gravel", "deep_field", "cobbles", "marble", "fabric"]
TEXTO = [sys.executable, "-m", "texto_cli"]  # run from the repository root: its texto
METHODS = ["default", "fast", "embark", "reference"]
COLUMN = {"default": "texto", "fast": "texto fast", "embark": "Embark", "reference": "reference"}
METRICS = [("sliced_wasserstein", "SW"), ("fine_detail_ratio", "DET"),
           ("copy_coherence", "COH"), ("nearest_patch_distance", "NN")]
SEEDS = (1, 2, 3)
SPEED_SIZE = (1280, 768)  # width, height
REFERENCE_FILES = ("texto.py", "semidiscrete_ot.py", "patch.py", "gaussian_texture.py")

#: Runs the reference code: ``python -c DRIVER DIR fit EXEMPLAR MODEL.pkl`` or
#: ``python -c DRIVER DIR synthesize MODEL.pkl H W SEED OUT.png``.
_REFERENCE_DRIVER = """
import pickle, sys
import numpy as np
np.int = int  # the reference code predates numpy 1.24
sys.path.insert(0, sys.argv[1])
import imageio.v3 as iio
import texto
if sys.argv[2] == "fit":
    im = iio.imread(sys.argv[3]).astype(np.float64) / 255.0
    im = im[:, :, None] if im.ndim == 2 else im[:, :, :3]
    np.random.seed(0)
    model = texto.model(im, 3, 4, 4, niter=100000)
    with open(sys.argv[4], "wb") as f:
        pickle.dump(model, f)
else:
    with open(sys.argv[3], "rb") as f:
        model = pickle.load(f)
    h, w, seed = (int(a) for a in sys.argv[4:7])
    np.random.seed(seed)
    out = np.clip(model.synthesize(h, w), 0, 1)
    iio.imwrite(sys.argv[7], (out * 255 + 0.5).astype(np.uint8).squeeze())
"""


def log(msg: str = "") -> None:
    print(msg, flush=True)


def read_rgb(path: Path, channels: int | None = None) -> np.ndarray:
    """Float32 (H, W, C) image in [0, 1] read by Pillow, alpha dropped: C = 1 for a gray
    image and 3 otherwise, or ``channels`` (1 or 3) when given."""
    with Image.open(path) as im:
        gray = im.mode in ("L", "LA", "I;16", "I") if channels is None else channels == 1
        arr = np.asarray(im.convert("L" if gray else "RGB"), dtype=np.float32) / 255.0
    return arr[:, :, None] if arr.ndim == 2 else arr


# --------------------------------------------------------------------------- methods


class Method:
    """One way of making textures: fit (if any) and synthesise, each a whole process.

    Parameters
    ----------
    key : str
        One of METHODS.
    out : Path
        Output folder of the bench (models go to ``out/models``).
    reuse : bool
        Reuse a model of an earlier run (and its stored fit time) when it exists.
    """

    fits = True

    def __init__(self, key: str, out: Path, reuse: bool):
        self.key, self.out, self.reuse = key, out, reuse

    def model_path(self, name: str) -> Path:
        return self.out / "models" / f"{name}_{self.key}.{self.suffix}"

    def fit(self, name: str, exemplar: Path) -> dict:
        """Fit ``exemplar`` (or reuse the saved model); returns fit seconds, peak MiB and
        whether the model was reused."""
        model = self.model_path(name)
        record = model.with_name(model.name + ".json")
        if self.reuse and model.exists() and record.exists():
            return {**json.loads(record.read_text()), "reused": True}
        model.parent.mkdir(parents=True, exist_ok=True)
        seconds, peak = run_measured(self.fit_command(exemplar, model))
        fit = {"fit_seconds": seconds, "fit_peak_mib": peak}
        record.write_text(json.dumps(fit))
        return {**fit, "reused": False}

    def synthesize(self, name: str, exemplar: Path, size: tuple[int, int], seed: int,
                   output: Path) -> tuple[float, float]:
        """Write a ``size`` = (width, height) synthesis to ``output``; (seconds, peak MiB)."""
        return run_measured(self.synth_command(name, exemplar, size, seed, output))


class Texto(Method):
    """texto's CLI, ``texto fit [--preset fast]`` then ``texto synthesize``."""

    suffix = "npz"

    def fit_command(self, exemplar: Path, model: Path) -> list[str]:
        preset = [] if self.key == "default" else ["--preset", self.key]
        return [*TEXTO, "fit", str(exemplar), "-o", str(model), *preset]

    def synth_command(self, name, exemplar, size, seed, output) -> list[str]:
        return [*TEXTO, "synthesize", str(self.model_path(name)), "--size", f"{size[0]}x{size[1]}",
                "--seed", str(seed), "-o", str(output), "-q"]


class Embark(Method):
    """Embark's texture-synthesis CLI on 2 threads: no fitting step."""

    fits = False

    def __init__(self, binary: Path, out: Path, reuse: bool):
        super().__init__("embark", out, reuse)
        self.binary = binary

    def fit(self, name: str, exemplar: Path) -> dict:
        return {}

    def synth_command(self, name, exemplar, size, seed, output) -> list[str]:
        return [str(self.binary), "--out-size", f"{size[0]}x{size[1]}", "--out", str(output),
                "-t", "2", "--seed", str(seed), "--no-progress", "generate", str(exemplar)]


class Reference(Method):
    """The reference Python texto through ``_REFERENCE_DRIVER``, its model pickled."""

    suffix = "pkl"

    def __init__(self, folder: Path, python: str, out: Path, reuse: bool):
        super().__init__("reference", out, reuse)
        self.command = [python, "-c", _REFERENCE_DRIVER, str(folder)]

    def fit_command(self, exemplar: Path, model: Path) -> list[str]:
        return [*self.command, "fit", str(exemplar), str(model)]

    def synth_command(self, name, exemplar, size, seed, output) -> list[str]:
        return [*self.command, "synthesize", str(self.model_path(name)), str(size[1]),
                str(size[0]), str(seed), str(output)]


def peers(args: argparse.Namespace, out: Path) -> dict[str, Method]:
    """The methods to run: texto's two presets, and each peer whose path exists."""
    methods: dict[str, Method] = {k: Texto(k, out, args.reuse) for k in ("default", "fast")}
    if not args.embark:
        log("Embark skipped: no --embark BINARY given")
    elif not Path(args.embark).is_file():
        log(f"Embark skipped: {args.embark} is not a file")
    else:
        methods["embark"] = Embark(Path(args.embark).resolve(), out, args.reuse)
    if not args.reference:
        log("reference skipped: no --reference FOLDER given")
    elif missing := [f for f in REFERENCE_FILES if not (Path(args.reference) / f).is_file()]:
        log(f"reference skipped: {args.reference} lacks {', '.join(missing)}")
    else:
        methods["reference"] = Reference(Path(args.reference).resolve(), args.reference_python,
                                         out, args.reuse)
    return methods


def versions(methods: dict[str, Method], args: argparse.Namespace) -> dict:
    """Version strings of texto, Embark and the reference's interpreter and libraries."""
    def ask(cmd: list[str]) -> str:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout or r.stderr).strip().splitlines()[-1] if r.returncode == 0 else "?"

    v = {"texto": ask([*TEXTO, "--version"])}
    if "embark" in methods:
        v["embark"] = ask([str(methods["embark"].binary), "--version"])
    if "reference" in methods:
        v["reference_python"] = ask([args.reference_python, "-c",
                                     "import platform, numpy, scipy, sklearn, skimage; "
                                     "print(f'Python {platform.python_version()}, numpy "
                                     "{numpy.__version__}, scipy {scipy.__version__}, "
                                     "scikit-learn {sklearn.__version__}, scikit-image "
                                     "{skimage.__version__}')"])
    return v


# --------------------------------------------------------------------------- tables


def _cell(values: list[float | None], digits: int) -> str:
    return " / ".join("–" if v is None else f"{v:.{digits}f}" for v in values)


def quality_table(results: dict, methods: list[str]) -> list[str]:
    """Markdown: per texture, SW per method, then DET, COH and NN as a / b / c / d cells;
    then the means over all textures (for the methods that ran on all of them) and over
    the reference's textures when it ran on fewer."""
    names = list(results)
    heads = [f"SW {COLUMN[m]}" for m in methods]
    order = " / ".join(COLUMN[m] for m in methods)
    heads += [f"{short} {order}" for _, short in METRICS[1:]]
    lines = ["| texture | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]

    def get(subset: list[str], m: str, key: str) -> float | None:
        if not all(m in results[n] for n in subset):  # a mean over fewer textures: none
            return None
        return float(np.mean([results[n][m][key] for n in subset]))

    rows = [(n, [n]) for n in names] + [(f"mean of {len(names)}", names)]
    ref = [n for n in names if "reference" in results[n]]
    if "reference" in methods and 0 < len(ref) < len(names):
        rows.append((f"mean of {', '.join(ref)}", ref))
    for label, subset in rows:
        cells = [_cell([get(subset, m, "sliced_wasserstein")], 4) for m in methods]
        cells += [_cell([get(subset, m, key) for m in methods], 2 if short != "NN" else 4)
                  for key, short in METRICS[1:]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def speed_table(fits: dict, speed: dict, methods: list[str], sample: str) -> list[str]:
    """Markdown: median fit seconds over the textures, and the 1280x768 run on ``sample``."""
    w, h = SPEED_SIZE
    lines = ["| | " + " | ".join(COLUMN[m] for m in methods) + " |", "|---" * (len(methods) + 1) + "|"]
    fit_cells = []
    for m in methods:
        secs = [f["fit_seconds"] for f in fits.get(m, {}).values() if "fit_seconds" in f]
        fit_cells.append(f"{statistics.median(secs):.1f} s ({len(secs)})" if secs else "none")
    lines.append("| fit, median over textures (count) | " + " | ".join(fit_cells) + " |")
    lines.append(f"| {w}x{h} synthesis on {sample}, whole process (runs) | " + " | ".join(
        f"{speed[m]['median_seconds']:.1f} s ({len(speed[m]['seconds'])})" if m in speed else "–"
        for m in methods) + " |")
    lines.append("| peak memory (max RSS over the runs) | " + " | ".join(
        f"{speed[m]['peak_mib']:.0f} MiB" if m in speed else "–" for m in methods) + " |")
    return lines


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embark", help="texture-synthesis binary (Embark, 0.8)")
    ap.add_argument("--reference", help="folder of the reference Python texto (texto.py ...)")
    ap.add_argument("--reference-python", default=sys.executable,
                    help="interpreter for the reference (needs scikit-learn etc.; default: this one)")
    ap.add_argument("--samples", help="comma-separated texture names (default: all)")
    ap.add_argument("--reference-samples",
                    help="the reference only on these (default: the same as --samples)")
    ap.add_argument("--size", type=int, default=512, help="quality output side (default 512)")
    ap.add_argument("--speed-sample", default="cobbles", help="texture of the 1280x768 runs")
    ap.add_argument("--runs", type=int, default=3, help="1280x768 runs per method (reference: 1)")
    ap.add_argument("--out", help="output folder (default benchmarks/out/peers)")
    ap.add_argument("--reuse", action="store_true", help="reuse the models of an earlier run")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: cobbles only, 256x256 outputs, one 1280x768 run")
    args = ap.parse_args(argv)
    if args.quick:
        args.samples = args.samples or "cobbles"
        args.size, args.runs = 256, 1
        args.out = args.out or str(OUT / "peers_quick")

    available = sorted(p.stem for p in SAMPLES.glob("*.png"))
    available = [n for n in ORDER if n in available] + [n for n in available if n not in ORDER]
    names = [s.strip() for s in args.samples.split(",")] if args.samples else available
    ref_names = ([s.strip() for s in args.reference_samples.split(",")]
                 if args.reference_samples else names)
    unknown = sorted(set(names + ref_names + [args.speed_sample]) - set(available))
    if unknown:
        ap.error(f"unknown sample(s) {', '.join(unknown)}; available: {', '.join(available)}")
    out = Path(args.out) if args.out else OUT / "peers"
    (out / "images").mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    machine = f"{cpu_model()}, {cores()}, {platform.system()} {platform.release()}"
    log(f"peers benchmark: {machine}; {len(names)} textures, {args.size}x{args.size} outputs, "
        f"seeds {SEEDS}; load average at start: {load_average()}")
    methods = peers(args, out)
    keys = list(methods)
    vers = versions(methods, args)
    log("versions: " + "; ".join(f"{k} {v}" for k, v in vers.items()))

    results: dict = {}
    per_seed: dict = {}
    fits: dict = {m: {} for m in keys}
    for name in names:
        path = SAMPLES / f"{name}.png"
        exemplar = read_rgb(path)
        results[name], per_seed[name] = {}, {}
        for key, method in methods.items():
            if key == "reference" and name not in ref_names:
                continue
            t0 = time.perf_counter()
            try:
                fit = method.fit(name, path)
                reports, synth = [], []
                for seed in SEEDS:
                    img = out / "images" / f"{name}_{key}_s{seed}.png"
                    synth.append(method.synthesize(name, path, (args.size, args.size), seed, img)[0])
                    reports.append(quality_report(exemplar, read_rgb(img, exemplar.shape[2])))
            except RuntimeError as e:
                log(f"  {name}/{key}: FAILED: {e}")
                continue
            fits[key][name] = fit
            per_seed[name][key] = reports
            results[name][key] = {k: float(np.mean([r[k] for r in reports])) for k in reports[0]}
            results[name][key]["synth_seconds"] = synth
            fit_msg = (f"fit {fit['fit_seconds']:.1f} s{' (stored)' if fit['reused'] else ''}, "
                       if fit else "")
            log(f"  {name}/{key}: {fit_msg}synthesis {statistics.median(synth):.1f} s; "
                + ", ".join(f"{short} {results[name][key][k]:.4f}" for k, short in METRICS)
                + f" ({time.perf_counter() - t0:.0f} s)")

    speed: dict = {}
    w, h = SPEED_SIZE
    path = SAMPLES / f"{args.speed_sample}.png"
    for key, method in methods.items():
        if key == "reference" and args.speed_sample not in ref_names:
            continue
        try:
            if method.fits and not method.model_path(args.speed_sample).exists():
                fits[key][args.speed_sample] = method.fit(args.speed_sample, path)
            runs = [method.synthesize(args.speed_sample, path, SPEED_SIZE, 1,
                                      out / "images" / f"{args.speed_sample}_{key}_{w}x{h}.png")
                    for _ in range(1 if key == "reference" else args.runs)]
        except RuntimeError as e:
            log(f"  {w}x{h} {key}: FAILED: {e}")
            continue
        secs = [s for s, _ in runs]
        speed[key] = {"seconds": secs, "median_seconds": statistics.median(secs),
                      "peak_mib": max(p for _, p in runs)}
        log(f"  {w}x{h} {key}: " + ", ".join(f"{s:.1f}" for s in secs)
            + f" s, peak {speed[key]['peak_mib']:.0f} MiB")

    lines = quality_table(results, keys) + [""] + speed_table(fits, speed, keys, args.speed_sample)
    log()
    log("\n".join(lines))
    log()
    total = time.perf_counter() - started
    log(f"load average at end: {load_average()}; total {total:.0f} s")
    summary = {
        "machine": machine, "python": platform.python_version(), "versions": vers,
        "size": args.size, "seeds": SEEDS, "speed_sample": args.speed_sample,
        "speed_size": SPEED_SIZE, "methods": keys, "reference_samples": ref_names,
        "load_average_end": load_average(), "total_seconds": total,
        "textures": results, "metrics_per_seed": per_seed, "fits": fits, "speed": speed,
        "tables": lines,
    }
    report = out.parent / f"{out.name}.json"
    report.write_text(json.dumps(summary, indent=1, default=float))
    log(f"wrote {report} and {out}/images/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
