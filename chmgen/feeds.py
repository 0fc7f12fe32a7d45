"""Atom feeds of the news, one per site language (``news/feed.xml``), from the Site.

Dates come from the posts themselves, never from a clock, so the same content gives the same
bytes. With ``base_url`` every address is absolute; without it links are relative to the feed
(feed readers resolve them against the feed's own address) and identifiers are name-based
UUIDs, stable from build to build.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping

from chmgen.markup import render_markdown
from chmgen.model import MarkdownEntry
from chmgen.site import Site
from chmgen.urls import absolute_url, lang_prefix, relative_url

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_ENTRIES = 50

Gettext = Callable[[str], str]


def feed_path(lang: str, default: str, section: str = "news") -> str:
    """Where a section's feed of one language is written."""
    return f"{lang_prefix(lang, default)}{section}/feed.xml"


def atom_feeds(site: Site, gettexts: Mapping[str, Gettext]) -> dict[str, bytes]:
    """The news feed of every site language (none when the site has no news)."""
    if not site.content.news:
        return {}
    default = site.config.default_language
    return {feed_path(lang, default): news_feed(site, lang, gettexts[lang])
            for lang in site.config.languages}


def news_feed(site: Site, lang: str, gettext: Gettext) -> bytes:
    """One language's Atom feed of the newest posts (newest first)."""
    config, default = site.config, site.config.default_language
    path = feed_path(lang, default)
    href = _linker(site, path)
    posts = sorted(site.content.news, key=lambda p: (p.date or dt.date.min, p.slug),
                   reverse=True)[:MAX_ENTRIES]
    ET.register_namespace("", ATOM)
    feed = ET.Element(_atom("feed"), {XML_LANG: lang})
    title = config.title.pick(lang, default).text
    _add(feed, "id", _identifier(site, path, f"{lang}:news"))
    _add(feed, "title", f"{title} — {gettext('News')}")
    if config.description:
        _add(feed, "subtitle", config.description.pick(lang, default).text)
    _add(feed, "updated", _timestamp(posts[0].date if posts else None))
    _add(feed, "link", rel="self", type="application/atom+xml", href=href(path))
    _add(feed, "link", rel="alternate", type="text/html",
         href=href(lang_prefix(lang, default) + "news/"))
    author = ET.SubElement(feed, _atom("author"))
    _add(author, "name", (config.organization or config.title).pick(lang, default).text)
    _add(feed, "generator", "chmgen")
    for post in posts:
        feed.append(_entry(site, post, lang, href))
    ET.indent(feed)
    xml = ET.tostring(feed, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n").encode("utf-8")


def _entry(site: Site, post: MarkdownEntry, lang: str,
           href: Callable[[str], str]) -> ET.Element:
    default = site.config.default_language
    variant, fallback = post.variant(lang, default)
    key = f"{lang_prefix(lang, default)}news/{post.slug}/"
    entry = ET.Element(_atom("entry"), {XML_LANG: fallback} if fallback else {})
    _add(entry, "id", _identifier(site, key, f"{lang}:news:{post.slug}"))
    _add(entry, "title", variant.title)
    _add(entry, "link", rel="alternate", type="text/html", href=href(key))
    _add(entry, "published", _timestamp(post.date))
    _add(entry, "updated", _timestamp(post.date))
    summary = variant.summary or variant.description
    if summary:
        _add(entry, "summary", summary)
    body = render_markdown(variant.body, href)
    _add(entry, "content", body, type="html")
    return entry


def _linker(site: Site, feed: str) -> Callable[[str], str]:
    """Site path → address written in the feed: absolute with base_url, else relative."""
    base = site.config.base_url
    if base:
        return lambda path: absolute_url(base, path)
    return lambda path: relative_url(feed, path)


def _identifier(site: Site, path: str, name: str) -> str:
    base = site.config.base_url
    if base:
        return absolute_url(base, path)
    return uuid.uuid5(uuid.NAMESPACE_URL, f"chmgen:{site.config.country}:{name}").urn


def _timestamp(day: dt.date | None) -> str:
    return f"{(day or dt.date(1970, 1, 1)).isoformat()}T00:00:00Z"


def _atom(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _atom(tag), attrs)
    if text is not None:
        element.text = text
    return element
