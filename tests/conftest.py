"""Shared test helpers: tiny throw-away sites and their problems as printed messages."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from chmgen.errors import Problems
from chmgen.load import load_site
from chmgen.model import Content

# Browser and HTML-checker fixtures; importing them needs neither Playwright nor vnu.
pytest_plugins = ["tests.support.fixtures", "tests.support.six_languages"]

CONFIG = """\
title: Test CHM
country: ke
languages: [en, fr]
"""

SiteFiles = Mapping[str, "str | bytes"]


def write_site(root: Path, files: SiteFiles) -> Path:
    """Write a minimal valid site (chmgen.yml) plus ``files`` under ``root``; return ``root``.

    Text is dedented; bytes are written as they are. A ``chmgen.yml`` in ``files`` replaces the
    default configuration.
    """
    root.mkdir(parents=True, exist_ok=True)
    for name, body in {"chmgen.yml": CONFIG, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body), encoding="utf-8")
    return root.resolve()


def problems_of(root: Path) -> tuple[Content | None, Problems]:
    """Run the loader over ``root`` and return what it made and everything it recorded."""
    problems = Problems()
    content = load_site(root, problems)
    return content, problems


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """A factory ``make_site(files) -> root``; each call makes a fresh site folder."""
    count = 0

    def make(files: SiteFiles | None = None) -> Path:
        nonlocal count
        count += 1
        return write_site(tmp_path / f"site{count}", files or {})

    return make


@pytest.fixture
def load_problems(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], list[str]]:
    """``load_problems(root)``: every problem ``load_site`` records, printed as the CLI prints
    them (sorted), with paths relative to the site root (the test runs inside it)."""

    def run(root: Path) -> list[str]:
        monkeypatch.chdir(root)
        _, problems = problems_of(root)
        return [str(problem) for problem in sorted(problems.items)]

    return run


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current build instead of comparing")
