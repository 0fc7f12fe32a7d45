"""What a build reports (apart from the build, so a build with nothing to do needs no more)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chmgen.errors import Problem


@dataclass(frozen=True)
class BuildResult:
    """What a build produced, for the summary line."""

    out: Path
    pages_per_language: dict[str, int]
    warnings: tuple[Problem, ...]
    bytes_written: int
    seconds: float
    notes: tuple[str, ...] = ()  # informational lines (central CHM requests, data age)
    rendered: int = 0  # pages rendered (an incremental build renders only what changed)
    converted: int = 0  # Markdown texts converted (the others came from the render cache)
