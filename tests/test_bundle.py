"""chmgen bundle: a deterministic zip whose pages work in Chromium straight from file://."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from click.testing import CliRunner

from chmgen.bundle import offline_problems
from chmgen.cli import cli
from tests.sitecheck import html_pages, parse_page
from tests.support.browser import launch_chromium

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_site"
EPOCH = "1767225600"  # 2026-01-01
NAME = "xv-chm-2026-01-01"


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sample_site bundled with the CLI and unzipped: the folder a user would open."""
    folder = tmp_path_factory.mktemp("bundle")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = CliRunner().invoke(cli, ["bundle", str(SAMPLE), "--offline", "-o",
                                          str(folder / "b.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(folder / "b.zip") as archive:
        archive.extractall(folder)
    return folder / NAME


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """A browser for this module only: Playwright's event loop ends with the module, so later
    tests (chmgen serve's) can run asyncio themselves."""
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


def file_link_target(page: Path, link: str) -> Path | None:
    """The file a link on ``page`` opens from file://, or None for links off the computer."""
    url = urljoin(page.as_uri(), link)
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    return Path(unquote(parts.path))


def test_every_internal_link_names_an_existing_file(unzipped: Path) -> None:
    """From file:// a folder does not open its index.html: each target must be a file."""
    pages = html_pages(unzipped)
    assert len(pages) > 100
    broken = []
    for page in pages:
        for link in parse_page(page).links:
            assert not link.startswith("/"), f"{page}: root-relative link {link}"
            target = file_link_target(page, link)
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(unzipped)}: {link}")
            elif target is not None:
                assert unzipped in target.parents, f"{page}: {link} leaves the bundle"
    assert broken == []


def test_pages_work_in_chromium_from_file_urls(unzipped: Path, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    page.goto((unzipped / "index.html").as_uri())
    styled = page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position")
    assert styled == "absolute"  # the stylesheet (linked with ?v=hash) loaded from disk
    page.locator("main a[href='targets/index.html']").first.click()
    assert page.url == (unzipped / "targets" / "index.html").as_uri()
    page.locator("main a[href='t03/index.html']").first.click()
    assert page.url == (unzipped / "targets" / "t03" / "index.html").as_uri()
    page.locator("a[hreflang='fr']").first.click()
    assert page.url == (unzipped / "fr" / "targets" / "t03" / "index.html").as_uri()
    assert page.evaluate("document.documentElement.lang") == "fr"
    page.goto((unzipped / "actions" / "index.html").as_uri())
    assert page.locator(".table-tools").is_visible()  # tables.js runs from file://
    page.fill("#actions-filter", "zzz-no-such-action")
    assert page.locator("#actions-table tbody tr:visible").count() == 0
    assert page.chmgen_page_errors == []  # type: ignore[attr-defined]


def test_search_degrades_to_the_list_of_pages(unzipped: Path, browser_page) -> None:  # type: ignore[no-untyped-def]
    """Browsers refuse the search index's modules from file://: the page says so and still
    links to every page."""
    page = browser_page
    page.goto((unzipped / "search" / "index.html").as_uri())
    page.fill("#search-q", "mangrove")
    status = page.locator("#search-status")
    status.filter(has_text="could not be loaded").wait_for()
    assert page.locator("main a[href$='index.html']").count() > 100
    assert page.chmgen_page_errors == []  # type: ignore[attr-defined]


def test_bundle_is_deterministic_and_named_by_country_and_date(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(cli, ["bundle", str(SAMPLE), "--offline", "-q"])
    assert first.exit_code == 0, first.output
    assert first.output == ""
    made = (tmp_path / f"{NAME}.zip").read_bytes()
    again = CliRunner().invoke(cli, ["bundle", str(SAMPLE), "--offline", "-o",
                                          "again.zip"])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again.zip").read_bytes() == made
    assert re.match(r"bundled \d+ pages \(\d+ en, \d+ fr\) into again\.zip — \d+ files, "
                    r"0 warning\(s\), \d+ kB, \d+\.\d\d s$", again.stdout.splitlines()[-1]), \
        again.stdout
    assert again.stderr == ("note: assets/search.js: loads data or code at run time, which "
                            "browsers block from file://; check that its page works without it\n")
    with zipfile.ZipFile(tmp_path / "again.zip") as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert all(name.startswith(f"{NAME}/") for name in names)
    assert {info.date_time for info in infos} == {(2026, 1, 1, 0, 0, 0)}
    assert f"{NAME}/index.html" in names
    for server_only in ("404.html", "robots.txt", "sitemap.xml", "pagefind/pagefind.js"):
        assert f"{NAME}/{server_only}" not in names


def test_offline_check_names_links_that_need_a_server(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "about").mkdir(parents=True)
    (site / "about" / "index.html").write_text("<p>About</p>", "utf-8")
    (site / "assets").mkdir()
    (site / "assets" / "search.js").write_text("fetch('index.json')", "utf-8")
    (site / "assets" / "site.css").write_text("body { background: url(/img/bg.png) }", "utf-8")
    (site / "index.html").write_text(
        '<a href="/about/">root</a> <a href="about/">folder</a> <a href="about/index.html">ok</a>'
        ' <script src="//cdn.example.org/x.js"></script> <img src="missing.png">'
        ' <a href="https://www.cbd.int/">cbd</a> <a href="#top">top</a>', "utf-8")
    failures, notes = offline_problems(site)
    assert failures == [
        "assets/site.css: /img/bg.png: root-relative link: needs a web server (write it "
        "relative to the page)",
        "index.html: /about/: root-relative link: needs a web server (write it relative to "
        "the page)",
        "index.html: about/: link to a folder: from disk it opens no index.html (link to "
        "…/index.html)",
        "index.html: //cdn.example.org/x.js: protocol-relative link: needs a web server "
        "(write https://…)",
        "index.html: missing.png: no such file in the site",
    ]
    assert notes == ["assets/search.js: loads data or code at run time, which browsers block "
                     "from file://; check that its page works without it"]


def test_bundle_refuses_a_site_that_needs_a_server(tmp_path: Path) -> None:
    site = tmp_path / "site"
    CliRunner().invoke(cli, ["init", str(site), "--country", "ws"])
    page = site / "pages" / "about.md"
    page.write_text(page.read_text("utf-8") + '\n<a href="/news/">News</a>\n', "utf-8")
    result = CliRunner().invoke(cli, ["bundle", str(site), "--offline", "-o",
                                          str(tmp_path / "x.zip")])
    assert result.exit_code == 1
    assert result.output.startswith("chmgen: error: the site would not work from disk:\n  "
                                    "about/index.html: ")
    assert not (tmp_path / "x.zip").exists()


def test_bundle_verbose_lists_its_steps(tmp_path: Path) -> None:
    site = tmp_path / "site"
    CliRunner().invoke(cli, ["init", str(site), "--country", "ws"])
    result = CliRunner().invoke(cli, ["bundle", str(site), "--offline", "-v", "-o",
                                      str(tmp_path / "x.zip")])
    assert result.exit_code == 0, result.output
    steps = [re.sub(r" \(\d+\)", "", line.split(":")[0].strip())
             for line in result.stderr.splitlines() if line.startswith("  ")]
    assert steps[0] == "loading content"
    assert steps[-2:] == ["checking links", "zipping files"]
