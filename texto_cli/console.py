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
