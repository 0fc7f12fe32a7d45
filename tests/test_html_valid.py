"""The W3C Nu HTML checker finds no error in any page of the built site, in all six UN
languages (the same build the browser tests use, served under a sub-path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.six_languages import LANGUAGES, BuiltSite
from tests.support.vnu import format_messages

Vnu = Callable[[list[Path]], list[dict[str, Any]]]


def test_every_page_is_valid_html(un_site: BuiltSite, vnu: Vnu) -> None:
    pages = sorted(un_site.out.rglob("*.html"))
    # Guard against checking an almost empty site: every language has its own tree of pages.
    assert len(pages) > 140 * len(LANGUAGES)
    for lang in LANGUAGES[1:]:
        assert (un_site.out / lang / "index.html") in pages
    errors = vnu([un_site.out])
    assert not errors, f"{len(errors)} errors:\n" + format_messages(errors[:50])
