"""Declarative field specs for every content file and the generic validator that applies them.

The same specs generate the content reference (``docs/content.md``) and the ``chmgen new``
templates, so documentation cannot drift from what the loader accepts.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chmgen.errors import Problems
from chmgen.text import Text
from chmgen.yamldoc import KeyPath, YamlDoc, describe

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-–/]\s*(\d{4})\s*$")


@dataclass(frozen=True)
class Field:
    """One key of a content file: its YAML type, whether it is required, and what it means."""

    name: str
    type: str
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()
    items: Field | None = None
    fields: tuple[Field, ...] = ()
    example: Any = None
    default: Any = None


@dataclass(frozen=True)
class Schema:
    """The keys one kind of file may hold."""

    name: str
    doc: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


@dataclass
class Checker:
    """Validates parsed YAML against specs, recording located problems as it goes."""

    doc: YamlDoc
    problems: Problems
    languages: tuple[str, ...]
    seen_languages: set[str] = field(default_factory=set)

    def mapping(
        self, value: Any, fields: tuple[Field, ...], keypath: KeyPath = ()
    ) -> dict[str, Any] | None:
        """Check a mapping: unknown keys (with did-you-mean), required keys, each value's type."""
        if not isinstance(value, dict):
            self.error(keypath, f"expected a mapping, got {describe(value)}")
            return None
        known = {f.name: f for f in fields}
        for key in value:
            if key not in known:
                hint = did_you_mean(key, list(known))
                self.error((*keypath, key), f"unknown key '{key}'{hint}", at_key=True)
        result: dict[str, Any] = {}
        for spec in fields:
            if value.get(spec.name) is None:
                if spec.required:
                    self.error(keypath, f"missing required key '{spec.name}'")
                result[spec.name] = spec.default
                continue
            before = len(self.problems.items)
            cleaned = self.value(value[spec.name], spec, (*keypath, spec.name))
            if cleaned is None and spec.required and len(self.problems.items) == before:
                self.error((*keypath, spec.name), f"'{spec.name}' must not be empty")
            result[spec.name] = cleaned
        return result

    def value(self, value: Any, spec: Field, keypath: KeyPath) -> Any:
        """Check one value against its spec and return it cleaned (None when invalid)."""
        check = _CHECKS.get(spec.type)
        if check is None:
            raise KeyError(f"no checker for field type {spec.type!r}")
        return check(self, value, spec, keypath)

    def error(self, keypath: KeyPath, message: str, *, at_key: bool = False) -> None:
        self.problems.error(self.doc.loc(keypath, at_key=at_key), message)

    def warn(self, keypath: KeyPath, message: str) -> None:
        self.problems.warn(self.doc.loc(keypath), message)

    def expect(self, value: Any, kinds: tuple[type, ...], what: str, keypath: KeyPath) -> bool:
        if isinstance(value, bool) and bool not in kinds:
            self.error(keypath, f"expected {what}, got {describe(value)}")
            return False
        if not isinstance(value, kinds):
            self.error(keypath, f"expected {what}, got {describe(value)}")
            return False
        return True


def did_you_mean(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _string(c: Checker, v: Any, spec: Field, kp: KeyPath) -> str | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    if not c.expect(v, (str,), "a string", kp):
        return None
    if "\x00" in v:
        c.error(kp, "the text contains a NUL character")
        return None
    return v.strip() or None


def _text(c: Checker, v: Any, spec: Field, kp: KeyPath) -> Text | None:
    markdown = spec.type == "markdown"
    if isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return Text.plain(str(v), markdown) if str(v).strip() else None
    if not isinstance(v, dict):
        c.error(kp, f"expected a string or a mapping of language code to string, got {describe(v)}")
        return None
    pairs: list[tuple[str, str]] = []
    for lang, text in v.items():
        if not LANG_RE.match(lang):
            c.error((*kp, lang),
                    f"'{lang}' is not a language code (use BCP 47, e.g. en, fr, pt-BR)")
            continue
        if not isinstance(text, (str, int, float)) or isinstance(text, bool):
            c.error((*kp, lang), f"expected a string, got {describe(text)}")
            continue
        if lang not in c.languages:
            c.warn((*kp, lang), f"language '{lang}' is not declared in chmgen.yml languages")
        c.seen_languages.add(lang)
        pairs.append((lang, str(text)))
    missing = [lang for lang in c.languages if lang not in v]
    if pairs and missing:
        names = ", ".join(missing)
        given = [lang for lang, _ in pairs]
        shown = c.languages[0] if c.languages[0] in given else given[0]
        c.warn(kp, f"no translation for {names}; the {shown} text is shown instead")
    return Text(tuple(pairs), markdown) if pairs else None


def _integer(c: Checker, v: Any, spec: Field, kp: KeyPath) -> int | None:
    if isinstance(v, str) and re.fullmatch(r"-?\d+", v.strip()):
        if len(v.strip()) > 15:
            c.error(kp, "the number is too large")
            return None
        return int(v)
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**15:
        c.error(kp, "the number is too large")
        return None
    return v if c.expect(v, (int,), "a whole number", kp) else None


def _number(c: Checker, v: Any, spec: Field, kp: KeyPath) -> float | None:
    if isinstance(v, str):
        try:
            v = float(v.replace(",", ""))
        except (ValueError, OverflowError):
            pass
    if not c.expect(v, (int, float), "a number", kp):
        return None
    try:
        number = float(v)
    except OverflowError:
        number = float("inf")
    if not math.isfinite(number):
        c.error(kp, "expected a finite number")
        return None
    return number


def _year(c: Checker, v: Any, spec: Field, kp: KeyPath) -> int | None:
    if isinstance(v, str) and re.fullmatch(r"\d{4}", v.strip()):
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int) or not 1900 <= v <= 2100:
        c.error(kp, f"expected a year such as 2030, got {_show(v)}")
        return None
    return v


def _date(c: Checker, v: Any, spec: Field, kp: KeyPath) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    c.error(kp, f"expected a date as YYYY-MM-DD, got {_show(v)}")
    return None


def _date_or_year(c: Checker, v: Any, spec: Field, kp: KeyPath) -> dt.date | int | None:
    if isinstance(v, int) and not isinstance(v, bool) or isinstance(v, str) and v.isdigit():
        return _year(c, v, spec, kp)
    if isinstance(v, (dt.date, str)):
        return _date(c, v, spec, kp)
    c.error(kp, f"expected a year (2030) or a date (2030-12-31), got {_show(v)}")
    return None


def _datetime(c: Checker, v: Any, spec: Field, kp: KeyPath) -> dt.date | dt.datetime | None:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v
    if isinstance(v, str):
        text = v.strip()
        try:
            return dt.date.fromisoformat(text) if len(text) == 10 else \
                dt.datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            pass
    c.error(kp, f"expected a date (2026-05-22) or a date and time (2026-05-22 09:00), "
                f"got {_show(v)}")
    return None


def _timezone(c: Checker, v: Any, spec: Field, kp: KeyPath) -> str | None:
    if not c.expect(v, (str,), "a time zone such as Pacific/Apia or UTC", kp):
        return None
    try:
        zoneinfo.ZoneInfo(v)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        c.error(kp, f"'{v}' is not an IANA time zone (e.g. Africa/Nairobi, Pacific/Apia, UTC)")
        return None
    return str(v)


def _boolean(c: Checker, v: Any, spec: Field, kp: KeyPath) -> bool | None:
    return v if c.expect(v, (bool,), "true or false", kp) else None


def _identifier(c: Checker, v: Any, spec: Field, kp: KeyPath) -> str | None:
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if not c.expect(v, (str,), "an id", kp):
        return None
    if not ID_RE.match(v):
        c.error(kp, f"'{v}' is not a valid id: use letters, digits, '-' and '_' only")
        return None
    return str(v)


def _url(c: Checker, v: Any, spec: Field, kp: KeyPath) -> str | None:
    if not c.expect(v, (str,), "a URL", kp):
        return None
    url = str(v).strip()
    if re.match(r"^(https?://|mailto:)", url) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):
        return url
    c.error(kp, f"'{url}' is not an http(s) or mailto URL, nor a path")
    return None


def _choice(c: Checker, v: Any, spec: Field, kp: KeyPath) -> str | None:
    if not c.expect(v, (str,), "one of " + ", ".join(spec.choices), kp):
        return None
    if v not in spec.choices:
        hint = did_you_mean(v, list(spec.choices))
        c.error(kp, f"'{v}' is not one of {', '.join(spec.choices)}{hint}")
        return None
    return str(v)


def _language(c: Checker, v: Any, spec: Field, kp: KeyPath) -> str | None:
    if not c.expect(v, (str,), "a language code", kp):
        return None
    if not LANG_RE.match(v):
        c.error(kp, f"'{v}' is not a language code (use BCP 47, e.g. en, fr, pt-BR)")
        return None
    return str(v)


def _list(c: Checker, v: Any, spec: Field, kp: KeyPath) -> tuple[Any, ...] | None:
    if not isinstance(v, list):
        c.error(kp, f"expected a list, got {describe(v)}")
        return None
    assert spec.items is not None
    cleaned = [c.value(item, spec.items, (*kp, i)) for i, item in enumerate(v)]
    return tuple(item for item in cleaned if item is not None)


def _mapping(c: Checker, v: Any, spec: Field, kp: KeyPath) -> dict[str, Any] | None:
    return c.mapping(v, spec.fields, kp)


def _period(c: Checker, v: Any, spec: Field, kp: KeyPath) -> tuple[int, int] | None:
    if isinstance(v, str) and (m := PERIOD_RE.match(v)):
        start, end = int(m.group(1)), int(m.group(2))
        if not (1900 <= start <= 2100 and 1900 <= end <= 2100):
            c.error(kp, f"expected years between 1900 and 2100, got {v!r}")
            return None
    elif isinstance(v, dict):
        got = c.mapping(v, PERIOD_FIELDS, kp)
        if not got or got["start"] is None or got["end"] is None:
            return None
        start, end = got["start"], got["end"]
    else:
        c.error(kp, "expected a period such as 2024-2030 or {start: 2024, end: 2030}, "
                    f"got {_show(v)}")
        return None
    if end < start:
        c.error(kp, f"the period ends ({end}) before it starts ({start})")
        return None
    return start, end


def _any(c: Checker, v: Any, spec: Field, kp: KeyPath) -> Any:
    return v


def _show(v: Any) -> str:
    return repr(v) if isinstance(v, str) else describe(v)


_CHECKS: dict[str, Callable[[Checker, Any, Field, KeyPath], Any]] = {
    "string": _string,
    "text": _text,
    "markdown": _text,
    "integer": _integer,
    "number": _number,
    "year": _year,
    "date": _date,
    "date_or_year": _date_or_year,
    "datetime": _datetime,
    "timezone": _timezone,
    "boolean": _boolean,
    "id": _identifier,
    "url": _url,
    "choice": _choice,
    "language": _language,
    "list": _list,
    "mapping": _mapping,
    "period": _period,
    "any": _any,
}

PERIOD_FIELDS = (
    Field("start", "year", "First year.", required=True, example=2024),
    Field("end", "year", "Last year.", required=True, example=2030),
)
