"""The information architecture: the section registry, the two presets and the resolved menu."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chmgen.errors import Problems
from chmgen.model import MenuGroupSpec, MenuLink
from chmgen.schema import Checker, Field
from chmgen.text import Text
from chmgen.yamldoc import KeyPath, YamlDoc

# Every section a menu can name, in a stable order. Whether a section exists on a given site
# is decided by the site plan (empty sections are hidden).
SECTIONS = (
    "convention", "focal-points", "organizations", "country-profile",
    "ecosystems", "protected-areas", "species", "data",
    "nbsap", "targets", "gbf", "indicators", "actions", "projects", "reports",
    "central-targets", "capacity-building", "learning", "cooperation", "biobridge",
    "news", "events", "cbd-news", "documents", "library",
)

PRESETS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    # The six areas of a Bioland site (the CBD Secretariat's national-CHM product).
    "default": (
        ("convention", ("convention", "focal-points", "organizations", "country-profile")),
        ("biodiversity", ("ecosystems", "protected-areas", "species", "data")),
        ("implementation", ("nbsap", "targets", "gbf", "indicators", "actions", "projects",
                            "reports", "central-targets")),
        ("cooperation", ("capacity-building", "cooperation", "biobridge")),
        ("updates", ("news", "events", "cbd-news")),
        ("resources", ("documents", "learning", "library", "page:links")),
    ),
    "simple": (
        ("biodiversity", ("ecosystems", "protected-areas", "species", "data")),
        ("strategy", ("nbsap", "targets", "gbf")),
        ("implementation", ("indicators", "actions", "projects", "reports",
                            "central-targets")),
        ("information", ("news", "events", "cbd-news", "documents", "library", "learning")),
        ("participate", ("cooperation", "capacity-building", "biobridge", "organizations",
                         "focal-points")),
        ("about", ("page:about", "page:contact", "page:partners", "country-profile",
                   "convention")),
    ),
}

_GROUP_FIELDS = (
    Field("id", "id", "Group identifier (its page is areas/<id>/).", required=True),
    Field("title", "text", "Group title (default: the preset's title for that id)."),
    Field("items", "list", "Section names, `page:<slug>` or `{title, url}` links.",
          items=Field("item", "any", ""), required=True),
)
_LINK_FIELDS = (
    Field("title", "text", "Link text.", required=True),
    Field("url", "url", "Address.", required=True),
)


@dataclass(frozen=True)
class MenuEntry:
    """One resolved menu entry: a section, a page or a link."""

    kind: str  # section, page, link
    name: str  # section name or page slug ("" for links)
    key: str = ""  # page key inside the site
    url: str = ""  # external address
    title: Text | None = None


@dataclass(frozen=True)
class MenuGroup:
    id: str
    title: Text | None
    entries: tuple[MenuEntry, ...]

    @property
    def key(self) -> str:
        return f"areas/{self.id}/"


def read_menu(value: Any, doc: YamlDoc, problems: Problems,
              languages: tuple[str, ...]) -> tuple[MenuGroupSpec, ...] | None:
    """Validate the ``menu`` key of chmgen.yml; unknown sections get a did-you-mean."""
    checker = Checker(doc, problems, languages)
    groups = []
    for index, raw in enumerate(value):
        keypath: KeyPath = ("menu", index)
        group = checker.mapping(raw, _GROUP_FIELDS, keypath)
        if not group or group["id"] is None or group["items"] is None:
            continue
        items: list[str | MenuLink] = []
        for position, item in enumerate(group["items"]):
            item_path = (*keypath, "items", position)
            if isinstance(item, dict):
                link = checker.mapping(item, _LINK_FIELDS, item_path)
                if link and link["title"] and link["url"]:
                    items.append(MenuLink(link["title"], link["url"]))
            elif isinstance(item, str) and _known_item(item):
                items.append(item)
            else:
                from chmgen.schema import did_you_mean

                hint = did_you_mean(str(item), list(SECTIONS)) if isinstance(item, str) else ""
                checker.error(item_path, f"unknown menu item {item!r}: use a section name "
                              f"({', '.join(SECTIONS[:4])}, …), page:<slug> or "
                              f"{{title, url}}{hint}")
        groups.append(MenuGroupSpec(group["id"], group["title"], tuple(items)))
    return tuple(groups)


def _known_item(item: str) -> bool:
    return item in SECTIONS or bool(re.fullmatch(r"page:[A-Za-z0-9][A-Za-z0-9_-]*", item))


def resolve_menu(preset: str, custom: tuple[MenuGroupSpec, ...] | None, hide: tuple[str, ...],
                 present: set[str], pages: dict[str, bool],
                 external: dict[str, str]) -> tuple[MenuGroup, ...]:
    """The menu a site shows: configured or preset groups, minus hidden and empty entries.

    ``present`` are sections with content; ``pages`` maps page slugs to their ``menu`` flag.
    Menu pages that no group names are gathered in a last group (``about``).
    """
    specs = custom if custom is not None else tuple(
        MenuGroupSpec(gid, None, items) for gid, items in PRESETS[preset])
    placed: set[str] = set()
    groups = []
    for spec in specs:
        entries = []
        for item in spec.items:
            entry = _entry(item, hide, present, pages, external)
            if entry is not None:
                entries.append(entry)
                placed.add(entry.name)
        if entries:
            groups.append(MenuGroup(spec.id, spec.title, tuple(entries)))
    leftover = tuple(MenuEntry("page", slug, f"{slug}/") for slug, in_menu in pages.items()
                     if in_menu and slug not in placed and f"page:{slug}" not in hide)
    if leftover:
        groups.append(MenuGroup("about", None, leftover))
    return tuple(groups)


def _entry(item: str | MenuLink, hide: tuple[str, ...], present: set[str],
           pages: dict[str, bool], external: dict[str, str]) -> MenuEntry | None:
    if isinstance(item, MenuLink):
        return MenuEntry("link", "", url=item.url, title=item.title)
    if item in hide:
        return None
    if item.startswith("page:"):
        slug = item[5:]
        return MenuEntry("page", slug, f"{slug}/") if slug in pages else None
    if item in external:
        # Bio-Bridge is where needs are taken: shown only with a cooperation section.
        if item == "biobridge" and "cooperation" not in present:
            return None
        return MenuEntry("link", item, url=external[item])
    return MenuEntry("section", item, f"{item}/") if item in present else None
