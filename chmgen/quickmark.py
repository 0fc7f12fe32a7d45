"""The Markdown most pages are written in — paragraphs of prose, headings, lists, tables and
links — converted directly into the HTML ``markup.convert`` gives it (Python-Markdown with
"extra", sane lists and chmgen's typography and link markers), about ten times quicker. Any text
holding anything else is left to ``markup.convert``: ``direct`` returns None for it.

What is taken here, and nothing else (a text with any other construct, or any doubt, is not):

* blocks separated by blank lines, no line starting or ending with a space, no tab;
* a heading: one line, ``#`` to ``######``, a space, a title without ``#``;
* a paragraph: lines each starting with a letter or ``[``;
* a list: lines each ``- item`` (or each ``N. item``), items starting with a letter or ``[``,
  not right after another list (Python-Markdown would make the two one loose list);
* a table: a header row, a row of ``---`` / ``:--`` / ``--:`` / ``:-:`` and rows of the same
  number of cells (at least two), every line starting and ending with ``|``;
* in any of them: text, and links ``[text](address)`` (an address without spaces, brackets,
  quotes or parentheses, no title), the text without ``* _ [ ] | ` \\ < & { }``.

This follows Python-Markdown 3.11 (its block processors' order and tests, the tables extension,
sane lists, the inline stage's placeholders, the HTML serializer and "prettify"); with another
version installed every text is left to it. tests/test_quickmark.py compares the two on every
construct and on generated texts.
"""

from __future__ import annotations

import re

from chmgen.markers import LINK, MARK, markdown_version

# Typographic punctuation (what SmartyPants does), in one regular-expression pass per text run
# instead of Python-Markdown's ``smarty`` inline patterns, which doubled the conversion time.
_DASHES = (("---", "\u2014"), ("--", "\u2013"), ("...", "\u2026"), (". . .", "\u2026"))
_DECADE = re.compile(r"'(?=\d\ds\b)")
_OPEN_DOUBLE = re.compile(r'(^|(?<=[\s(\[{\u2014\u2013/-]))"(?=\S|$)')
_OPEN_SINGLE = re.compile(r"(^|(?<=[\s(\[{\u2014\u2013/-]))'(?=\S|$)")


def smarten(text: str) -> str:
    """Curly quotes, apostrophes, dashes and ellipses in one run of text."""
    # most runs hold none of these: five substring tests cost a quarter of one regex search
    if "'" not in text and '"' not in text and "--" not in text and "..." not in text \
            and ". . ." not in text:
        return text
    for plain, fancy in _DASHES:
        if plain in text:
            text = text.replace(plain, fancy)
    if "'" not in text and '"' not in text:
        return text
    text = _DECADE.sub("\u2019", text)
    text = _OPEN_DOUBLE.sub("\u201c", text).replace('"', "\u201d")
    return _OPEN_SINGLE.sub("\u2018", text).replace("'", "\u2019")


HEADING = re.compile(r"<(/?)h([1-6])([ >])")
_LEVELS = re.compile(r"</?h([1-6])[ >]").findall  # the levels HEADING finds, as digits


def shift_headings(html: str, top_level: int) -> str:
    """``html`` with its highest heading at ``top_level`` (the page's own ``<h1>`` stays the
    only one and no level is skipped)."""
    levels = _LEVELS(html)
    shift = top_level - int(min(levels)) if levels else 0
    if shift:
        html = HEADING.sub(
            lambda m: f"<{m.group(1)}h{min(6, max(1, int(m.group(2)) + shift))}{m.group(3)}", html)
    return html


def convert(text: str, top_level: int = 2) -> str | None:
    """``markup.convert(text, top_level)``, made here; None for a text left to it."""
    html = direct(text.replace(MARK, ""))
    return None if html is None else shift_headings(html, top_level)


def _known_version(version: str) -> bool:
    return version.split(".")[:2] == ["3", "11"]


ENABLED = _known_version(markdown_version())

# Anything in a text that this module does not convert: characters that start constructs it
# leaves to Python-Markdown (code, escapes, raw HTML, entities, attribute lists), what the
# whitespace pass would change (tabs, carriage returns, lines of or ending in spaces, its
# placeholders), fences, pictures, and lines starting with a space (indented code, list
# continuations). Each is looked for by ``in`` (memchr): one regular expression with these
# alternatives took 0.1 ms a page.
_UNSAFE = ("`", "\\", "<", "&", "{", "}", "\t", "\r", "\x02", "\x03", "\x1a", "~~~", " \n", "\n ",
           "![")
_HEADING = re.compile(r"(#{1,6}) (?=\S)([^#\n]*)\Z")
_UL_ITEM = re.compile(r"- (?=[^\W\d_]|\[)(.*)")
_OL_ITEM = re.compile(r"(\d+)\. (?=[^\W\d_]|\[)(.*)")
_OL_START = re.compile(r"\d+\.")
_ALIGN = re.compile(r":?-+:?")
# A link: text without brackets on one line, an address without spaces, brackets, quotes,
# parentheses or angle brackets (and no title).
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([^\s()<>\"'\[\]]+)\)")


def direct(text: str) -> str | None:
    """The HTML of ``text`` (markers for site links, no heading shift), or None when it holds
    anything but what this module converts."""
    if not ENABLED or text[:1] == " " or text[-1:] == " ":
        return None
    for unsafe in _UNSAFE:
        if unsafe in text:
            return None
    # Besides links' addresses, no emphasis, no brackets but links'; "|" only in tables.
    rest = _LINK.sub(_label, text) if "[" in text else text
    if "*" in rest or "_" in rest or "[" in rest or "]" in rest:
        return None
    text = text.strip("\n")
    if not text:
        return None
    if "\n\n\n" in text:  # (no block here is code: more blank lines are the same as one)
        text = _MORE_BLANK_LINES.sub("\n\n", text)
    pipes = "|" in text
    out = []
    after_list = False
    for block in text.split("\n\n"):
        first = block[0]
        html: str | None
        if first == "|":
            html, after_list = _table(block), False
        elif pipes and "|" in block:
            return None
        elif first == "#":
            html, after_list = _heading(block), False
        elif first == "-" or (first.isdigit() and _OL_START.match(block)):
            if after_list:
                return None
            html, after_list = _list(block), True
        else:
            html, after_list = _paragraph(block), False
        if html is None:
            return None
        out.append(html)
    return "\n".join(out)


_MORE_BLANK_LINES = re.compile(r"\n{3,}")


def _label(link: re.Match[str]) -> str:
    return link.group(1)


def _heading(block: str) -> str | None:
    found = _HEADING.match(block)
    if found is None:
        return None
    body = _inline(found.group(2))
    level = len(found.group(1))
    return f"<h{level}>{body}</h{level}>"


def _paragraph(block: str) -> str | None:
    for line in block.split("\n"):
        if not (line[:1].isalpha() or line[:1] == "["):
            return None
    return f"<p>{_inline(block)}</p>"


def _list(block: str) -> str | None:
    ordered = block[0] != "-"
    item = _OL_ITEM if ordered else _UL_ITEM
    items: list[str] = []
    start = ""
    for line in block.split("\n"):
        found = item.fullmatch(line)
        if found is None:
            return None
        if ordered and not items and found.group(1) != "1":
            start = f' start="{found.group(1)}"'
        items.append(f"<li>{_inline(found.group(found.lastindex or 1))}</li>")
    tag = "ol" if ordered else "ul"
    return f"<{tag}{start}>\n" + "\n".join(items) + f"\n</{tag}>"


def _table(block: str) -> str | None:
    lines = block.split("\n")
    if len(lines) < 2:
        return None
    rows = []
    for line in lines:
        if len(line) < 2 or line[-1] != "|":
            return None  # (every line starts with "|": see _cells)
        rows.append([cell.strip(" ") for cell in line[1:-1].split("|")])
    if "[" in block and any("[" in _LINK.sub("", cell) for row in rows for cell in row):
        return None  # (a cell's "[" that is no whole link: a "|" in a link split it)
    header, separator, body = rows[0], rows[1], rows[2:]
    count = len(header)
    if count < 2 or not body or len(separator) != count \
            or any(len(row) != count for row in body):
        return None
    styles = []
    for cell in separator:
        if not _ALIGN.fullmatch(cell):
            return None
        if cell[0] == ":":
            align = "center" if cell[-1] == ":" else "left"
        else:
            align = "right" if cell[-1] == ":" else ""
        styles.append(f' style="text-align: {align};"' if align else "")
    if any(not line.startswith("|") for line in lines):
        return None
    out = ['<table class="data">\n<thead>\n<tr>']
    _row(out, "th", header, styles)
    out.append("</tr>\n</thead>\n<tbody>")
    for row in body:
        out.append("<tr>")
        _row(out, "td", row, styles)
        out.append("</tr>")
    out.append("</tbody>\n</table>")
    return "\n".join(out)


def _row(out: list[str], tag: str, cells: list[str], styles: list[str]) -> None:
    for cell, style in zip(cells, styles, strict=True):
        out.append(f"<{tag}{style}>{_inline(cell) if cell else ''}</{tag}>")


def _inline(text: str) -> str:
    """A run of inline text: plain text and links, each text run smartened (the runs are the
    element texts and tails Python-Markdown's inline stage makes), ``>`` escaped. (``direct``
    made sure it holds nothing else.)"""
    if "[" not in text:
        return _text(text)
    out = []
    at = 0
    for link in _LINK.finditer(text):
        address = link.group(2)
        if address.startswith("/") and not address.startswith("//"):
            address = LINK + address.lstrip("/") + MARK
        out.append(_text(text[at:link.start()]))
        out.append(f'<a href="{address}">{_text(link.group(1))}</a>')
        at = link.end()
    out.append(_text(text[at:]))
    return "".join(out)


def _text(run: str) -> str:
    run = smarten(run)
    return run.replace(">", "&gt;") if ">" in run else run
