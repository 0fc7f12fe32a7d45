"""Multilingual text values: a plain string, or a mapping of language code to string."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Localized:
    """A text picked for one page language; ``lang`` is set when it differs from the page's."""

    text: str
    lang: str | None = None

    @property
    def is_fallback(self) -> bool:
        return self.lang is not None


@dataclass(frozen=True)
class Text:
    """A human-readable text; ``values`` pairs language codes with strings ("" = any language)."""

    values: tuple[tuple[str, str], ...]
    markdown: bool = False

    @classmethod
    def plain(cls, value: str, markdown: bool = False) -> Text:
        return cls((("", value),), markdown)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.values if lang)

    def __bool__(self) -> bool:
        """Some value is not blank (``isspace`` stops at the first other character, where
        ``strip`` would copy a long text)."""
        return any(text and not text.isspace() for _, text in self.values)

    def pick(self, lang: str, default: str) -> Localized:
        """The text in ``lang``; else in the site's default language; else the first given."""
        table = dict(self.values)
        if lang in table:
            return Localized(table[lang])
        if "" in table:
            return Localized(table[""])
        for candidate in (default, *table):
            if candidate in table:
                return Localized(table[candidate], candidate)
        return Localized("")

    def any(self) -> str:
        """Some value, for sorting and identifiers: the first one given."""
        return self.values[0][1] if self.values else ""


EMPTY = Text(())
