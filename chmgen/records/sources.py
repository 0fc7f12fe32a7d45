"""What is read from the central CHM for a site: one Source per query, with its request URLs."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from chmgen.model import Config

SELECT = "/api/v2013/index/select"
PUBLIC = "_state_s:public"
PAGE_SIZE = 100

# Human names of the sources, for messages (the CLI speaks English; pages use gettext).
LABELS = {
    "nationalTarget7": "national targets",
    "nbsap": "NBSAPs",
    "nationalReport": "national reports (first to fifth) and NBSAP documents",
    "nationalReport6": "sixth national reports",
    "nationalReport7": "seventh national reports",
    "focalPoint": "national focal points",
    "resource": "Virtual Library resources",
    "capacityBuildingInitiative": "capacity-building initiatives",
    "capacityBuildingResource": "capacity-building resources",
    "organization": "organisations",
    "notification": "SCBD notifications",
    "meeting": "CBD meetings",
    "GBF-GOALS": "GBF goals vocabulary",
    "GBF-TARGETS": "GBF targets vocabulary",
    "country": "treaty status",
}

_COMMON = ("id", "identifier_s", "uniqueIdentifier_s", "schema_s", "government_s", "url_ss",
           "title_t", "title_s", "title_*_t", "summary_t", "summary_*_t", "description_t",
           "description_*_t", "createdDate_dt", "updatedDate_dt", "submittedDate_dt")
_EXTRA = {
    "nationalTarget7": ("sequence_i", "globalTargetAlignment_ss", "globalGoalAlignment_ss",
                        "headlineIndicators_ss"),
    "nbsap": ("startDate_dt", "endDate_dt", "adoptionDate_dt", "statusOfTheDocument_*_s",
              "isGbfAligned_b", "documentLinks_s"),
    "nationalReport": ("reportType_s", "reportType_C*_s", "documentLinks_s"),
    "nationalReport6": ("reportType_s", "reportType_C*_s", "documentLinks_s"),
    "nationalReport7": ("documentLinks_s",),
    "focalPoint": ("type_ss", "type_C*_ss", "ctgList_ss", "function_*_s", "department_*_s",
                   "organization_*_s", "email_ss"),
    "resource": ("resourceTypes_ss", "resourceTypes_C*_ss", "publicationDate_dt"),
    "capacityBuildingInitiative": ("status_s", "status_C*_s", "startDate_dt", "endDate_dt"),
    "capacityBuildingResource": ("resourceTypes_ss", "resourceTypes_C*_ss",
                                 "publicationDate_dt"),
    "organization": ("acronym_s", "organizationType_s", "organizationType_C*_s"),
    "notification": ("symbol_s", "date_dt", "actionDate_dt", "deadline_dt"),
    "meeting": ("symbol_s", "startDate_dt", "endDate_dt", "eventCity_*_t", "eventCountry_*_t"),
}
_SORT = {"notification": "createdDate_dt desc", "meeting": "startDate_dt desc"}


@dataclass(frozen=True)
class Source:
    """One query of the central CHM.

    ``kind``: ``solr`` (all matching records, paged with start/rows), ``recent`` (the first
    ``rows`` records only), ``terms`` (a thesaurus domain: a JSON array), ``object`` (a JSON
    object, e.g. a country).
    """

    key: str
    path: str
    kind: str
    params: tuple[tuple[str, str], ...] = ()
    rows: int = 0

    @property
    def label(self) -> str:
        name = LABELS.get(self.key, self.key)
        return name if name == self.key or self.key == "country" else f"{name} ({self.key})"

    def request(self, start: int = 0) -> str:
        """Path and query of one request (the API base URL is not part of it)."""
        params = list(self.params)
        if self.kind == "solr":
            params += [("start", str(start)), ("rows", str(self.rows))]
        elif self.kind == "recent":
            params += [("start", "0"), ("rows", str(self.rows))]
        return self.path + ("?" + urllib.parse.urlencode(params) if params else "")


def country_sources(country: str, schemas: tuple[str, ...],
                    page_size: int = PAGE_SIZE) -> tuple[Source, ...]:
    """The Party's own records, one source per record type (schema)."""
    if not re.fullmatch(r"[a-z]{2}", country):
        raise ValueError(f"not an ISO 3166-1 alpha-2 code: {country!r}")
    return tuple(_solr(schema, f"schema_s:{schema} AND government_s:{country}", "solr",
                       page_size) for schema in schemas)


def plan_sources(config: Config, page_size: int = PAGE_SIZE) -> tuple[Source, ...]:
    """Every source a build of this site reads, in a stable order."""
    central = config.central_chm
    if not central.enabled:
        return ()
    sources = list(country_sources(config.country, central.records, page_size))
    for key, count in (("notification", central.notifications),
                       ("meeting", central.meetings)):
        if count > 0:
            sources.append(_solr(key, f"schema_s:{key}", "recent", count))
    for domain in ("GBF-GOALS", "GBF-TARGETS"):
        sources.append(Source(domain, f"/api/v2013/thesaurus/domains/{domain}/terms", "terms"))
    sources.append(Source("country", f"/api/v2013/countries/{config.country.upper()}",
                          "object"))
    return tuple(sources)


def document_source(identifier: str) -> Source:
    """The body of one record; ``identifier`` must have passed ``safe_identifier``."""
    return Source(f"document.{identifier}", f"/api/v2013/documents/{identifier}", "object")


def _solr(schema: str, query: str, kind: str, rows: int) -> Source:
    fields = ",".join(_COMMON + _EXTRA.get(schema, ()))
    params = (("q", query), ("fq", PUBLIC), ("fl", fields),
              ("sort", _SORT.get(schema, "updatedDate_dt desc")), ("wt", "json"))
    return Source(schema, SELECT, kind, params, rows)
