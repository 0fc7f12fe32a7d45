"""Unit tests of the pure modules: URLs, text picking, charts, Markdown, reference data."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chmgen import fileio, reference
from chmgen.chart import ChartText, line_chart, nice_ticks
from chmgen.markup import render_markdown
from chmgen.model import DataPoint, Indicator
from chmgen.pipeline import write_file
from chmgen.text import Text
from chmgen.urls import absolute_url, link_place, link_starts, output_path, relative_url


@pytest.mark.parametrize(("from_path", "key", "expected"), [
    ("index.html", "", "./"),
    ("index.html", "targets/", "targets/"),
    ("targets/t1/index.html", "targets/", "../"),
    ("fr/targets/t1/index.html", "", "../../../"),
    ("fr/index.html", "assets/chmgen.css", "../assets/chmgen.css"),
    ("news/index.html", "gbf/#GBF-TARGET-03", "../gbf/#GBF-TARGET-03"),
])
def test_relative_url(from_path: str, key: str, expected: str) -> None:
    assert relative_url(from_path, key) == expected


def test_relative_url_explicit_index_for_file_urls() -> None:
    assert relative_url("targets/t1/index.html", "", explicit_index=True) == "../../index.html"


def test_output_path_and_absolute_url() -> None:
    assert output_path("") == "index.html"
    assert output_path("fr/targets/") == "fr/targets/index.html"
    assert output_path("404.html") == "404.html"
    assert absolute_url("https://x.org/chm/", "fr/") == "https://x.org/chm/fr/"


def test_text_pick_falls_back_to_default_language() -> None:
    text = Text((("en", "Forest"), ("fr", "Forêt")))
    assert text.pick("fr", "en").text == "Forêt" and not text.pick("fr", "en").is_fallback
    picked = text.pick("es", "en")
    assert (picked.text, picked.lang) == ("Forest", "en")
    assert Text.plain("Samoa").pick("fr", "en").lang is None
    assert Text((("fr", "Forêt"),)).pick("es", "en") .lang == "fr"


def test_nice_ticks_cover_range() -> None:
    ticks = nice_ticks(12.5, 47.0)
    assert ticks[0] <= 12.5 and ticks[-1] >= 47.0
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1


def test_chart_is_valid_accessible_svg() -> None:
    words = ChartText("Forest cover", "From 48 to 46.", "Value", "Baseline", "Goal")
    svg = line_chart("forest", (DataPoint(2015, 48.2), DataPoint(2024, 46.3)),
                     DataPoint(2020, 46.9), DataPoint(2030, 48), words, str)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title").text == "Forest cover"
    assert root.find(f"{ns}desc").text == "From 48 to 46."
    assert root.find(f".//{ns}polyline").get("class") == "series"
    assert len(root.findall(f".//{ns}circle")) == 2
    assert root.find(f".//{ns}line[@class='baseline']") is not None
    assert root.find(f".//{ns}path[@class='goal']") is not None


def test_chart_escapes_its_text() -> None:
    words = ChartText("<b>x</b>", "a & b", "s", "b", "g")
    svg = line_chart("x", (DataPoint(2020, 1), DataPoint(2021, 2)), None, None, words, str)
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "a &amp; b" in svg


def test_indicator_trend_reads_desirable_direction() -> None:
    series = (DataPoint(2015, 10), DataPoint(2024, 20))
    up = Indicator("a", Text.plain("a"), source_path=None, data=series)  # type: ignore[arg-type]
    down = Indicator("b", Text.plain("b"), source_path=None, data=series,  # type: ignore[arg-type]
                     desirable="decrease")
    flat = Indicator("c", Text.plain("c"), source_path=None,  # type: ignore[arg-type]
                     data=(DataPoint(2015, 10), DataPoint(2024, 10.01)))
    assert (up.trend, down.trend, flat.trend) == ("improving", "worsening", "stable")


def test_markdown_links_become_relative_and_headings_do_not_skip() -> None:
    html = render_markdown("## Part\n\n### Sub\n\n[t](/targets/) ![p](img/a.png)",
                           lambda key: "../../" + key)
    assert "<h2>Part</h2>" in html and "<h3>Sub</h3>" in html
    assert 'href="../../targets/"' in html
    assert 'src="../../img/a.png"' in html and 'loading="lazy"' in html


def test_reference_data_is_complete() -> None:
    assert [g.letter for g in reference.gbf_goals()] == ["A", "B", "C", "D"]
    assert [t.number for t in reference.gbf_targets()] == list(range(1, 24))
    assert reference.gbf_targets()[2].short_title == "Conserve 30% of Land, Waters and Seas"
    assert len(reference.aichi_targets()) == 20
    headline = [i for i in reference.gbf_indicators() if i.kind == "headline"]
    assert len(headline) == 27
    assert reference.gbf_target("GBF-TARGET-03") == reference.gbf_target(3)
    assert reference.gbf_target(24) is None and reference.gbf_target("x") is None
    assert reference.indicator_by_code("3.1", ("headline",)) is not None
    assert reference.indicator_by_code("A.CT.1", ("headline",)) is None


def test_content_reference_is_generated_from_the_schemas() -> None:
    """docs/content.md is exactly what `chmgen docs content` prints: it cannot drift."""
    from pathlib import Path

    from chmgen.docgen import content_reference

    docs = Path(__file__).resolve().parent.parent / "docs" / "content.md"
    assert docs.read_text("utf-8") == content_reference(), \
        "run: chmgen docs content > docs/content.md"
    for key in ("`gbf_targets[].alignment`", "`central_chm.max_age`", "`data_file`"):
        assert key in content_reference()


def test_image_size_reads_headers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import struct
    import zlib

    from chmgen.images import image_size

    png = tmp_path / "a.png"
    ihdr = struct.pack(">IIBBBBB", 37, 21, 8, 2, 0, 0, 0)
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr
                    + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)))
    gif = tmp_path / "a.gif"
    gif.write_bytes(b"GIF89a" + struct.pack("<HH", 12, 7) + b"\x00" * 10)
    svg = tmp_path / "a.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"></svg>')
    jpg = tmp_path / "a.jpg"
    jpg.write_bytes(b"\xff\xd8\xff\xe0\x00\x04ab\xff\xc0\x00\x11\x08" + struct.pack(">HH", 9, 16)
                    + b"\x00" * 12)
    assert image_size(png) == (37, 21)
    assert image_size(gif) == (12, 7)
    assert image_size(svg) == (120, 40)
    assert image_size(jpg) == (16, 9)
    (tmp_path / "x.png").write_bytes(b"not a picture")
    assert image_size(tmp_path / "x.png") is None


def test_markdown_images_get_their_size() -> None:
    html = render_markdown("![Logo](img/logo.svg)", lambda k: k, sizes={"img/logo.svg": (64, 32)})
    assert 'width="64"' in html and 'height="32"' in html and 'alt="Logo"' in html


def test_i18n_status_counts_message_contexts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A pgettext string is its own entry: translating "Planned" does not translate it."""
    from chmgen.i18n import extract, init, untranslated

    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "a.html").write_text(
        '{{ _("Planned") }} {{ pgettext("project status", "Planned") }}', "utf-8")
    extract(theme)
    po = init(theme, "fr")
    text = po.read_text("utf-8").replace(
        'msgid "Planned"\nmsgstr ""', 'msgid "Planned"\nmsgstr "Prévue"', 1)
    po.write_text(text, "utf-8")
    assert untranslated(theme, "fr") == ["[project status] Planned"]


def test_typography_curls_quotes_and_dashes_outside_code() -> None:
    html = render_markdown('He said "yes" -- it\'s the \'90s... `a "b" -- c` \\"kept\\"',
                           lambda k: k)
    assert "He said \u201cyes\u201d \u2013 it\u2019s the \u201990s\u2026" in html
    assert '<code>a "b" -- c</code>' in html  # code stays as written
    assert '"kept"' in html  # backslash-escaped quotes stay straight


def test_converted_markdown_is_the_same_for_every_page_until_localized() -> None:
    """The page-independent HTML (what the render cache keeps) carries no page's links."""
    from chmgen.markup import MARK, convert

    html = convert("[t](/targets/) ![p](img/a.png)")
    assert MARK in html and "../" not in html
    assert render_markdown("[t](/targets/)", lambda k: "../../" + k) \
        == '<p><a href="../../targets/">t</a></p>'


def test_translations_kept_per_language_are_jinja_s() -> None:
    """Messages without variables are translated once per environment (language); what a
    template shows is what Jinja's own gettext gives, escaped the same, with variables or
    not, inside autoescape blocks or not."""
    import gettext as gettext_module

    from jinja2 import DictLoader, Environment

    from chmgen.render import make_environment

    class Catalog(gettext_module.NullTranslations):
        messages = {"Search": "Recherche <b>", "%(n)s pages": "%(n)s pages & plus",
                    "100%% sure": "sûr à 100%%"}

        asked: list[str] = []

        def gettext(self, message: str) -> str:
            self.asked.append(message)
            return self.messages.get(message, message)

    source = ('{{ _("Search") }}|{{ _("Search") }}|{{ gettext("Search") }}|'
              '{{ _("%(n)s pages", n="<i>3</i>") }}|{{ _("100%% sure") }}|{{ _("Other") }}|'
              '{% autoescape false %}{{ _("Search") }}{% endautoescape %}|{{ _("Search") }}')
    ours = make_environment(DictLoader({"t.html": source}), Catalog())
    stock = Environment(loader=DictLoader({"t.html": source}), autoescape=True,
                        extensions=["jinja2.ext.i18n"])
    stock.install_gettext_translations(Catalog(), newstyle=True)  # type: ignore[attr-defined]
    expected = stock.get_template("t.html").render()
    assert "Recherche <b>|" in expected and "&lt;i&gt;3&lt;/i&gt; pages & plus|" in expected
    assert "|sûr à 100%|" in expected
    Catalog.asked.clear()
    for _ in range(2):
        assert ours.get_template("t.html").render() == expected
    # each message without variables asked once (two autoescape states for "Search")
    assert sorted(Catalog.asked) == sorted(
        ["Search", "Search", "100%% sure", "Other", "%(n)s pages", "%(n)s pages"])


def test_templates_call_every_kind_of_callable_as_jinja_does() -> None:
    """chmgen's template context takes a short way for functions, bound methods, partials,
    built-ins and macros: what a template gets from each, in loops, blocks, macros with a
    caller and with every way of passing Jinja's own objects, is what Jinja's Context gives."""
    import functools
    import gettext as gettext_module

    from jinja2 import (
        DictLoader,
        pass_context,
        pass_environment,
        pass_eval_context,
    )
    from jinja2.runtime import Context

    from chmgen.render import QuickContext, make_environment

    @pass_context
    def seen(context: Context, name: str) -> str:  # a loop's or block's own variable
        return f"{name}={context.resolve(name)}"

    class Counter:
        @pass_context
        def __call__(self, context: Context) -> str:
            return f"lang={context['lang']}"

        def twice(self, value: int, *, plus: int = 0) -> int:
            return 2 * value + plus

    def stop() -> None:
        raise StopIteration

    functions = {
        "plain": lambda a, b=0: a + b, "seen": seen, "counter": Counter(),
        "method": Counter().twice, "part": functools.partial(lambda a, b: a * b, 3),
        "builtin": len, "stop": stop,
        "escaping": pass_eval_context(lambda ev, text: f"{ev.autoescape}:{text}"),
        "envname": pass_environment(lambda env, x: f"{type(env).__name__ != ''}:{x}")}
    source = (
        '{% macro box(a, b=2) %}[{{ a }}{{ b }}'
        '{% if caller is defined %}{{ caller() }}{% endif %}]{% endmacro %}'
        '{{ plain(1, b=2) }}|{{ method(4, plus=1) }}|{{ part(5) }}|{{ builtin("abc") }}|'
        '{{ counter() }}|{{ escaping("<x>") }}|{{ envname(1) }}|{{ stop() is undefined }}|'
        '{% for item in [1, 2] %}{% set inner = item * 10 %}{{ seen("inner") }}'
        '{{ plain(item) }}{{ box(item) }}{% endfor %}|'
        '{% call box("c", b=3) %}<i>{{ plain(7) }}</i>{% endcall %}|'
        '{% autoescape false %}{{ escaping("<y>") }}{{ box("<z>") }}{% endautoescape %}|'
        '{% block b %}{% set inside = 9 %}{{ seen("inside") }}{{ method(1) }}{% endblock %}')
    ours = make_environment(DictLoader({"t.html": source}), gettext_module.NullTranslations())
    assert ours.context_class is QuickContext
    rendered = ours.get_template("t.html").render(lang="fr", **functions)
    ours.context_class = Context
    stock = ours.get_template("t.html").render(lang="fr", **functions)
    assert rendered == stock
    assert rendered == ("3|9|15|3|lang=fr|True:&lt;x&gt;|True:1|True|inner=101[12]inner=202[22]|"
                        "[c3<i>7</i>]|False:<y>[&lt;z&gt;2]|inside=92")


def test_templates_escape_their_output_as_jinja_does() -> None:
    """chmgen's templates escape what they write into plain strings (no Markup object for
    each): the same output as Jinja's, for plain strings, Markup, numbers, None and objects
    with __html__, written directly, in macros, call blocks, set blocks, filter blocks,
    concatenations, attributes and with autoescape switched off."""
    import gettext as gettext_module

    from jinja2 import DictLoader, Environment
    from markupsafe import Markup

    from chmgen import render

    class Html:
        def __html__(self) -> str:
            return "<u>html</u>"

    values = {"s": 'a <b> & "c" \'d\'', "m": Markup("<em>safe</em>"), "n": 3.5, "z": None,
              "h": Html(), "e": "", "amp": "&amp;"}
    source = (
        '{% macro box(x) %}<p title="{{ x }}">{{ x }}'
        '{% if caller is defined %}{{ caller() }}{% endif %}</p>{% endmacro %}'
        '{{ s }}|{{ m }}|{{ n }}|{{ z }}|{{ h }}|{{ e }}|{{ amp }}|{{ s ~ m }}|{{ s|e }}|'
        '{{ s|safe }}|{{ box(s) }}|{% call box(m) %}{{ s }}{% endcall %}|'
        '{% set block %}<i>{{ s }}</i>{% endset %}{{ block }}|{{ block|length }}|'
        '{% filter upper %}{{ s }}{% endfilter %}|{{ [s, m]|join(", ") }}|'
        '{% autoescape false %}{{ s }}{{ box(s) }}{% endautoescape %}|{{ "%s"|format(s) }}')
    ours = render.make_environment(DictLoader({"t.html": source}),
                                   gettext_module.NullTranslations())
    template = ours.get_template("t.html")
    if render._escape_inner is not None:  # (MarkupSafe 3: its escaping is there to reuse)
        assert template.root_render_func.__globals__["escape"] is render._output_escape
    stock = Environment(loader=DictLoader({"t.html": source}), autoescape=True,
                        trim_blocks=True, lstrip_blocks=True)
    expected = stock.get_template("t.html").render(**values)
    assert "a &lt;b&gt; &amp; &#34;c&#34; &#39;d&#39;|<em>safe</em>|" in expected
    assert template.render(**values) == expected


@pytest.mark.parametrize("data", [
    b"plain\nlines\n", b"windows\r\nlines\r\n", b"old mac\rlines\r", b"mixed\r\n\r\n\rend",
    b"\xef\xbb\xbfwith a byte order mark\r\n", b"", "\u00e9t\u00e9 \u0627\u0644\r\n".encode(),
    b"long\r\n" * 20000,  # more than the first read
])
def test_files_read_as_python_reads_them(tmp_path, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "file.md"
    path.write_bytes(data)
    assert fileio.read_bytes(path) == path.read_bytes()
    assert fileio.read_text(path) == path.read_text("utf-8")


def test_reading_fails_as_python_fails(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"line one\nline \xff two\n")
    with pytest.raises(UnicodeDecodeError) as stock:
        bad.read_text("utf-8")
    with pytest.raises(UnicodeDecodeError) as ours:
        fileio.read_text(bad)
    assert (ours.value.start, ours.value.reason) == (stock.value.start, stock.value.reason) \
        == (14, "invalid start byte")
    with pytest.raises(FileNotFoundError):
        fileio.read_text(tmp_path / "missing.md")
    with pytest.raises(IsADirectoryError):
        fileio.read_bytes(tmp_path)


def test_pages_are_written_new_or_replaced(tmp_path) -> None:  # type: ignore[no-untyped-def]
    made = tmp_path / "a" / "b" / "index.html"
    write_file(made, b"first", fresh=True)  # its folders are made
    assert made.read_bytes() == b"first"
    write_file(made.with_name("other.html"), b"second", fresh=True)  # (the folder is there)
    assert made.with_name("other.html").read_bytes() == b"second"
    write_file(tmp_path / "c" / "index.html", b"third")  # not fresh, folder missing all the same
    assert (tmp_path / "c" / "index.html").read_bytes() == b"third"
    published = tmp_path / "published.html"
    os.link(made, published)  # a file already there is replaced, never written through
    write_file(made, b"new", fresh=True)
    assert (made.read_bytes(), published.read_bytes()) == (b"new", b"first")
    assert sorted(p.name for p in made.parent.iterdir()) == ["index.html", "other.html"]
    with pytest.raises(FileExistsError):
        fileio.write_new(made, b"again")
    assert oct(made.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_PART = st.sampled_from(["a", "b", "news", "targets", "t01", "fr"])
_SITE_PATH = st.lists(_PART, max_size=3).map("/".join)


@settings(max_examples=400, deadline=None)
@given(targets=st.lists(st.tuples(_SITE_PATH, st.sampled_from(["", "/", "/#top", "#x",
                                                               "/index.html"])),
                        min_size=1, max_size=5),
       pages=st.lists(st.tuples(_SITE_PATH, st.sampled_from(["/index.html", "/", ".html"])),
                      min_size=2, max_size=6))
def test_pages_in_the_same_link_place_get_the_same_links(
        targets: list[tuple[str, str]], pages: list[tuple[str, str]]) -> None:
    """Links shared by many pages (a menu) are made once per place (urls.link_place): pages
    whose folders are as deep and share as much with the targets get the same links from
    relative_url, and the places tell apart any two pages that get different ones."""
    keys = [(folder + end).lstrip("/") for folder, end in targets]
    starts = link_starts(keys)
    assert starts is not None
    by_place: dict[object, list[str]] = {}
    for folder, end in pages:
        path = output_path((folder + end).lstrip("/")) if end != ".html" else \
            (folder + end).lstrip("/")
        place = link_place(path, starts)
        assert place is not None
        links = [relative_url(path, key) for key in keys]
        assert by_place.setdefault(place, links) == links, (place, path)


@settings(max_examples=600, deadline=None)
@given(head=st.sampled_from(["target", "indicator", "action", "item", "md", "variant", "nbsap",
                             "nbsapx", "page", "gbf", "", "targets"]),
       colon=st.booleans(),
       rest=st.sampled_from(["", "t01", "needs:n1", "offers:o2", "pages/about", "news/a",
                             "nbsap/ch1", "other/x", "pages", ":x"]))
def test_a_record_s_kind_is_that_of_the_first_prefix_its_identity_has(
        head: str, colon: bool, rest: str) -> None:
    """What can change a record's token is known by the first of the collections' prefixes
    its identity starts with (looked up among those sharing its head, before its first
    colon), else pages' own records change nothing, and any other is always checked."""
    from chmgen import pipeline

    identity = head + (":" if colon else "") + rest
    expected = next((pipeline._RECORD_KINDS[collection]
                     for prefix, collection in pipeline._RECORD_COLLECTION
                     if identity.startswith(prefix)),
                    pipeline._NEVER if identity.startswith("page:") else pipeline._ALWAYS)
    assert pipeline._classify(("r", identity)) == expected
