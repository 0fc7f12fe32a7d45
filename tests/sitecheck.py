"""Test helpers that read a built site: every page's links, ids and text."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit


@dataclass
class PageLinks(HTMLParser):
    """Collects href/src attributes and element ids of one HTML page."""

    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def parse_page(path: Path) -> PageLinks:
    parser = PageLinks()
    parser.feed(path.read_text("utf-8"))
    return parser


def html_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def resolve(out: Path, base: str, page: Path, link: str) -> tuple[Path | None, str]:
    """Map a link on ``page`` (served at ``base`` + its path) to a file of ``out``.

    Returns (file or None when the link leaves the site, fragment).
    """
    page_url = base + page.relative_to(out).as_posix()
    target = urljoin(page_url, link)
    parts = urlsplit(target)
    base_parts = urlsplit(base)
    if (parts.scheme, parts.netloc) != (base_parts.scheme, base_parts.netloc):
        return None, ""
    if not parts.path.startswith(base_parts.path):
        raise AssertionError(f"{page}: link {link!r} leaves the site's sub-path: {target}")
    relative = posixpath.normpath(parts.path[len(base_parts.path):] or ".")
    file = out / relative
    if parts.path.endswith("/") or file.is_dir():
        file = file / "index.html"
    return file, parts.fragment


def broken_links(out: Path, base: str) -> list[str]:
    """Every internal href/src (and #fragment) of every page that does not resolve."""
    problems = []
    id_cache: dict[Path, set[str]] = {}
    for page in html_pages(out):
        for link in parse_page(page).links:
            if link.startswith(("mailto:", "tel:", "data:", "javascript:")):
                continue
            file, fragment = resolve(out, base, page, link)
            if file is None:
                continue
            if not file.is_file():
                problems.append(
                    f"{page.relative_to(out)}: {link} -> missing {file.relative_to(out)}")
                continue
            if fragment and file.suffix == ".html":
                ids = id_cache.setdefault(file, parse_page(file).ids)
                if fragment not in ids:
                    problems.append(f"{page.relative_to(out)}: {link} -> no id '{fragment}'")
    return problems
