"""``chmgen bundle``: the whole site as one zip that works opened from disk, with no server.

The site is built with links that name their files (``targets/t1/index.html``), checked for
anything that needs a web server (root-relative or folder links), and zipped deterministically:
sorted entries, every timestamp the build date, fixed permissions.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from chmgen.build import BuildResult, build, build_date
from chmgen.config import load_config
from chmgen.errors import ChmgenError, Problems
from chmgen.progress import Progress, Step, counted, no_progress
from chmgen.records.options import FetchOptions

# Files only a web server uses: an offline copy is better without them. Browsers refuse the
# search index's script modules from file://, so the search page shows its list of all pages.
SERVER_ONLY = ("404.html", "robots.txt", "sitemap.xml", "pagefind")
LINK_ATTRS = frozenset({"href", "src", "poster", "action"})
CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
SCRIPT_FETCH_RE = re.compile(r"\bfetch\s*\(|XMLHttpRequest|\bimport\s*\(|serviceWorker")


@dataclass(frozen=True)
class BundleResult:
    """The zip written, what it holds, and what may not work from disk."""

    path: Path
    files: int
    size: int
    notes: tuple[str, ...]
    build: BuildResult
    seconds: float


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name in LINK_ATTRS or (name == "content" and tag == "meta"
                                                  and value.startswith("/"))):
                self.links.append(value)
            elif value and name == "srcset":
                self.links.extend(part.split()[0] for part in value.split(",") if part.strip())


def bundle_name(country: str) -> str:
    """``ws-chm-2026-11-26``: the country, and the build date."""
    return f"{country}-chm-{build_date().isoformat()}"


def bundle_site(root: Path, out: Path | None = None, *, strict: bool = False,
                records: FetchOptions | None = None,
                progress: Progress = no_progress) -> BundleResult:
    """Build ``root`` for file:// into a temporary folder, check it, and zip it into ``out``.

    ``records`` says how central CHM records are read (default: the cache only)."""
    started = time.perf_counter()
    problems = Problems()
    config = load_config(root, problems)
    problems.raise_if_errors()
    assert config is not None
    name = bundle_name(config.country)
    out = out or Path(f"{name}.zip")
    with tempfile.TemporaryDirectory(prefix="chmgen-bundle-") as tmp:
        site = Path(tmp) / name
        result = build(root, site, cache=False, strict=strict, explicit_index=True,
                       progress=progress, records=records)
        for server_file in SERVER_ONLY:
            path = site / server_file
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        progress(Step("checking links"))
        failures, notes = offline_problems(site)
        if failures:
            raise ChmgenError("the site would not work from disk:\n  " + "\n  ".join(failures))
        files = write_zip(site, out, progress)
    return BundleResult(out, files, out.stat().st_size, tuple(notes), result,
                        time.perf_counter() - started)


def offline_problems(site: Path) -> tuple[list[str], list[str]]:
    """(links that need a server or lead nowhere, notes on scripts that need one)."""
    failures: list[str] = []
    for page in sorted(site.rglob("*")):
        if page.suffix in (".html", ".css"):
            text = page.read_text("utf-8", "replace")
            links = CSS_URL_RE.findall(text) if page.suffix == ".css" else _html_links(text)
            where = page.relative_to(site).as_posix()
            failures.extend(f"{where}: {link}: {why}" for link in links
                            if (why := link_problem(site, page, link)))
    notes = [f"{script.relative_to(site).as_posix()}: loads data or code at run time, which "
             "browsers block from file://; check that its page works without it"
             for script in sorted(site.rglob("*.js"))
             if SCRIPT_FETCH_RE.search(script.read_text("utf-8", "replace"))]
    return failures, notes


def link_problem(site: Path, page: Path, link: str) -> str | None:
    """Why ``link`` on ``page`` would fail from file://, or None when it works."""
    parts = urlsplit(link)
    if parts.scheme or link.startswith("#"):
        return None
    if link.startswith("//"):
        return "protocol-relative link: needs a web server (write https://…)"
    if link.startswith("/"):
        return "root-relative link: needs a web server (write it relative to the page)"
    path = unquote(parts.path)
    if not path:
        return None
    target = Path(posixpath.normpath(posixpath.join(page.parent.as_posix(), path)))
    if path.endswith("/") or target.is_dir():
        return "link to a folder: from disk it opens no index.html (link to …/index.html)"
    if site not in target.parents:
        return "leaves the site"
    return None if target.is_file() else "no such file in the site"


def write_zip(site: Path, out: Path, progress: Progress) -> int:
    """Zip ``site`` (its folder name as the top folder) into ``out``; returns the file count."""
    day = build_date()
    stamp = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    files = sorted((p for p in site.rglob("*") if p.is_file()), key=lambda p: p.as_posix())
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in counted(files, "zipping files", len(files), progress):
            info = zipfile.ZipInfo(path.relative_to(site.parent).as_posix(), stamp)
            info.compress_type, info.create_system = zipfile.ZIP_DEFLATED, 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    os.replace(partial, out)
    return len(files)


def _html_links(text: str) -> list[str]:
    parser = _Links()
    parser.feed(text)
    return parser.links
