"""Smoke tests for tests/support: prefixed HTTP server, Chromium via Playwright, vnu."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.http import serve_directory
from tests.support.vnu import format_messages, vnu_errors

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytest_plugins = ["tests.support.fixtures"]

Vnu = Callable[[list[Path]], list[dict[str, Any]]]

INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Home</title>
</head>
<body>
<main>
<h1>Home</h1>
<p><a href="sub/page.html">Go to the sub page</a></p>
</main>
</body>
</html>
"""

SUB_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Sous-page</title>
</head>
<body>
<main>
<h1>Biodiversité — sous-page</h1>
<p><a href="../index.html">Accueil</a></p>
</main>
</body>
</html>
"""

NOT_FOUND = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Not found</title>
</head>
<body><h1>Page not found</h1></body>
</html>
"""

# No <title>: vnu reports 'Element "head" is missing a required instance of child
# element "title".'
INVALID = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
</head>
<body><p>No title</p></body>
</html>
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text(INDEX, encoding="utf-8")
    (root / "sub" / "page.html").write_text(SUB_PAGE, encoding="utf-8")
    (root / "404.html").write_text(NOT_FOUND, encoding="utf-8")
    (root / "style.css").write_text("body { color: #111; }\n", encoding="utf-8")
    return root


def _status(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def test_server_maps_prefix_to_root(site: Path) -> None:
    with serve_directory(site) as base:
        assert base.startswith("http://127.0.0.1:") and base.endswith("/chm/")
        origin = base[: -len("/chm/")]

        status, ctype, body = _status(base)
        assert (status, ctype) == (200, "text/html; charset=utf-8")
        assert b"<title>Home</title>" in body

        status, _, body = _status(base + "sub/page.html")
        assert status == 200 and "Biodiversité".encode() in body

        # "/chm" redirects to "/chm/" (urllib follows it).
        status, _, body = _status(origin + "/chm")
        assert status == 200 and b"<title>Home</title>" in body

        assert _status(base + "style.css")[:2] == (200, "text/css; charset=utf-8")

        # Outside the prefix: 404 with the site's 404 page, even for files that exist.
        for outside in ("/", "/index.html", "/sub/page.html", "/chmx/index.html"):
            status, ctype, body = _status(origin + outside)
            assert status == 404, outside
            assert b"Page not found" in body

        # Missing files and directories without index.html are 404 too (no listings).
        (site / "empty").mkdir()
        assert _status(base + "missing.html")[0] == 404
        assert _status(base + "empty/")[0] == 404
        assert _status(base + "../index.html")[0] == 404


def test_server_stops_on_exit(site: Path) -> None:
    with serve_directory(site, prefix="chm") as base:
        assert _status(base)[0] == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base, timeout=2)


def test_browser_follows_link(site: Path, browser_page: Page) -> None:
    page = browser_page
    with serve_directory(site) as base:
        response = page.goto(base + "index.html")
        assert response is not None and response.status == 200
        assert page.title() == "Home"

        page.get_by_role("link", name="Go to the sub page").click()
        page.wait_for_url(base + "sub/page.html")
        assert page.locator("h1").inner_text() == "Biodiversité — sous-page"
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.chmgen_page_errors == []  # type: ignore[attr-defined]

        # Outside the prefix the browser gets a 404 too.
        response = page.goto(base[: -len("chm/")] + "index.html")
        assert response is not None and response.status == 404


def test_vnu_accepts_valid_tree(site: Path, vnu: Vnu) -> None:
    errors = vnu([site])
    assert errors == [], format_messages(errors)


def test_vnu_reports_missing_title(tmp_path: Path, vnu: Vnu) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(INVALID, encoding="utf-8")
    good = tmp_path / "good.html"
    good.write_text(INDEX, encoding="utf-8")

    errors = vnu_errors([bad, good])
    assert errors, "vnu accepted a page without <title>"
    assert all(e["type"] == "error" for e in errors)
    assert {e["url"].rsplit("/", 1)[-1] for e in errors} == {"bad.html"}
    assert any("title" in e["message"] for e in errors), format_messages(errors)
