"""``chmgen init`` and ``chmgen new``: write a new site, or one new content file, from templates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from chmgen import __version__
from chmgen.config import country_name, is_country_code
from chmgen.errors import ChmgenError
from chmgen.schema import ID_RE, LANG_RE

# "National Clearing-House Mechanism" in the six UN languages, for the default site title.
TITLES = {
    "en": "Clearing-House Mechanism of {name}",
    "fr": "Centre d'échange sur la biodiversité – {name}",
    "es": "Mecanismo de facilitación – {name}",
    "ar": "آلية غرفة تبادل المعلومات – {name}",
    "ru": "Механизм посредничества – {name}",
    "zh": "{name}信息交换所机制",
}


@dataclass(frozen=True)
class FileType:
    """A kind of content file ``chmgen new`` can create."""

    folder: str
    template: str
    suffix: str


TYPES = {
    "target": FileType("targets", "target.yml", ".yml"),
    "indicator": FileType("indicators", "indicator.yml", ".yml"),
    "action": FileType("actions", "action.yml", ".yml"),
    "page": FileType("pages", "page.md", ".md"),
    "news": FileType("news", "news.md", ".md"),
    "chapter": FileType("nbsap", "chapter.md", ".md"),
    "event": FileType("events", "event.yml", ".yml"),
    "document": FileType("documents", "document.yml", ".yml"),
    "project": FileType("projects", "project.yml", ".yml"),
    "ecosystem": FileType("ecosystems", "ecosystem.yml", ".yml"),
    "protected-area": FileType("protected-areas", "protected-area.yml", ".yml"),
    "species": FileType("species", "species.yml", ".yml"),
    "organization": FileType("organizations", "organization.yml", ".yml"),
    "learning": FileType("learning", "learning.yml", ".yml"),
}


def template(name: str) -> str:
    return resources.files(__package__).joinpath("skeleton").joinpath(name).read_text("utf-8")


def fill(text: str, **values: str) -> str:
    """Replace ``{key}`` for the given keys only; other braces (YAML flow maps) stay."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def check_country(country: str) -> str:
    code = country.strip().lower()
    if not is_country_code(code):
        raise ChmgenError(f"'{country}' is not an ISO 3166-1 alpha-2 country code "
                          "(e.g. ws, ke, fr)")
    return code


def check_languages(languages: tuple[str, ...]) -> tuple[str, ...]:
    if not languages:
        raise ChmgenError("give at least one language, e.g. --languages en,fr")
    for lang in languages:
        if not LANG_RE.match(lang):
            raise ChmgenError(f"'{lang}' is not a language code (use BCP 47, e.g. en, fr, pt-BR)")
    return languages


def site_files(country: str, languages: tuple[str, ...], title: str | None,
               today: dt.date) -> dict[str, str]:
    """Every file of a new site, keyed by its path relative to the site folder."""
    assigned = {lang: country_name(country, lang) for lang in languages}
    names = {lang: name or "Demo country" for lang, name in assigned.items()}
    default = languages[0]
    if title:
        title_yaml = f"  {default}: {_quote(title)}"
    else:
        title_yaml = "\n".join(
            f"  {lang}: "
            + _quote(TITLES.get(lang.split("-")[0], TITLES["en"]).format(name=names[lang]))
            for lang in languages)
    period = f"{today.year}-2030" if today.year < 2030 else f"{today.year}-{today.year + 6}"
    values = {"country": country, "country_name": names[default], "date": today.isoformat(),
              "languages": ", ".join(languages), "title": title_yaml, "period": period,
              "version": __version__, "indicator": "protected-areas", "target": "t1"}
    files = {
        "chmgen.yml": fill(template("chmgen.yml"), **values)
        + ("" if assigned[default] else
           "\n# A user-assigned code names no real country: say which one the site is for.\n"
           "country_name: Demo country\n"),
        "nbsap/nbsap.yml": fill(template("nbsap.yml"), **values),
        "targets/t1.yml": fill(template("target.yml"), **{**values, "id": "t1"}),
        "indicators/protected-areas.yml": fill(template("indicator.yml"),
                                               **{**values, "id": "protected-areas"}),
        "actions/a1.yml": fill(template("action.yml"), **{**values, "id": "a1"}),
        "cooperation/needs.yml": template("needs.yml"),
        "cooperation/offers.yml": template("offers.yml"),
        ".gitignore": template("gitignore"),
        ".github/workflows/chmgen.yml": fill(template("workflow.yml"), version=__version__),
    }
    for kind in ("event", "document", "project", "ecosystem", "protected-area", "species",
                 "organization", "learning"):
        spec = TYPES[kind]
        files[f"{spec.folder}/example{spec.suffix}"] = fill(
            template(spec.template), **{**values, "id": "example"})
    for name, folder, slug in (("chapter.md", "nbsap", "vision"), ("page.md", "pages", "about"),
                               ("news.md", "news", "welcome")):
        text = fill(template(name), **{**values, "id": slug})
        for lang in languages:
            suffix = "" if lang == default else f".{lang}"
            files[f"{folder}/{slug}{suffix}.md"] = text
    return files


def check_directory(directory: Path, force: bool) -> None:
    """A new site goes into a missing or empty folder (any folder with ``force``)."""
    if directory.exists() and not directory.is_dir():
        raise ChmgenError(f"{directory}: exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise ChmgenError(f"{directory}: not empty; choose an empty folder or add --force "
                          "(existing files with the same names are overwritten)")


def create_site(directory: Path, country: str, languages: tuple[str, ...], *,
                title: str | None = None, force: bool = False,
                today: dt.date | None = None) -> list[Path]:
    """Write a complete, buildable site; refuses a non-empty directory unless ``force``."""
    code = check_country(country)
    langs = check_languages(languages)
    check_directory(directory, force)
    written = []
    for relative, text in site_files(code, langs, title, today or dt.date.today()).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written.append(path)
    return written


def new_file(site: Path, kind: str, ident: str, *, today: dt.date | None = None) -> Path:
    """Write one commented content file of ``kind`` named ``ident``; never overwrites."""
    if kind not in TYPES:
        raise ChmgenError(f"unknown type '{kind}' (known: {', '.join(sorted(TYPES))})")
    if not ID_RE.match(ident):
        raise ChmgenError(f"'{ident}' is not a valid id: use letters, digits, '-' and '_'")
    if not (site / "chmgen.yml").is_file():
        raise ChmgenError(f"{site / 'chmgen.yml'}: no chmgen.yml here: is this a chmgen site?")
    spec = TYPES[kind]
    path = site / spec.folder / f"{ident}{spec.suffix}"
    if path.exists():
        raise ChmgenError(f"{path}: exists already; choose another id")
    first_target = next(iter(sorted((site / "targets").glob("*.yml"))), None)
    first_indicator = next(iter(sorted((site / "indicators").glob("*.yml"))), None)
    text = fill(template(spec.template), id=ident, date=(today or dt.date.today()).isoformat(),
                country_name="the country",
                target=first_target.stem if first_target else "t1",
                indicator=first_indicator.stem if first_indicator else ident)
    if kind == "target" and first_indicator is None:
        text = text.replace(f"indicators: [{ident}]", "indicators: []")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def adopt_central_targets(directory: Path, api_url: str | None = None) -> list[str]:
    """``init --from-central``: import the Party's national targets from the central CHM in
    place of the example target, and point the examples at the first imported one.

    Returns the importer's lines for the user.
    """
    from chmgen.records.central import FetchOptions
    from chmgen.records.importer import import_targets

    results, problems = import_targets(directory, options=FetchOptions(api_url=api_url))
    written = sorted(r.path.stem for r in results if r.written)
    lines = [str(p) for p in problems.warnings()] + [r.message for r in results]
    if not written:
        lines.append("no national targets found in the central CHM: the example target stays")
        return lines
    (directory / "targets" / "t1.yml").unlink(missing_ok=True)
    for path in sorted(directory.rglob("*.yml")):
        if "targets" in path.relative_to(directory).parts[:1]:
            continue
        text = path.read_text("utf-8")
        if "targets: [t1]" in text:
            path.write_text(text.replace("targets: [t1]", f"targets: [{written[0]}]"), "utf-8")
    lines.append(f"{len(written)} national targets imported; the example target was removed")
    return lines

