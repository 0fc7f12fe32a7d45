"""The URL scheme: where each page lives and how one page links to another (always relative)."""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Iterable

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
    if to_key == "" or to_key[-1] == "/":
        rel = _relpath(to_key.rstrip("/") or ".", _dirname(from_path))
        rel = "./" if rel == "." else rel + "/"
        if explicit_index:
            rel += "index.html"
        return rel + fragment
    return _relpath(to_key, _dirname(from_path)) + fragment


# A page's links all start from its folder, and the site's sections are linked from every
# page: both are split once (links are computed tens of times per page).
_dirname = functools.lru_cache(maxsize=1024)(posixpath.dirname)


@functools.lru_cache(maxsize=1024)
def _folder_parts(from_dir: str) -> tuple[str, ...] | None:
    parts = tuple(from_dir.split("/")) if from_dir else ()
    return None if ".." in parts else parts


@functools.lru_cache(maxsize=8192)
def _target_parts(target: str) -> tuple[str, ...] | None:
    if target == ".":
        return ()
    parts = tuple(target.split("/"))
    if "." in parts or ".." in parts or "//" in target or target.startswith("/"):
        return None
    return parts


_UP = tuple("../" * depth for depth in range(64))


def _relpath(target: str, from_dir: str) -> str:
    """``posixpath.relpath`` for the plain site paths of links (no ``.``/``..`` parts), without
    its absolute-path detour."""
    here, there = _folder_parts(from_dir), _target_parts(target)
    if here is None or there is None or len(here) >= len(_UP):
        return posixpath.relpath(target, from_dir or ".")
    if not there:
        return _UP[len(here)][:-1] or "."
    if not here or here[0] != there[0]:  # most links: nothing in common but the root
        return _UP[len(here)] + target
    common = 1
    for a, b in zip(here[1:], there[1:], strict=False):
        if a != b:
            break
        common += 1
    rel = _UP[len(here) - common] + "/".join(there[common:])
    return rel[:-1] if rel.endswith("/") else rel or "."


def is_external(url: str) -> bool:
    return url.startswith(ABSOLUTE_PREFIXES) or ":" in url.split("/", 1)[0]


def absolute_url(base_url: str, key: str) -> str:
    """Public address of a page, for sitemaps, canonical links and feeds."""
    return base_url.rstrip("/") + "/" + key


# Links that many pages share (a site's menu, made once) are the same from every page whose
# folder is as deep and starts with as much of the links' targets: what ``link_place`` gives.

def link_starts(targets: Iterable[str]) -> frozenset[tuple[str, ...]] | None:
    """Every start (folder by folder) of the site paths ``targets``, as ``relative_url``
    splits them; None if one is not a plain site path (``relative_url`` handles it alone)."""
    starts: set[tuple[str, ...]] = set()
    for target in targets:
        core = target.split("#", 1)[0]
        parts = _target_parts(core.rstrip("/") or ".")
        if parts is None:
            return None
        starts.update(parts[:end] for end in range(1, len(parts) + 1))
    return frozenset(starts)


def link_place(from_path: str, starts: frozenset[tuple[str, ...]]
               ) -> tuple[int, tuple[str, ...]] | None:
    """What the links ``relative_url`` makes from the page written at ``from_path`` to the
    targets whose starts are ``starts`` depend on: the depth of the page's folder, and the
    longest start of it that is a start of a target (a link's ``../`` count and what follows
    come from how much of its target the folder shares, no more: two pages with the same
    place get the same links). None where ``relative_url`` goes its own way."""
    here = _folder_parts(_dirname(from_path))
    if here is None or len(here) >= len(_UP):
        return None
    shared = 0
    while shared < len(here) and here[:shared + 1] in starts:
        shared += 1
    return len(here), here[:shared]
