"""Progress of long steps: the callback the engine calls, and the display the CLI passes in.

The engine never prints: ``build``, ``bundle`` and ``deploy`` take a ``progress`` callback
and call it with a :class:`Step` as they go. The CLI passes a :class:`ProgressDisplay`, which
redraws one status line on an interactive terminal, stays silent in CI and pipes, and with
``--verbose`` prints one line per finished step.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import IO, TypeVar

import click

T = TypeVar("T")

QUIET, NORMAL, VERBOSE = -1, 0, 1


@dataclass(frozen=True)
class Step:
    """One report from the engine: ``stage`` has started, or has done ``done`` of ``total``."""

    stage: str
    done: int = 0
    total: int = 0


Progress = Callable[[Step], None]


def no_progress(step: Step) -> None:
    """The engine's default callback: report nothing."""


def counted(items: Iterable[T], stage: str, total: int, progress: Progress) -> Iterator[T]:
    """Yield ``items`` unchanged, reporting ``stage`` before the first and after each one."""
    progress(Step(stage, 0, total))
    for done, item in enumerate(items, 1):
        yield item
        progress(Step(stage, done, total))


def live_terminal(stream: IO[str] | None = None) -> bool:
    """True on an interactive terminal; False in pipes, logs and CI (``CI`` set, not false)."""
    stream = stream or sys.stderr
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ProgressDisplay:
    """Shows engine progress on stderr: a live status line and, when verbose, finished steps."""

    def __init__(self, verbosity: int = NORMAL, live: bool | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.verbosity = verbosity
        self.live = live_terminal() if live is None else live
        self.live = self.live and verbosity > QUIET
        self.clock = clock
        self.stage: Step | None = None
        self.started = 0.0
        self.drawn = 0.0

    def __call__(self, step: Step) -> None:
        if self.stage is None or step.stage != self.stage.stage:
            self.finish()
            self.started = self.clock()
        self.stage = step
        now = self.clock()
        # Redraw at most ten times a second: a terminal is slower than rendering a page.
        if self.live and (now - self.drawn >= 0.1 or step.done == step.total):
            self.drawn = now
            count = f" {step.done}/{step.total}" if step.total else " …"
            click.echo(f"\r\x1b[K{step.stage}{count}", nl=False, err=True, color=True)

    def finish(self) -> None:
        """Close the current step: clear the status line; print it when verbose."""
        if self.stage is None:
            return
        if self.live:
            click.echo("\r\x1b[K", nl=False, err=True, color=True)
        if self.verbosity >= VERBOSE:
            step, seconds = self.stage, self.clock() - self.started
            count = f" ({step.total})" if step.total else ""
            click.echo(f"  {step.stage}{count}: {seconds:.2f} s", err=True)
        self.stage = None

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.finish()


def human_size(size: int) -> str:
    """A byte count for people: ``850 kB``, ``2.4 MB``."""
    if size < 1000 * 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size / 1024 / 1024:.1f} MB"
