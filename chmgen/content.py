"""Read a site folder's content files (NBSAP, targets, indicators, actions, pages, news)."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from chmgen import filememo
from chmgen.config import read_text_file, read_yaml_file
from chmgen.errors import Problems, SourceLocation
from chmgen.images import IMAGE_SUFFIXES, image_size
from chmgen.model import (
    Action,
    Budget,
    Config,
    DataPoint,
    DocumentLink,
    Indicator,
    MarkdownEntry,
    Nbsap,
    Variant,
)
from chmgen.schema import ID_RE, LANG_RE, Checker, Schema
from chmgen.specs import CHAPTER, NBSAP
from chmgen.text import EMPTY
from chmgen.yamldoc import KeyPath, YamlDoc, split_front_matter

Raw = dict[str, Any]


def yaml_files(folder: Path) -> list[Path]:
    """The YAML files of a folder, sorted so every build reads them in the same order."""
    return [folder / name for name in _names(folder, (".yml", ".yaml"))]


def _names(folder: Path, suffixes: tuple[str, ...]) -> list[str]:
    """Names of the regular files of ``folder`` ending in ``suffixes``, sorted (os.scandir:
    a site may hold thousands of files, and pathlib costs more than reading them)."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries
                          if e.name.endswith(suffixes) and e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []


def read_records(
    folder: Path, schema: Schema, config: Config, problems: Problems, *, lists: bool = False
) -> Iterator[tuple[Raw, YamlDoc, KeyPath]]:
    """Validate every file of ``folder`` against ``schema``; yield each record with its location.

    A file holds one record (its ``id`` defaults to the file stem) or, with ``lists``, a list of
    records that each need an explicit ``id``.
    """
    memo = filememo.active()
    if memo is None:
        for path in yaml_files(folder):
            yield from _file_records(path, schema, config, problems, lists=lists)
        return
    # A live session: a folder none of whose files changed gives what it gave last time.
    key = ("records-folder", os.path.abspath(folder), id(schema), config.languages, lists)
    dirty = memo.take_dirty(folder)
    known = memo.folders.get(key)
    if known is not None and not dirty:
        problems.items.extend(known[1])
        yield from known[0]
        return
    extra = (id(schema), config.languages, lists)

    def read(name: str) -> tuple[list[tuple[Raw, YamlDoc, KeyPath]], list[Any]]:
        path, own = folder / name, Problems()
        records = filememo.remembered("records", path, extra, own,
                                      partial(_file_records, path, schema, config, lists=lists))
        return records, own.items

    if known is not None and all(name in known[2] for name in dirty):
        # Files edited in place: only they are read again; the others give what they gave.
        per_file = dict(known[2])
        for name in dirty:
            if os.path.isfile(folder / name):
                per_file[name] = read(name)
            else:
                del per_file[name]
    else:
        per_file = {name: read(name) for name in _names(folder, (".yml", ".yaml"))}
    found = [record for records, _ in per_file.values() for record in records]
    found_problems = [problem for _, own in per_file.values() for problem in own]
    memo.folders[key] = (found, found_problems, per_file)
    problems.items.extend(found_problems)
    yield from found


def _file_records(path: Path, schema: Schema, config: Config, problems: Problems, *,
                  lists: bool) -> list[tuple[Raw, YamlDoc, KeyPath]]:
    doc = read_yaml_file(path, problems)
    if doc is None:
        return []
    checker = Checker(doc, problems, config.languages)
    if lists and isinstance(doc.data, list):
        return list_records(doc, doc.data, checker, schema)
    raw = checker.mapping(doc.data, schema.fields)
    if raw is None:
        return []
    if raw.get("id") is None:
        if not ID_RE.match(path.stem):
            checker.error((), f"file name '{path.name}' is not a valid id: set 'id'")
            return []
        raw["id"] = path.stem
    return [(raw, doc, ())]


def list_records(doc: YamlDoc, items: list[Any], checker: Checker,
                 schema: Schema) -> list[tuple[Raw, YamlDoc, KeyPath]]:
    """The records of a file holding a list of them; each needs an explicit ``id``."""
    found: list[tuple[Raw, YamlDoc, KeyPath]] = []
    for index, item in enumerate(items):
        raw = checker.mapping(item, schema.fields, (index,))
        if raw is not None and raw.get("id") is None:
            checker.error((index,), "missing required key 'id' (needed in a list)")
        elif raw is not None:
            found.append((raw, doc, (index,)))
    return found


def unique_records(records: Iterable[tuple[Raw, YamlDoc, KeyPath]],
                   problems: Problems) -> list[tuple[Raw, YamlDoc, KeyPath]]:
    """Drop and report records whose id another record already uses (naming where)."""
    seen: dict[str, tuple[YamlDoc, KeyPath]] = {}
    kept = []
    for raw, doc, keypath in records:
        if raw["id"] in seen:
            first = _id_location(*seen[raw["id"]])
            problems.error(_id_location(doc, keypath), f"duplicate id '{raw['id']}' (also "
                           f"used by {first.display_path()}:{first.line})")
            continue
        seen[raw["id"]] = (doc, keypath)
        kept.append((raw, doc, keypath))
    return kept


def _id_location(doc: YamlDoc, keypath: KeyPath) -> SourceLocation:
    """Where a record's id is written (its file name gives it when it is not)."""
    written: Any = doc.data
    for part in keypath:  # records of a list file sit at their index
        if isinstance(written, list) and isinstance(part, int):
            written = written[part]
    return doc.loc((*keypath, "id")) if isinstance(written, dict) and "id" in written \
        else doc.loc(keypath)


def read_nbsap(root: Path, config: Config, problems: Problems) -> Nbsap | None:
    folder = root / "nbsap"
    path = folder / "nbsap.yml"
    if not path.is_file():
        if folder.is_dir():
            problems.error(SourceLocation(path), "the nbsap/ folder needs an nbsap.yml file")
        return None
    doc = read_yaml_file(path, problems)
    if doc is None:
        return None
    # The chapters' folder is read every time (a live session learns which files changed), and
    # its problems are reported after those of nbsap.yml, as they are found.
    from_chapters = Problems()
    chapters = read_markdown_folder(folder, CHAPTER, config, from_chapters)
    nbsap = filememo.derived("nbsap", (doc, config, chapters), problems,
                             partial(_nbsap, doc, config, chapters))
    if nbsap is not None:
        problems.items.extend(from_chapters.items)
    return nbsap


def _nbsap(doc: YamlDoc, config: Config, chapters: list[MarkdownEntry],
           problems: Problems) -> Nbsap | None:
    raw = Checker(doc, problems, config.languages).mapping(doc.data, NBSAP.fields)
    if raw is None or raw["title"] is None or raw["period"] is None:
        return None
    documents = tuple(
        DocumentLink(d["title"], d["url"], d["language"])
        for d in raw["documents"] or ()
        if d and d["title"] and d["url"]
    )
    return Nbsap(
        title=raw["title"],
        period=raw["period"],
        status=raw["status"],
        adopted=raw["adopted"],
        summary=raw["summary"] or EMPTY,
        documents=documents,
        chapters=tuple(chapters),
    )


def read_indicator_data(
    raw: Raw, doc: YamlDoc, keypath: KeyPath, problems: Problems
) -> tuple[DataPoint, ...]:
    """The series of an indicator, inline or from its CSV file, sorted by year."""
    inline, data_file = raw.get("data"), raw.get("data_file")
    if inline is not None and data_file is not None:
        problems.error(doc.loc((*keypath, "data_file")),
                       "give either 'data' or 'data_file', not both")
        return ()
    if data_file is not None:
        points = read_csv_series(doc.path.parent / data_file, doc.loc((*keypath, "data_file")),
                                 problems)
    else:
        points = [DataPoint(p["year"], p["value"]) for p in inline or ()
                  if p and p["year"] is not None and p["value"] is not None]
    years: dict[int, int] = {}
    for index, point in enumerate(points):
        if point.year in years:
            problems.error(doc.loc((*keypath, "data", index)) if data_file is None
                           else doc.loc((*keypath, "data_file")),
                           f"year {point.year} appears twice in the data")
        years[point.year] = index
    return tuple(sorted(points, key=lambda p: p.year))


def read_csv_series(path: Path, where: SourceLocation, problems: Problems) -> list[DataPoint]:
    """Read a ``year,value`` CSV file; each bad row is reported with its CSV line."""
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        problems.error(where, f"cannot read data file '{path.name}': {reason}")
        return []
    lines = text.splitlines()
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text))
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1  # a quoted cell may span several lines
    except csv.Error as exc:
        problems.error(SourceLocation(path, start, 1), f"malformed CSV: {exc}")
        return []
    header = [cell.strip().lower() for cell in rows[0][1]] if rows else []
    if header[:2] != ["year", "value"]:
        problems.error(SourceLocation(path, 1, 1, "header"),
                       "a data file starts with the header line 'year,value'")
        return []
    points: list[DataPoint] = []
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        raw_line = lines[line - 1] if line - 1 < len(lines) else ""
        point = _csv_point(row, SourceLocation(path, line, 1), problems,
                           _second_column(raw_line))
        if point is not None:
            points.append(point)
    return points


def _second_column(line: str) -> int:
    """1-based column where the second CSV field of ``line`` starts (quotes respected)."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            return index + 2
    return len(line) + 1


def _csv_point(row: list[str], where: SourceLocation, problems: Problems,
               value_col: int) -> DataPoint | None:
    if len(row) < 2:
        problems.error(where, f"expected 'year,value', got {','.join(row)!r}")
        return None
    year, value = row[0].strip(), row[1].strip()
    if not re.fullmatch(r"\d{4}", year) or not 1900 <= int(year) <= 2100:
        problems.error(SourceLocation(where.path, where.line, 1, "year"),
                       f"expected a year such as 2030, got {year!r}")
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):
        problems.error(SourceLocation(where.path, where.line, value_col, "value"),
                       f"expected a number, got {value!r}")
        return None
    return DataPoint(int(year), number)


def build_indicator(raw: Raw, doc: YamlDoc, keypath: KeyPath, problems: Problems) -> Indicator:
    def point(key: str) -> DataPoint | None:
        value = raw.get(key)
        if value and value["year"] is not None and value["value"] is not None:
            return DataPoint(value["year"], value["value"])
        return None

    return Indicator(
        id=raw["id"],
        title=raw["title"] or EMPTY,
        source_path=doc.path,
        description=raw["description"] or EMPTY,
        unit=raw["unit"] or EMPTY,
        source=raw["source"] or EMPTY,
        methodology=raw["methodology"] or EMPTY,
        data=read_indicator_data(raw, doc, keypath, problems),
        baseline=point("baseline"),
        goal=point("goal"),
        desirable=raw["desirable"] or "increase",
    )


def build_action(raw: Raw, doc: YamlDoc) -> Action:
    budget = raw.get("budget")
    return Action(
        id=raw["id"],
        title=raw["title"] or EMPTY,
        source=doc.path,
        description=raw["description"] or EMPTY,
        targets=raw["targets"] or (),
        lead=raw["lead"] or EMPTY,
        partners=raw["partners"] or (),
        start=raw["start"],
        end=raw["end"],
        budget=Budget(budget["amount"], budget["currency"].upper())
        if budget and budget["amount"] is not None and budget["currency"] else None,
        status=raw["status"] or "planned",
    )


def read_markdown_folder(
    folder: Path, schema: Schema, config: Config, problems: Problems
) -> list[MarkdownEntry]:
    """Read ``slug.md`` files and their ``slug.<lang>.md`` translations into entries.

    In a live session (``filememo``, chmgen serve) the folder's state is kept: an edit re-reads
    the edited files and rebuilds only their entries, reporting every problem as a full read
    would."""
    memo = filememo.active()
    if memo is None:
        return _MarkdownFolder(folder, schema, config).read_all(problems)
    key = ("markdown-folder", str(folder), id(schema), config.languages, config.default_language)
    state = memo.folders.get(key)
    if state is None:
        state = memo.folders[key] = _MarkdownFolder(folder, schema, config)
        return state.read_all(problems)
    assert isinstance(state, _MarkdownFolder)
    return state.update(memo.take_dirty(folder), problems)


class _MarkdownFolder:
    """One folder of Markdown entries: what each file gave, and the entries built from them.

    Kept between the builds of a live session, with what lets an edit to a few files cost
    only those files: each slug's file names, the position of each entry in the result, and
    which files and entries have problems (in most sites none)."""

    def __init__(self, folder: Path, schema: Schema, config: Config) -> None:
        self.folder, self.schema, self.config = folder, schema, config
        # name → (slug or None when the name is invalid, lang, read result, problems)
        self.files: dict[str, tuple[str | None, str, tuple[Raw, Variant] | None, list[Any]]] = {}
        self.entries: dict[str, tuple[MarkdownEntry, list[Any]]] = {}
        self.result: list[MarkdownEntry] = []
        self.found: list[Any] = []  # the problems the result was read with
        self.names_of: dict[str, list[str]] = {}  # slug → its files, in the folder's order
        self.position: dict[str, int] = {}  # slug → index of its entry in ``result``
        self.noisy_files: set[str] = set()  # names of the files read with problems
        self.noisy_slugs: set[str] = set()  # slugs whose entry was made with problems

    def read_all(self, problems: Problems) -> list[MarkdownEntry]:
        self.files = {name: self._file(name) for name in _names(self.folder, (".md",))}
        self.noisy_files = {name for name, info in self.files.items() if info[3]}
        self.entries, self.noisy_slugs = {}, set()
        self._index_names()
        return self._assemble(set(self.names_of), problems, moved=True)

    def update(self, dirty: set[str], problems: Problems) -> list[MarkdownEntry]:
        if not dirty:  # nothing in the folder changed
            problems.items.extend(self.found)
            return self.result
        touched: set[str] = set()
        moved = False  # files came or went: the slugs and their order may differ
        for name in dirty:
            before = self.files.get(name)
            if before is not None and before[0] is not None:
                touched.add(before[0])
            path = self.folder / name
            if name.endswith(".md") and path.is_file():
                self.files[name] = info = self._file(name)  # in its place, when it was there
                moved = moved or before is None
                if info[0] is not None:
                    touched.add(info[0])
                if info[3]:
                    self.noisy_files.add(name)
                else:
                    self.noisy_files.discard(name)
            elif before is not None:
                del self.files[name]
                self.noisy_files.discard(name)
                moved = True
        if moved:
            self.files = dict(sorted(self.files.items()))
            self._index_names()
        return self._assemble(touched, problems, moved=moved)

    def _file(self, name: str) -> tuple[str | None, str, tuple[Raw, Variant] | None, list[Any]]:
        path = self.folder / name
        found = Problems()
        slug, lang = split_language(path, self.config)
        if not ID_RE.match(slug):
            found.error(SourceLocation(path, 1, 1), f"file name '{path.name}' must be a "
                        "simple name (letters, digits, '-', '_') before '.md'")
            return None, lang, None, found.items
        if lang not in self.config.languages:
            found.warn(SourceLocation(path, 1, 1),
                       f"language '{lang}' is not declared in chmgen.yml languages")
        read = read_markdown(path, self.schema, self.config, found)
        return slug, lang, read, found.items

    def _index_names(self) -> None:
        """Each slug's files, the slugs in the order of their first file."""
        self.names_of = {}
        for name, info in self.files.items():
            if info[0] is not None:
                self.names_of.setdefault(info[0], []).append(name)

    def _assemble(self, touched: set[str], problems: Problems, *, moved: bool
                  ) -> list[MarkdownEntry]:
        """Entries of the touched slugs rebuilt; problems reported in a full read's order."""
        groups: dict[str, dict[str, tuple[Path, Raw, Variant]]] = {}
        broken: set[tuple[str, str]] = set()
        for slug in touched:
            for name in self.names_of.get(slug, ()):
                _, lang, read, _ = self.files[name]
                if read is not None:
                    groups.setdefault(slug, {})[lang] = (self.folder / name, *read)
                else:
                    broken.add((slug, lang))
        entries = self.entries
        for slug in touched:
            if slug in groups:
                own = Problems()
                entries[slug] = (_entry(slug, groups[slug], self.config, own, broken),
                                 own.items)
                if own.items:
                    self.noisy_slugs.add(slug)
                else:
                    self.noisy_slugs.discard(slug)
            else:
                entries.pop(slug, None)
                self.noisy_slugs.discard(slug)
        position = self.position
        if not moved and all(slug in position and slug in entries for slug in touched):
            # The same entries in the same places: only the touched ones are new.
            result = list(self.result)
            for slug in touched:
                result[position[slug]] = entries[slug][0]
        else:
            made = [slug for slug in self.names_of if slug in entries]
            result = [entries[slug][0] for slug in made]
            self.position = {slug: index for index, slug in enumerate(made)}
        reported: list[Any] = []
        if self.noisy_files:  # the files' problems in the folder's order, then the entries'
            reported.extend(p for name, info in self.files.items()
                            if name in self.noisy_files for p in info[3])
        if self.noisy_slugs:
            reported.extend(p for slug in self.names_of
                            if slug in self.noisy_slugs and slug in entries
                            for p in entries[slug][1])
        self.result, self.found = result, reported
        problems.items.extend(reported)
        return result


def split_language(path: Path, config: Config) -> tuple[str, str]:
    """``about.fr.md`` → (``about``, ``fr``); ``about.md`` → (``about``, default language)."""
    stem = path.name[: -len(".md")]
    base, dot, suffix = stem.rpartition(".")
    if dot and LANG_RE.match(suffix) and (suffix in config.languages or len(suffix) <= 3):
        return base, suffix
    return stem, config.default_language


def read_markdown(
    path: Path, schema: Schema, config: Config, problems: Problems
) -> tuple[Raw, Variant] | None:
    return filememo.remembered(
        "markdown", path, (schema.name, config.languages, config.default_language), problems,
        lambda found: _read_markdown(path, schema, config, found))


def _read_markdown(
    path: Path, schema: Schema, config: Config, problems: Problems
) -> tuple[Raw, Variant] | None:
    text = read_text_file(path, problems)
    if text is None:
        return None
    front, body, body_line = split_front_matter(text, path, problems)
    if front is None:
        return None
    raw = Checker(front, problems, config.languages).mapping(front.data, schema.fields)
    if raw is None or raw.get("title") is None:
        return None
    _check_alt_text(body, path, body_line, problems)
    variant = Variant(
        title=raw["title"], body=body, source=path, body_line=body_line,
        description=raw.get("description"), summary=raw.get("summary"),
        image=raw.get("image"), image_alt=raw.get("image_alt"),
    )
    if variant.image and not variant.image_alt:
        problems.warn(front.loc(("image",)), "a picture needs a text alternative: set image_alt")
    return raw, variant


_IMAGE_NO_ALT = re.compile(r"!\[\s*\]\(|<img\b(?![^>]*\balt=)[^>]*>", re.I)
_PICTURES = (re.compile(r"!\["), re.compile("<img", re.I))  # each searched faster than "in"


def _check_alt_text(body: str, path: Path, first_line: int, problems: Problems) -> None:
    """Content pictures need a text alternative: ``![what it shows](picture.jpg)``."""
    if not any(found.search(body) for found in _PICTURES):  # most bodies
        return
    for offset, line in enumerate(body.splitlines()):
        for match in _IMAGE_NO_ALT.finditer(line):
            problems.warn(SourceLocation(path, first_line + offset, match.start() + 1, "image"),
                          "a picture needs a text alternative: write ![what it shows](…)")


def _entry(
    slug: str, found: dict[str, tuple[Path, Raw, Variant]], config: Config, problems: Problems,
    broken: set[tuple[str, str]],
) -> MarkdownEntry:
    lead_lang = config.default_language if config.default_language in found else next(iter(found))
    path, raw, _ = found[lead_lang]
    for lang in config.languages:
        if lang not in found and (slug, lang) not in broken:
            name = f"{slug}.md" if lang == config.default_language else f"{slug}.{lang}.md"
            problems.warn(SourceLocation(path, 1, 1), f"no {lang} translation ({name}); the "
                          f"{lead_lang} version is shown instead")
    return MarkdownEntry(
        slug=slug,
        variants={lang: variant for lang, (_, _, variant) in found.items()},
        weight=raw.get("weight") or 0,
        menu=raw.get("menu", True) is not False,
        date=raw.get("date"),
    )


def read_image_sizes(root: Path, files: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    """Pixel sizes of the pictures under ``static/``, so pages can give width and height."""
    sizes = {}
    for relative in files:
        if relative.suffix.lower() in IMAGE_SUFFIXES:
            size = image_size(root / "static" / relative)
            if size:
                sizes[relative.as_posix()] = size
    return sizes


def read_static(root: Path) -> tuple[Path, ...]:
    """Files under ``static/`` (relative paths), skipping hidden files."""
    folder = root / "static"
    if not folder.is_dir():
        return ()
    return tuple(sorted(
        p.relative_to(folder) for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ))
