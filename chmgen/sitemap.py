"""sitemap.xml and robots.txt, derived from the site plan."""

from __future__ import annotations

from html import escape as _escape

from chmgen.site import Site
from chmgen.urls import absolute_url, lang_prefix


def escape(text: str) -> str:
    """&, < and > as entities (what xml.sax.saxutils.escape does, without its import of
    urllib.request at start-up)."""
    return _escape(text, quote=False)


def sitemap_xml(site: Site) -> bytes | None:
    """A sitemap with hreflang alternates; None without ``base_url`` (sitemaps need full URLs)."""
    base = site.config.base_url
    if not base:
        return None
    default = site.config.default_language
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
             'xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for page in site.pages:
        if page.key == "404.html":
            continue
        loc = absolute_url(base, lang_prefix(page.lang, default) + page.key)
        lines.append(f"<url><loc>{escape(loc)}</loc>")
        for lang in site.config.languages:
            href = absolute_url(base, lang_prefix(lang, default) + page.key)
            lines.append(f'<xhtml:link rel="alternate" hreflang="{lang}" href="{escape(href)}"/>')
        lines.append("</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(site: Site) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if site.config.base_url:
        lines.append(f"Sitemap: {absolute_url(site.config.base_url, 'sitemap.xml')}")
    return ("\n".join(lines) + "\n").encode("utf-8")
