"""The sample site in all six UN languages, built once per test session and served over HTTP
on 127.0.0.1 under a sub-path, as GitHub Pages serves a project site.

The sample site declares English and French only; the copy built here declares
``[en, fr, ar, es, ru, zh]``, so Arabic proves right-to-left and the other languages prove the
fallback to English (marked ``lang="en"``, with the visible notice). Central CHM records come
from the sample site's recorded cache: the build never touches the network.

Enable with ``pytest_plugins = ["tests.support.six_languages"]`` (tests/conftest.py does).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chmgen.build import build, build_date
from chmgen.records.central import FetchOptions
from tests.support.http import serve_directory

SAMPLE = Path(__file__).resolve().parents[2] / "sample_site"
LANGUAGES = ("en", "fr", "ar", "es", "ru", "zh")
PREFIX = "/verdania/"


@dataclass(frozen=True)
class BuiltSite:
    """A built site and the address it is served at (``base`` ends in ``/``)."""

    out: Path
    base: str
    built_on: dt.date  # the day its pages say they were built

    def url(self, lang: str, key: str = "") -> str:
        """The address of page ``key`` (e.g. ``targets/t03/``) in ``lang``."""
        return self.base + ("" if lang == LANGUAGES[0] else f"{lang}/") + key


def six_language_copy(target: Path) -> Path:
    """Copy the sample site (with its recorded central CHM cache) and declare six languages."""
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("_site"))
    config = target / "chmgen.yml"
    text, count = re.subn(r"(?m)^languages: .*$", f"languages: [{', '.join(LANGUAGES)}]",
                          config.read_text("utf-8"))
    assert count == 1, "sample_site/chmgen.yml has no one-line 'languages:'"
    config.write_text(text, "utf-8")
    return target


@pytest.fixture(scope="session")
def un_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """The six-language sample site, built with the address it is served at as ``base_url``
    (so canonical links, hreflang alternates and the 404 page point at 127.0.0.1)."""
    work = tmp_path_factory.mktemp("un-site")
    root = six_language_copy(work / "site")
    out = work / "out"
    out.mkdir()
    # Serve first to learn the port, then build into the served directory: the server maps
    # paths by name, so it serves the new site once the build swaps it into place.
    with serve_directory(out, prefix=PREFIX) as base, pytest.MonkeyPatch.context() as patch:
        # (the day pinned: a session running past midnight compares with the day it built)
        patch.setenv("SOURCE_DATE_EPOCH", str(int(time.time())))
        build(root, out, base_url=base, records=FetchOptions(mode="offline"))
        built_on = build_date()
        patch.undo()
        yield BuiltSite(out.resolve(), base, built_on)
