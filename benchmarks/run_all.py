"""Run every benchmark: ``python benchmarks/run_all.py [--quick]``.

Prints the machine once (CPU model from /proc/cpuinfo, core count), then runs
each ``benchmarks/bench_*.py`` in name order as a subprocess of the same
interpreter (``--quick`` is passed through), streaming its output. Every bench
runs even if an earlier one fails; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

from common import cores, cpu_model

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run every benchmarks/bench_*.py in turn.")
    ap.add_argument("--quick", action="store_true", help="pass --quick to every bench")
    args = ap.parse_args(argv)

    print(f"machine: {cpu_model()}, {cores()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()} ({sys.executable})", flush=True)
    benches = sorted(HERE.glob("bench_*.py"))
    if not benches:
        print("no benchmarks/bench_*.py found", file=sys.stderr)
        return 1
    results = []
    for bench in benches:
        cmd = [sys.executable, str(bench)] + (["--quick"] if args.quick else [])
        print(f"\n===== {bench.name}{' --quick' if args.quick else ''} =====", flush=True)
        t0 = time.perf_counter()
        try:
            rc = subprocess.call(cmd, cwd=HERE.parent)  # inherits stdout/stderr: streamed
        except KeyboardInterrupt:
            print(f"\ninterrupted during {bench.name}", file=sys.stderr)
            return 130
        seconds = time.perf_counter() - t0
        results.append((bench.name, rc, seconds))
        print(f"===== {bench.name}: {'ok' if rc == 0 else f'FAILED (exit {rc})'}, {seconds:.1f} s",
              flush=True)

    print("\nsummary")
    for name, rc, seconds in results:
        print(f"  {name:<24} {'ok' if rc == 0 else f'FAILED (exit {rc})':<18} {seconds:8.1f} s")
    failed = [name for name, rc, _ in results if rc != 0]
    if failed:
        print(f"{len(failed)} of {len(results)} benchmarks failed: {', '.join(failed)}", flush=True)
        return 1
    print(f"all {len(results)} benchmarks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
