"""The in-memory model of a national CHM: immutable values read from the site's files."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from chmgen import deps
from chmgen.records.model import CentralRecords
from chmgen.reference import AichiTarget, GbfIndicator, GbfTarget
from chmgen.text import EMPTY, Text


@dataclass(frozen=True)
class CentralChm:
    """Where and how the central CHM (api.cbd.int) is read; see ``central_chm`` in chmgen.yml."""

    url: str = "https://api.cbd.int"
    max_age: int = 86400  # seconds
    enabled: bool = True
    records: tuple[str, ...] = ()
    notifications: int = 5
    meetings: int = 5
    target_mapping: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 20.0


@dataclass(frozen=True)
class MenuLink:
    """An external (or site-relative) link placed in the menu by chmgen.yml."""

    title: Text
    url: str


@dataclass(frozen=True)
class MenuGroupSpec:
    """A menu group as configured: items are section names, ``page:<slug>`` or links."""

    id: str
    title: Text | None
    items: tuple[str | MenuLink, ...]


@dataclass(frozen=True)
class Config:
    """``chmgen.yml``, validated."""

    root: Path
    title: Text
    country: str
    country_name: Text
    languages: tuple[str, ...]
    base_url: str | None
    theme: str
    central_chm: CentralChm
    description: Text = EMPTY
    organization: Text = EMPTY
    footer: Text = EMPTY
    show_focal_point_email: bool = False
    preset: str = "default"
    menu: tuple[MenuGroupSpec, ...] | None = None
    hide: tuple[str, ...] = ()
    home: tuple[str, ...] = ()
    land_area_km2: float | None = None
    marine_area_km2: float | None = None
    biobridge_url: str = "https://www.cbd.int/biobridge/"
    themes: Mapping[str, Text] = field(default_factory=dict)
    budget_html_kb: float = 30.0
    budget_page_kb: float = 100.0
    search: bool = True

    @property
    def default_language(self) -> str:
        return self.languages[0]


@dataclass(frozen=True)
class Variant:
    """One language version of a Markdown file."""

    title: str
    body: str
    source: Path
    body_line: int = 1
    description: str | None = None
    summary: str | None = None
    image: str | None = None
    image_alt: str | None = None


@dataclass(frozen=True)
class MarkdownEntry:
    """A Markdown file and its translations (a chapter, page or news post)."""

    slug: str
    variants: Mapping[str, Variant]
    weight: int = 0
    menu: bool = True
    date: dt.date | None = None

    def variant(self, lang: str, default: str) -> tuple[Variant, str | None]:
        """The variant for ``lang`` and, when falling back, the language actually used."""
        if lang in self.variants:
            deps.note_record(self.variants[lang])
            return self.variants[lang], None
        used = default if default in self.variants else next(iter(self.variants))
        deps.note_record(self.variants[used])
        return self.variants[used], used


@dataclass(frozen=True)
class DocumentLink:
    title: Text
    url: str
    language: str | None = None


@dataclass(frozen=True)
class Nbsap:
    title: Text
    period: tuple[int, int]
    status: str
    adopted: dt.date | None = None
    summary: Text = EMPTY
    documents: tuple[DocumentLink, ...] = ()
    chapters: tuple[MarkdownEntry, ...] = ()


@dataclass(frozen=True)
class GbfLink:
    target: GbfTarget
    alignment: str


@dataclass(frozen=True)
class NationalTarget:
    id: str
    title: Text
    source: Path
    short_title: Text = EMPTY
    description: Text = EMPTY
    gbf_targets: tuple[GbfLink, ...] = ()
    gbf_goals: tuple[str, ...] = ()
    aichi_targets: tuple[AichiTarget, ...] = ()
    headline_indicators: tuple[GbfIndicator, ...] = ()
    indicators: tuple[str, ...] = ()
    lead: Text = EMPTY
    period: tuple[int, int] | None = None
    progress: str = "unknown"
    progress_note: Text = EMPTY

    @property
    def goal(self) -> str | None:
        """The GBF goal this target is listed under: declared, else from its best-aligned link."""
        if self.gbf_goals:
            return self.gbf_goals[0]
        rank = {"high": 0, "medium": 1, "low": 2}
        links = sorted(self.gbf_targets, key=lambda link: rank[link.alignment])
        return links[0].target.goal if links else None

    @property
    def label(self) -> Text:
        return self.short_title or self.title


@dataclass(frozen=True)
class DataPoint:
    year: int
    value: float


@dataclass(frozen=True)
class Indicator:
    id: str
    title: Text
    source_path: Path
    description: Text = EMPTY
    unit: Text = EMPTY
    source: Text = EMPTY
    methodology: Text = EMPTY
    gbf_indicator: GbfIndicator | None = None
    data: tuple[DataPoint, ...] = ()
    baseline: DataPoint | None = None
    goal: DataPoint | None = None
    desirable: str = "increase"

    @property
    def trend(self) -> str | None:
        """``improving``, ``worsening`` or ``stable``: latest value against the baseline
        (or the first value), read in the desirable direction; None without two values."""
        if not self.data:
            return None
        reference = self.baseline or self.data[0]
        latest = self.data[-1]
        if latest.year <= reference.year:
            return None
        delta = latest.value - reference.value
        if abs(delta) <= 0.005 * max(abs(reference.value), 1e-9):
            return "stable"
        better = delta > 0 if self.desirable == "increase" else delta < 0
        return "improving" if better else "worsening"


@dataclass(frozen=True)
class Budget:
    amount: float
    currency: str


@dataclass(frozen=True)
class Action:
    id: str
    title: Text
    source: Path
    description: Text = EMPTY
    targets: tuple[str, ...] = ()
    lead: Text = EMPTY
    partners: tuple[Text, ...] = ()
    start: dt.date | int | None = None
    end: dt.date | int | None = None
    budget: Budget | None = None
    status: str = "planned"


class FieldValues(dict[str, Any]):
    """Type-specific values of an item; a key another type has reads as None in templates."""

    def __missing__(self, key: str) -> None:
        return None


@dataclass(frozen=True)
class Item:
    """An item of one of the Bioland-parity sections (events, documents, projects, …).

    ``fields`` holds the type-specific values, cleaned by the type's schema.
    """

    kind: str
    id: str
    title: Text
    source: Path
    description: Text = EMPTY
    gbf_targets: tuple[GbfTarget, ...] = ()
    targets: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileInfo:
    """Format and size of a downloadable file, computed at build time."""

    format: str
    size: int


@dataclass(frozen=True)
class Content:
    """Everything read from a site folder, validated and cross-linked."""

    config: Config
    nbsap: Nbsap | None = None
    targets: tuple[NationalTarget, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    actions: tuple[Action, ...] = ()
    pages: tuple[MarkdownEntry, ...] = ()
    news: tuple[MarkdownEntry, ...] = ()
    static_files: tuple[Path, ...] = field(default=())
    items: Mapping[str, tuple[Item, ...]] = field(default_factory=dict)
    image_sizes: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    needs: tuple[Item, ...] = ()
    offers: tuple[Item, ...] = ()
    central: CentralRecords = field(default_factory=CentralRecords)  # fetched at build time

    def __getattribute__(self, name: str) -> Any:
        # Python code reading a whole collection while a page renders depends on all of it
        # (templates are tracked more finely by deps.TrackingEnvironment).
        if deps._active is not None and name in deps.COLLECTIONS:
            deps._active.add(("a", name))
        return object.__getattribute__(self, name)

    @deps.query
    def section_items(self, kind: str) -> tuple[Item, ...]:
        return self.items.get(kind, ())


def _where(path: Path) -> str:
    """A source file as folder/name: stable whichever way the site folder was named."""
    return f"{_folder(path)}/{os.path.basename(path)}"


def _folder(path: Path) -> str:
    """The name of the folder holding ``path`` (``path.parent.name``, from the path's string:
    ``Path.parent`` makes a path, and every record's identity is made)."""
    return os.path.basename(os.path.dirname(path))


def _entry_identity(entry: MarkdownEntry) -> str:
    first = next(iter(entry.variants.values()), None)
    return f"md:{_folder(first.source) if first is not None else ''}/{entry.slug}"


deps.CONTENT_TYPES.add(Content)
# An entry's own value: its variants are records of their own, read through variant().
deps.VALUES[MarkdownEntry] = lambda e: (e.slug, e.weight, e.menu, e.date, tuple(e.variants))
# A variant's every field, its body by a hash of it (the body's repr, which escapes each
# character, was most of the cost of signing a page's dependencies).
_VARIANT_FIELDS = tuple(f.name for f in fields(Variant))
deps.VALUES[Variant] = lambda v: tuple(
    deps.text_digest(v.body) if name == "body" else getattr(v, name) for name in _VARIANT_FIELDS)
deps.RECORD_TYPES.update({
    NationalTarget: lambda r: f"target:{_where(r.source)}#{r.id}",
    Indicator: lambda r: f"indicator:{_where(r.source_path)}#{r.id}",
    Action: lambda r: f"action:{_where(r.source)}#{r.id}",
    Item: lambda r: f"item:{r.kind}:{_where(r.source)}#{r.id}",
    MarkdownEntry: _entry_identity,
    Variant: lambda r: f"variant:{_where(r.source)}",
    Nbsap: lambda r: "nbsap",
})
