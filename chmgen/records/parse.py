"""Turn cached central CHM JSON into Records: languages picked per field, term fields parsed,
country codes lower-cased, every text cleaned and every URL checked."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from chmgen.records.model import (
    NBSAP_REPORT_TYPE,
    CountryProfile,
    Html,
    Link,
    Record,
    Term,
    TreatyStatus,
)
from chmgen.records.sanitize import clean_html, plain_text, safe_identifier, safe_slug, safe_url
from chmgen.text import EMPTY, Text

LANGS = ("EN", "FR", "ES", "AR", "RU", "ZH")
TREATIES = ("XXVII8", "XXVII8a", "XXVII8b", "XXVII8c")
_PREFIX = re.compile(r"^(GBF-T\d+\.|GBF-G-[A-D]\.)\s*")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7}
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}$")
_SCHEMA_CYCLE = {"nationalReport7": 7, "nationalReport6": 6}


def lang_text(doc: Mapping[str, Any], base: str, suffixes: tuple[str, ...] = ("t", "s"),
              html: bool = False) -> Text:
    """``title_EN_t``, ``title_FR_t``, … and the neutral ``title_t`` as one Text."""
    clean = clean_html if html else plain_text
    values: list[tuple[str, str]] = []
    for code in LANGS:
        value = _first(doc, [f"{base}_{code}_{s}" for s in suffixes])
        if value:
            values.append((code.lower(), clean(value)))
    neutral = _first(doc, [f"{base}_{s}" for s in suffixes])
    if neutral:
        values.append(("", clean(neutral)))
    return Text(tuple((lang, v) for lang, v in values if v))


def term_fields(doc: Mapping[str, Any], base: str) -> tuple[Term, ...]:
    """The terms of a ``<base>_C{LANG}_s`` / ``_ss`` field (JSON per language), merged."""
    titles: dict[str, dict[str, str]] = {}
    symbols: dict[str, str] = {}
    for code in LANGS:
        for raw in _values(doc.get(f"{base}_C{code}_s")) + _values(doc.get(f"{base}_C{code}_ss")):
            term = _load_json(raw)
            ident = term.get("identifier") if isinstance(term, dict) else None
            if not isinstance(ident, str) or not ident:
                continue
            table = titles.setdefault(ident, {})
            title = term.get("title")
            if isinstance(title, dict):
                for lang, value in title.items():
                    if isinstance(lang, str) and isinstance(value, str) and value.strip():
                        table.setdefault(lang.lower(), plain_text(value))
            elif isinstance(title, str) and title.strip():
                table.setdefault(code.lower(), plain_text(title))
            if isinstance(term.get("name"), str):
                table.setdefault("", plain_text(term["name"]))
            if isinstance(term.get("symbol"), str):
                symbols.setdefault(ident, plain_text(term["symbol"]))
    return tuple(Term(ident, Text(tuple(t.items())), symbols.get(ident, ""))
                 for ident, t in titles.items())


def parse_records(key: str, pages: list[Any], mapping: Mapping[str, str],
                  show_email: bool) -> tuple[Record, ...]:
    """The records of one Solr source (all its pages), each record once."""
    records: dict[str, Record] = {}
    for body in pages:
        for doc in body["response"]["docs"]:
            record = parse_record(doc, key, mapping, show_email)
            if record is not None:
                records.setdefault(record.identifier, record)
    return tuple(records.values())


def parse_record(doc: Mapping[str, Any], key: str, mapping: Mapping[str, str],
                 show_email: bool) -> Record | None:
    """One Solr document; None when it has no usable identifier."""
    ident = _identifier(doc)
    if ident is None:
        return None
    schema = plain_text(str(doc.get("schema_s") or key))
    urls = [u for u in map(safe_url, _values(doc.get("url_ss"))) if u]
    summary = lang_text(doc, "summary", html=True) or lang_text(doc, "description", html=True)
    record = Record(
        identifier=ident, schema=schema, title=lang_text(doc, "title"),
        url=urls[0] if urls else None, summary=Html(summary),
        date=_date(doc, "submittedDate_dt", "publicationDate_dt", "createdDate_dt"),
        updated=_date(doc, "updatedDate_dt"), symbol=plain_text(str(doc.get("symbol_s") or "")),
        documents=_documents(doc.get("documentLinks_s")),
    )
    extra = _EXTRA.get(key)
    return extra(record, doc, mapping, show_email) if extra else record


def local_target_id(identifier: str, sequence: Any, mapping: Mapping[str, str]) -> str | None:
    """The local target id a central national target matches: ``target_mapping`` in
    chmgen.yml, else ``t<NN>`` from its sequence number, else ``nt-`` and its identifier's
    start; None when the result is not a safe file name."""
    if identifier in mapping:
        return safe_slug(mapping[identifier])
    if isinstance(sequence, int) and not isinstance(sequence, bool) and 0 < sequence < 1000:
        return f"t{sequence:02d}"
    return safe_slug(f"nt-{identifier[:8].lower()}")


def _national_target(record: Record, doc: Mapping[str, Any], mapping: Mapping[str, str],
                     show_email: bool) -> Record:
    local = local_target_id(record.identifier, doc.get("sequence_i"), mapping)
    gbf = [t for t in _values(doc.get("globalTargetAlignment_ss"))
           if re.fullmatch(r"GBF-TARGET-\d\d", t)]
    return _replace(record, local_id=local, gbf_targets=tuple(gbf),
                    headline_indicators=tuple(plain_text(v) for v in
                                              _values(doc.get("headlineIndicators_ss"))))


def _report(record: Record, doc: Mapping[str, Any], mapping: Mapping[str, str],
            show_email: bool) -> Record:
    kinds = term_fields(doc, "reportType")
    kind = kinds[0] if kinds else None
    is_nbsap = str(doc.get("reportType_s", "")).upper() == NBSAP_REPORT_TYPE
    cycle = _SCHEMA_CYCLE.get(record.schema) or (_cycle(kind) if kind else None)
    return _replace(record, kind=kind, is_nbsap=is_nbsap, cycle=None if is_nbsap else cycle)


def _nbsap(record: Record, doc: Mapping[str, Any], mapping: Mapping[str, str],
           show_email: bool) -> Record:
    status = lang_text(doc, "statusOfTheDocument", ("s",))
    return _replace(record, kind=Term("status", status) if status else None,
                    date=_date(doc, "adoptionDate_dt") or record.date,
                    end=_date(doc, "endDate_dt"), place=EMPTY,
                    symbol=_period(doc) or record.symbol)


def _focal_point(record: Record, doc: Mapping[str, Any], mapping: Mapping[str, str],
                 show_email: bool) -> Record:
    codes = _values(doc.get("type_ss")) or _values(doc.get("ctgList_ss"))
    named = {t.identifier: t for t in term_fields(doc, "type")}
    roles = tuple(named.get(code, Term(plain_text(code))) for code in codes if code.strip())
    office = _join(lang_text(doc, "function", ("s",)), lang_text(doc, "department", ("s",)))
    organization = lang_text(doc, "organization", ("s",))
    emails = tuple(e for e in _values(doc.get("email_ss")) if _EMAIL.match(e)) \
        if show_email else ()
    # The person's name stays on the central record page: the site shows office and role.
    return _replace(record, title=office or organization, roles=roles, office=office,
                    organization=organization, emails=emails)


def _resource(record: Record, doc: Mapping[str, Any], mapping: Mapping[str, str],
              show_email: bool) -> Record:
    kinds = term_fields(doc, "resourceTypes")
    return _replace(record, kind=kinds[0] if kinds else None,
                    date=_date(doc, "publicationDate_dt") or record.date)


def _initiative(record: Record, doc: Mapping[str, Any], mapping: Mapping[str, str],
                show_email: bool) -> Record:
    status = term_fields(doc, "status")
    return _replace(record, kind=status[0] if status else None,
                    date=_date(doc, "startDate_dt") or record.date, end=_date(doc, "endDate_dt"))


def _organization(record: Record, doc: Mapping[str, Any], mapping: Mapping[str, str],
                  show_email: bool) -> Record:
    kinds = term_fields(doc, "organizationType")
    return _replace(record, kind=kinds[0] if kinds else None,
                    symbol=plain_text(str(doc.get("acronym_s") or "")))


def _notification(record: Record, doc: Mapping[str, Any], mapping: Mapping[str, str],
                  show_email: bool) -> Record:
    return _replace(record, date=_date(doc, "date_dt", "createdDate_dt") or record.date,
                    end=_date(doc, "deadline_dt", "actionDate_dt"))


def _meeting(record: Record, doc: Mapping[str, Any], mapping: Mapping[str, str],
             show_email: bool) -> Record:
    place = _join(lang_text(doc, "eventCity"), lang_text(doc, "eventCountry"))
    return _replace(record, date=_date(doc, "startDate_dt") or record.date,
                    end=_date(doc, "endDate_dt"), place=place)


_EXTRA = {"nationalTarget7": _national_target, "nationalReport": _report,
          "nationalReport6": _report, "nationalReport7": _report, "nbsap": _nbsap,
          "focalPoint": _focal_point, "resource": _resource,
          "capacityBuildingResource": _resource, "capacityBuildingInitiative": _initiative,
          "organization": _organization, "notification": _notification, "meeting": _meeting}


def parse_terms(body: Any) -> dict[str, Term]:
    """GBF goals/targets from a thesaurus domain: identifier → short title in each language."""
    terms: dict[str, Term] = {}
    for term in body if isinstance(body, list) else ():
        ident = term.get("identifier") if isinstance(term, dict) else None
        if not isinstance(ident, str):
            continue
        values: dict[str, str] = {}
        for field in ("shortTitle", "title"):
            for lang, value in (term.get(field) or {}).items():
                if isinstance(value, str) and value.strip():
                    values.setdefault(str(lang).lower(), _PREFIX.sub("", plain_text(value)))
        if isinstance(term.get("name"), str):
            values.setdefault("", _PREFIX.sub("", plain_text(term["name"])))
        terms[ident] = Term(ident, Text(tuple(values.items())))
    return terms


def parse_country(body: Any) -> CountryProfile | None:
    """A country of the countries API: code (lower case), names, treaty status."""
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return None
    names = body["name"] if isinstance(body.get("name"), dict) else {}
    treaties = []
    for code in TREATIES:
        info = (body.get("treaties") or {}).get(code)
        if isinstance(info, dict):
            treaties.append(TreatyStatus(code, plain_text(str(info.get("instrument") or "")),
                                         _day(info.get("signature")), _day(info.get("party"))))
    name = Text(tuple((str(k).lower(), plain_text(v)) for k, v in names.items()
                      if isinstance(v, str) and v.strip()))
    return CountryProfile(body["code"].lower(), name, tuple(treaties))


def _identifier(doc: Mapping[str, Any]) -> str | None:
    for key in ("identifier_s", "uniqueIdentifier_s", "id"):
        ident = safe_identifier(doc.get(key))
        if ident:
            return ident
    return None


def _documents(raw: Any) -> tuple[Link, ...]:
    items = _load_json(raw) if isinstance(raw, str) else raw
    links = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        url = safe_url(item.get("url"))
        if url:
            name = plain_text(str(item.get("name") or "")) or url.rsplit("/", 1)[-1]
            lang = item.get("language")
            links.append(Link(url, Text.plain(name),
                              lang if isinstance(lang, str) and re.fullmatch(r"[a-z]{2}", lang)
                              else None))
    return tuple(links)


def _cycle(term: Term) -> int | None:
    words = " ".join([term.symbol, term.identifier, *(v for _, v in term.title.values)]).lower()
    match = re.search(r"\bnr-?([1-7])\b", words)
    if match:
        return int(match.group(1))
    for word, number in _ORDINALS.items():
        if re.search(rf"\b{word}\b", words):
            return number
    return None


def _period(doc: Mapping[str, Any]) -> str:
    start, end = _date(doc, "startDate_dt"), _date(doc, "endDate_dt")
    return f"{start.year}–{end.year}" if start and end else ""


def _join(first: Text, second: Text) -> Text:
    langs = dict.fromkeys([*(lang for lang, _ in first.values),
                           *(lang for lang, _ in second.values)])
    a, b = dict(first.values), dict(second.values)
    return Text(tuple((lang, ", ".join(v for v in (a.get(lang), b.get(lang)) if v))
                      for lang in langs))


def _date(doc: Mapping[str, Any], *keys: str) -> dt.date | None:
    for key in keys:
        day = _day(doc.get(key))
        if day:
            return day
    return None


def _day(value: Any) -> dt.date | None:
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _first(doc: Mapping[str, Any], keys: list[str]) -> str | None:
    for key in keys:
        values = _values(doc.get(key))
        if values and values[0].strip():
            return values[0]
    return None


def _load_json(raw: Any) -> Any:
    try:
        return json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _replace(record: Record, **changes: Any) -> Record:
    return Record(**{**record.__dict__, **changes})
