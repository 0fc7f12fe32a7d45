"""Read the Bioland-parity sections (events, documents, projects, …) and the cooperation lists."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

from chmgen import reference
from chmgen.config import read_yaml_file
from chmgen.content import Raw, read_records, unique_records
from chmgen.errors import Problems
from chmgen.filememo import derived, each, other_edits
from chmgen.model import Config, FieldValues, FileInfo, Item
from chmgen.reference import GbfTarget
from chmgen.schema import Checker, Schema
from chmgen.slugs import slugify
from chmgen.specs import ITEM_SCHEMAS, NEED, OFFER
from chmgen.text import EMPTY, Text
from chmgen.yamldoc import KeyPath, YamlDoc

COMMON = ("id", "title", "description", "gbf_targets", "targets", "themes")
FORMATS = {".pdf": "PDF", ".doc": "Word", ".docx": "Word", ".odt": "OpenDocument text",
           ".xls": "Excel", ".xlsx": "Excel", ".ods": "OpenDocument spreadsheet",
           ".csv": "CSV", ".ppt": "PowerPoint", ".pptx": "PowerPoint", ".zip": "ZIP",
           ".txt": "Text", ".html": "HTML", ".epub": "EPUB", ".jpg": "JPEG", ".png": "PNG"}


def read_items(root: Path, config: Config, target_ids: set[str],
               problems: Problems) -> dict[str, tuple[Item, ...]]:
    """Every item of every section folder that exists, validated and tagged."""
    sections: dict[str, tuple[Item, ...]] = {}
    for kind, schema in ITEM_SCHEMAS.items():
        records = unique_records(read_records(root / kind, schema, config, problems), problems)

        def build(raw: Raw, doc: YamlDoc, keypath: KeyPath, found: Problems,
                  kind: str = kind, schema: Schema = schema) -> Item | None:
            item = build_item(kind, raw, doc, keypath, root, target_ids, found)
            return item if item is not None and _complete(raw, schema) else None

        # a document's size is read from its file under static/: other_edits() counts those
        built = each(f"items:{kind}", records, (target_ids, config, other_edits()), problems,
                     build)
        items = [item for item in built if item is not None]
        if items:
            sections[kind] = derived(("items", kind), (items,), problems,
                                     partial(_in_order, kind, items))
    return sections


def read_cooperation(root: Path, config: Config, target_ids: set[str], problems: Problems,
                     name: str) -> tuple[Item, ...]:
    """``cooperation/needs.yml`` or ``offers.yml``: a list of needs or offers."""
    path = root / "cooperation" / f"{name}.yml"
    if not path.is_file():
        return ()
    doc = read_yaml_file(path, problems)
    if doc is None or doc.data is None:
        return ()
    # a live session keeps what an unchanged file gave (a document's size: other_edits())
    return derived(("cooperation", name), (doc, config, target_ids, other_edits()), problems,
                   partial(_cooperation, root, config, target_ids, name, doc))


def _cooperation(root: Path, config: Config, target_ids: set[str], name: str, doc: YamlDoc,
                 problems: Problems) -> tuple[Item, ...]:
    schema: Schema = NEED if name == "needs" else OFFER
    checker = Checker(doc, problems, config.languages)
    if not isinstance(doc.data, list):
        checker.error((), f"{name}.yml holds a list of {name}")
        return ()
    items = []
    for index, entry in enumerate(doc.data):
        raw = checker.mapping(entry, schema.fields, (index,))
        if raw is None:
            continue
        raw["id"] = raw["id"] or f"{name[:-1]}-{index + 1}"
        item = build_item(name, raw, doc, (index,), root, target_ids, problems)
        if item is not None and _complete(raw, schema):
            items.append(item)
    return tuple(items)


def _in_order(kind: str, items: list[Item], _: Problems) -> tuple[Item, ...]:
    return tuple(_ordered(kind, items))


def _complete(raw: Raw, schema: Schema) -> bool:
    """False when a required value was invalid (its error is already recorded)."""
    return all(raw.get(f.name) is not None for f in schema.fields if f.required)


def build_item(kind: str, raw: Raw, doc: YamlDoc, kp: KeyPath, root: Path,
               target_ids: set[str], problems: Problems) -> Item | None:
    title = raw.get("title") or raw.get("common_names") or (
        Text.plain(raw["scientific_name"]) if raw.get("scientific_name") else None)
    if title is None:
        return None
    fields = {k: v for k, v in raw.items() if k not in COMMON}
    checks = {"documents": _document, "events": _event}
    if kind in checks:
        fields = checks[kind](fields, doc, kp, root, problems)
    _place(fields, doc, kp, problems)
    return Item(
        kind=kind, id=raw["id"], title=title, source=doc.path,
        description=raw.get("description") or EMPTY,
        gbf_targets=_gbf_targets(raw.get("gbf_targets") or (), doc, kp, problems),
        targets=_targets(raw.get("targets") or (), doc, kp, target_ids, problems),
        themes=tuple(dict.fromkeys(slugify(t) for t in raw.get("themes") or ())),
        fields=FieldValues(fields),
    )


def _gbf_targets(values: tuple[Any, ...], doc: YamlDoc, kp: KeyPath,
                 problems: Problems) -> tuple[GbfTarget, ...]:
    found = []
    for index, value in enumerate(values):
        target = reference.gbf_target(value)
        if target is None:
            problems.error(doc.loc((*kp, "gbf_targets", index)),
                           f"unknown GBF target '{value}' (known: GBF-TARGET-01 … "
                           "GBF-TARGET-23, or 1 … 23)")
        elif target not in found:
            found.append(target)
    return tuple(sorted(found, key=lambda t: t.number))


def _targets(values: tuple[str, ...], doc: YamlDoc, kp: KeyPath, target_ids: set[str],
             problems: Problems) -> tuple[str, ...]:
    for index, ident in enumerate(values):
        if ident not in target_ids:
            problems.error(doc.loc((*kp, "targets", index)),
                           f"unknown national target '{ident}' (no targets/{ident}.yml)")
    return tuple(dict.fromkeys(i for i in values if i in target_ids))


def _document(fields: dict[str, Any], doc: YamlDoc, kp: KeyPath, root: Path,
              problems: Problems) -> dict[str, Any]:
    file, url = fields.get("file"), fields.get("url")
    written: Any = doc.data
    for part in kp:  # the mapping as written in the file
        if isinstance(written, list) and isinstance(part, int):
            written = written[part]
        elif isinstance(written, dict):
            written = written.get(part)
    if file is None and url is None and isinstance(written, dict) and (
            written.get("file") is not None or written.get("url") is not None):
        return fields  # the value given was invalid, and that is already reported
    if bool(file) == bool(url):
        problems.error(doc.loc(kp), "a document needs either 'file' (under static/) or 'url'")
        return fields
    if file:
        path = (root / "static" / file).resolve()
        static = (root / "static").resolve()
        if static not in path.parents or not path.is_file():
            problems.error(doc.loc((*kp, "file")),
                           f"no file static/{file} (put the document under static/)")
            return fields
        fields["file_info"] = FileInfo(FORMATS.get(path.suffix.lower(),
                                                   path.suffix.lstrip(".").upper() or "file"),
                                       path.stat().st_size)
        fields["href"] = Path(file).as_posix()
    else:
        fields["href"] = url
        suffix = Path(str(url).split("?", 1)[0]).suffix.lower()
        fields["file_info"] = FileInfo(FORMATS[suffix], 0) if suffix in FORMATS else None
    return fields


def _event(fields: dict[str, Any], doc: YamlDoc, kp: KeyPath, root: Path,
           problems: Problems) -> dict[str, Any]:
    start, end = fields.get("start"), fields.get("end")
    if start is not None and end is not None and _as_datetime(end) < _as_datetime(start):
        problems.error(doc.loc((*kp, "end")), "the event ends before it starts")
    return fields


def _as_datetime(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day)


def _place(fields: dict[str, Any], doc: YamlDoc, kp: KeyPath, problems: Problems) -> None:
    point = fields.get("coordinates")
    if point and point.get("lat") is not None and point.get("lon") is not None:
        if not (-90 <= point["lat"] <= 90 and -180 <= point["lon"] <= 180):
            problems.error(doc.loc((*kp, "coordinates")),
                           "latitude must be within -90..90 and longitude within -180..180")
    box = fields.get("bbox")
    if box is not None:
        if len(box) != 4:
            problems.error(doc.loc((*kp, "bbox")),
                           "expected 4 numbers: [west, south, east, north]")
        elif not (-90 <= box[1] < box[3] <= 90):
            problems.error(doc.loc((*kp, "bbox")), "south must be below north, within -90..90")


def _ordered(kind: str, items: list[Item]) -> list[Item]:
    """Events by start date (newest first is decided by templates), documents newest first."""
    if kind == "events":
        return sorted(items, key=lambda i: _as_datetime(i.fields["start"]))
    if kind == "documents":
        return sorted(items, key=lambda i: str(i.fields.get("date") or ""), reverse=True)
    return sorted(items, key=lambda i: i.title.any().lower())
