"""The URL scheme: where each page lives and how one page links to another (always relative)."""

from __future__ import annotations

import posixpath

ABSOLUTE_PREFIXES = ("http://", "https://", "mailto:", "tel:", "//", "#", "data:")


def lang_prefix(lang: str, default: str) -> str:
    """The default language lives at the site root, the others under ``<lang>/``."""
    return "" if lang == default else f"{lang}/"


def output_path(key: str) -> str:
    """Output file of a page key: ``""`` → ``index.html``, ``targets/t1/`` → ``…/index.html``."""
    if key == "" or key.endswith("/"):
        return key + "index.html"
    return key


def relative_url(from_path: str, to_key: str, *, explicit_index: bool = False) -> str:
    """A link from the page written at ``from_path`` to ``to_key`` (both site-relative).

    Relative links work at a domain root, under any sub-path (GitHub project pages) and, with
    ``explicit_index``, from ``file://`` where directories do not resolve to index.html.
    """
    fragment = ""
    if "#" in to_key:
        to_key, fragment = to_key.split("#", 1)
        fragment = "#" + fragment
    from_dir = posixpath.dirname(from_path)
    is_dir = to_key == "" or to_key.endswith("/")
    target = to_key.rstrip("/") or "."
    rel = _relpath(target, from_dir)
    if is_dir:
        rel = "./" if rel == "." else rel + "/"
        if explicit_index:
            rel += "index.html"
    return rel + fragment


def _relpath(target: str, from_dir: str) -> str:
    """``posixpath.relpath`` for the plain site paths of links (no ``.``/``..`` parts), without
    its absolute-path detour: links are computed tens of times per page."""
    if target != "." and ("." in target.split("/") or ".." in target.split("/")) \
            or "//" in target or ".." in from_dir.split("/") or target.startswith("/"):
        return posixpath.relpath(target, from_dir or ".")
    here = from_dir.split("/") if from_dir else []
    there = [] if target == "." else target.split("/")
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(here) - common) + there[common:])
    return rel or "."


def is_external(url: str) -> bool:
    return url.startswith(ABSOLUTE_PREFIXES) or ":" in url.split("/", 1)[0]


def absolute_url(base_url: str, key: str) -> str:
    """Public address of a page, for sitemaps, canonical links and feeds."""
    return base_url.rstrip("/") + "/" + key
