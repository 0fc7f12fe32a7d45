"""Questions ``chmgen init`` asks on a terminal for the settings not given as flags."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import click

from chmgen.config import country_name
from chmgen.errors import ChmgenError
from chmgen.scaffold import TITLES, check_country, check_languages

T = TypeVar("T")


@dataclass(frozen=True)
class SiteSettings:
    """What a new site needs: the Party, its languages, and a title (None: one per language)."""

    country: str
    languages: tuple[str, ...]
    title: str | None


def terminal_attached() -> bool:
    """True when someone can answer: both stdin and stdout are a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def split_languages(text: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in text.split(",") if code.strip())


def ask_settings(country: str | None, languages: str | None, title: str | None) -> SiteSettings:
    """Ask for each missing setting, re-asking until the answer is valid."""
    code = country or click.prompt(
        "Country (ISO 3166-1 alpha-2 code, e.g. ws, ke, fr)", value_proc=_valid(check_country))
    langs = split_languages(languages) if languages else click.prompt(
        "Languages, the default first (e.g. en or fr,en)", default="en",
        value_proc=_valid(lambda text: check_languages(split_languages(text))))
    if title is None:
        suggested = default_title(code.lower(), langs[0])
        answer = click.prompt("Site title", default=suggested)
        # Keeping the suggestion keeps the translated title of every language.
        title = None if answer == suggested else answer
    return SiteSettings(code, langs, title)


def default_title(country: str, lang: str) -> str:
    """The title ``chmgen init`` gives a site in its default language."""
    name = country_name(country, lang) or "Demo country"
    return TITLES.get(lang.split("-")[0], TITLES["en"]).format(name=name)


def _valid(check: Callable[[str], T]) -> Callable[[str], T]:
    """An answer checker for click.prompt: a ChmgenError makes it ask again."""

    def convert(text: str) -> T:
        try:
            return check(text)
        except ChmgenError as error:
            raise click.BadParameter(str(error)) from None

    return convert
