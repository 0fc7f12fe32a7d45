"""Open data exports under ``data/``: JSON, CSV and a JSON Schema per dataset, from the Site.

Every dataset is written three ways: ``data/NAME.json`` (the whole record, texts in every site
language), ``data/NAME.schema.json`` (JSON Schema, draft 2020-12, describing that file) and
``data/NAME.csv`` (one row per record or per value, texts as one column per language). Each
indicator's series is also a small CSV of its own, ``data/indicators/ID.csv``, for the
"Download the data" link of its page. Nothing here reads a clock: same site, same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chmgen.model import Action, Content, Indicator, NationalTarget
from chmgen.text import Text
from chmgen.urls import absolute_url, lang_prefix

if TYPE_CHECKING:
    from chmgen.site import Site

DRAFT = "https://json-schema.org/draft/2020-12/schema"
FOLDER = "data/"


@dataclass(frozen=True)
class Export:
    """One published dataset: ``data/{name}.json``, ``.schema.json`` and ``.csv``."""

    name: str

    @property
    def json(self) -> str:
        return f"{FOLDER}{self.name}.json"

    @property
    def schema(self) -> str:
        return f"{FOLDER}{self.name}.schema.json"

    @property
    def csv(self) -> str:
        return f"{FOLDER}{self.name}.csv"


def catalog(content: Content) -> tuple[Export, ...]:
    """The datasets this site has content for, in the order the data page lists them."""
    have = {"targets": bool(content.targets), "gbf-alignment": bool(content.targets),
            "indicators": bool(content.indicators), "actions": bool(content.actions)}
    return tuple(Export(name) for name, present in have.items() if present)


def indicator_csv_path(indicator: Indicator) -> str:
    return f"{FOLDER}indicators/{indicator.id}.csv"


def data_exports(site: Site) -> dict[str, bytes]:
    """Every file under ``data/``, keyed by output path."""
    files: dict[str, bytes] = {}
    for export in catalog(site.content):
        records, rows, header, schema = BUILDERS[export.name](site)
        document = {"$schema": export.schema.removeprefix(FOLDER), "country": site.config.country,
                    "languages": list(site.config.languages), export.name: records}
        files[export.json] = _json(document)
        files[export.schema] = _json(_schema_document(site, export, schema))
        files[export.csv] = _csv(header, rows)
    for indicator in site.content.indicators:
        files[indicator_csv_path(indicator)] = _csv(
            ["year", "value"], [[p.year, p.value] for p in indicator.data])
    return files


# -- records --------------------------------------------------------------------------------

Built = tuple[list[dict[str, Any]], list[list[Any]], list[str], dict[str, Any]]


def _targets(site: Site) -> Built:
    langs = site.config.languages
    records = [_target_record(site, t) for t in site.content.targets]
    header = ["id", *_columns("title", langs), "goal", "gbf_targets", "headline_indicators",
              "indicators", "progress", "period_start", "period_end", *_columns("lead", langs)]
    rows = [[t.id, *_cells(t.title, langs), t.goal or "",
             " ".join(f"{link.target.number}:{link.alignment}" for link in t.gbf_targets),
             " ".join(i.code for i in t.headline_indicators), " ".join(t.indicators),
             t.progress, t.period[0] if t.period else "", t.period[1] if t.period else "",
             *_cells(t.lead, langs)] for t in site.content.targets]
    return records, rows, header, TARGET_SCHEMA


def _target_record(site: Site, target: NationalTarget) -> dict[str, Any]:
    return {
        "id": target.id, "title": _text(target.title), "short_title": _text(target.short_title),
        "description": _text(target.description), "goal": target.goal,
        "gbf_targets": [{"target": link.target.identifier, "number": link.target.number,
                         "alignment": link.alignment} for link in target.gbf_targets],
        "aichi_targets": [a.number for a in target.aichi_targets],
        "headline_indicators": [i.code for i in target.headline_indicators],
        "indicators": list(target.indicators), "lead": _text(target.lead),
        "period": _period(target.period), "progress": target.progress,
        "progress_note": _text(target.progress_note),
        "pages": _pages(site, f"targets/{target.id}/"),
    }


def _alignment(site: Site) -> Built:
    from chmgen import reference

    records, rows = [], []
    for gbf in reference.gbf_targets():
        links = site.alignment[gbf.number]
        records.append({"gbf_target": gbf.identifier, "number": gbf.number, "goal": gbf.goal,
                        "short_title": gbf.short_title, "url": gbf.url,
                        "national_targets": [{"id": nt.id, "alignment": degree}
                                             for nt, degree in links]})
        rows.extend([[gbf.identifier, gbf.number, nt.id, degree] for nt, degree in links]
                    or [[gbf.identifier, gbf.number, "", ""]])
    return records, rows, ["gbf_target", "number", "national_target", "alignment"], \
        ALIGNMENT_SCHEMA


def _indicators(site: Site) -> Built:
    records = [_indicator_record(site, i) for i in site.content.indicators]
    rows = [[i.id, p.year, p.value] for i in site.content.indicators for p in i.data]
    return records, rows, ["indicator", "year", "value"], INDICATOR_SCHEMA


def _indicator_record(site: Site, indicator: Indicator) -> dict[str, Any]:
    gbf = indicator.gbf_indicator
    return {
        "id": indicator.id, "title": _text(indicator.title),
        "description": _text(indicator.description), "unit": _text(indicator.unit),
        "source": _text(indicator.source), "methodology": _text(indicator.methodology),
        "gbf_indicator": {"code": gbf.code, "title": gbf.title} if gbf else None,
        "desirable": indicator.desirable, "trend": indicator.trend,
        "baseline": _point(indicator.baseline), "goal": _point(indicator.goal),
        "data": [_point(p) for p in indicator.data],
        "national_targets": [t.id for t in site.targets_using_indicator(indicator.id)],
        "csv": indicator_csv_path(indicator),
        "pages": _pages(site, f"indicators/{indicator.id}/"),
    }


def _actions(site: Site) -> Built:
    langs = site.config.languages
    records = [_action_record(a) for a in site.content.actions]
    header = ["id", *_columns("title", langs), "targets", *_columns("lead", langs), "start",
              "end", "budget_amount", "budget_currency", "status"]
    rows = [[a.id, *_cells(a.title, langs), " ".join(a.targets), *_cells(a.lead, langs),
             _when(a.start) or "", _when(a.end) or "",
             _number(a.budget.amount) if a.budget else "",
             a.budget.currency if a.budget else "", a.status] for a in site.content.actions]
    return records, rows, header, ACTION_SCHEMA


def _action_record(action: Action) -> dict[str, Any]:
    return {
        "id": action.id, "title": _text(action.title), "description": _text(action.description),
        "targets": list(action.targets), "lead": _text(action.lead),
        "partners": [_text(p) for p in action.partners],
        "start": _when(action.start), "end": _when(action.end),
        "budget": {"amount": _number(action.budget.amount), "currency": action.budget.currency}
        if action.budget else None,
        "status": action.status,
    }


BUILDERS: dict[str, Callable[[Site], Built]] = {
    "targets": _targets, "gbf-alignment": _alignment, "indicators": _indicators,
    "actions": _actions,
}


# -- values ---------------------------------------------------------------------------------

def _text(text: Text) -> dict[str, str] | None:
    """A text in every language it has; ``"und"`` (undetermined) for a plain string."""
    return {lang or "und": value for lang, value in text.values} if text else None


def _columns(name: str, langs: Sequence[str]) -> list[str]:
    return [f"{name}_{lang}" for lang in langs]


def _cells(text: Text, langs: Sequence[str]) -> list[str]:
    return [text.pick(lang, langs[0]).text if text else "" for lang in langs]


def _period(period: tuple[int, int] | None) -> dict[str, int] | None:
    return {"start": period[0], "end": period[1]} if period else None


def _point(point: Any) -> dict[str, Any] | None:
    return {"year": point.year, "value": _number(point.value)} if point else None


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _when(value: dt.date | int | None) -> str | int | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def _pages(site: Site, key: str) -> dict[str, str]:
    """The record's page in each language: full addresses with ``base_url``, else site paths."""
    default = site.config.default_language
    base = site.config.base_url
    paths = {lang: lang_prefix(lang, default) + key for lang in site.config.languages}
    return {lang: absolute_url(base, path) if base else path for lang, path in paths.items()}


def _json(document: Any) -> bytes:
    """``json.dumps(document, ensure_ascii=False, indent=2)`` and a line end, in UTF-8."""
    return (indented_json(document) + "\n").encode("utf-8")


def indented_json(document: Any) -> str:
    """``json.dumps(document, ensure_ascii=False, indent=2)``, the same text. Python's JSON
    encoder has no C version for indented output: its Python one took 0.3 s for the exports
    of a site of 10,000 pages, this one a third of it. A value of another type than JSON's
    own (a subclass, a key that is not a string) is left to ``json.dumps``."""
    parts: list[str] = []
    try:
        _indented(document, parts.append, "\n")
    except _Unusual:
        return json.dumps(document, ensure_ascii=False, indent=2)
    return "".join(parts)


class _Unusual(Exception):
    pass


def _indented(value: Any, write: Callable[[str], Any], newline: str) -> None:
    kind = type(value)
    if kind is str:
        write(_quote(value))
    elif value is None:
        write("null")
    elif value is True:
        write("true")
    elif value is False:
        write("false")
    elif kind is int:
        write(int.__repr__(value))
    elif kind is float and value == value and value not in (_INFINITY, -_INFINITY):
        write(float.__repr__(value))
    elif kind is list or kind is tuple:
        if not value:
            write("[]")
            return
        inner = newline + "  "
        write("[" + inner)
        for index, item in enumerate(value):
            if index:
                write("," + inner)
            _indented(item, write, inner)
        write(newline + "]")
    elif kind is dict:
        if not value:
            write("{}")
            return
        inner = newline + "  "
        write("{" + inner)
        for index, (key, item) in enumerate(value.items()):
            if type(key) is not str:
                raise _Unusual
            write(("," + inner if index else "") + _quote(key) + ": ")
            _indented(item, write, inner)
        write(newline + "}")
    else:
        raise _Unusual


_quote: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) \
    or json.encoder.py_encode_basestring
_INFINITY = float("inf")


def _csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte-order mark, so spreadsheets read accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


# -- schemas --------------------------------------------------------------------------------

def _schema_document(site: Site, export: Export, items: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {"$schema": DRAFT}
    if site.config.base_url:
        document["$id"] = absolute_url(site.config.base_url, export.schema)
    document.update({
        "title": TITLES[export.name],
        "type": "object",
        "required": ["country", "languages", export.name],
        "properties": {
            "$schema": {"type": "string"},
            "country": {"type": "string", "pattern": "^[a-z]{2}$",
                        "description": "ISO 3166-1 alpha-2 code of the Party."},
            "languages": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            export.name: {"type": "array", "items": items},
        },
        "additionalProperties": False,
        "$defs": DEFS,
    })
    return document


TITLES = {
    "targets": "National targets",
    "gbf-alignment": "Alignment of national targets with the 23 GBF targets",
    "indicators": "National indicators and their data series",
    "actions": "Actions of the national action plan",
}
DEFS: dict[str, Any] = {
    "text": {"type": ["object", "null"], "description": "A text by language code.",
             "additionalProperties": {"type": "string"},
             "propertyNames": {"pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*$"}},
    "point": {"type": "object", "required": ["year", "value"], "additionalProperties": False,
              "properties": {"year": {"type": "integer"}, "value": {"type": "number"}}},
    "pages": {"type": "object", "description": "The record's page in each site language.",
              "additionalProperties": {"type": "string"}},
    "when": {"anyOf": [{"type": "integer"}, {"type": "string", "format": "date"},
                       {"type": "null"}]},
}
_TEXT = {"$ref": "#/$defs/text"}
_IDS = {"type": "array", "items": {"type": "string"}}


def _record(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": False}


TARGET_SCHEMA = _record(["id", "title", "progress"], {
    "id": {"type": "string"}, "title": _TEXT, "short_title": _TEXT, "description": _TEXT,
    "goal": {"enum": ["A", "B", "C", "D", None]},
    "gbf_targets": {"type": "array", "items": _record(["target", "number", "alignment"], {
        "target": {"type": "string", "pattern": "^GBF-TARGET-[0-9]{2}$"},
        "number": {"type": "integer", "minimum": 1, "maximum": 23},
        "alignment": {"enum": ["high", "medium", "low"]}})},
    "aichi_targets": {"type": "array", "items": {"type": "integer", "minimum": 1,
                                                 "maximum": 20}},
    "headline_indicators": _IDS, "indicators": _IDS, "lead": _TEXT,
    "period": {"type": ["object", "null"], "required": ["start", "end"],
               "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}}},
    "progress": {"enum": ["on-track", "progress-insufficient", "no-change", "moving-away",
                          "unknown"]},
    "progress_note": _TEXT, "pages": {"$ref": "#/$defs/pages"},
})
ALIGNMENT_SCHEMA = _record(["gbf_target", "number", "national_targets"], {
    "gbf_target": {"type": "string", "pattern": "^GBF-TARGET-[0-9]{2}$"},
    "number": {"type": "integer", "minimum": 1, "maximum": 23},
    "goal": {"enum": ["A", "B", "C", "D"]}, "short_title": {"type": "string"},
    "url": {"type": "string"},
    "national_targets": {"type": "array", "items": _record(["id", "alignment"], {
        "id": {"type": "string"}, "alignment": {"enum": ["high", "medium", "low"]}})},
})
INDICATOR_SCHEMA = _record(["id", "title", "data"], {
    "id": {"type": "string"}, "title": _TEXT, "description": _TEXT, "unit": _TEXT,
    "source": _TEXT, "methodology": _TEXT,
    "gbf_indicator": {"type": ["object", "null"], "required": ["code", "title"],
                      "properties": {"code": {"type": "string"}, "title": {"type": "string"}}},
    "desirable": {"enum": ["increase", "decrease"]},
    "trend": {"enum": ["improving", "worsening", "stable", None]},
    "baseline": {"anyOf": [{"$ref": "#/$defs/point"}, {"type": "null"}]},
    "goal": {"anyOf": [{"$ref": "#/$defs/point"}, {"type": "null"}]},
    "data": {"type": "array", "items": {"$ref": "#/$defs/point"}},
    "national_targets": _IDS, "csv": {"type": "string"}, "pages": {"$ref": "#/$defs/pages"},
})
ACTION_SCHEMA = _record(["id", "title", "status"], {
    "id": {"type": "string"}, "title": _TEXT, "description": _TEXT, "targets": _IDS,
    "lead": _TEXT, "partners": {"type": "array", "items": _TEXT},
    "start": {"$ref": "#/$defs/when"}, "end": {"$ref": "#/$defs/when"},
    "budget": {"type": ["object", "null"], "required": ["amount", "currency"],
               "properties": {"amount": {"type": "number", "minimum": 0},
                              "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}},
    "status": {"enum": ["planned", "in-progress", "completed", "delayed"]},
})
