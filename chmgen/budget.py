"""The page-weight budget: each page's HTML and first-load transfer, measured on rendered output.

A page's first load is its HTML plus the stylesheets, scripts and eagerly loaded images its
markup asks for (``loading="lazy"`` images and files fetched later by a script, such as the
search index, are not counted). Sizes are uncompressed bytes, the weight a reader pays on a
server that does not compress; 1 kB = 1024 bytes, as in the build summary.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from chmgen.errors import Problems, SourceLocation
from chmgen.site import Site
from chmgen.urls import is_external

KB = 1024
HEAVIEST = 5


@dataclass(frozen=True)
class PageWeight:
    """The first-load bytes of one page, by kind."""

    path: str
    source: str
    html: int
    stylesheets: int
    scripts: int
    images: int

    @property
    def total(self) -> int:
        return self.html + self.stylesheets + self.scripts + self.images

    def breakdown(self) -> str:
        return (f"HTML {kb(self.html)} + stylesheets {kb(self.stylesheets)} + scripts "
                f"{kb(self.scripts)} + images {kb(self.images)}")


def kb(size: int) -> str:
    return f"{size / KB:.1f} kB"


class _Loads(HTMLParser):
    """The stylesheets, scripts and eager images a page's markup makes the browser fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("href"):
            self.found.append(("stylesheets", a["href"] or ""))
        elif tag == "script" and a.get("src"):
            self.found.append(("scripts", a["src"] or ""))
        elif tag == "img" and a.get("src") and a.get("loading") != "lazy":
            self.found.append(("images", a["src"] or ""))


def page_weights(site: Site, files: Mapping[str, bytes],
                 static_sizes: Mapping[str, int]) -> list[PageWeight]:
    """The weight of every page of ``site`` rendered as ``files``; ``static_sizes`` gives the
    bytes of the site's own static files (its pictures and documents) by output path."""
    default = site.config.default_language
    weights = []
    for page in site.pages:
        path = page.path(default)
        html = files[path]
        parser = _Loads()
        parser.feed(html.decode("utf-8"))
        sizes = {"stylesheets": 0, "scripts": 0, "images": 0}
        for kind, link in dict.fromkeys(parser.found):  # a file loads once per page
            target = _resolve(path, link)
            if target is not None:
                sizes[kind] += len(files[target]) if target in files \
                    else static_sizes.get(target, 0)
        weights.append(PageWeight(path, page.source, len(html), **sizes))
    return weights


def _resolve(page: str, link: str) -> str | None:
    """The output path a link of ``page`` loads, or None for another site's file."""
    if is_external(link):
        return None
    path = urlsplit(link).path
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), path))


def check_budget(site: Site, weights: list[PageWeight], problems: Problems) -> None:
    """Record an error for every page over ``budget.html_kb`` or ``budget.page_kb``."""
    config = site.config
    html_limit, page_limit = config.budget_html_kb * KB, config.budget_page_kb * KB
    for weight in weights:
        where = SourceLocation(config.root / (weight.source or "chmgen.yml"))
        if weight.html > html_limit:
            problems.error(where, f"{weight.path}: HTML is {kb(weight.html)}, over the budget "
                           f"of {config.budget_html_kb:g} kB (budget.html_kb in chmgen.yml): "
                           "split the page or shorten it")
        if weight.total > page_limit:
            problems.error(where, f"{weight.path}: first load is {kb(weight.total)} "
                           f"({weight.breakdown()}), over the budget of "
                           f"{config.budget_page_kb:g} kB (budget.page_kb in chmgen.yml): "
                           "make pictures smaller or load them lazily")


def heaviest(weights: list[PageWeight], count: int = HEAVIEST) -> list[PageWeight]:
    """The ``count`` heaviest pages by first load, heaviest first (ties by path)."""
    return sorted(weights, key=lambda w: (-w.total, w.path))[:count]


def report(weights: list[PageWeight], count: int = HEAVIEST) -> list[str]:
    """Lines for ``chmgen check``: the heaviest pages and the median."""
    if not weights:
        return []
    totals = sorted(w.total for w in weights)
    lines = [f"page weight: median first load {kb(totals[len(totals) // 2])} over "
             f"{len(weights)} pages; heaviest:"]
    lines += [f"  {kb(w.total):>9}  {w.path} ({w.breakdown()})" for w in heaviest(weights, count)]
    return lines


def static_sizes(root: Path, relatives: tuple[Path, ...]) -> dict[str, int]:
    """Bytes of each of the site's static files, by output path."""
    return {p.as_posix(): (root / "static" / p).stat().st_size for p in relatives}
