"""Theme string catalogs: extract translatable strings from templates, create and update .po files.

The steps a theme maintainer runs (``chmgen i18n extract``, ``init``, ``update``) are Babel's
own extract/init/update, pointed at a theme folder; chmgen reads the .po files directly at build
time, so there is no compile step.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from chmgen.errors import ChmgenError

METHOD_MAP = [("templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                 "lstrip_blocks": "true"}}
# A fixed creation date keeps regenerated catalogs byte-identical when nothing changed.
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def pot_path(theme: Path) -> Path:
    return theme / "locale" / "messages.pot"


def po_path(theme: Path, lang: str) -> Path:
    return theme / "locale" / lang.replace("-", "_") / "LC_MESSAGES" / "messages.po"


def extract(theme: Path) -> Catalog:
    """Collect every ``_()`` string of the theme's templates into ``locale/messages.pot``."""
    catalog = Catalog(project="chmgen theme", version="1", creation_date=STAMP,
                      revision_date=STAMP, msgid_bugs_address="", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(theme), METHOD_MAP, options_map=OPTIONS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    _write(pot_path(theme), catalog)
    return catalog


def init(theme: Path, lang: str) -> Path:
    """Start the catalog of a new language from the template catalog."""
    target = po_path(theme, lang)
    if target.exists():
        raise ChmgenError(f"{target}: exists already; use `chmgen i18n update`")
    template = _read(pot_path(theme)) if pot_path(theme).exists() else extract(theme)
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise ChmgenError(f"'{lang}' is not a language Babel knows (CLDR)") from None
    catalog = Catalog(locale=locale, project="chmgen theme", version="1",
                      creation_date=STAMP, revision_date=STAMP, charset="utf-8")
    catalog.update(template)
    _write(target, catalog)
    return target


def update(theme: Path) -> list[Path]:
    """Merge new and changed template strings into every language's catalog."""
    template = extract(theme)
    updated = []
    for po in sorted((theme / "locale").glob("*/LC_MESSAGES/messages.po")):
        catalog = _read(po)
        catalog.update(template, no_fuzzy_matching=True)
        _write(po, catalog)
        updated.append(po)
    return updated


def untranslated(theme: Path, lang: str) -> list[str]:
    """Template strings that ``lang``'s catalog does not translate (missing, empty or fuzzy)."""
    template = extract_catalog_ids(theme)
    path = po_path(theme, lang)
    if not path.exists():
        return sorted(_show(key) for key in template)
    catalog = _read(path)
    done = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
            if m.id and m.string and not m.fuzzy}
    return sorted(_show(key) for key in template - done)


def extract_catalog_ids(theme: Path) -> set[tuple[str | None, str]]:
    """Every (context, message) the theme's templates ask to translate."""
    return {(context, message if isinstance(message, str) else message[0])
            for _, _, message, _, context in extract_from_dir(str(theme), METHOD_MAP,
                                                               options_map=OPTIONS)}


def _show(key: tuple[str | None, str]) -> str:
    context, message = key
    return f"[{context}] {message}" if context else message


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False)
