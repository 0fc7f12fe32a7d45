"""Load ``chmgen.yml`` into a frozen, validated Config."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from chmgen import fileio, filememo
from chmgen.errors import Problems, SourceLocation
from chmgen.menu import read_menu
from chmgen.model import CentralChm, Config
from chmgen.schema import Checker, Field
from chmgen.slugs import slugify
from chmgen.specs import CENTRAL_SCHEMAS, CONFIG, HOME_BLOCKS
from chmgen.text import EMPTY, Text
from chmgen.yamldoc import YamlDoc, parse_yaml

CONFIG_FILE = "chmgen.yml"
_DURATION = re.compile(r"^\s*(\d{1,9})\s*([smhdw]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# ISO 3166-1 codes reserved for user assignment: valid for demo and test sites.
_USER_ASSIGNED = re.compile(r"^(AA|Q[M-Z]|X[A-Z]|ZZ)$")


def read_text_file(path: Path, problems: Problems) -> str | None:
    """A content file's text, or None with a located problem (not UTF-8, unreadable)."""
    try:
        text = fileio.read_text(path)
    except UnicodeDecodeError as exc:
        problems.error(undecodable(path, exc), "not UTF-8 text: save the file as UTF-8 "
                       f"({exc.reason} at byte {exc.start})")
        return None
    except OSError as exc:
        problems.error(SourceLocation(path, 1, 1), f"cannot read file: {exc.strerror}")
        return None
    filememo.read_text(path, text)
    return text


def read_yaml_file(path: Path, problems: Problems) -> YamlDoc | None:
    """Read and parse one YAML file, recording unreadable files and syntax errors."""
    def read(found: Problems) -> YamlDoc | None:
        text = read_text_file(path, found)
        return None if text is None else parse_yaml(text, path, found)

    return filememo.remembered("yaml", path, None, problems, read)


def undecodable(path: Path, exc: UnicodeDecodeError) -> SourceLocation:
    """The line and column of the first byte that is not UTF-8."""
    before = exc.object[: exc.start]
    line = before.count(b"\n") + 1
    return SourceLocation(path, line, exc.start - (before.rfind(b"\n") + 1) + 1)


def is_country_code(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code of a country (or a user-assigned code for demo sites)."""
    upper = code.strip().upper()
    return bool(re.fullmatch(r"[A-Z]{2}", upper)) and upper not in _NOT_COUNTRIES and (
        upper in Locale("en").territories or bool(_USER_ASSIGNED.match(upper)))


def load_config(root: Path, problems: Problems) -> Config | None:
    """Read ``root/chmgen.yml``; None (with problems recorded) when it is missing or invalid."""
    path = root / CONFIG_FILE
    if not path.is_file():
        problems.error(
            SourceLocation(path),
            f"no {CONFIG_FILE} here: is this a chmgen site? (create one with `chmgen init`)",
        )
        return None
    doc = read_yaml_file(path, problems)
    if doc is None:
        return None
    before = len(problems.errors())
    languages = _languages(doc, problems)
    checker = Checker(doc, problems, languages)
    raw = checker.mapping(doc.data if doc.data is not None else {}, CONFIG.fields)
    if raw is None or len(problems.errors()) > before:
        return None
    country = _country(raw["country"], doc, problems)
    if country is None:
        return None
    central = _central(raw["central_chm"] or {}, doc, problems)
    _check_base_url(raw["base_url"], doc, problems)
    name = raw["country_name"] or _country_name(country, languages)
    if name is None:
        problems.error(doc.loc(("country",)),
                       f"'{country}' is a user-assigned code: set country_name too")
        return None
    return Config(
        root=root,
        title=raw["title"],
        country=country,
        country_name=name,
        languages=languages,
        base_url=_base_url(raw["base_url"]),
        theme=raw["theme"] or "default",
        central_chm=central,
        description=raw["description"] or EMPTY,
        organization=raw["organization"] or EMPTY,
        footer=raw["footer"] or EMPTY,
        show_focal_point_email=bool((raw["focal_points"] or {}).get("show_email")),
        budget_html_kb=float((raw["budget"] or {}).get("html_kb") or 30),
        budget_page_kb=float((raw["budget"] or {}).get("page_kb") or 100),
        search=raw["search"] is not False,
        preset=raw["preset"] or "default",
        menu=read_menu(raw["menu"], doc, problems, languages) if raw["menu"] is not None
        else None,
        hide=tuple(raw["hide"] or ()),
        home=tuple(raw["home"]) if raw["home"] is not None else HOME_BLOCKS,
        land_area_km2=raw["land_area_km2"],
        marine_area_km2=raw["marine_area_km2"],
        biobridge_url=raw["biobridge_url"] or "https://www.cbd.int/biobridge/",
        themes=_themes(raw["themes"], doc, problems, languages),
    )


def _languages(doc: YamlDoc, problems: Problems) -> tuple[str, ...]:
    """The declared languages, read first because every text field is checked against them."""
    data = doc.data if isinstance(doc.data, dict) else {}
    probe = Checker(doc, Problems(), ())
    langs = probe.value(data.get("languages", ["en"]), CONFIG.field("languages"), ("languages",))
    if not langs:  # the main validation of chmgen.yml reports what is wrong with it
        return ("en",)
    seen: list[str] = []
    for index, lang in enumerate(langs):
        if lang in seen:
            problems.error(doc.loc(("languages", index)), f"language '{lang}' is listed twice")
        else:
            seen.append(lang)
    return tuple(seen)


# CLDR "territories" that are not countries a Party can be (the EU is a Party: EU stays).
_NOT_COUNTRIES = {"EZ", "UN", "QO", "XA", "XB"}


def _country(value: str | None, doc: YamlDoc, problems: Problems) -> str | None:
    if value is None:
        return None  # already reported (missing or empty)
    if is_country_code(value):
        return value.strip().lower()
    problems.error(doc.loc(("country",)),
                   f"'{value}' is not an ISO 3166-1 alpha-2 country code (e.g. 'fr', 'ke', 'ws')")
    return None


def _country_name(country: str, languages: tuple[str, ...]) -> Text | None:
    """The Party's name in each site language, from the CLDR data that Babel ships."""
    code = country.upper()
    if _USER_ASSIGNED.match(code):
        return None
    names = []
    for lang in languages:
        try:
            locale = Locale.parse(lang.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            locale = Locale("en")
        names.append((lang, locale.territories.get(code) or Locale("en").territories[code]))
    return Text(tuple(names))


def country_name(country: str, lang: str) -> str | None:
    """One language's name of a country code, or None for unknown codes."""
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    names = locale.territories
    return names.get(country.upper()) or Locale("en").territories.get(country.upper())


def _themes(value: Any, doc: YamlDoc, problems: Problems,
            languages: tuple[str, ...]) -> dict[str, Text]:
    """Labels of thematic areas: ``{slug: text}``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.error(doc.loc(("themes",)), "expected a mapping of theme to its label")
        return {}
    checker = Checker(doc, problems, languages)
    labels = {}
    for key, label in value.items():
        text = checker.value(label, Field("label", "text", ""), ("themes", key))
        if text is not None:
            labels[slugify(str(key))] = text
    return labels


def _central(raw: dict[str, Any], doc: YamlDoc, problems: Problems) -> CentralChm:
    """The ``central_chm`` settings with their defaults filled in."""
    defaults = CentralChm()
    max_age = _max_age(raw, doc, problems)
    mapping = raw.get("target_mapping") or {}
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        problems.error(doc.loc(("central_chm", "target_mapping")),
                       "expected a mapping of central identifier to local target id")
        mapping = {}
    counts = {}
    for key in ("notifications", "meetings"):
        value = raw.get(key)
        if value is not None and value < 0:
            problems.error(doc.loc(("central_chm", key)), "expected 0 or more")
        counts[key] = value if value is not None and value >= 0 else getattr(defaults, key)
    return CentralChm(
        url=(raw.get("url") or defaults.url).rstrip("/"),
        max_age=max_age if max_age is not None else defaults.max_age,
        enabled=raw.get("enabled") is not False,
        records=tuple(raw["records"]) if raw.get("records") is not None else CENTRAL_SCHEMAS,
        notifications=counts["notifications"],
        meetings=counts["meetings"],
        target_mapping=dict(mapping),
        timeout=float(raw.get("timeout") or defaults.timeout),
    )


def _max_age(central: dict[str, Any], doc: YamlDoc, problems: Problems) -> int | None:
    value = central.get("max_age")
    if value is None:
        return None
    match = _DURATION.match(str(value))
    if not match:
        problems.error(doc.loc(("central_chm", "max_age")),
                       f"'{value}' is not a duration: use seconds or e.g. 30m, 12h, 1d")
        return None
    return int(match.group(1)) * _SECONDS[match.group(2)]


def _base_url(value: str | None) -> str | None:
    if not value:
        return None
    return value if value.endswith("/") else value + "/"


def _check_base_url(value: str | None, doc: YamlDoc, problems: Problems) -> None:
    """``base_url`` is the public address: an absolute http(s) URL."""
    if value and not re.match(r"^https?://[^/\s]+", value):
        problems.error(doc.loc(("base_url",)), f"'{value}' is not an absolute address: write "
                       "it in full, e.g. https://example.github.io/chm/")
