"""Static search: a Pagefind index per language, found by a real browser under a sub-path; the
search page without JavaScript; ``search: false``; a failed index leaves the old site."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from chmgen.build import build
from chmgen.errors import OutputError
from tests.support.browser import launch_chromium
from tests.support.http import serve_directory

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_site"

SITE = {
    "chmgen.yml": "title: {en: Test CHM, fr: CHM test}\ncountry: ke\nlanguages: [en, fr]\n",
    "targets/t1.yml": "title: {en: Protect wetlands, fr: Protéger les zones humides}\n"
                      "gbf_targets:\n  - {target: 3, alignment: high}\n",
}


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("search") / "site"
    build(SAMPLE, out)
    return out


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """A browser for this module only: Playwright's event loop ends with the module, so later
    tests can run asyncio themselves (the session-wide browser would keep it running)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.chmgen_page_errors = errors
    yield page
    context.close()


@pytest.fixture(scope="module")
def served(sample_out: Path) -> Iterator[str]:
    with serve_directory(sample_out, prefix="/chm/") as base:
        yield base


def test_one_index_per_language(sample_out: Path) -> None:
    entry = json.loads((sample_out / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    languages = entry["languages"]
    assert sorted(languages) == ["en", "fr"]
    assert languages["en"]["page_count"] == languages["fr"]["page_count"] > 50
    for lang in ("en", "fr"):
        assert (sample_out / "pagefind" / f"wasm.{lang}.pagefind").is_file()
    # The theme's own interface replaces Pagefind's ready-made ones.
    assert not (sample_out / "pagefind" / "pagefind-ui.js").exists()


def test_pages_carry_section_and_gbf_filters(sample_out: Path) -> None:
    html = (sample_out / "fr" / "targets" / "t05" / "index.html").read_text("utf-8")
    assert '<main id="main" class="wrap" tabindex="-1" data-pagefind-body>' in html
    assert 'data-pagefind-filter="section[content]" content="Objectifs nationaux"' in html
    assert re.search(r'data-pagefind-filter="gbf_target\[content\]" content="Cible 5 du CMB"', html)
    search = (sample_out / "search" / "index.html").read_text("utf-8")
    assert "data-pagefind-body" not in search
    assert "data-pagefind-body" not in (sample_out / "404.html").read_text("utf-8")


def test_search_script_loads_on_the_search_page_only(sample_out: Path) -> None:
    assert "search.js" in (sample_out / "search" / "index.html").read_text("utf-8")
    for page in ("index.html", "targets/t05/index.html", "fr/news/index.html"):
        assert "search.js" not in (sample_out / page).read_text("utf-8"), page


def _search(page, url: str, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.get_by_label(re.compile("^(Search this site|Rechercher sur ce site)$")).fill(query)
    page.locator("#search-results li a").first.wait_for(timeout=15000)
    return [a.get_attribute("href") or "" for a in page.locator("#search-results li a").all()]


@pytest.mark.parametrize(("lang_path", "query", "expected"), [
    ("", "parrots", "/chm/targets/t05/"),
    ("fr/", "perroquets", "/chm/fr/targets/t05/"),
])
def test_search_finds_the_national_target_in_its_language(
        browser_page, served: str, lang_path: str, query: str,  # type: ignore[no-untyped-def]
        expected: str) -> None:
    links = _search(browser_page, f"{served}{lang_path}search/", query)
    assert expected in links
    assert all(link.startswith(f"/chm/{lang_path}") for link in links), links
    other = "/chm/fr/" if not lang_path else "/chm/targets/"
    assert not any(link.startswith(other) for link in links), links
    status = browser_page.locator("#search-status").inner_text()
    assert query in status and str(len(links)) in status
    assert browser_page.chmgen_page_errors == []


def test_gbf_filter_narrows_results(browser_page, served: str) -> None:  # type: ignore[no-untyped-def]
    links = _search(browser_page, f"{served}search/", "parrots")
    select = browser_page.get_by_label("GBF target")
    options = select.locator("option").all_inner_texts()
    assert "GBF Target 5" in options and options.index("GBF Target 5") < options.index(
        "GBF Target 10")
    select.select_option("GBF Target 4")
    browser_page.wait_for_function(
        "n => document.querySelectorAll('#search-results li').length < n", arg=len(links))
    narrowed = [a.get_attribute("href") for a in
                browser_page.locator("#search-results li a").all()]
    assert "/chm/targets/t04/" in narrowed and "/chm/targets/t05/" not in narrowed


def test_query_in_the_address_is_searched(browser_page, served: str) -> None:  # type: ignore[no-untyped-def]
    browser_page.goto(f"{served}search/?q=parrots")
    browser_page.locator("#search-results li a").first.wait_for(timeout=15000)
    assert browser_page.get_by_label("Search this site").input_value() == "parrots"


def test_search_page_without_javascript(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{served}search/")
        form = page.locator("#search-form")
        assert form.is_visible()
        assert form.get_attribute("action") == "https://duckduckgo.com/"
        assert page.locator('input[name="sites"]').get_attribute("value") == \
            "example.github.io/verdania-chm"
        assert page.locator("#search-web-note").is_visible()
        heading = page.get_by_role("heading", name="All pages of this site")
        index = page.locator("section", has=heading)
        hrefs = index.locator("a").evaluate_all("els => els.map(a => a.href)")
        assert f"{served}targets/t05/" in hrefs and f"{served}data/" in hrefs
        assert len(hrefs) > 50
    finally:
        context.close()


def test_header_box_submits_to_the_search_page(sample_out: Path) -> None:
    html = (sample_out / "targets" / "t05" / "index.html").read_text("utf-8")
    assert '<form class="header-search" role="search" action="../../search/" method="get">' in html
    assert '<label for="header-search-q" class="visually-hidden">Search this site</label>' in html


def test_search_false_turns_it_all_off(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_site({**SITE, "chmgen.yml": SITE["chmgen.yml"] + "search: false\n"})
    build(root, tmp_path / "out")
    out = tmp_path / "out"
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    html = (out / "targets" / "t1" / "index.html").read_text("utf-8")
    assert "data-pagefind" not in html and "header-search" not in html and "search/" not in html


def test_without_base_url_the_form_needs_javascript(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build(make_site(SITE), tmp_path / "out")
    html = (tmp_path / "out" / "search" / "index.html").read_text("utf-8")
    assert "duckduckgo" not in html and "<noscript>" in html
    assert re.search(r'<form id="search-form"[^>]*\shidden>', html)


def test_failed_index_leaves_the_published_site(make_site, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(SITE)
    out = tmp_path / "out"
    build(root, out)
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", shutil.which("false") or "/bin/false")
    with pytest.raises(OutputError, match=r"search index: Pagefind failed \(exit 1\)"):
        build(root, out, incremental=False)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    # An incremental build after an edit re-indexes too, and fails the same way.
    target = root / "targets" / "t1.yml"
    target.write_text(target.read_text("utf-8").replace("Protect wetlands", "Protect bogs"),
                      "utf-8")
    with pytest.raises(OutputError, match=r"search index: Pagefind failed \(exit 1\)"):
        build(root, out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
