"""Pytest fixtures shared by the test suite.

Enable from ``tests/conftest.py``::

    pytest_plugins = ["tests.support.fixtures"]

Fixtures:

* ``chromium_browser`` (session): a headless system Chromium ``playwright.sync_api.Browser``.
* ``browser_page`` (function): a fresh ``Page`` in its own context (no shared cookies or
  storage), closed after the test; uncaught page errors are collected in
  ``page.chmgen_page_errors``.
* ``vnu`` (session): the ``vnu_errors(paths) -> list[dict]`` function, after checking that
  the checker is installed.

And ``local_sample_site(folder)``: a copy of the sample site that reads no central CHM records.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.browser import launch_chromium
from tests.support.vnu import vnu_errors, vnu_jar

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "sample_site"


def local_sample_site(folder: Path) -> Path:
    """``folder/site``: the sample site without central CHM records (a site that reads them
    has no fingerprint: its build never skips, nor takes unchanged files from the last)."""
    root = folder / "site"
    shutil.copytree(SAMPLE_SITE, root, ignore=shutil.ignore_patterns("_site", ".chmgen"))
    config = root / "chmgen.yml"
    text, replaced = re.subn(r"^central_chm:\n(?:  .*\n)+", "central_chm: {enabled: false}\n",
                             config.read_text("utf-8"), flags=re.M)
    assert replaced == 1
    config.write_text(text, "utf-8")
    return root


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Browser]:
    """One browser per test module: Playwright's sync API runs an event loop for as long as it
    is open, and a second module starting its own (or asyncio.run) must not find it running."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium_browser: Browser) -> Iterator[Page]:
    context = chromium_browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.chmgen_page_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def vnu() -> Callable[[list[Path]], list[dict[str, Any]]]:
    vnu_jar()  # fail early, with a message naming scripts/test, if it is missing
    return vnu_errors
