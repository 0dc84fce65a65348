"""Terminal output on stderr: progress bars (rich) on a terminal, plain lines otherwise.

stdout is left to data (images written to ``-o -``, ``inspect`` tables and JSON).
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator


class Reporter:
    """Messages and progress for one command. ``quiet`` silences everything but errors."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.interactive = sys.stderr.isatty()
        self._console = None

    @property
    def console(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console

    def info(self, message: str) -> None:
        if not self.quiet:
            if self.interactive:
                self.console.print(message)
            else:
                print(message, file=sys.stderr, flush=True)

    def warn(self, message: str) -> None:
        """Warnings are shown even with --quiet only if they concern the result."""
        print(f"texto: warning: {message}", file=sys.stderr, flush=True)

    @contextmanager
    def progress(self, label: str, total: int) -> Iterator["_Task"]:
        """A progress bar (terminal) or start/end lines (pipes, logs) for ``total`` units."""
        if self.quiet:
            yield _Task(None, None, total)
        elif self.interactive:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                          console=self.console, transient=False) as bar:
                yield _Task(bar, bar.add_task(label, total=total), total)
        else:
            t0 = time.perf_counter()
            print(f"{label} ...", file=sys.stderr, flush=True)
            task = _Task(None, None, total, label)
            yield task
            print(f"{label}: done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)


class _Task:
    def __init__(self, bar, task_id, total: int, label: str | None = None):
        self.bar, self.task_id, self.total, self.label = bar, task_id, total, label
        self._last_line = time.perf_counter()

    def update(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task_id, completed=done)
        elif self.label is not None and time.perf_counter() - self._last_line > 10:
            # plain mode: one line every 10 s at most
            self._last_line = time.perf_counter()
            print(f"{self.label}: {done}/{self.total}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ model descriptions
# These render ``texto_cli.describe(model)``: the fit's closing summary and ``inspect``.


def gains_text(info: dict) -> str:
    """'band gains, finest octave first: 0.99, 1.06/1.07/1.05, ... (trial SW ...)', channels
    joined by /; or why none were kept."""
    gains, diag = info["band_gains"], info["gain_diagnostics"]
    sw = (diag.get("sw_without", float("nan")), diag.get("sw_with", float("nan")))
    if all(g == 1 for octave in gains for g in octave):
        return (f"band gains: none kept (trial SW {sw[0]:.4f} without, {sw[1]:.4f} with; "
                f"{diag.get('seconds', 0):.1f} s)")
    return "band gains, finest octave first: " + ", ".join(
        "/".join(f"{g:.2f}" for g in octave) for octave in gains) + \
        f" (trial SW {sw[0]:.4f} -> {sw[1]:.4f}; {diag.get('seconds', 0):.1f} s)"


def summary_lines(info: dict) -> list[str]:
    """The lines ``texto fit`` ends with: per stage, its mass error and time."""
    lines = [f"  {st['name']:<15} {st['patch']}x{st['patch']} J={st['targets']:<6} "
             f"mass error {st['mass_l1']:.3f} (sampling floor {st['noise_floor']:.3f})  "
             f"{st['seconds']:.1f} s" for st in info["stages"]]
    if info["band_gains"] is not None:
        lines.append(f"  {gains_text(info)}")
    return lines


def _sparkline(values: list[float], width: int = 8) -> str:
    """``values`` as at most ``width`` bars (evenly spaced samples of them)."""
    if not values:
        return ""
    if len(values) > width:
        values = [values[round(i * (len(values) - 1) / (width - 1))] for i in range(width)]
    bars = "▁▂▃▄▅▆▇█"
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    return "".join(bars[min(7, int((v - lo) / span * 7.999))] for v in values)


def print_description(name: str, info: dict, width: int | None = None) -> None:
    """``texto inspect``'s report of a model on stdout: exemplar, configuration, a table of
    the stages; ``width`` columns (default: the terminal's, 120 in a pipe)."""
    from rich.console import Console
    from rich.table import Table

    ex, cfg = info["exemplar"], info["config"]
    console = Console(highlight=False, width=width or (None if sys.stdout.isatty() else 120))
    passes = cfg["passes"]
    console.print(f"[bold]{name}[/bold]: texto model format {info['format_version']}, "
                  f"written by texto {info['texto_version']}")
    parts = info.get("exemplars") or [{"width": ex["width"], "height": ex["height"]}]
    sizes = " + ".join(f"{p['width']}x{p['height']}" for p in parts)
    weights = ", ".join(f"{p['weight']:.2f}" for p in parts)
    shares = f" (weights {weights})" if len(parts) > 1 else ""
    guide = f", guide of {info['guide_channels']} channel(s) (weight " \
        f"{cfg['guide_weight']:g})" if info.get("guide_channels") else ""
    console.print(f"exemplar{'s' if len(parts) > 1 else ''} {ex.get('source', '')} {sizes}{shares}, "
                  f"{ex['channels']} channel(s), {ex['bit_depth']}-bit{guide}; "
                  f"{info['scales']} scales, octave limit {cfg['octaves'] or 'none'}, "
                  f"upsampling window {cfg['window'] or 'none'}, "
                  f"{passes} pass{'es' if passes > 1 else ''} at the finest scale"
                  + (f", stride {cfg['stride']}" if cfg["stride"] > 1 else "")
                  + f"; fit in {info['fit_seconds']:.1f} s")
    if info.get("maps"):
        console.print("maps " + ", ".join(
            f"{m['name']} ({m['channels']} channel(s), {m['kind']}, {m['bit_depth']}-bit"
            + (f", weight {m['weight']:g}" if m["weight"] != 1 else "") + ")" for m in info["maps"]))
    if info["band_gains"] is not None:
        console.print(gains_text(info))
    # compact enough for 80 columns; the legend names the short headers
    table = Table(box=None, padding=(0, 1), collapse_padding=True, pad_edge=False,
                  header_style="bold")
    for col in ("stage", "patch", "J", "L", "K", "samples", "oct", "error", "floor", "empty",
                "fit s", "curve"):
        table.add_column(col, justify="left" if col in ("stage", "curve") else "right",
                         no_wrap=True)
    for st in info["stages"]:
        table.add_row(st["name"], f"{st['patch']}x{st['patch']}", str(st["targets"]),
                      str(st["layers"]), str(st["clusters"] or "-"), f"{st['iters']:.0e}",
                      str(st["octaves"] or "all"),
                      f"{st['mass_l1']:.3f}", f"{st['noise_floor']:.3f}",
                      f"{100 * st['empty_share']:.1f}%", f"{st['seconds']:.1f}",
                      _sparkline([p[2] for p in st["trace"]]))
    console.print(table)
    console.print("L: layers, K: top clusters, oct: octave limit, error: L1 mass error of the "
                  "map (floor: its sampling noise), empty: share of targets no sample reached, "
                  "curve: the error as the fit went")
