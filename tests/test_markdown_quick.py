"""chmgen's inline stage skips the Python-Markdown patterns a text cannot match: its output must
be exactly what Python-Markdown's own inline stage gives, for any text."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as etree
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.extensions.tables import TableProcessor
from markdown.treeprocessors import InlineProcessor, UnescapeTreeprocessor

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
    # what the whitespace pass changes: tabs, carriage returns, STX/ETX, lines of spaces
    "\t", "\r\n", "\r", "\x02", "\x03", "x \n", "\n \n", "\n\t- x\n",
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
    text = text.replace(markup.MARK, "")
    md = markup._converter(text)
    md.reset()
    return md.convert(text)


def test_the_quick_inline_stage_is_in_use_and_knows_every_pattern() -> None:
    md = markup._converter("[^1] *[a] <b> {: .c} ``` ~~~ | def: x")
    assert type(md.treeprocessors["inline"]) is markup._QuickInline
    # Each of this Python-Markdown's inline patterns is skipped when its text cannot match:
    # none is left to be searched always (which would be correct, only slower).
    unknown = [pattern.compiled_re.pattern for pattern in md.inlinePatterns
               if markup._needs(pattern) == (None, None)]
    assert unknown == []
    assert markup._needs(object()) == (None, None)
    md.reset().convert("Some *text*.")
    assert md.treeprocessors["inline"]._plain  # runs without markup are left at once


def test_each_pattern_needs_what_it_says() -> None:
    # A pattern's regular expression finds nothing in a text without its strings, and finds
    # something in at least one text with them (a wrong entry would skip a real match).
    md = markup._converter("[^1] *[a] <b>")
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


def test_extra_is_taken_one_extension_at_a_time_in_its_own_order() -> None:
    from markdown.extensions import extra
    assert [name for name, _ in markup._EXTRA] == list(extra.extensions)


def test_a_text_is_converted_without_the_extensions_it_cannot_use() -> None:
    prose = "# Title\n\nPlain prose with *emphasis*, a [link](/targets/) and a list.\n\n- one\n"
    md = markup._converter(prose)
    assert markup._extensions_for(prose) == ()
    assert "footnote" not in md.inlinePatterns
    assert "deflist" not in md.parser.blockprocessors
    assert "table" not in md.parser.blockprocessors
    assert quick(prose) == stock(prose)
    # Each extension is there as soon as the text holds what it acts on.
    uses = {"fenced_code": "```\ncode\n```", "footnotes": "a[^1]\n\n[^1]: n",
            "attr_list": "# h {: #x }", "def_list": "term\n: definition",
            "tables": "| a |\n| - |\n| 1 |", "abbr": "HTML\n\n*[HTML]: Hyper",
            "md_in_html": '<div markdown="1">\n*x*\n</div>'}
    for name, text in uses.items():
        assert name in markup._extensions_for(text), name
        assert quick(text) == stock(text), name
        assert quick(text) != markdown.markdown(text, extensions=["sane_lists"]), name


def test_converting_reads_no_installed_package_s_entry_points() -> None:
    # Python-Markdown looks an extension given by name up among every installed package's
    # entry points first (~35 ms in each process); chmgen gives it the extensions themselves.
    code = ("import sys\nfrom chmgen import markup\n"
            "markup.convert('a[^1] *x*\\n\\n[^1]: n\\n\\n| a |\\n| - |\\n| 1 |\\n')\n"
            "print(*sorted(markup._local.md), 'importlib.metadata' in sys.modules, sep='\\n')")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert shown == [repr(("footnotes", "def_list", "tables")), "False"]


def test_block_processors_answer_quickly_what_their_search_would() -> None:
    md = markup._converter("[^1] *[a] <b> {: .c} ``` ~~~ | def: x")
    processors = md.parser.blockprocessors
    blocks = [t.strip("\n") for t in TOKENS] + ["a\n===", "a\n---", "- - -", "***", "___",
                                                "> q", "# h #", "[r]: /u 't'", "term\n: def"]
    for name, (source, method, needs) in markup._BLOCK_NEEDS.items():
        processor = processors[name]
        # This Python-Markdown's processor is the one described, and it was given the check.
        assert method in vars(processor), name
        regex = getattr(processor, "SEARCH_RE", None) or processor.RE
        assert regex.pattern == source, name
        # Its expression finds nothing in a block without the strings, and something in one
        # with them (a wrong entry would hide a real match).
        without = [b for b in blocks if not any(n in b for n in needs)]
        assert without and not any(regex.search(b) for b in without), name
        assert any(regex.search(b) for b in blocks), name
        # A block without them is refused as the slow path would refuse it, and left in place.
        parent = markup.etree.Element("div")
        if method == "test":
            assert processor.test(parent, "plain words") is False
        else:
            queue = ["plain words"]
            assert processor.run(parent, queue) is False
            assert queue == ["plain words"] and len(parent) == 0


def test_the_table_check_answers_as_the_tables_extension_does() -> None:
    md = markup._converter("| a |\n| - |\n")
    table = md.parser.blockprocessors["table"]
    assert "test" in vars(table)  # given the quick check
    blocks = [t.strip("\n") for t in TOKENS] + [
        "| a |\n| - |", "a | b\n- | -", "a\n| - |", "a|\n-|", "|a\n|-", "\\| a\n| - |",
        "a `|` b\n- | -", "| a | b |", "a | b\nnot a separator", "plain\nlines", "|\n|"]
    for first in blocks:
        for second in blocks:
            block = f"{first}\n{second}"
            for candidate in (first, block):
                expected = TableProcessor.test(table, markup.etree.Element("div"), candidate)
                assert table.test(markup.etree.Element("div"), candidate) is expected, candidate


PROSE_LINES = ["Plain words", "é and ü", "\u0639\u0631\u0628\u064a", "a | b", "a: b", "x [^1]: y",
               "Word #tag", "w > q", "a *[HTML]: h", "b - c", "c = d", "Title", "un [r]: /u"]
OTHER_LINES = ["", " ", "  x", "    code", "# h", "=== ", "---", "- - -", "***", "___", "| - |",
               ": def", "> q", "[r]: /u", "[^1]: n", "*[HTML]: h", "1. one", "- item", "* i",
               "+ i", "(a)", "\"q\"", "_x_", "2024", "\x02wzxhzdk:0\x03", ":-|-:", "~~~"]


def test_a_paragraph_of_prose_is_taken_by_no_other_block_processor() -> None:
    md = markup._converter("[^1] *[a] <b> {: .c} ``` ~~~ | def: x")
    parser = md.parser
    assert "parseBlocks" in vars(parser)  # the quick parse is in use
    blocks = [f"{a}\n{b}" for a in PROSE_LINES + OTHER_LINES for b in PROSE_LINES + OTHER_LINES]
    blocks += PROSE_LINES + OTHER_LINES + [f"{a}\n{b}\n{c}" for a in PROSE_LINES
                                           for b in PROSE_LINES for c in OTHER_LINES]
    taken = 0
    for block in blocks:
        if not markup._is_prose(block):
            continue
        taken += 1
        for processor in parser.blockprocessors:
            if type(processor).__name__ == "ParagraphProcessor":
                continue
            # Each processor's own (Python-Markdown's) test and run refuse the block.
            parent = etree.Element("div")
            queue = [block, "next"]
            refused = not type(processor).test(processor, parent, block) \
                or type(processor).run(processor, parent, queue) is False
            assert refused and queue == [block, "next"] and len(parent) == 0, (processor, block)
    assert taken > 150
    # ... and the other blocks are not taken for prose.
    for block in ["# h", "a\n===", "a\n- b", "a\n| - |", "1. x", "a\n[r]: /u", " a", "a\n"]:
        assert not markup._is_prose(block), block


def test_the_quick_paragraphs_are_used_only_with_known_block_processors() -> None:
    assert "parseBlocks" in vars(markup._converter("Plain words.").parser)

    class Other(markdown.blockprocessors.BlockProcessor):
        def test(self, parent: etree.Element, block: str) -> bool:
            return block.startswith("Plain")

        def run(self, parent: etree.Element, blocks: list[str]) -> None:
            etree.SubElement(parent, "aside").text = blocks.pop(0)

    md = markdown.Markdown(extensions=["sane_lists"])
    md.parser.blockprocessors.register(Other(md.parser), "other", 200)
    markup._quick_paragraphs(md)
    assert "parseBlocks" not in vars(md.parser)
    assert md.convert("Plain words.") == "<aside>Plain words.</aside>"
    plain = markdown.Markdown(extensions=["sane_lists"])
    markup._quick_paragraphs(plain)
    assert "parseBlocks" in vars(plain.parser)
    assert plain.convert("Plain words.\n\n# h") == "<p>Plain words.</p>\n<h1>h</h1>"


def test_block_level_answers_are_python_markdown_s() -> None:
    """The converter's is_block_level keeps its answers; they are those of the method it
    replaces, for every tag, in any case, with a closing slash, and for tags that are not
    strings (comments, processing instructions)."""
    md = markup._converter("<div markdown=\"1\">\n*x*\n</div>\n| a |\n| - |\n| 1 |\n")
    assert md.is_block_level is not markdown.Markdown.is_block_level.__get__(md)
    tags = [*md.block_level_elements, "span", "a", "em", "P", "DIV", "hr/", "br/", "x-y", ""]
    for tag in [*tags, *tags]:  # asked twice: the kept answer is the same
        assert md.is_block_level(tag) == markdown.Markdown.is_block_level(md, tag), tag
    assert md.is_block_level(etree.Comment) is False


def test_the_quicker_preprocessors_are_in_use_where_they_apply() -> None:
    """The texts the tests above convert go through chmgen's preprocessors, so those tests
    compare them with Python-Markdown's; with md_in_html its own raw-HTML stage is kept."""
    plain = markup._converter("Plain *text*.")
    assert type(plain.preprocessors["html_block"]) is markup._HtmlBlocks
    assert type(plain.preprocessors["normalize_whitespace"]) is markup._Whitespace
    assert type(plain.parser.blockprocessors) is markup._Listed
    table = markup._converter("a|b\n-|-\n1|2").parser.blockprocessors["table"]
    assert table._split.func is markup._split_cells
    # typography, link markers and un-escaping: one walk, the last pass
    assert [type(processor) for processor in plain.treeprocessors][-1] is markup._Finish
    assert not {"chmgen_typography", "chmgen_links", "unescape", "prettify"} & {
        item.name for item in plain.treeprocessors._priority}
    assert plain.treeprocessors["chmgen_finish"]._block is plain.is_block_level
    # prettify is done in that walk only when it runs just before it (attr_list runs between)
    attributes = markup._converter("# h {: #x }")
    assert [item.name for item in attributes.treeprocessors._priority][-3:] == [
        "prettify", "attr_list", "chmgen_finish"]
    assert attributes.treeprocessors["chmgen_finish"]._block is None
    for text in ("a  \nb  \n`c`", "```\ncode  \n\n\n```", "    code\n\n\n", "- a\n\n    b\n- c",
                 "> a\n>\n> - b\n\n1. c  \n   d", "<div markdown=\"1\">\n*x*  \ny\n</div>",
                 "| a |\n| - |\n| b  |", "[^1]\n\n[^1]: n  \n    m"):
        assert quick(text) == stock(text), text
    assert plain.treeprocessors["chmgen_finish"]._unescape.func is markup._unescape
    assert [type(processor) for processor in STOCK.treeprocessors][-3:] == [
        markup._Typography, markup._LinkMarker, UnescapeTreeprocessor]  # (compared with)
    html = markup._converter('<div markdown="1">\n*x*\n</div>\n')
    assert type(html.preprocessors["html_block"]) is not markup._HtmlBlocks
    for text in ("a\n  \nb", "- a\n   \n- b", "a\n\t\nb", "a\r\n \r\nb",
                 "&copy; &amp; &#38; &#x26; & &unknown; AT&T", "a &amp;\n  \n&lt;b&gt;",
                 "a|b\n-|-\n1|2", "| a | `b|c` |\n| - | - |\n| 1 \\| 2 | 3 |",
                 "| x | y |\n|---|:-:|\n| `|` | \\\\| z |\n| *a* | |"):
        assert quick(text) == stock(text), text


def test_a_listed_registry_follows_registrations() -> None:
    registry = markup._Listed()
    registry.register("b", "b", 10)
    registry.register("a", "a", 20)
    assert list(registry) == ["a", "b"]
    registry.register("c", "c", 30)
    assert list(registry) == ["c", "a", "b"]
    registry.deregister("a")
    assert list(registry) == ["c", "b"]
    registry.register("b2", "b", 40)  # a name registered again takes its new place
    assert list(registry) == ["b2", "c"]


def test_html_is_written_as_python_markdown_writes_it() -> None:
    """The converter's serializer is its own (recursive, quicker): for every kind of element —
    attributes in any order, boolean ones, escaping in text, tails and attributes, raw text of
    script and style, empty elements in any case, comments, processing instructions, qualified
    names, attributes without a value, deep nesting — it writes Python-Markdown's HTML."""
    from markdown.serializers import to_html_string

    assert markup._FAST_HTML  # (the version the tests install knows its boolean attributes)
    assert markup._converter("Plain *text*.").serializer is markup._html_string
    root = etree.Element("div")
    p = etree.SubElement(root, "p", {"title": 'a "q" & <b> &amp;', "class": "x", "id": "i"})
    p.text = "1 < 2 && 3 > 2 &copy; &#38;"
    em = etree.SubElement(p, "em")
    em.text, em.tail = "em", " tail & <tail>"
    etree.SubElement(p, "BR").tail = "after a capital BR"
    etree.SubElement(p, "Img", {"src": "/a b.png", "alt": ""})
    etree.SubElement(root, "input", {"disabled": "disabled", "checked": "yes", "hidden": ""})
    etree.SubElement(root, "details", {"open": "open"}).text = "o"
    etree.SubElement(root, "script").text = "if (a < b && c) {}"
    etree.SubElement(root, "STYLE").text = "a > b { }"
    etree.SubElement(root, "textarea").text = "<kept escaped>"
    root.append(etree.Comment(" a comment & <x> "))
    root[-1].tail = "comment tail &"
    root.append(etree.ProcessingInstruction("php", "echo 1;"))
    etree.SubElement(root, "span", {"data-x": None}).text = "valueless"  # type: ignore[dict-item]
    etree.SubElement(root, etree.QName("http://www.w3.org/1999/xhtml", "section")  # type: ignore[arg-type]
                     ).text = "qualified"
    etree.SubElement(root, "a", {etree.QName("href"): "/q"}).text = "q"  # type: ignore[dict-item]
    deep = root
    for level in range(markup._DEEP + 20):
        deep = etree.SubElement(deep, "div" if level % 2 else "blockquote", {"n": str(level)})
        deep.text, deep.tail = f"level {level} &", "\n"
    assert markup._html_string(root) == to_html_string(root)
    for text in ("# Title {: #t .c }\n\nText & <b>bold</b> <!-- c --> `a < b`\n",
                 "\\\"Straight\\\" and \"curly\" -- 'quotes' in `code \\* 'x'` and "
                 "[a \\[link\\]](/targets/ \"it's\") ![a 'pic'](img/p.png)\n\n"
                 "<pre>'raw' -- \\*</pre>\n\n| 'a' | \\| b |\n|---|---|\n| 1 | 2 |\n",
                 "<script>if (a < b) {}</script>\n\n<details open>x</details>\n",
                 "![a picture](p.png \"t\")  \nline<br>\n\n* * *\n"):
        assert quick(text) == stock(text), text


def test_plain_runs_are_left_as_they_are_only_with_the_known_inline_stage(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The inline stage leaves a text or tail no pattern can match where it is (instead of
    taking it out and putting it back) with the version of Python-Markdown whose stage it
    follows; with another, Python-Markdown's own stage runs. The HTML is stock's either way."""
    text = "Plain words.\n\n- item *one*\n- plain item\n\nA [link](/a/) and a tail.\n"
    calls: list[str] = []
    run = markup._QuickInline._run

    def noted(self: markup._QuickInline, *args: object) -> object:
        calls.append("own")
        return run(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(markup._QuickInline, "_run", noted)
    monkeypatch.setattr(markup, "_run_known", False)
    assert quick(text) == stock(text) and calls == []
    monkeypatch.setattr(markup, "_run_known", None)  # (worked out again)
    if not markup._stock_run_is_known():
        pytest.skip(f"Python-Markdown {markdown.__version__}: its inline stage is not the one "
                    "chmgen follows (its own runs)")
    assert quick(text) == stock(text) and calls == ["own"]
