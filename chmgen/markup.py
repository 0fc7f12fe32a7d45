"""Markdown to HTML for the site's own content, with links made relative to the page.

Rendering has two stages so that no text is converted twice, in a build or across builds:

* ``convert(text)`` — the slow part: page-independent HTML in which every site link and every
  picture's size is a marker, made by ``chmgen.quickmark`` for plain texts and by
  Python-Markdown for any other (the same HTML either way). Its result depends only on the
  text, the Markdown configuration (``markers.MARKDOWN_CONFIG``) and the heading level, so it
  is cached by content hash (``chmgen.rendercache``).
* ``localize(html, link, sizes)`` (``chmgen.markers``: it imports no Markdown) — fast, per
  page: markers become links relative to the page and picture sizes from the site's
  ``static/`` files.
"""

from __future__ import annotations

import importlib
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any

import markdown
from markdown.blockprocessors import ParagraphProcessor
from markdown.extensions import Extension
from markdown.extensions.tables import TableProcessor
from markdown.postprocessors import AndSubstitutePostprocessor
from markdown.preprocessors import HtmlBlockPreprocessor, NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor as InlinePass
from markdown.treeprocessors import PrettifyTreeprocessor, Treeprocessor, UnescapeTreeprocessor
from markdown.util import ETX, STX, AtomicString, Registry

from chmgen.markers import LINK as _LINK
from chmgen.markers import MARK, localize
from chmgen.markers import SIZE as _SIZE
from chmgen.quickmark import convert as quick_convert
from chmgen.quickmark import shift_headings, smarten
from chmgen.urls import is_external

_SKIP_TYPOGRAPHY = {"code", "pre", "kbd", "samp", "script", "style", "math"}


class _LinkMarker(Treeprocessor):
    """Site-absolute links (``/targets/``) and relative picture sources become markers that
    ``localize`` turns into links relative to the page; pictures load lazily."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            _mark_links(element)


def _mark_links(element: etree.Element) -> None:
    """``_LinkMarker``'s work on one element."""
    attributes = element.attrib
    if not attributes and element.tag not in ("img", "table"):
        return
    if element.tag == "img":
        source = element.get("src") or ""
        if not element.get("width") and source and not is_external(source):
            element.set("width", _SIZE + source.lstrip("/") + MARK)  # + height
    for attr in ("href", "src"):
        value = element.get(attr)
        if value and value.startswith("/") and not value.startswith("//"):
            element.set(attr, _LINK + value.lstrip("/") + MARK)
        elif value and not is_external(value) and attr == "src":
            element.set(attr, _LINK + value + MARK)
    if element.tag == "img":
        element.set("loading", "lazy")
        element.set("decoding", "async")
    if element.tag == "table" and element.get("class") is None:
        element.set("class", "data")


class _Typography(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        for child in element:
            if child.tag in _SKIP_TYPOGRAPHY:
                pass
            else:
                if child.text and not isinstance(child.text, AtomicString):
                    child.text = smarten(child.text)
                self._walk(child)
            if child.tail and not isinstance(child.tail, AtomicString):
                child.tail = smarten(child.tail)


class _Finish(Treeprocessor):
    """The last three passes — typography (``_Typography``), link markers (``_LinkMarker``)
    and Python-Markdown's un-escaping — in one walk of the tree instead of three (see
    ``_quicken``), and, when it runs just before them, Python-Markdown's line breaks between
    blocks (``PrettifyTreeprocessor``) too. Each of them changes only the texts and attributes
    of the element it is at (prettify: the texts of the element and of its first child),
    and here they do so in their own order at each element: the HTML is theirs."""

    def __init__(self, md: markdown.Markdown, unescape: Callable[[str], str]) -> None:
        super().__init__(md)
        self._unescape = unescape
        self._block: Callable[[Any], bool] | None = None  # set when prettify is done here

    def run(self, root: etree.Element) -> None:
        block = self._block
        if block is not None and not block(root.tag):  # (prettify's walk starts at the root)
            if not root.tail or not root.tail.strip():
                root.tail = "\n"
        # (the root's own texts get no typography, its descendants' do: as _Typography walks)
        self._walk((root,), False, True, True)

    def _walk(self, elements: Iterable[etree.Element], smart: bool, below: bool,
              chain: bool) -> None:
        """``elements`` (siblings), their texts smartened with ``smart``, and what is inside
        them with ``below`` (unless an element is one whose text stays as written); with
        ``chain``, their parent is a block prettify reached (it walks those only)."""
        unescape = self._unescape
        block = self._block
        for child in elements:
            tag = child.tag
            inside = tag not in _SKIP_TYPOGRAPHY
            reached = False
            if block is not None:  # PrettifyTreeprocessor.run's work on this element
                if chain and block(tag):
                    reached = tag != "code" and tag != "pre"
                    if reached and (not child.text or not child.text.strip()) \
                            and len(child) and block(child[0].tag):
                        child.text = "\n"
                    if not child.tail or not child.tail.strip():
                        child.tail = "\n"
                if tag == "br":
                    child.tail = "\n" if not child.tail or not child.tail.strip() \
                        else f"\n{child.tail}"
                elif tag == "pre" and len(child) and child[0].tag == "code":
                    code = child[0]
                    if not len(code) and code.text is not None:
                        code.text = AtomicString(code.text.rstrip() + "\n")
            text, tail = child.text, child.tail
            if smart:
                if inside and text and not isinstance(text, AtomicString):
                    text = child.text = smarten(text)
                if tail and not isinstance(tail, AtomicString):
                    tail = child.tail = smarten(tail)
            if child.attrib or tag == "img" or tag == "table":
                _mark_links(child)
                for key, value in child.items():
                    if value is not None and STX in value:
                        child.set(key, unescape(value))
            if text and STX in text and tag != "code":
                child.text = unescape(text)
            if tail and STX in tail:
                child.tail = unescape(tail)
            if len(child):
                deeper = below and inside
                self._walk(child, deeper, deeper, reached)


# What each of Python-Markdown's inline patterns cannot match without, by the source of its
# regular expression: a text holding none of a pattern's strings is not searched with it (the
# search could find nothing). A pattern not listed here (another version's, an extension's) is
# always searched, so the output is Python-Markdown's own either way. (At most two strings each.)
_NEEDS: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),  # code span
    r"\\(.)": ("\\",),  # backslash escape
    r"(?<!\!)\[": ("[",),  # link, reference, short reference
    r"\!\[": ("![",),  # image, image reference
    r"\[\^([^\]]*)\]": ("[^",),  # footnote reference
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),  # automatic link
    r"<([^<> !]+@[^@<> ]+)>": ("<",),  # automatic e-mail link
    r"  \n": ("  \n",),  # hard line break
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),  # entity
    # inline HTML (this version's, and older versions')
    r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|"""
    r"""[^\s"'=<>]++))?+)*+\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|"""
    r"""!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)""": ("<",),
    r"(<(\/?[a-zA-Z][^<>@ ]*( [^<>]*)?|!--(?:(?!<!--|-->).)*--)>)": ("<",),
    r"\*|_": ("*", "_"),  # emphasis
    # older versions' automatic link, emphasis (one pattern each) and stand-alone * or _
    r"<((?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>]*)>": ("<",),
    r"\*": ("*",),
    r"_": ("_",),
    r"((^|(?<=\s))(\*{1,3}|_{1,3})(?=\s|$))": ("*", "_"),
}


def _needs(pattern: object) -> tuple[str | None, str | None]:
    """The (at most two) strings one of which a text needs for ``pattern`` to match in it."""
    regex = getattr(getattr(pattern, "compiled_re", None), "pattern", None)
    needs = _NEEDS.get(regex, ()) if isinstance(regex, str) else ()
    return (needs[0] if needs else None, needs[1] if len(needs) > 1 else None)


# a character of each string of _NEEDS but the hard line break's
_MARKUP_CHARS = frozenset("`\\[<&*_")
_MARKUP = re.compile("[" + re.escape("".join(sorted(_MARKUP_CHARS))) + "]")


def _no_markup(text: str) -> bool:
    """``text`` holds none of the strings of _NEEDS (no pattern of theirs can match in it)."""
    return _MARKUP.search(text) is None and "  \n" not in text


class _QuickInline(InlinePass):
    """Python-Markdown's inline stage, unchanged but for skipping the patterns a text cannot
    match (``_NEEDS``): most runs of prose hold no ``` ` ``` ``[`` ``<`` ``&`` ``*`` ``_``,
    and searching each of them with every pattern was a third of the conversion time."""

    _for: list[Any] | None = None  # the patterns' listing _quick and _plain were made for

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        patterns = list(self.inlinePatterns)  # (a _Listed registry: its listing, kept)
        if self._for is None or patterns != self._for:
            self._quick = [(pattern, *_needs(pattern)) for pattern in patterns]
            # A run holding no character of any pattern's strings is left as it is at once
            # (the loop below would skip every pattern); a pattern needing no string rules it
            # out.
            needs = [n for _, *pair in self._quick for n in pair if n is not None]
            self._plain = all(n is not None for _, n, _ in self._quick) and \
                all(n == "  \n" or set(n) & _MARKUP_CHARS for n in needs)
            self._for = patterns
        if self._plain and _stock_run_is_known():
            return self._run(tree, ancestors)
        return super().run(tree, ancestors)

    @staticmethod
    def _is_plain(text: str) -> bool:
        """No pattern can match in ``text`` (see ``_InlineProcessor__handleInline``), and it
        holds no placeholder: Python-Markdown's inline stage gives it back as it is."""
        return _no_markup(text) and STX not in text

    def _run(self, tree: etree.Element, ancestors: list[str] | None) -> etree.Element:
        # Python-Markdown's InlineProcessor.run (the version of _KNOWN_RUN), but for a
        # child's text or tail that is plain: it would take it out, hand it through every
        # stage and put it back as it was, one child at a time (a sixth of the stage).
        handle = self._InlineProcessor__handleInline
        place = self._InlineProcessor__processPlaceholders  # type: ignore[attr-defined]
        plain = self._is_plain
        self.stashed_nodes: dict[str, etree.Element | str] = {}
        tree_parents = [] if ancestors is None else ancestors[:]
        self.parent_map = {c: p for p in tree.iter() for c in p}
        stack = [(tree, tree_parents)]
        self._InlineProcessor__build_ancestors(tree, tree_parents)  # type: ignore[attr-defined]
        while stack:
            current, parents = stack.pop(0)
            self.ancestors = parents
            if current is not tree:
                self.ancestors.append(current.tag.lower())
            queue = []
            for child in current:
                text = child.text
                if text and not isinstance(text, AtomicString) and not plain(text):
                    self.ancestors.append(child.tag.lower())
                    child.text = None
                    found = place(handle(text), child)
                    for item in found:
                        self.parent_map[item[0]] = child
                    stack += found
                    queue.append((child, found))
                    self.ancestors.pop()
                tail = child.tail
                if tail and not plain(tail):
                    tail = handle(tail)
                    dummy = etree.Element("d")
                    child.tail = None
                    after = place(tail, dummy, False)
                    if dummy.tail:
                        child.tail = dummy.tail
                    position = list(current).index(child) + 1
                    after.reverse()
                    for new in after:
                        self.parent_map[new[0]] = current
                        current.insert(position, new[0])
                if len(child):
                    self.parent_map[child] = current
                    stack.append((child, self.ancestors[:]))
            for element, found in queue:
                for index, item in enumerate(found):
                    element.insert(index, item[0])
        return tree

    def _InlineProcessor__handleInline(self, data: str,  # noqa: N802 (overrides that name)
                                       patternIndex: int = 0) -> str:  # noqa: N803
        # Python-Markdown's loop over the patterns, over a list taken once per text.
        if isinstance(data, AtomicString):
            return data
        if patternIndex == 0 and self._plain and _no_markup(data):
            return data
        patterns, apply = self._quick, self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        start, count = 0, len(patterns)
        while patternIndex < count:
            pattern, need, other = patterns[patternIndex]
            if need is not None and need not in data and (other is None or other not in data):
                matched, start = False, 0  # what the search would have found: nothing
            else:
                data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


# The source of InlinePass.run that _QuickInline._run follows (Python-Markdown 3.11), hashed:
# with another, Python-Markdown's own run is used.
_KNOWN_RUN = "f6c93631f2871499bcbbc2d10ec7e4fd"
_run_known: bool | None = None


def _stock_run_is_known() -> bool:
    global _run_known
    if _run_known is None:
        import hashlib
        import inspect

        try:
            source = inspect.getsource(InlinePass.run)
        except (OSError, TypeError):  # no source (a frozen install): not known
            source = ""
        _run_known = hashlib.sha256(source.encode()).hexdigest()[:32] == _KNOWN_RUN
    return _run_known


_QUICK = all(hasattr(InlinePass, name) for name in (
    "_InlineProcessor__handleInline", "_InlineProcessor__applyPattern",
    "_InlineProcessor__processPlaceholders", "_InlineProcessor__build_ancestors"))

# The same for block processors: what a block must hold for the processor to take it, by the
# processor's name and the source of the regular expression that decides. A processor whose
# expression is not this one (another version's) is left as it is.
_BLOCK_NEEDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "quote": (r"(^|\n)[ ]{0,3}>[ ]?(.*)", "test", (">",)),
    "hashheader": (r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*"
                   r"(?:\n|$)", "test", ("#",)),
    "setextheader": (r"^.*?\n(?:=+|-+)[ ]*(\n|$)", "test", ("\n=", "\n-")),
    "hr": (r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
           r"(?P=atomicgroup)[ ]*$", "test", ("-", "_", "*")),
    "deflist": (r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)", "test", (": ",)),
    # a link reference: its run() searches every paragraph; without "]:" it gives the block back
    "reference": (r"^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?"
                  r'((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$', "run", ("]:",)),
}


def _quick_blocks(md: markdown.Markdown) -> None:
    """Give the block processors of ``_BLOCK_NEEDS`` a test of ``in`` before their regular
    expression: a block without any of the strings is not theirs (the expression could not
    match), so they answer at once what the search would have answered."""
    processors = md.parser.blockprocessors
    for name, (source, method, needs) in _BLOCK_NEEDS.items():
        if name not in processors:
            continue
        processor = processors[name]
        regex = getattr(processor, "SEARCH_RE", None) or getattr(processor, "RE", None)
        if getattr(regex, "pattern", None) != source:
            continue
        slow = getattr(processor, method)
        if method == "test":
            def test(parent: etree.Element, block: str, slow: Any = slow,
                     needs: tuple[str, ...] = needs) -> bool:
                for need in needs:  # (a loop: any() over a generator costs more than the test)
                    if need in block:
                        return bool(slow(parent, block))
                return False
            processor.test = test  # type: ignore[method-assign]
        else:
            def run(parent: etree.Element, blocks: list[str], slow: Any = slow,
                    needs: tuple[str, ...] = needs) -> Any:
                for need in needs:
                    if need in blocks[0]:
                        return slow(parent, blocks)
                return False
            processor.run = run  # type: ignore[method-assign]


# Block processors that take no block a paragraph of prose could be (with Python-Markdown 3.11,
# whose processors of "extra" and sane_lists were read for this): each wants the block, or a
# line of it, to start with something other than a letter (an indent, "#", ">", ":", "[",
# "*[", "|", a list marker, a digit, a placeholder), a blank line, or a second line of
# "=", "-", "|", ":" (setext headings, table separators). A block starting with a letter whose
# every other line starts (after spaces) with a letter too is a paragraph: the parser takes it
# to the paragraph processor at once, not through the ~16 tests each block is given.
_PROSE_BLIND = {
    "markdown.blockprocessors": ("EmptyBlockProcessor", "ListIndentProcessor",
                                 "CodeBlockProcessor", "HashHeaderProcessor",
                                 "SetextHeaderProcessor", "HRProcessor", "OListProcessor",
                                 "UListProcessor", "BlockQuoteProcessor", "ReferenceProcessor"),
    "markdown.extensions.footnotes": ("FootnoteBlockProcessor",),
    "markdown.extensions.def_list": ("DefListIndentProcessor", "DefListProcessor"),
    "markdown.extensions.tables": ("TableProcessor",),
    "markdown.extensions.abbr": ("AbbrBlockprocessor",),
    "markdown.extensions.md_in_html": ("MarkdownInHtmlProcessor",),
    "markdown.extensions.sane_lists": ("SaneOListProcessor", "SaneUListProcessor"),
}
_NOT_PROSE_LINE = re.compile(r"\n[ ]*(?:[^ \w]|[\d_]|$)")


def _is_prose(block: str) -> bool:
    """``block`` starts with a letter and so does each of its other lines, after spaces."""
    return block[:1].isalpha() and ("\n" not in block or not _NOT_PROSE_LINE.search(block))


def _quick_paragraphs(md: markdown.Markdown) -> None:
    """Paragraphs of prose taken straight to the paragraph processor, when every other block
    processor is one of _PROSE_BLIND's (Python-Markdown 3.11's); otherwise left as it is."""
    parser = md.parser
    paragraph = parser.blockprocessors["paragraph"] if "paragraph" in parser.blockprocessors \
        else None
    if getattr(markdown, "__version_info__", ())[:2] != (3, 11) \
            or type(paragraph) is not ParagraphProcessor:
        return
    for processor in parser.blockprocessors:
        kind = type(processor)
        if processor is not paragraph \
                and kind.__name__ not in _PROSE_BLIND.get(kind.__module__, ()):
            return
    processors = parser.blockprocessors
    take_paragraph = paragraph.run

    def parse_blocks(parent: etree.Element, blocks: list[str]) -> None:
        # BlockParser.parseBlocks, with the paragraphs of prose taken at once
        while blocks:
            if _is_prose(blocks[0]):
                take_paragraph(parent, blocks)
                continue
            for processor in processors:
                if processor.test(parent, blocks[0]):
                    if processor.run(parent, blocks) is not False:
                        break

    parser.parseBlocks = parse_blocks  # type: ignore[method-assign]


class _Chmgen(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        if _QUICK:  # the names it overrides are Python-Markdown's private ones
            md.treeprocessors.register(_QuickInline(md), "inline", 20)
        md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, '"', "'"]  # as smarty: \" stays straight
        # After inline patterns (20) and before un-escaping (0): backslash-escaped quotes stay
        # straight, code spans stay as written.
        md.treeprocessors.register(_Typography(md), "chmgen_typography", 5)
        md.treeprocessors.register(_LinkMarker(md), "chmgen_links", 1)
        _quick_blocks(md)  # registered last: every other extension's processors are in place


_local = threading.local()

# Python-Markdown's "extra", one extension at a time (its own order: equal priorities keep it),
# each with what a text must hold for the extension to change its HTML. A text is converted by
# an instance with only the extensions it may use: the same HTML as with all of "extra" (each
# one only acts on its own syntax), and ~15 % quicker for plain prose, whose every block and
# text run the others would test. "<" brings in def_list too: in HTML parsed as Markdown
# (md_in_html) a list may end without an item, where def_list's indent rule differs.
_EXTRA: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fenced_code", ("```", "~~~")),
    ("footnotes", ("[^",)),
    ("attr_list", ("{",)),
    ("def_list", (": ", ":\t", "<")),  # ": " ends a term's definition marker (tabs: spaces)
    ("tables", ("|",)),
    ("abbr", ("*[",)),
    ("md_in_html", ("<",)),
)


def _search(needle: str) -> Callable[[str], object]:
    """Whether a text holds ``needle``: a character by ``in`` (memchr: 0.1 µs in a page of
    prose), a longer string by a pattern's search (it skips ahead quicker than ``in`` scans:
    1.3 µs, not 3–5 µs)."""
    if len(needle) == 1:
        return lambda text: needle in text
    return re.compile(re.escape(needle)).search


_EXTRA_SEARCHES = tuple((name, tuple(map(_search, needs))) for name, needs in _EXTRA)


def _extensions_for(text: str) -> tuple[str, ...]:
    """The extensions of "extra" that could change the HTML of ``text``."""
    wanted = []
    for name, searches in _EXTRA_SEARCHES:
        for search in searches:
            if search(text):
                wanted.append(name)
                break
    return tuple(wanted)


def _extension(name: str) -> Extension:
    """Python-Markdown's extension ``name``, made as Markdown makes it from the name, without
    first asking importlib.metadata for the installed extensions (reading every package's entry
    points takes ~35 ms in each process that makes an instance)."""
    module = importlib.import_module(f"markdown.extensions.{name}")
    made: Extension = module.makeExtension()
    return made


def _converter(text: str) -> markdown.Markdown:
    """The Markdown instance for ``text`` (one per set of extensions and thread, reused and
    reset between texts: building one costs ~1 ms)."""
    instances: dict[tuple[str, ...], markdown.Markdown] | None = getattr(_local, "md", None)
    if instances is None:
        instances = _local.md = {}
    wanted = _extensions_for(text)
    md = instances.get(wanted)
    if md is None:
        md = markdown.Markdown(extensions=[*map(_extension, wanted), _extension("sane_lists"),
                                           _Chmgen()], output_format="html")
        _quicken(md)
        instances[wanted] = md
    return md


def _quicken(md: markdown.Markdown) -> None:
    """Python-Markdown's work for each text made cheaper where it does nothing, with the same
    HTML (tests/test_markdown_quick.py compares every construct with a stock instance):
    processors listed once (not on every iteration: the block parser iterates them for each
    block), raw HTML looked for only in texts that have a ``<`` or ``&``, blank-looking lines
    emptied only when a line ends in a space, is_block_level's answers kept, the last three
    tree passes made one walk (``_Finish``) and the HTML written by ``_html_string``."""
    md.is_block_level = _block_level_test(md)  # type: ignore[method-assign,assignment]
    if _FAST_HTML and md.serializer is _SERIALIZER.to_html_string:
        md.serializer = _html_string
    for registry in (md.preprocessors, md.parser.blockprocessors, md.treeprocessors,
                     md.inlinePatterns, md.postprocessors):
        registry.__class__ = _Listed
    if type(md.preprocessors["html_block"]) is HtmlBlockPreprocessor:  # not md_in_html's
        md.preprocessors.register(_HtmlBlocks(md), "html_block", 20)
    if type(md.preprocessors["normalize_whitespace"]) is NormalizeWhitespace:
        md.preprocessors.register(_Whitespace(md), "normalize_whitespace", 30)
    if type(md.postprocessors["amp_substitute"]) is AndSubstitutePostprocessor:
        md.postprocessors.register(_AmpSubstitute(md), "amp_substitute", 20)
    unescape: Any = md.treeprocessors["unescape"]
    if type(md.treeprocessors["unescape"]) is UnescapeTreeprocessor:
        unescape.unescape = partial(_unescape, unescape.unescape)
    last = list(md.treeprocessors)[-3:]
    if [type(processor) for processor in last] == [_Typography, _LinkMarker,
                                                   UnescapeTreeprocessor]:
        for name in ("chmgen_typography", "chmgen_links", "unescape"):
            md.treeprocessors.deregister(name)
        finish = _Finish(md, unescape.unescape)
        md.treeprocessors.register(finish, "chmgen_finish", 0)
        if type(list(md.treeprocessors)[-2]) is PrettifyTreeprocessor:
            md.treeprocessors.deregister("prettify")
            finish._block = md.is_block_level
    _quick_paragraphs(md)
    if "table" in md.parser.blockprocessors:
        table: Any = md.parser.blockprocessors["table"]
        if type(md.parser.blockprocessors["table"]) is TableProcessor:
            table._split = partial(_split_cells, table._split)
            table.test = partial(_table_test, table.test)


# Python-Markdown's HTML serializer (``to_html_string``), written recursively: the same HTML,
# ~40 % quicker than its loop over a deque (a tenth of a text's conversion). Used with the
# versions whose serializer knows the HTML boolean attributes (3.11 on), whose escaping
# functions it calls; an element it has no quick way for (a comment, a qualified name, an
# attribute without a value, nesting deeper than _DEEP) is written by Python-Markdown's.
_SERIALIZER: Any = getattr(markdown, "serializers", None)
_BOOLEAN: frozenset[str] | None = getattr(_SERIALIZER, "BOOLEAN_ATTRIBUTES", {}).get("html")
_FAST_HTML = _BOOLEAN is not None and all(hasattr(_SERIALIZER, name) for name in (
    "_serialize_html", "_escape_cdata", "_escape_attrib_html"))
_DEEP = 100
_EMPTY_TAGS = frozenset(etree.HTML_EMPTY)
_RAW_TEXT = frozenset({"script", "style"})


def _html_string(root: etree.Element) -> str:
    parts: list[str] = []
    _write_html(parts.append, root, 0)
    return "".join(parts)


def _write_html(write: Callable[[str], None], element: etree.Element, depth: int) -> None:
    tag = element.tag
    attributes = element.attrib
    if type(tag) is not str or depth > _DEEP:
        _SERIALIZER._serialize_html(write, element, "html")  # (its tail too)
        return
    if attributes:
        start = [f"<{tag}"]
        for key, value in sorted(attributes.items()):
            if type(key) is not str or type(value) is not str:
                _SERIALIZER._serialize_html(write, element, "html")
                return
            value = _SERIALIZER._escape_attrib_html(value)
            start.append(f" {value}" if key == value and key in _BOOLEAN  # type: ignore[operator]
                         else f' {key}="{value}"')
        start.append(">")
        write("".join(start))
    else:
        write(f"<{tag}>")
    text = element.text
    if text:
        if ("&" in text or "<" in text or ">" in text) and tag not in _RAW_TEXT \
                and tag.lower() not in _RAW_TEXT:
            text = _SERIALIZER._escape_cdata(text)
        write(text)
    for child in element:
        _write_html(write, child, depth + 1)
    if tag not in _EMPTY_TAGS and tag.lower() not in _EMPTY_TAGS:
        write(f"</{tag}>")
    tail = element.tail
    if tail:
        write(_SERIALIZER._escape_cdata(tail) if "&" in tail or "<" in tail or ">" in tail
              else tail)


def _unescape(slow: Callable[[str], str], text: str) -> str:
    """A text run with its backslash-escaped characters put back: only runs with an escape
    (its placeholder starts with STX) are searched."""
    return slow(text) if STX in text else text


def _table_test(slow: Callable[[etree.Element, str], bool], parent: etree.Element,
                block: str) -> bool:
    """Whether ``block`` starts a table: never without a second line and a ``|`` in its first
    (the header row: without one it is a single cell with no border), which is checked first;
    the tables extension splits every block into rows to find out."""
    first, newline, _ = block.partition("\n")
    return bool(newline) and "|" in first and slow(parent, block)


def _split_cells(slow: Callable[[str], list[str]], row: str) -> list[str]:
    """A table row's cells: without a backslash or backtick every ``|`` divides two (the
    tables extension walks the row looking for escaped pipes and pipes in code)."""
    if "`" in row or "\\" in row:
        return slow(row)
    return row.split("|")


class _Listed(Registry):  # type: ignore[type-arg]
    """A registry whose items in order are worked out once after each change."""

    _listed: list[Any] | None = None

    def __iter__(self) -> Iterator[Any]:
        registry: Any = self  # (its private attributes are not in Python-Markdown's types)
        if self._listed is None or not registry._is_sorted:
            registry._sort()
            self._listed = [registry._data[name] for name, _ in registry._priority]
        return iter(self._listed)

    def register(self, item: Any, name: str, priority: float) -> None:
        self._listed = None
        super().register(item, name, priority)

    def deregister(self, name: str, strict: bool = True) -> None:
        self._listed = None
        super().deregister(name, strict)


class _HtmlBlocks(HtmlBlockPreprocessor):
    """A text without ``<`` or ``&`` holds no raw HTML, entity or character reference: the
    HTML parser would give its lines back as they are."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)  # (two searches of the text: quicker than two of each line)
        if "<" in text or "&" in text:
            return super().run(lines)
        return lines


_BLANK_LOOKING = re.compile(r"(?<=\n) +\n")


class _Whitespace(NormalizeWhitespace):
    """``NormalizeWhitespace``, each of its replacements made only in a text holding what it
    replaces (a character is looked for by ``in``, memchr: 0.1 µs, where a replacement that
    finds nothing scans for 1.4 µs and expanding tabs copies the text), and its search for
    lines of spaces only done when a line ends in one."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        if STX in source or ETX in source:
            source = source.replace(STX, "").replace(ETX, "")
        if "\r" in source:
            source = source.replace("\r\n", "\n").replace("\r", "\n")
        source += "\n\n"
        if "\t" in source:
            source = source.expandtabs(self.md.tab_length)
        if _LINE_END_SPACE(source):
            source = _BLANK_LOOKING.sub("\n", source)
        return source.split("\n")


_LINE_END_SPACE = re.compile(" \n").search  # (quicker than ``in`` for two characters)


class _AmpSubstitute(AndSubstitutePostprocessor):
    """``AndSubstitutePostprocessor``, its replacement made only in HTML holding its marker
    (which starts with STX)."""

    def run(self, text: str) -> str:
        return super().run(text) if STX in text else text


def _block_level_test(md: markdown.Markdown) -> Callable[[Any], bool]:
    """``md.is_block_level`` (asked of every element written out) with the answer for each tag
    kept: Python-Markdown looks the tag up in a list of ~60 names each time. Its extensions
    add their names when the instance is made, before this is."""
    blocks = frozenset(md.block_level_elements)
    known: dict[str, bool] = {}

    def is_block_level(tag: Any) -> bool:
        if not isinstance(tag, str):
            return False
        found = known.get(tag)
        if found is None:
            found = known[tag] = tag.lower().rstrip("/") in blocks
        return found

    return is_block_level


def convert(text: str, top_level: int = 2) -> str:
    """Page-independent HTML of ``text`` with its highest heading at ``top_level`` (the page's
    own ``<h1>`` stays the only one and no level is skipped); links and sizes are markers."""
    html = quick_convert(text, top_level)  # the most common Markdown, without Python-Markdown
    return html if html is not None else convert_fully(text, top_level)


def convert_fully(text: str, top_level: int = 2) -> str:
    """``convert``, by Python-Markdown (for a text ``quickmark`` does not convert)."""
    text = text.replace(MARK, "")
    md = _converter(text)
    md.reset()
    return shift_headings(md.convert(text), top_level)


def render_markdown(text: str, link: Callable[[str], str], *, top_level: int = 2,
                    sizes: Mapping[str, tuple[int, int]] | None = None) -> str:
    """Convert and localize in one step (feeds, structured data, tests)."""
    return localize(convert(text, top_level), link, sizes)
