"""Central CHM records as the site sees them: immutable, parsed, sanitised, with fetch status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from chmgen.text import EMPTY, Localized, Text

# schema_s values whose records are national reports, by reporting cycle.
REPORT_SCHEMAS = ("nationalReport7", "nationalReport6", "nationalReport")
# The site sections built from central records, their templates' sources (menu names).
SECTION_SOURCES = {
    "reports": REPORT_SCHEMAS,
    "central-targets": ("nationalTarget7",),
    "focal-points": ("focalPoint",),
    "capacity-building": ("capacityBuildingInitiative", "capacityBuildingResource"),
    "library": ("resource", "organization"),
    "cbd-news": ("notification", "meeting"),
}
NBSAP_REPORT_TYPE = "B0EBAE91-9581-4BB2-9C02-52FCF9D82721"


def pick(text: Text, lang: str) -> Localized:
    """A record text in ``lang``, else English, else the neutral value, else any language
    (the central CHM's own fallback chain: ``title_FR_t`` → ``title_EN_t`` → ``title_t``)."""
    table = dict(text.values)
    if lang in table:
        return Localized(table[lang])
    if "en" in table:
        return Localized(table["en"], "en")
    if "" in table:
        return Localized(table[""])
    for code, value in text.values:
        return Localized(value, code)
    return Localized("")


@dataclass(frozen=True)
class Html:
    """Text whose values are HTML already cleaned by ``records.sanitize``: safe to embed."""

    text: Text = EMPTY

    def __bool__(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class Term:
    """A thesaurus term a record refers to (report type, focal point role, resource type)."""

    identifier: str
    title: Text = EMPTY
    symbol: str = ""


@dataclass(frozen=True)
class Link:
    """A document attached to a record; ``url`` is always http(s)."""

    url: str
    title: Text = EMPTY
    language: str | None = None


@dataclass(frozen=True)
class Record:
    """One central CHM record; fields a schema does not have stay empty."""

    identifier: str
    schema: str
    title: Text
    url: str | None = None
    summary: Html = field(default_factory=Html)
    date: dt.date | None = None  # the date lists sort by: submitted, published, start, …
    end: dt.date | None = None
    updated: dt.date | None = None
    symbol: str = ""
    kind: Term | None = None  # report type, resource type, organisation type, NBSAP status
    place: Text = EMPTY
    documents: tuple[Link, ...] = ()
    roles: tuple[Term, ...] = ()  # focal point categories
    office: Text = EMPTY
    organization: Text = EMPTY
    emails: tuple[str, ...] = ()
    gbf_targets: tuple[str, ...] = ()
    headline_indicators: tuple[str, ...] = ()
    local_id: str | None = None  # the site's national target this central one matches
    cycle: int | None = None  # national report cycle (1-7)
    is_nbsap: bool = False


@dataclass(frozen=True)
class SourceStatus:
    """How one source's data was obtained in this run.

    ``state``: ``fresh`` (cache within max_age, no request), ``updated`` (downloaded),
    ``unchanged`` (revalidated: 304), ``fallback`` (the request failed, cached copy used),
    ``offline`` (cache used without trying), ``missing`` (tried, failed, nothing cached),
    ``absent`` (nothing cached and not tried: an offline or cache-only run).
    """

    key: str
    label: str
    state: str
    # Not in the repr: signatures of incremental builds (pipeline.py) would change with every
    # run; pages show only the day checked, which the global signature includes.
    checked: dt.datetime = field(repr=False)
    as_of: dt.datetime | None = None  # when the data in use was downloaded
    problem: str = ""
    requests: int = field(default=0, repr=False)

    @property
    def available(self) -> bool:
        return self.state not in ("missing", "absent")


@dataclass(frozen=True)
class TreatyStatus:
    """A Party's status under one treaty (countries API): dates are None when not reached."""

    treaty: str
    instrument: str = ""
    signature: dt.date | None = None
    party: dt.date | None = None


@dataclass(frozen=True)
class CountryProfile:
    code: str
    name: Text
    treaties: tuple[TreatyStatus, ...] = ()


@dataclass(frozen=True)
class CentralRecords:
    """Everything read from the central CHM for one build."""

    enabled: bool = False
    records: Mapping[str, tuple[Record, ...]] = field(default_factory=dict)
    statuses: Mapping[str, SourceStatus] = field(default_factory=dict)
    gbf_terms: Mapping[str, Term] = field(default_factory=dict)
    country: CountryProfile | None = None
    notes: tuple[str, ...] = ()  # informational lines about this run, for the build summary

    def sections(self) -> dict[str, bool]:
        """Which central-record sections have something to show (records or a notice)."""
        return {name: self.shows(*keys) for name, keys in SECTION_SOURCES.items()}

    @property
    def treaties(self) -> dict[str, TreatyStatus] | None:
        """The Party's treaty status by treaty code (``XXVII8`` = CBD), when fetched."""
        if self.country is None:
            return None
        return {status.treaty: status for status in self.country.treaties}

    def shown(self) -> tuple[object, ...]:
        """What pages show of these records (for the signature incremental builds compare):
        the records, and of each source whether it is missing, the day it was last checked and
        the day its data was downloaded — not how this run obtained it (fetched, revalidated,
        fresh in the cache) nor the summary lines, which change with every run and would make
        every page stale after a fetch that changed nothing."""
        return (self.enabled, self.records, self.gbf_terms, self.country,
                sorted((key, status.label, status.state == "missing", status.problem,
                        status.checked.date(), status.as_of.date() if status.as_of else None)
                       for key, status in self.statuses.items()))

    def of(self, *keys: str) -> tuple[Record, ...]:
        """The records of the given sources (schema names), in order."""
        return tuple(r for key in keys for r in self.records.get(key, ()))

    def status(self, key: str) -> SourceStatus | None:
        return self.statuses.get(key)

    def missing(self, *keys: str) -> tuple[SourceStatus, ...]:
        """Sources that were tried in this run and have no data: their pages say so."""
        return tuple(s for k in keys if (s := self.statuses.get(k)) and s.state == "missing")

    def shows(self, *keys: str) -> bool:
        """True when a page for these sources has records or an honest notice to show."""
        return bool(self.of(*keys) or self.missing(*keys))

    def as_of(self, *keys: str) -> dt.datetime | None:
        """The oldest download time among the sources' data in use."""
        dates = [s.as_of for k in keys if (s := self.statuses.get(k)) and s.as_of]
        return min(dates) if dates else None

    def report_cycles(self) -> list[tuple[int | None, list[Record]]]:
        """National reports (NBSAP documents excluded) by cycle, newest cycle first."""
        groups: dict[int | None, list[Record]] = {}
        for record in self.of(*REPORT_SCHEMAS):
            if not record.is_nbsap:
                groups.setdefault(record.cycle, []).append(record)
        order = sorted((c for c in groups if c is not None), reverse=True)
        rows: list[tuple[int | None, list[Record]]] = [
            (cycle, _newest_first(groups[cycle])) for cycle in order]
        if None in groups:
            rows.append((None, _newest_first(groups[None])))
        return rows

    def nbsaps(self) -> list[Record]:
        """The NBSAP records (ORT) and NBSAP documents filed as legacy national reports."""
        legacy = [r for r in self.of("nationalReport") if r.is_nbsap]
        return _newest_first([*self.of("nbsap"), *legacy])

    def national_targets(self) -> list[Record]:
        """Central national targets, those matching a local target id first, by that id."""
        return sorted(self.of("nationalTarget7"),
                      key=lambda r: (r.local_id is None, r.local_id or "", r.identifier))

    def focal_points_by_role(self) -> list[tuple[Term, list[Record]]]:
        """Focal points grouped by category, in the order the categories first appear."""
        groups: dict[str, tuple[Term, list[Record]]] = {}
        for record in self.of("focalPoint"):
            for role in record.roles or (Term(""),):
                groups.setdefault(role.identifier, (role, []))[1].append(record)
        return sorted(groups.values(), key=lambda group: _role_rank(group[0].identifier))

    def gbf_label(self, identifier: str) -> Text:
        """A GBF goal or target's short title from the fetched vocabulary (may be empty)."""
        term = self.gbf_terms.get(identifier)
        return term.title if term else EMPTY


def _newest_first(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: (r.date or dt.date.min, r.identifier), reverse=True)


# Primary CBD focal points first, then the thematic and protocol ones.
_ROLE_ORDER = ("CBD-FP1", "CBD-FP2", "CHM-FP", "SBSTTA-FP", "RM-FP", "GTI-FP", "GSPC-FP",
               "PA-FP", "TKBD-FP", "CPB-FP1", "CPB-FP2", "BCH-FP", "CPB-A17-FP", "ABS-FP",
               "ABS-FP2", "ABSCH-IAC", "CHM-IAC")


def _role_rank(code: str) -> tuple[int, str]:
    return (_ROLE_ORDER.index(code) if code in _ROLE_ORDER else len(_ROLE_ORDER), code)
