"""quickmark converts the most common Markdown directly: every text it converts must come out
exactly as Python-Markdown (with chmgen's extensions) converts it, and a text it cannot
convert so must be left to Python-Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chmgen import markup, quickmark
from chmgen.frontmatter import markdown_body
from tests.test_markdown_quick import stock

ROOT = Path(__file__).resolve().parent.parent

# What quickmark converts, one construct at a time (each must be taken, and come out right).
TAKEN = [
    "Plain prose.",
    "Two lines\nof one paragraph.",
    "First paragraph.\n\nSecond paragraph.",
    "Blank lines\n\n\n\nmore than one.",
    "\n\nLeading and trailing blank lines.\n\n",
    "# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six",
    "## A heading [with a link](/targets/t1/)",
    "Site [link](/targets/t1/), relative [link](../x/), outside "
    "[link](https://www.cbd.int/gbf/targets/3/?a=b#c) and [protocol-relative](//cdn.example/x).",
    "[A link](/x/) starts it and [another](y/) ends it: [last](z)",
    "[Adjacent](/a/)[links](/b/) and a [link](/c/)(in parentheses) and [x](/y/)).",
    "Addresses with [underscores](/a_b/) and [stars](/a*b/).",
    "A link with [text -- dashes and \"quotes\"](/q/) in it.",
    "Some \"quotes\" and 'single' ones, it's the 1990s -- or --- more... and . . . too.",
    "He said \"[this](/x/)\" and '[that](/y/)'.",
    "Greater > than and 2 > 1 are escaped.",
    "Unicode: é, 中文, عربي, Ελληνικά.",
    "A colon: then a definition-looking line\nwith text after.",
    "- one\n- two\n- three",
    "- [a link item](/x/)\n- item with \"quotes\"",
    "1. one\n2. two",
    "3. starts at three\n4. four",
    "01. leading zero",
    "2024. A year that starts an ordered list",
    "Text.\n\n- a list\n\nText.\n\n- another list",
    "| A | B |\n| --- | --- |\n| 1 | 2 |",
    "| Left | Centre | Right | None |\n| :-- | :-: | --: | --- |\n| a | b | c | d |",
    "| A | B |\n| --- | --- |\n|  | empty first cell |\n| [link](/t/) | \"q\" -- x |",
    "| Name | Value |\n|---|---:|\n| x | 1,000 |",
    "# Heading\n\nProse [link](/a/).\n\n- item\n- item\n\n| A | B |\n| --- | --- |\n| 1 | 2 |",
]

# What it leaves to Python-Markdown (each must be left).
LEFT = [
    "", "   ", "*emphasis*", "**strong**", "snake_case", "`code`", "a\\*b", "<b>html</b>",
    "&amp;", "Title {: #id }", "Footnote[^1]", "![picture](/p.png)", "[reference][r]",
    "[r]: /x/", "[bare brackets]", "Link [with](/a title)", "[a](</x/>)", "    indented",
    " leading space", "trailing space ", "line break  \nhere", "tab\there", "cr\r\nlf",
    "> quote", "Term\n: definition", "Setext\n===", "Setext\n---", "---", "* star list",
    "+ plus list", "-  two spaces", "- 1 digit item", "1) paren list", "- a\n\n- b", "- a\n\n1. b",
    "- a\n  continued", "- a\nlazy line", "Para\n- not a list", "#NoSpace", "## Closed ##",
    "# Two\nlines", "| A |\n| --- |\n| one column |", "| A | B |\n| --- | --- |",
    "| A | B |\n| --- | --- |\n| 1 | 2 | 3 |", "| A | B |\n| - x | --- |\n| 1 | 2 |",
    "| A | B\n| --- | --- |\n| 1 | 2 |", "Pipe | in prose",
    "| A | B |\n| --- | --- |\n| [a|b](/x/) | 2 |", "[pipe](/a|b/) in an address",
    "~~~\nfence\n~~~", "1990s\n\nstarts with a digit", "\"Quoted\" start",
]


@pytest.mark.parametrize("text", TAKEN)
def test_each_construct_it_takes_converts_as_python_markdown_does(text: str) -> None:
    html = quickmark.direct(text)
    assert html is not None, "left to Python-Markdown"
    assert html == stock(text)


@pytest.mark.parametrize("text", LEFT)
def test_what_it_does_not_convert_is_left_to_python_markdown(text: str) -> None:
    assert quickmark.direct(text) is None
    assert markup.convert(text) == markup.convert_fully(text)


def test_convert_shifts_headings_as_markup_does() -> None:
    text = "# Top\n\n### Skipped a level\n\nProse."
    for level in (1, 2, 3):
        assert quickmark.convert(text, level) == markup.convert_fully(text, level)
    assert quickmark.convert("*x*") is None


# Pieces a generated text is made of: the constructs above and what is close to them.
INLINE = ["a", "word", " ", "Two words", "-", "--", "...", '"', "'", "1990s", ">", ":", ": ",
          "[x](/t/)", "[y](z/)", "[w](https://e.org/a_b)", "[", "]", "(", ")", "!", "*", "_",
          "|", "#", "`", "\\", "<", "&", "{", "é", "中", "1.", "  "]
LINE_STARTS = ["", "- ", "1. ", "3. ", "# ", "## ", "| ", "|", "> ", ": ", " ", "* ", "[a](/b/) "]


@st.composite
def texts(draw: st.DrawFn) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 4))):
        lines = []
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.sampled_from(LINE_STARTS))
            body = "".join(draw(st.lists(st.sampled_from(INLINE), min_size=1, max_size=6)))
            end = draw(st.sampled_from(["", "", " |", "|", " "]))
            lines.append(start + body + end)
        if draw(st.booleans()):  # a table's separator row
            cells = draw(st.lists(st.sampled_from(["---", ":--", "--:", ":-:", "-", " --- "]),
                                  min_size=1, max_size=3))
            lines.insert(1, "|" + "|".join(cells) + "|")
        blocks.append("\n".join(lines))
    separator = draw(st.sampled_from(["\n\n", "\n\n", "\n\n\n", "\n"]))
    return separator.join(blocks)


@settings(max_examples=1500, deadline=None)
@given(texts())
def test_any_text_it_converts_comes_out_as_python_markdown_makes_it(text: str) -> None:
    html = quickmark.direct(text)
    if html is not None:
        assert html == stock(text)


def test_generated_texts_are_taken_often_enough_to_test_it() -> None:
    """(The test above compares only the texts quickmark takes: a change making it take
    almost none would leave it testing nothing.)"""
    import random

    random.seed(7)
    taken = 0
    for _ in range(400):
        blocks = []
        for _ in range(random.randint(1, 4)):
            kind = random.choice(["p", "h", "ul", "ol", "table"])
            words = " ".join(random.choice(["word", "[x](/t/)", "\"q\"", "a--b"])
                             for _ in range(4))
            blocks.append({"p": f"Text {words}.", "h": f"## Head {words}",
                           "ul": f"- a {words}\n- b", "ol": f"1. a {words}\n2. b",
                           "table": f"| A | B |\n| --- | --: |\n| {words} | 1 |"}[kind])
        text = "\n\n".join(blocks)
        html = quickmark.direct(text)
        if html is not None:
            taken += 1
            assert html == stock(text)
    assert taken > 200


def _project_texts() -> list[str]:
    found = []
    for path in sorted((ROOT / "sample_site").rglob("*.md")):
        body = markdown_body(path.read_text("utf-8"))
        if body:
            found.append(body)

    def strings(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                strings(item)
        elif isinstance(value, list):
            for item in value:
                strings(item)

    for path in sorted((ROOT / "sample_site").rglob("*.yml")):
        strings(yaml.safe_load(path.read_text("utf-8")))
    return found


def test_the_sample_site_s_texts_convert_as_python_markdown_does() -> None:
    texts = _project_texts()
    taken = [text for text in texts if quickmark.direct(text) is not None]
    assert len(taken) > len(texts) // 2
    for text in taken:
        assert quickmark.direct(text) == stock(text)


def test_the_bench_corpus_texts_are_taken_and_convert_as_python_markdown_does(
        tmp_path: Path) -> None:
    from bench.corpus import generate

    generate(60, ["en", "fr"], tmp_path, trees=["chmgen"])
    site = tmp_path / "chmgen"
    texts = [markdown_body(p.read_text("utf-8")) for p in sorted(site.rglob("*.md"))]
    bodies = [text for text in texts if text]
    assert bodies
    for text in bodies:
        html = quickmark.direct(text)
        assert html is not None
        assert html == stock(text)


def test_another_python_markdown_version_leaves_every_text_to_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert quickmark._known_version("3.11.3") and quickmark._known_version("3.11")
    assert not quickmark._known_version("3.12.0")
    assert not quickmark._known_version("4.11")
    monkeypatch.setattr(quickmark, "ENABLED", False)
    assert quickmark.direct("Plain prose.") is None
    assert markup.convert("Plain prose.") == "<p>Plain prose.</p>"
