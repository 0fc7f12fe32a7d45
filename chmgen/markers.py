"""Converted Markdown's markers, made into each page's own links and picture sizes.

``markup.convert`` (Python-Markdown: imported only by a process that converts a text) leaves
every site link and every picture's size of a text as a marker; ``localize`` makes them the
page's, cheaply, each time a page shows the text. A build whose texts were all converted before
(a template edited) imports no Markdown at all.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable, Mapping

from chmgen.noop import library_version


def markdown_version() -> str:
    """Python-Markdown's version, as its installed distribution names it (read without
    importing the library); where that names none, the library's own."""
    found = library_version("markdown")
    if not found:
        import markdown

        found = markdown.__version__
    return found


# What convert() does, as part of every cache key: change it whenever its output would change.
MARKDOWN_CONFIG = "extra,sane_lists,typography-1,links-2,headings-1;markdown=" + \
    markdown_version()

MARK = "\x1a"  # never left in a text (stripped before conversion): brackets each marker
LINK = MARK + "L"
SIZE = MARK + "S"
_MARKER = re.compile("\x1a([LS])([^\x1a]*)\x1a")
_SIZE_ATTRS = re.compile(' width="\x1aS([^\x1a]*)\x1a"')


def localize(html: str, link: Callable[[str], str],
             sizes: Mapping[str, tuple[int, int]] | None = None) -> str:
    """Markers of ``convert`` → links relative to the page and known picture sizes."""
    if MARK not in html:
        return html

    def marker(match: re.Match[str]) -> str:
        return attribute(link(htmllib.unescape(match.group(2))))

    return _MARKER.sub(marker, _sized(html, sizes or {}))


def localize_split(html: str, sizes: Mapping[str, tuple[int, int]] | None = None
                   ) -> tuple[list[str], list[str]]:
    """``localize`` in two steps, for HTML that many pages share: the picture sizes put in
    and the text split at its link markers once, here; then each page puts its links, each
    escaped by ``attribute``, between the texts."""
    if MARK not in html:
        return [html], []
    pieces = _MARKER.split(_sized(html, sizes or {}))  # text, kind, path, text, …
    return pieces[0::3], [htmllib.unescape(path) for path in pieces[2::3]]


def _sized(html: str, sizes: Mapping[str, tuple[int, int]]) -> str:
    def size(match: re.Match[str]) -> str:
        found = sizes.get(htmllib.unescape(match.group(1)))
        return f' width="{found[0]}" height="{found[1]}"' if found else ""

    return _SIZE_ATTRS.sub(size, html)


def attribute(value: str) -> str:
    """Escaped as Python-Markdown's serializer escapes attribute values."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;")

