"""The site plan: every page of every language, its URL key, template and data (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from chmgen import deps, filememo, opendata, reference
from chmgen.errors import Problems, SourceLocation
from chmgen.menu import SECTIONS, MenuGroup, resolve_menu
from chmgen.model import Action, Content, Indicator, Item, MarkdownEntry, NationalTarget
from chmgen.records.model import SECTION_SOURCES
from chmgen.reference import GbfTarget
from chmgen.urls import lang_prefix, output_path


@dataclass(frozen=True)
class PagePlan:
    """One page to render: ``key`` is language-neutral (``targets/t01/``), ``path`` is the file."""

    key: str
    lang: str
    template: str
    section: str
    data: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""  # the site file it comes from; "" for built-in pages

    def path(self, default: str) -> str:
        return output_path(lang_prefix(self.lang, default) + self.key)


@dataclass(frozen=True)
class Site:
    """The content plus everything derived from it that pages share."""

    content: Content
    pages: tuple[PagePlan, ...]
    alignment: Mapping[int, tuple[tuple[NationalTarget, str], ...]]
    sections: tuple[str, ...]
    menu: tuple[MenuGroup, ...] = ()
    themes: Mapping[str, tuple[Item, ...]] = field(default_factory=dict)

    def __getattribute__(self, name: str) -> Any:
        # Derived tables read while a page renders are tokens of their own (deps.py).
        if deps._active is not None and name in _DERIVED:
            deps._active.add(("q", name))
        return object.__getattribute__(self, name)

    @property
    def config(self):  # type: ignore[no-untyped-def]
        return self.content.config

    @property
    def covered_count(self) -> int:
        """How many of the 23 GBF targets at least one national target addresses."""
        return sum(1 for rows in self.alignment.values() if rows)

    @property
    def unaddressed(self) -> tuple[GbfTarget, ...]:
        """GBF targets no national target addresses yet: the gap analysis."""
        return tuple(t for t in reference.gbf_targets() if not self.alignment[t.number])

    @cached_property
    def _index(self) -> _Index:
        return _Index(self.content)

    @deps.query
    def gbf_targets_of_indicator(self, ident: str) -> tuple[GbfTarget, ...]:
        """The GBF targets of the national targets using an indicator, in GBF order."""
        found = {link.target.number: link.target for target in self._index.users.get(ident, ())
                 for link in target.gbf_targets}
        return tuple(found[number] for number in sorted(found))

    @deps.query
    def targets_using_indicator(self, ident: str) -> tuple[NationalTarget, ...]:
        """National targets that list an indicator, in target order."""
        return self._index.users.get(ident, ())

    @deps.query
    def indicators_of_target(self, ident: str) -> tuple[Indicator, ...]:
        """The indicators a national target lists, in indicator order."""
        target = self._index.targets.get(ident)
        if target is None:
            return ()
        order = self._index.indicator_order
        wanted = sorted((order[i], i) for i in set(target.indicators) if i in order)
        return tuple(self._index.indicators[i] for _, i in wanted)

    @deps.query
    def actions_for_target(self, ident: str) -> tuple[Action, ...]:
        """Actions serving a national target, in action-plan order."""
        return self._index.actions.get(ident, ())

    @deps.query
    def progress_counts(self) -> dict[str, int]:
        """How many national targets stand at each progress assessment."""
        counts: dict[str, int] = {}
        for target in self.content.targets:
            counts[target.progress] = counts.get(target.progress, 0) + 1
        return counts

    @deps.query
    def indicator_trends(self) -> dict[str, int]:
        """How many indicators are improving, worsening or stable."""
        counts: dict[str, int] = {}
        for indicator in self.content.indicators:
            trend = indicator.trend
            if trend is not None:
                counts[trend] = counts.get(trend, 0) + 1
        return counts

    @deps.query
    def page_entry(self, slug: str) -> MarkdownEntry | None:
        """A free page by its slug (for menus: no scan of every page on every page)."""
        return self._index.pages.get(slug)

    def all_items(self) -> tuple[Item, ...]:
        """Every tagged item of every section, cooperation needs and offers included."""
        content = self.content
        return (*(i for items in content.items.values() for i in items),
                *content.needs, *content.offers)

    @deps.query
    def items_for_gbf(self, number: int) -> tuple[Item, ...]:
        """Items tagged with a GBF target."""
        return tuple(i for i in self.all_items() if any(t.number == number for t in i.gbf_targets))

    @deps.query
    def items_for_target(self, target: NationalTarget) -> tuple[Item, ...]:
        """Items tagged with a national target, or with a GBF target it is aligned to."""
        numbers = {link.target.number for link in target.gbf_targets}
        return tuple(i for i in self.all_items() if target.id in i.targets
                     or numbers.intersection(t.number for t in i.gbf_targets))

    @deps.query
    def actions_for_gbf(self, number: int) -> tuple[Action, ...]:
        """Actions serving the national targets aligned to a GBF target."""
        ids = {nt.id for nt, _ in self.alignment.get(number, ())}
        return tuple(a for a in self.content.actions if ids.intersection(a.targets))

    @deps.query
    def menu_group_of(self, section: str) -> MenuGroup | None:
        """The menu group a section or page belongs to (for the secondary menu)."""
        for group in self.menu:
            if any(entry.name == section for entry in group.entries) or group.id == section:
                return group
        return None

    @deps.query
    def targets_by_goal(self) -> list[tuple[str | None, list[NationalTarget]]]:
        """National targets grouped by GBF goal A-D, then those without a goal."""
        groups: dict[str | None, list[NationalTarget]] = {}
        for target in self.content.targets:
            groups.setdefault(target.goal, []).append(target)
        order = ["A", "B", "C", "D", None]
        return [(goal, groups[goal]) for goal in order if goal in groups]


class _Index:
    """Lookup tables built once per site, so that no page scans a whole collection."""

    def __init__(self, content: Content) -> None:
        self.targets = {t.id: t for t in content.targets}
        self.indicators = {i.id: i for i in content.indicators}
        self.indicator_order = {i.id: n for n, i in enumerate(content.indicators)}
        self.pages = {p.slug: p for p in content.pages}
        users: dict[str, list[NationalTarget]] = {}
        for target in content.targets:
            for ident in dict.fromkeys(target.indicators):
                users.setdefault(ident, []).append(target)
        self.users = {k: tuple(v) for k, v in users.items()}
        actions: dict[str, list[Action]] = {}
        for action in content.actions:
            for ident in dict.fromkeys(action.targets):
                actions.setdefault(ident, []).append(action)
        self.actions = {k: tuple(v) for k, v in actions.items()}


# Site attributes that are tables derived from the whole content
_DERIVED = frozenset({"alignment", "themes", "pages", "covered_count", "unaddressed"})


deps.RECORD_TYPES[PagePlan] = lambda page: f"page:{page.lang}:{page.key}"
# A plan's own value: the records in its data are tokens of their own (noted as it renders).
deps.VALUES[PagePlan] = lambda page: (page.key, page.lang, page.template, page.section,
                                      page.source, deps.stable(dict(page.data)))


def gbf_alignment(content: Content) -> dict[int, tuple[tuple[NationalTarget, str], ...]]:
    """For each GBF target number, the national targets addressing it and the degree."""
    table: dict[int, list[tuple[NationalTarget, str]]] = {
        t.number: [] for t in reference.gbf_targets()}
    for target in content.targets:
        for link in target.gbf_targets:
            table[link.target.number].append((target, link.alignment))
    return {number: tuple(rows) for number, rows in table.items()}


def present_sections(content: Content) -> tuple[str, ...]:
    """Sections with something to show, in registry order; empty sections are left out."""
    have = {
        "nbsap": content.nbsap is not None,
        "targets": bool(content.targets),
        "gbf": bool(content.targets),
        "indicators": bool(content.indicators),
        "actions": bool(content.actions),
        "news": bool(content.news),
        "cooperation": bool(content.needs or content.offers),
        "country-profile": True,
        "data": bool(opendata.catalog(content)),
        **{kind: bool(items) for kind, items in content.items.items()},
        **content.central.sections(),
    }
    return tuple(name for name in SECTIONS if have.get(name))


def theme_index(content: Content) -> dict[str, tuple[Item, ...]]:
    """Every thematic area used, with the items that carry it (sorted by slug)."""
    table: dict[str, list[Item]] = {}
    for items in (*content.items.values(), content.needs, content.offers):
        for item in items:
            for theme in item.themes:
                table.setdefault(theme, []).append(item)
    return {slug: tuple(table[slug]) for slug in sorted(table)}


def plan_site(content: Content, problems: Problems) -> Site:
    """Plan every page in every language; two sources writing one path is an error."""
    sections = present_sections(content)
    config = content.config
    menu = resolve_menu(config.preset, config.menu, config.hide, set(sections),
                        {p.slug: p.menu for p in content.pages},
                        {"convention": "https://www.cbd.int/convention/",
                         "biobridge": config.biobridge_url})
    themes = theme_index(content)
    pages: list[PagePlan] = []
    for lang in config.languages:
        pages.extend(_language_pages(content, lang, sections))
        pages.extend(_ia_pages(content, lang, sections, menu, themes))
    pages.append(PagePlan("404.html", config.default_language, "404.html", "404"))
    _check_collisions(content, pages, problems)
    return Site(content, tuple(pages), gbf_alignment(content), sections, menu, themes)


def _ia_pages(content: Content, lang: str, sections: tuple[str, ...],
              menu: tuple[MenuGroup, ...], themes: Mapping[str, tuple[Item, ...]]
              ) -> list[PagePlan]:
    """Pages of the Bioland-parity sections, tag pages, GBF target pages and area pages."""
    out = []
    for kind, items in content.items.items():
        out.append(PagePlan(f"{kind}/", lang, "items.html", kind, {"kind": kind}))
        out.extend(_plans(f"items:{kind}", lang, items, partial(_item_page, kind, lang)))
    if "cooperation" in sections:
        out.append(PagePlan("cooperation/", lang, "cooperation.html", "cooperation"))
    if "targets" in sections:
        out.extend(PagePlan(f"gbf/{t.number:02d}/", lang, "gbf-target.html", "gbf",
                            {"gbf_target": t}) for t in reference.gbf_targets())
    if themes:
        out.append(PagePlan("themes/", lang, "themes.html", "themes"))
        out.extend(PagePlan(f"themes/{slug}/", lang, "theme.html", "themes", {"theme": slug})
                   for slug in themes)
    out.append(PagePlan("country-profile/", lang, "country-profile.html", "country-profile"))
    out.extend(PagePlan(f"{name}/", lang, f"{name}.html", name)
               for name in SECTION_SOURCES if name in sections)
    out.extend(PagePlan(group.key, lang, "area.html", group.id, {"group": group})
               for group in menu)
    return out


def _item_page(kind: str, lang: str, item: Item) -> PagePlan:
    return PagePlan(f"{kind}/{item.id}/", lang, "item.html", kind, {"item": item},
                    f"{kind}/{item.source.name}")


def _language_pages(content: Content, lang: str, sections: tuple[str, ...]) -> list[PagePlan]:
    out = [PagePlan("", lang, "home.html", "home")]
    nbsap = content.nbsap
    if nbsap is not None:
        out.append(PagePlan("nbsap/", lang, "nbsap.html", "nbsap", source="nbsap/nbsap.yml"))
        out.extend(PagePlan(f"nbsap/{c.slug}/", lang, "chapter.html", "nbsap", {"chapter": c},
                            f"nbsap/{c.slug}.md") for c in nbsap.chapters)
    if "targets" in sections:
        out.append(PagePlan("targets/", lang, "targets.html", "targets"))
        out.extend(_plans("targets", lang, content.targets, lambda t: PagePlan(
            f"targets/{t.id}/", lang, "target.html", "targets", {"target": t},
            f"targets/{t.source.name}")))
        out.append(PagePlan("gbf/", lang, "gbf.html", "gbf"))
    if "indicators" in sections:
        out.append(PagePlan("indicators/", lang, "indicators.html", "indicators"))
        out.extend(_plans("indicators", lang, content.indicators, lambda i: PagePlan(
            f"indicators/{i.id}/", lang, "indicator.html", "indicators", {"indicator": i},
            f"indicators/{i.source_path.name}")))
    if "actions" in sections:
        out.append(PagePlan("actions/", lang, "actions.html", "actions"))
    if "news" in sections:
        out.append(PagePlan("news/", lang, "news.html", "news"))
        out.extend(_plans("news", lang, content.news, lambda n: PagePlan(
            f"news/{n.slug}/", lang, "post.html", "news", {"post": n}, f"news/{n.slug}.md")))
    out.extend(_plans("pages", lang, content.pages, lambda p: PagePlan(
        f"{p.slug}/", lang, "page.html", p.slug, {"doc": p}, f"pages/{p.slug}.md")))
    out.extend(_reader_pages(content, lang))
    return out


def _paths(pages: list[PagePlan], default: str) -> tuple[list[str], int]:
    """Each page's output path, and a number that changes whenever a path or a page's source
    may have (in a live session, where the paths of plans seen before are kept)."""
    memo = filememo.active()
    if memo is None:
        return [page.path(default) for page in pages], 0
    found = memo.folders.get(("paths", default))
    if found is not None and len(found[0]) == len(pages):
        # The usual edit: the same plans in the same places but those of edited records.
        paths, same = [], True
        for before, page, path in zip(found[0], pages, found[1], strict=True):
            if before is not page:
                now = page.path(default)
                same = same and now == path and before.source == page.source
                path = now
            paths.append(path)
        version = found[2] if same else found[2] + 1
    else:
        known: dict[int, tuple[PagePlan, str]] = {}
        if found is not None:
            known = {id(page): (page, path)
                     for page, path in zip(found[0], found[1], strict=True)}
        paths = []
        for page in pages:
            hit = known.get(id(page))
            paths.append(hit[1] if hit is not None and hit[0] is page else page.path(default))
        version = found[2] + 1 if found is not None else 0
    memo.folders[("paths", default)] = (pages, paths, version)
    return paths, version


def _plans(kind: str, lang: str, records: tuple[Any, ...],
           make: Callable[[Any], PagePlan]) -> list[PagePlan]:
    """The page of each of a collection's records. In a live session (``filememo``) a record
    that is the very object of the previous build keeps its very plan."""
    memo = filememo.active()
    if memo is None:
        return [make(record) for record in records]
    key = ("plans", kind, lang)
    found = memo.folders.get(key)
    if found is not None and found[0] is records:
        return found[1]  # type: ignore[no-any-return]
    if found is not None and len(found[0]) == len(records):
        # The usual edit: the same records in the same places but the edited ones.
        plans = [plan if before is record else make(record)
                 for before, record, plan in zip(found[0], records, found[1], strict=True)]
    else:
        known: dict[int, PagePlan] = {id(plan_of(plan, kind)): plan
                                      for plan in found[1]} if found is not None else {}
        plans = []
        for record in records:
            plan = known.get(id(record))
            plans.append(plan if plan is not None and plan_of(plan, kind) is record
                         else make(record))
    memo.folders[key] = (records, plans)
    return plans


_RECORD_KEY = {"targets": "target", "indicators": "indicator", "news": "post", "pages": "doc"}


def plan_of(plan: PagePlan, kind: str) -> Any:
    """The record a collection's page shows."""
    return plan.data[_RECORD_KEY.get(kind, "item")]


def _reader_pages(content: Content, lang: str) -> list[PagePlan]:
    """The search page (unless ``search: false``) and the open data page."""
    out = [PagePlan("search/", lang, "search.html", "search")] if content.config.search else []
    exports = opendata.catalog(content)
    if exports:
        out.append(PagePlan("data/", lang, "data.html", "data", {"exports": exports}))
    return out


def _check_collisions(content: Content, pages: list[PagePlan], problems: Problems) -> None:
    default = content.config.default_language
    paths, version = _paths(pages, default)
    root = content.config.root

    def check(found: Problems) -> None:
        claims = [(path, page.source) for page, path in zip(pages, paths, strict=True)]
        claims += [(name, "") for name in ("sitemap.xml", "robots.txt")]
        claims += [(p.as_posix(), f"static/{p.as_posix()}") for p in content.static_files]
        _collisions(claims, root, found)

    # In a live session, an edit that moves no page and no static file is not checked again.
    filememo.derived("collisions", (version, content.static_files, root), problems, check)


def _collisions(claims: list[tuple[str, str]], root: Path, problems: Problems) -> None:
    owners: dict[str, str] = {}
    for path, source in claims:
        if path in owners and owners[path] != source:
            first = owners[path] or "a built-in page of chmgen"
            problems.error(SourceLocation(root / source),
                           f"writes {path}, which {first} also writes: rename one of them")
        elif path.startswith("assets/") and source.startswith("static/"):
            problems.error(SourceLocation(root / source),
                           "static/assets/ is reserved for the theme's files: use another folder")
        owners.setdefault(path, source)
