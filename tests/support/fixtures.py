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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.browser import launch_chromium
from tests.support.vnu import vnu_errors, vnu_jar

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


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
