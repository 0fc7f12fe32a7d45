"""Make untrusted record content safe: clean HTML, plain text, http(s) URLs, safe identifiers."""

from __future__ import annotations

import html
import re
import urllib.parse

import nh3

# What a summary may keep: structure and emphasis, links; no scripts, styles, frames, media.
_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "blockquote", "sub", "sup",
         "abbr", "cite", "q", "code"}
_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "hreflang"}, "abbr": {"title"}}
_SCHEMES = {"http", "https", "mailto"}
_CONTENT_DROPPED = {"script", "style", "noscript", "template", "iframe", "object", "embed",
                    "svg", "math", "textarea", "select"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_SPACE = re.compile(r"\s+")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def clean_html(value: str, base: str = "https://chm.cbd.int/") -> str:
    """HTML from a record, with everything that could run, restyle or frame removed; relative
    links are made absolute against the central CHM."""
    cleaned = nh3.clean(value, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES,
                        clean_content_tags=_CONTENT_DROPPED,
                        url_relative=("rewrite_with_base", base),
                        link_rel="noopener noreferrer nofollow", strip_comments=True)
    return cleaned.strip()


def plain_text(value: str) -> str:
    """A record's plain-text field (a title): tags dropped, entities decoded, spaces collapsed;
    the template escapes it when it is written out."""
    text = html.unescape(nh3.clean(value, tags=set(), clean_content_tags=_CONTENT_DROPPED))
    return _SPACE.sub(" ", text).strip()


def safe_url(value: object, base: str = "https://chm.cbd.int/") -> str | None:
    """An absolute http(s) URL, or None: ``javascript:``, ``data:`` and friends never pass,
    whatever their spelling; relative paths are resolved against the central CHM."""
    if not isinstance(value, str):
        return None
    candidate = _CONTROL.sub("", html.unescape(value))
    if not candidate:
        return None
    absolute = urllib.parse.urljoin(base, candidate)
    parts = urllib.parse.urlsplit(absolute)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return urllib.parse.urlunsplit(parts._replace(scheme=parts.scheme.lower()))


def safe_identifier(value: object) -> str | None:
    """A central record identifier fit for a URL path segment or a cache file name (the
    central CHM's own pattern: letters, digits, '-' and '_'), else None."""
    if isinstance(value, str) and _IDENTIFIER.match(value):
        return value
    return None


def safe_slug(value: object) -> str | None:
    """A local page/file id (``t01``, ``nt-1a72c663``): no dots, separators or absolute
    paths can get through."""
    if isinstance(value, str) and _SLUG.match(value):
        return value
    return None
