"""Error types and located problems: every user-facing failure names file, line, column and key.

Exception tree::

    ChmgenError                  anything chmgen reports to the user (cli.py prints, exits 1)
    ├── ContentErrors            one or more located Problems in content or config
    ├── ThemeError               a template is missing or broken (names template and line)
    └── OutputError              the output directory could not be written or swapped
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class SourceLocation:
    """Where in the user's files a problem sits; line and column are 1-based (0 = unknown)."""

    path: Path
    line: int = 0
    col: int = 0
    key: str = ""

    def display_path(self) -> str:
        """The path relative to the working directory when it is below it, else absolute."""
        try:
            relative = os.path.relpath(self.path)
        except ValueError:
            return str(self.path)
        return str(self.path) if relative.startswith("..") else relative

    def __str__(self) -> str:
        where = self.display_path()
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        return f"{where}: {self.key}" if self.key else where


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, formatted like a compiler message."""

    location: SourceLocation
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.location}: {kind}{self.message}"


class ChmgenError(Exception):
    """An error meant for the user: cli.py prints it and exits with status 1."""


class ContentErrors(ChmgenError):
    """Content or configuration is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ThemeError(ChmgenError):
    """A theme template is missing or fails to render."""


class OutputError(ChmgenError):
    """The output directory could not be staged or swapped into place."""


class Problems:
    """A collector of located problems, passed explicitly through the loading stages."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, location: SourceLocation, message: str) -> None:
        self.items.append(Problem(location, message))

    def warn(self, location: SourceLocation, message: str) -> None:
        self.items.append(Problem(location, message, warning=True))

    def errors(self, strict: bool = False) -> list[Problem]:
        """Problems that fail the build; with ``strict`` warnings count as errors."""
        return [p for p in self.items if strict or not p.warning]

    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.warning]

    def raise_if_errors(self, strict: bool = False) -> None:
        failing = self.errors(strict)
        if failing:
            raise ContentErrors(failing)
