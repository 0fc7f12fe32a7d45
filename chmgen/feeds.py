"""Atom feeds of news and events, per site language (``news/feed.xml``), from the Site.

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
from dataclasses import dataclass

from chmgen.rendercache import render_markdown
from chmgen.site import Site
from chmgen.urls import absolute_url, lang_prefix, relative_url

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_ENTRIES = 50

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class FeedEntry:
    """One entry, in the feed's language: ``key`` is its page, ``lang`` set when it falls back."""

    key: str
    slug: str
    title: str
    day: dt.date
    summary: str
    body: str
    lang: str | None = None


def feed_path(lang: str, default: str, section: str) -> str:
    """Where a section's feed of one language is written."""
    return f"{lang_prefix(lang, default)}{section}/feed.xml"


def feed_sections(site: Site) -> tuple[str, ...]:
    """The sections that have a feed: news and events, when the site has them."""
    have = {"news": bool(site.content.news), "events": bool(site.content.items.get("events"))}
    return tuple(name for name, present in have.items() if present)


def atom_feeds(site: Site, gettexts: Mapping[str, Gettext]) -> dict[str, bytes]:
    """The news and events feeds of every site language."""
    default = site.config.default_language
    files = {}
    for lang in site.config.languages:
        for section in feed_sections(site):
            entries = ENTRIES[section](site, lang)
            files[feed_path(lang, default, section)] = atom_feed(
                site, lang, section, gettexts[lang](TITLES[section]), entries)
    return files


def news_entries(site: Site, lang: str) -> list[FeedEntry]:
    default = site.config.default_language
    out = []
    for post in site.content.news:
        variant, fallback = post.variant(lang, default)
        out.append(FeedEntry(f"news/{post.slug}/", post.slug, variant.title,
                             post.date or dt.date(1970, 1, 1),
                             variant.summary or variant.description or "", variant.body,
                             fallback))
    return out


def event_entries(site: Site, lang: str) -> list[FeedEntry]:
    default = site.config.default_language
    out = []
    for event in site.content.items.get("events", ()):
        title = event.title.pick(lang, default)
        body = event.description.pick(lang, default) if event.description else None
        start = event.fields["start"]
        day = start.date() if isinstance(start, dt.datetime) else start
        out.append(FeedEntry(f"events/{event.id}/", event.id, title.text, day, "",
                             body.text if body else "", title.lang))
    return out


ENTRIES: dict[str, Callable[[Site, str], list[FeedEntry]]] = {
    "news": news_entries, "events": event_entries}
# Feed titles, through the theme's catalogs (the same words as the section labels).
TITLES = {"news": "News", "events": "Events"}


def atom_feed(site: Site, lang: str, section: str, name: str,
              entries: list[FeedEntry]) -> bytes:
    """One language's Atom feed of a section, newest first."""
    config, default = site.config, site.config.default_language
    path = feed_path(lang, default, section)
    href = _linker(site, path)
    entries = sorted(entries, key=lambda e: (e.day, e.slug), reverse=True)[:MAX_ENTRIES]
    ET.register_namespace("", ATOM)
    feed = ET.Element(_atom("feed"), {XML_LANG: lang})
    _add(feed, "id", _identifier(site, path, f"{lang}:{section}"))
    _add(feed, "title", f"{config.title.pick(lang, default).text} — {name}")
    if config.description:
        _add(feed, "subtitle", config.description.pick(lang, default).text)
    _add(feed, "updated", _timestamp(entries[0].day if entries else None))
    _add(feed, "link", rel="self", type="application/atom+xml", href=href(path))
    _add(feed, "link", rel="alternate", type="text/html",
         href=href(f"{lang_prefix(lang, default)}{section}/"))
    author = ET.SubElement(feed, _atom("author"))
    _add(author, "name", (config.organization or config.title).pick(lang, default).text)
    _add(feed, "generator", "chmgen")
    for entry in entries:
        feed.append(_entry(site, lang, section, entry, href))
    ET.indent(feed)
    xml = ET.tostring(feed, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n").encode("utf-8")


def _entry(site: Site, lang: str, section: str, item: FeedEntry,
           href: Callable[[str], str]) -> ET.Element:
    key = lang_prefix(lang, site.config.default_language) + item.key
    entry = ET.Element(_atom("entry"), {XML_LANG: item.lang} if item.lang else {})
    _add(entry, "id", _identifier(site, key, f"{lang}:{section}:{item.slug}"))
    _add(entry, "title", item.title)
    _add(entry, "link", rel="alternate", type="text/html", href=href(key))
    _add(entry, "published", _timestamp(item.day))
    _add(entry, "updated", _timestamp(item.day))
    if item.summary:
        _add(entry, "summary", item.summary)
    if item.body:
        _add(entry, "content", render_markdown(item.body, href), type="html")
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
