"""Markdown to HTML for the site's own content, with links made relative to the page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Mapping

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from chmgen.urls import is_external


class _LinkRewriter(Treeprocessor):
    """Site-absolute links (``/targets/``) become relative so sub-path hosting keeps working;
    images load lazily."""

    def __init__(self, md: markdown.Markdown, link: Callable[[str], str],
                 sizes: Mapping[str, tuple[int, int]]) -> None:
        super().__init__(md)
        self.link = link
        self.sizes = sizes

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "img":
                size = self.sizes.get((element.get("src") or "").lstrip("/"))
                if size and not element.get("width"):
                    element.set("width", str(size[0]))
                    element.set("height", str(size[1]))
            for attr in ("href", "src"):
                value = element.get(attr)
                if value and value.startswith("/") and not value.startswith("//"):
                    element.set(attr, self.link(value.lstrip("/")))
                elif value and not is_external(value) and attr == "src":
                    element.set(attr, self.link(value))
            if element.tag == "img":
                element.set("loading", "lazy")
                element.set("decoding", "async")
            if element.tag == "table" and element.get("class") is None:
                element.set("class", "data")


class _Rewrite(Extension):
    def __init__(self, link: Callable[[str], str], sizes: Mapping[str, tuple[int, int]]) -> None:
        super().__init__()
        self.link, self.sizes = link, sizes

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_LinkRewriter(md, self.link, self.sizes), "chmgen_links", 1)


HEADING = re.compile(r"<(/?)h([1-6])([ >])")


def render_markdown(text: str, link: Callable[[str], str], *, top_level: int = 2,
                    sizes: Mapping[str, tuple[int, int]] | None = None) -> str:
    """Render Markdown with its highest heading at ``top_level``: the page's own ``<h1>`` stays
    the only one and no heading level is skipped."""
    md = markdown.Markdown(
        extensions=["extra", "sane_lists", "smarty", _Rewrite(link, sizes or {})],
        output_format="html",
    )
    html = md.convert(text)
    levels = [int(m.group(2)) for m in HEADING.finditer(html)]
    shift = top_level - min(levels) if levels else 0
    if shift:
        html = HEADING.sub(
            lambda m: f"<{m.group(1)}h{min(6, max(1, int(m.group(2)) + shift))}{m.group(3)}", html)
    return html
