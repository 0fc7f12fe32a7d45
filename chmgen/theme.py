"""Resolve the theme chain (site overrides → theme → parents) into Jinja loaders and catalogs."""

from __future__ import annotations

import copy
import io
import os
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import ChoiceLoader, FileSystemBytecodeCache, FileSystemLoader, PrefixLoader

from chmgen.errors import ThemeError
from chmgen.noop import plain_yaml_mapping


def builtin_themes_dir() -> Path:
    """Themes shipped with chmgen: inside the wheel, or ``themes/`` of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_themes", here.parent / "themes"):
        if candidate.is_dir():
            return candidate
    raise ThemeError("chmgen's built-in themes are missing: reinstall chmgen")


def theme_chain(site_root: Path, name: str) -> list[Path]:
    """The chosen theme's folder followed by the folders of the themes it extends."""
    chain: list[Path] = []
    current: str | None = name
    while current:
        folder = _find_theme(site_root, current)
        if folder in chain:
            raise ThemeError(f"{folder / 'theme.yml'}: theme '{current}' extends itself")
        chain.append(folder)
        current = _theme_meta(folder).get("extends")
    return chain


def _find_theme(site_root: Path, name: str) -> Path:
    for folder in (site_root / name, site_root / "themes" / name, builtin_themes_dir() / name):
        if (folder / "templates").is_dir():
            return folder.resolve()
    known = ", ".join(sorted(p.name for p in builtin_themes_dir().iterdir() if p.is_dir()))
    raise ThemeError(f"{site_root / 'chmgen.yml'}: theme: no theme named '{name}' "
                     f"(built-in themes: {known})")


def _theme_meta(folder: Path) -> dict[str, str]:
    path = folder / "theme.yml"
    if not path.is_file():
        return {}
    text = path.read_text("utf-8")
    plain = plain_yaml_mapping(text)  # (the built-in themes': read without PyYAML)
    if plain is not None:
        return plain
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ThemeError(f"{path}: {exc}") from None
    return data if isinstance(data, dict) else {}


def template_loader(site_root: Path, chain: list[Path]) -> ChoiceLoader:
    """Overrides first, then the theme chain; ``!name/x.html`` reaches a theme's own template."""
    searchpath = [str(site_root / "overrides")] if (site_root / "overrides").is_dir() else []
    searchpath += [str(folder / "templates") for folder in chain]
    prefixed = PrefixLoader(
        {f"!{folder.name}": FileSystemLoader(str(folder / "templates")) for folder in chain},
        delimiter="/",
    )
    return ChoiceLoader([FileSystemLoader(searchpath), prefixed])


def static_dirs(chain: list[Path]) -> list[Path]:
    """Theme asset folders, most specific first."""
    return [folder / "static" for folder in chain if (folder / "static").is_dir()]


def translations(chain: list[Path], lang: str) -> NullTranslations:
    """The theme strings' gettext catalog for ``lang`` (children override parents)."""
    merged: NullTranslations = NullTranslations()
    for folder in reversed(chain):
        catalog = _catalog(folder, lang.replace("-", "_"), _stamp(folder, lang.replace("-", "_"))) \
            or _catalog(folder, lang.split("-")[0], _stamp(folder, lang.split("-")[0]))
        if catalog is None:
            continue
        if isinstance(merged, Translations):
            merged.merge(catalog)
        else:
            merged = copy.copy(catalog)  # merging must not change the cached catalog
            merged._catalog = dict(catalog._catalog)
    return merged


def _po(folder: Path, lang: str) -> Path:
    return folder / "locale" / lang / "LC_MESSAGES" / "messages.po"


def _stamp(folder: Path, lang: str) -> tuple[int, int]:
    """When and how big the catalog file is: an edited catalog is read again (chmgen serve)."""
    try:
        stat = _po(folder, lang).stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


@cache
def _catalog(folder: Path, lang: str, stamp: tuple[int, int]) -> Translations | None:
    po = _po(folder, lang)
    if not po.is_file():
        return None
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=None)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def template_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates, per user (like Python's own bytecode): a template is compiled once
    per source text and Jinja version, whatever the site. Off with CHMGEN_TEMPLATE_CACHE=0."""
    if os.environ.get("CHMGEN_TEMPLATE_CACHE") == "0":
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "chmgen", "templates")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(folder)
