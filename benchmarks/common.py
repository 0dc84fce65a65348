"""Helpers shared by the benchmarks: what the machine is, how loaded, and how to time a
whole process and its peak memory. Imported as a sibling module (benchmarks run as scripts)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (or what platform knows)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def cores() -> str:
    """'N logical cores', with the usable count when affinity restricts it."""
    logical = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = logical
    return f"{logical} logical cores" + (f" ({usable} usable)" if usable != logical else "")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: timings are only comparable at a low load."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


# Linux carries a process's peak RSS across fork and exec: a child forked straight from a
# benchmark (large after in-process runs) would report the benchmark's peak. So every
# measured command is started by this small launcher, which reports its child's.
_LAUNCHER = ("import json, resource, subprocess, sys, time; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
             "print(json.dumps([r.returncode, time.perf_counter() - t, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "
             "r.stderr.decode(errors='replace')[-500:]]))")


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process running ``cmd``; RuntimeError if it fails."""
    r = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], capture_output=True, text=True,
                       env=env, check=True)
    code, seconds, peak, err = json.loads(r.stdout.strip().splitlines()[-1])
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}): {err.strip()}")
    return seconds, peak


def current_format(model: Path) -> bool:
    """True if the model file ``model`` has this texto's format version (an older file
    still loads, but a new fit would differ: e.g. format 3 has no per-stage octave limit)."""
    import numpy as np
    from texto_cli.texture.modelfile import FORMAT_VERSION

    try:
        with np.load(model, allow_pickle=False) as z:
            return int(z["version"]) == FORMAT_VERSION
    except Exception:
        return False


def loads(model: Path, preset: str | None = None, **options) -> bool:
    """True if ``model`` exists, this texto reads it, it has the current format and, if
    ``preset`` is given, it was fitted with ``make_config(preset, **options)``: a saved
    model of an older format or of another configuration (e.g. an earlier default) is
    fitted again."""
    from texto_cli.config import make_config
    from texto_cli.errors import TextoError
    from texto_cli import load

    try:
        config = load(model).config
    except (OSError, TextoError):
        return False
    return current_format(model) and (preset is None or config == make_config(preset, **options))


def fit_bench_setup(name: str, quick: bool, iters: int | None, out: Path | None) -> tuple[dict, Path]:
    """The fit options of a bench that fits models (``iters``; 100,000 with ``quick``, else
    the preset's) and its output folder (``out``, default benchmarks/out/NAME[_quick],
    created); prints the machine line."""
    iters = iters or (100_000 if quick else None)
    folder = out or Path(__file__).resolve().parent / "out" / (f"{name}_quick" if quick else name)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"machine: {cpu_model()}, {cores()}; load average {load_average()}; "
          f"fit samples per stage: {iters or 'default'}", flush=True)
    return ({} if iters is None else {"iters": iters}), folder
