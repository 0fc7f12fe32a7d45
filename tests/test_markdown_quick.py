"""chmgen's inline stage skips the Python-Markdown patterns a text cannot match: its output must
be exactly what Python-Markdown's own inline stage gives, for any text."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.treeprocessors import InlineProcessor

from chmgen import markup

ROOT = Path(__file__).resolve().parent.parent

# Every inline construct of Python-Markdown and "extra", and the characters they start with.
TOKENS = [
    "a", "b c", " ", "\n", "\n\n", "  \n", "*", "**", "_", "__", "`", "``", "[", "]", "(", ")",
    "!", "<", ">", "&", ";", "#", "\\", "^", ":", "{", "}", ".", "-", "|", '"', "'", "@", "/",
    "http://example.org/a_b", "<https://example.org/>", "<me@example.org>", "&amp;", "&#38;",
    "&copy;", "<b>", "</b>", "<br/>", "<!-- c -->", "[a](/targets/)", "[a][r]", "[r]",
    "\n[r]: /indicators/ \"t\"\n", "![i](p.png)", "![i][r]", "*[HTML]: Hyper\n", "HTML",
    "[^1]", "\n[^1]: note\n", "```\ncode\n```\n", "~~~\n", "    code\n", "- ", "1. ", "> ",
    "# ", "## h {: #id .c }", "{: .c}", "\nterm\n: def\n", "<div markdown=\"1\">\n", "\n</div>\n",
    "`` x ` y ``", "\\*", "\\`", "2*3*4", "snake_case_name", "***x***", "___y___",
    "| a | b |\n| --- | --- |\n| 1 | 2 |\n", "--", "...", "\u00e9", "\u0639\u0631\u0628\u064a",
]


def stock_converter() -> markdown.Markdown:
    """chmgen's converter with Python-Markdown's own inline stage put back."""

    class Stock(markup._Chmgen):
        def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
            super().extendMarkdown(md)
            md.treeprocessors.register(InlineProcessor(md), "inline", 20)

    md = markdown.Markdown(extensions=["extra", "sane_lists", Stock()], output_format="html")
    assert type(md.treeprocessors["inline"]) is InlineProcessor
    return md


STOCK = stock_converter()


def stock(text: str) -> str:
    return STOCK.reset().convert(text.replace(markup.MARK, ""))


def quick(text: str) -> str:
    md = markup._converter()
    md.reset()
    return md.convert(text.replace(markup.MARK, ""))


def test_the_quick_inline_stage_is_in_use_and_knows_every_pattern() -> None:
    md = markup._converter()
    assert type(md.treeprocessors["inline"]) is markup._QuickInline
    # Each of this Python-Markdown's inline patterns is skipped when its text cannot match:
    # none is left to be searched always (which would be correct, only slower).
    unknown = [pattern.compiled_re.pattern for pattern in md.inlinePatterns
               if markup._needs(pattern) == (None, None)]
    assert unknown == []
    assert markup._needs(object()) == (None, None)


def test_each_pattern_needs_what_it_says() -> None:
    # A pattern's regular expression finds nothing in a text without its strings, and finds
    # something in at least one text with them (a wrong entry would skip a real match).
    md = markup._converter()
    for pattern in md.inlinePatterns:
        needs = [n for n in markup._needs(pattern) if n is not None]
        regex = pattern.compiled_re
        without = "".join(t for t in TOKENS if not any(n in t for n in needs))
        assert regex.search(without) is None, (regex.pattern, needs)
        assert any(regex.search(t) for t in TOKENS), regex.pattern


@pytest.mark.parametrize("path", sorted(
    p.relative_to(ROOT).as_posix() for folder in ("sample_site", "docs", "tests/fixtures")
    for p in (ROOT / folder).rglob("*.md")))
def test_project_texts_convert_as_python_markdown_does(path: str) -> None:
    text = (ROOT / path).read_text("utf-8")
    assert quick(text) == stock(text)


def test_every_construct_converts_as_python_markdown_does() -> None:
    for token in TOKENS:
        for text in (token, f"x {token} y", f"*a {token} b*", f"[l {token}](/p/)",
                     f"- item {token}\n- two", f"> {token}"):
            assert quick(text) == stock(text), text


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_any_text_converts_as_python_markdown_does(parts: list[str]) -> None:
    text = "".join(parts)
    assert quick(text) == stock(text)
