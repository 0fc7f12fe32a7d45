"""Render every planned page with the theme: page contexts in, (path, bytes) out; no I/O."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html as htmllib
import re
import traceback
import types
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import markupsafe
from babel import Locale, UnknownLocaleError, dates, numbers
from jinja2 import (
    BaseLoader,
    BytecodeCache,
    Environment,
    StrictUndefined,
    Template,
    TemplateError,
    nodes,
    pass_context,
)
from jinja2.ext import Extension, i18n
from jinja2.parser import Parser
from jinja2.runtime import Context, Macro
from jinja2.utils import internalcode
from markupsafe import Markup, escape

from chmgen import deps, reference, rendercache
from chmgen.chart import ChartText, line_chart
from chmgen.errors import ThemeError
from chmgen.jsonld import structured_data
from chmgen.markers import MARK, attribute, localize_split
from chmgen.model import Indicator, Item, MarkdownEntry
from chmgen.records.model import Html
from chmgen.records.model import pick as records_pick
from chmgen.reference import GbfTarget
from chmgen.rendercache import render_markdown
from chmgen.search import page_gbf_targets
from chmgen.site import PagePlan, Site
from chmgen.text import Text
from chmgen.urls import (
    absolute_url,
    is_external,
    lang_prefix,
    link_place,
    link_starts,
    relative_url,
)

RTL_LANGUAGES = {"ar", "arc", "dv", "fa", "ha-Arab", "he", "ks", "ku-Arab", "ps", "sd", "ug",
                 "ur", "yi"}


@dataclass(frozen=True)
class RenderOptions:
    """How links are written: ``explicit_index`` for sites opened from disk (file://)."""

    build_date: dt.date
    asset_hashes: Mapping[str, str]
    explicit_index: bool = False


@functools.lru_cache(maxsize=64)
def babel_locale(lang: str) -> Locale:
    """The Babel locale of a language code (English for codes Babel does not know); one
    object per code, shared by every page in it."""
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale("en")


@functools.lru_cache(maxsize=8)
def _decimal_pattern(digits: int) -> numbers.NumberPattern:
    """Grouped thousands and up to ``digits`` decimals (``numbers.format_decimal`` with this
    pattern, parsed once)."""
    return numbers.parse_pattern("#,##0" + ("." + "#" * digits if digits else ""))


def text_direction(lang: str) -> str:
    if lang in RTL_LANGUAGES or lang.split("-")[0] in RTL_LANGUAGES:
        return "rtl"
    return "rtl" if babel_locale(lang).character_order == "right-to-left" else "ltr"


def language_name(lang: str) -> str:
    """A language's own name for itself (an autonym), for the language switcher."""
    locale = babel_locale(lang)
    name = locale.get_display_name(locale) if locale.language == lang.split("-")[0] else lang
    return (name or lang)[:1].upper() + (name or lang)[1:]


# ------------------------------------------------------------------ fragments shared by pages
#
# ``{% cached key, … %}…{% endcached %}`` in a template renders its body once per language and
# key for every page of a render (the site header and footer), with its links left as markers
# that each page then makes relative to itself. A page that reuses a fragment is given every
# token the fragment read, so incremental builds see the same dependencies as without it.

FRAGMENTS = True  # False renders every fragment on every page (tests compare the two)
_fragments: dict[tuple[Any, ...],
                 tuple[Shared, frozenset[deps.Token], frozenset[tuple[str, ...]] | None]] = {}
_unmarked: dict[tuple[Any, ...], str] = {}  # (fragment, place): its HTML for pages there
_LINK_MARK = re.compile("\x1a([UK])([^\x1a]*)\x1a")
fragment_stats = {"made": 0, "reused": 0}


def clear_fragments() -> None:
    """Forget every fragment: called before each set of pages is rendered (the site, its
    configuration or its templates may have changed since)."""
    _fragments.clear()
    _unmarked.clear()


class FragmentCache(Extension):
    """The ``cached`` tag: the body must depend on nothing of the page but the language, the
    keys given, and links made with ``url``, ``link`` and ``md`` (written as they are, not
    transformed by filters)."""

    tags = {"cached"}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        keys = [parser.parse_expression()] if parser.stream.current.type != "block_end" else []
        while parser.stream.skip_if("comma"):
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcached",), drop_needle=True)
        where = nodes.Const(f"{parser.name}:{lineno}")
        call = self.call_method("_fragment", [nodes.ContextReference(), where, nodes.List(keys)])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, context: Context, where: str, keys: list[Any],
                  caller: Callable[[], str]) -> Markup:
        page: PageContext | None = context.get("_page")
        if page is None or page.marking or not FRAGMENTS:  # nested: the outer one marks
            return Markup(caller())
        key = (where, page.lang, *keys)
        found = _fragments.get(key)
        if found is None:
            page.marking = True
            try:
                with deps.recording() as read:
                    html = str(caller())
            finally:
                page.marking = False
            # Not the page's own record: it is no other page's dependency (each page notes
            # its own, reading the keys).
            read.discard(("r", deps.identity(page.page)))
            shared = page.shared(html)
            found = _fragments[key] = (shared, frozenset(read), page.link_starts(shared))
            fragment_stats["made"] += 1
        else:
            fragment_stats["reused"] += 1
        deps.note_tokens(found[1])
        # Pages in the same place (see urls.link_place) get the same links: unmarked once.
        place = page.link_place(found[2]) if found[2] is not None else None
        if place is None:
            return Markup(page.unmark(found[0]))
        made = _unmarked.get((key, place))
        if made is None:
            made = _unmarked[(key, place)] = page.unmark(found[0])
        return Markup(made)


# Callables that take no context, environment or evaluation context unless marked so by
# ``jinja_pass_arg`` on themselves (Jinja's pass_context and the like): for these, Jinja's own
# ``Context.call`` looks the mark up on the callable's ``__call__`` too, in vain.
_PLAIN_CALLABLES = frozenset({types.FunctionType, types.MethodType,
                              types.BuiltinFunctionType, partial})


class QuickContext(Context):
    """Jinja's template context, calling what templates call most (functions, bound methods,
    macros: hundreds of calls a page) without Jinja's generic inspection of the callable.
    Whatever else is called goes through ``Context.call`` itself. Each one made while a page
    renders is noted (see ``render_page``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if _made is not None:
            _made.append(self)

    @internalcode
    def call(__self, __obj: Callable[..., Any], *args: Any,  # noqa: N805 (Jinja's names)
             **kwargs: Any) -> Any:
        if __debug__:
            __traceback_hide__ = True  # noqa: F841 (read by Jinja's traceback rewriting)
        kind = type(__obj)
        if kind is Macro:  # its __call__ takes the evaluation context (pass_eval_context)
            args = (__self.eval_ctx, *args)
        elif kind not in _PLAIN_CALLABLES or getattr(__obj, "jinja_pass_arg", None) is not None:
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised"
                                                " a StopIteration exception")


# MarkupSafe's escaping of a plain string, into a plain string (3.0 on; before, None)
_escape_inner: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)


def _escaped(text: str) -> str:
    """``text`` escaped as MarkupSafe escapes it (as a template writes it)."""
    return _escape_inner(text) if _escape_inner is not None else str(escape(text))


def _output_escape(value: Any) -> Any:
    """What a template's ``{{ … }}`` writes (autoescaped): a plain string is escaped as
    MarkupSafe escapes it, into a plain string — not a Markup object (making them was 5 % of
    a page's rendering). The compiled templates only join what it returns into their output
    (which Jinja wraps in Markup where a value is made of it: a macro, a set block)."""
    kind = type(value)
    if kind is str:
        return _escape_inner(value)  # type: ignore[misc]
    if kind is Markup:  # (escape() would copy it)
        return value
    return escape(value)


class QuickTemplate(Template):
    """A template whose output expressions escape with ``_output_escape``."""

    @classmethod
    def from_code(cls, environment: Environment, code: types.CodeType,
                  globals: MutableMapping[str, Any],
                  uptodate: Callable[[], bool] | None = None) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__  # the compiled module's
        if _escape_inner is not None and namespace.get("escape") is escape:
            namespace["escape"] = _output_escape
        return template


def make_environment(loader: BaseLoader, translations: Any,
                     bytecode_cache: BytecodeCache | None = None) -> Environment:
    env = deps.TrackingEnvironment(loader=loader, autoescape=True, undefined=StrictUndefined,
                                   extensions=[i18n, FragmentCache], trim_blocks=True,
                                   lstrip_blocks=True,
                                   keep_trailing_newline=True, bytecode_cache=bytecode_cache,
                                   auto_reload=False)
    env.context_class = QuickContext
    env.template_class = QuickTemplate
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    _keep_translations(env)
    env.tests["contains"] = lambda seq, item: item in seq
    env.tests["ge_date"] = lambda value, day: (
        value.date() if isinstance(value, dt.datetime) else value) >= day
    return env


def _keep_translations(env: Environment) -> None:
    """``_`` and ``gettext`` of ``env`` (one language) with each message without variables
    translated once: Jinja's looks it up and formats it on every call, tens per page."""
    translate: Any = env.globals["gettext"]
    known: dict[tuple[str, bool], Any] = {}

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> Any:
        if variables:
            return translate(context, message, **variables)
        key = (message, context.eval_ctx.autoescape)
        found = known.get(key)
        if found is None:
            found = known[key] = translate(context, message)
        return found

    env.globals["gettext"] = env.globals["_"] = gettext


@functools.lru_cache(maxsize=4096)  # the build date, on every page's footer
def _format_date(value: dt.date, form: str, locale: Any) -> str:
    return str(dates.format_date(value, form, locale=locale))


@dataclass(frozen=True)
class Shared:
    """A fragment's HTML split at its link markers: ``texts[0]``, a link for ``marks[0]``,
    ``texts[1]``, … (``PageContext.shared`` and ``unmark``)."""

    texts: tuple[str, ...]
    marks: tuple[tuple[str, str], ...]  # (kind, site path): U url(), K link(), L Markdown's


class PageContext:
    """Helpers bound to one page: links relative to it and texts in its language."""

    marking = False  # inside a shared fragment: links are markers (see FragmentCache)

    def __init__(self, site: Site, page: PagePlan, options: RenderOptions) -> None:
        self.site, self.page, self.options = site, page, options
        self.default = site.config.default_language
        self.lang = page.lang
        self.path = page.path(self.default)
        self.locale = babel_locale(self.lang)

    def url(self, key: str, lang: str | None = None) -> str:
        """Link to a page key in this page's language (or ``lang``)."""
        if self.marking:
            return f"{MARK}U{lang or ''}\x1f{key}{MARK}"
        full = lang_prefix(lang or self.lang, self.default) + key
        if self.page.key == "404.html" and self.site.config.base_url:
            return absolute_url(self.site.config.base_url, full)
        return relative_url(self.path, full, explicit_index=self.options.explicit_index)

    def asset(self, name: str) -> str:
        version = self.options.asset_hashes.get(name, "")
        link = self.root_link(f"assets/{name}")
        return f"{link}?v={version}" if version else link

    def root_link(self, path: str) -> str:
        if self.page.key == "404.html" and self.site.config.base_url:
            return absolute_url(self.site.config.base_url, path)
        return relative_url(self.path, path, explicit_index=self.options.explicit_index)

    def link(self, url: str) -> str:
        """A link from content: external URLs as they are, site paths made relative."""
        if self.marking:
            return f"{MARK}K{url}{MARK}"
        return url if is_external(url) else self.root_link(url.lstrip("/"))

    def shared(self, html: str) -> Shared:
        """HTML with markers, to be shared by pages: split at its markers once (``unmark``)."""
        texts: list[str] = []
        marks: list[tuple[str, str]] = []
        pieces = _LINK_MARK.split(html)  # text, kind, value, text, …
        for index in range(0, len(pieces), 3):
            more, paths = localize_split(pieces[index], self.site.content.image_sizes)
            if texts:
                texts[-1] += more[0]
            else:
                texts.append(more[0])
            marks.extend(("L", path) for path in paths)
            texts.extend(more[1:])
            if index + 2 < len(pieces):
                marks.append((pieces[index + 1], htmllib.unescape(pieces[index + 2])))
                texts.append("")
        return Shared(tuple(texts), tuple(marks))

    def link_starts(self, shared: Shared) -> frozenset[tuple[str, ...]] | None:
        """The starts of the site paths ``shared`` links to (``urls.link_starts``: None when
        one is not a plain site path). They are the same from every page of its language."""
        targets = []
        for kind, value in shared.marks:
            if kind == "U":
                lang, _, key = value.partition("\x1f")
                targets.append(lang_prefix(lang or self.lang, self.default) + key)
            elif kind == "K":
                if not is_external(value):
                    targets.append(value.lstrip("/"))
            else:
                targets.append(value)
        return link_starts(targets)

    def link_place(self, starts: frozenset[tuple[str, ...]]) -> tuple[Any, ...] | None:
        """This page's place, as far as links to targets with ``starts`` go (see urls); None
        where its links are not relative (the 404 page of a site with a public address)."""
        if self.page.key == "404.html" and self.site.config.base_url:
            return None
        return link_place(self.path, starts)

    def unmark(self, shared: Shared) -> str:
        """A shared fragment for this page: its markers become links relative to it, escaped
        as the template would have escaped them."""
        texts, marks = shared.texts, shared.marks
        if not marks:
            return texts[0]
        out = [texts[0]]
        for (kind, value), text in zip(marks, texts[1:], strict=True):
            if kind == "U":
                lang, _, key = value.partition("\x1f")
                out.append(_escaped(self.url(key, lang or None)))
            elif kind == "K":
                out.append(_escaped(self.link(value)))
            else:
                out.append(attribute(self.root_link(value)))  # as localize() writes it
            out.append(text)
        return "".join(out)

    def lang_attrs(self, lang: str) -> Markup:
        """``lang`` and ``dir`` attributes for text in another language than the page's: the
        direction isolates it, so English punctuation stays put on an Arabic page."""
        return Markup(' lang="{}" dir="{}"').format(lang, text_direction(lang))

    def markdown(self, text: str) -> str:
        """Render the site's own Markdown for this page: converted once (render cache), then
        its links made relative to this page."""
        if self.marking:  # its own markers, made links by unmark()
            return rendercache.active().html(text)
        return render_markdown(text, self.root_link, self.site.content.image_sizes)

    def gbf_title(self, target: GbfTarget, *, plain: bool = False) -> Markup | str:
        """A GBF target's short title in the page's language when the GBF vocabulary fetched
        from the central CHM has one; else the packaged English title, marked as English."""
        label = self.site.content.central.gbf_label(target.identifier)
        fetched: dict[str, str] = dict(label.values)
        if fetched.get(self.lang):
            text, lang = fetched[self.lang], self.lang
        else:
            text, lang = target.short_title, "en"
        if plain:
            return text
        if lang != self.lang:
            return Markup("<span{}>{}</span>").format(self.lang_attrs(lang), text)
        return Markup(escape(text))

    def t(self, text: Text | str | None) -> str:
        if text is None:
            return ""
        return text if isinstance(text, str) else text.pick(self.lang, self.default).text

    def tl(self, text: Text | None) -> Markup:
        """Text for the page, marked with its language when it falls back to another."""
        if not text:
            return Markup("")
        picked = text.pick(self.lang, self.default)
        if picked.lang:
            return Markup('<span{} class="fallback">{}</span>').format(
                self.lang_attrs(picked.lang), picked.text)
        return Markup(escape(picked.text))

    def md(self, text: Text | None) -> Markup:
        """Markdown text rendered for the page; a fallback is marked and announced."""
        if not text:
            return Markup("")
        picked = text.pick(self.lang, self.default)
        html = self.markdown(picked.text)
        if picked.lang:
            return Markup('<div{} class="fallback">{}</div>').format(
                self.lang_attrs(picked.lang), Markup(html))
        return Markup(html)

    def rt(self, text: Text | None) -> Markup:
        """A central record's plain text, picked with the central CHM's fallback chain (page
        language → English → neutral → any) and marked with its language when it falls back."""
        picked = records_pick(text, self.lang) if text else None
        if not picked or not picked.text:
            return Markup("")
        if picked.lang and picked.lang != self.lang:
            return Markup('<span{}>{}</span>').format(self.lang_attrs(picked.lang), picked.text)
        return Markup(escape(picked.text))

    def html(self, value: Html | None) -> Markup:
        """A central record's HTML field, already cleaned when it was read (records.sanitize)."""
        if not isinstance(value, Html) or not value:
            return Markup("")
        picked = records_pick(value.text, self.lang)
        if picked.lang and picked.lang != self.lang:
            return Markup('<div{}>{}</div>').format(self.lang_attrs(picked.lang),
                                                    Markup(picked.text))
        return Markup(picked.text)

    def entry(self, entry: MarkdownEntry) -> dict[str, Any]:
        """The variant of a Markdown entry for this page; its body is rendered when read (a
        list of titles converts no Markdown)."""
        variant, fallback = entry.variant(self.lang, self.default)
        return _Entry({"title": variant.title, "fallback": fallback, "variant": variant,
                       "description": variant.description or variant.summary or ""},
                      lambda: Markup(self.markdown(variant.body)))

    def fmt_date(self, value: dt.date | int | None, form: str = "long") -> str:
        if value is None:
            return ""
        if isinstance(value, int):
            return str(value)
        return _format_date(value, form, self.locale)

    def fmt_number(self, value: float | int | None, digits: int = 2) -> str:
        if value is None:
            return ""
        formatted: str = _decimal_pattern(digits).apply(round(float(value), digits), self.locale)
        return formatted

    def fmt_percent(self, value: float, digits: int = 1) -> str:
        """A percentage (``20.4`` → ``20.4%``, ``20,4 %`` in French …) in the page's locale."""
        return numbers.format_percent(round(value, digits) / 100, locale=self.locale,
                                      decimal_quantization=False)

    def fmt_money(self, amount: float, currency: str) -> str:
        return numbers.format_currency(amount, currency, locale=self.locale,
                                       format_type="standard", currency_digits=False,
                                       format="¤#,##0")

    def chart(self, indicator: Indicator, title: str, description: str, series: str,
              baseline: str, goal: str) -> Markup:
        words = ChartText(title, description, series, baseline, goal)
        return line_chart(indicator.id, indicator.data, indicator.baseline, indicator.goal,
                          words, partial(self.fmt_number, digits=2))

    def fmt_when(self, value: dt.date | dt.datetime, timezone: str = "UTC") -> str:
        """An event date, or date and time in the event's own time zone."""
        if isinstance(value, dt.datetime):
            # The time is written in the event's own zone: attach it, never convert from UTC.
            local = value.replace(tzinfo=ZoneInfo(timezone))
            day = dates.format_date(local.date(), "long", locale=self.locale)
            hour = dates.format_time(local, "short", tzinfo=local.tzinfo, locale=self.locale)
            return f"{day}, {hour}"
        return dates.format_date(value, "long", locale=self.locale)

    def iso_when(self, value: dt.date | dt.datetime, timezone: str = "UTC") -> str:
        """Machine-readable date or date-time with its UTC offset, for ``<time datetime>``."""
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=ZoneInfo(timezone)).isoformat(timespec="minutes")
        return value.isoformat()

    def theme_label(self, slug: str) -> str:
        label = self.site.config.themes.get(slug)
        return self.t(label) if label else slug.replace("-", " ").capitalize()

    def language_label(self, code: str) -> str:
        """A language's name in the page's language."""
        name = babel_locale(code).get_display_name(self.locale) if code else ""
        return name or code

    def coverage(self) -> dict[str, float | None]:
        """Protected-area coverage (%) of land and sea, when the areas are configured."""
        config = self.site.config
        areas = self.site.content.section_items("protected-areas")

        def share(realms: tuple[str, ...], total: float | None) -> float | None:
            covered = sum(i.fields.get("area_km2") or 0 for i in areas
                          if i.fields.get("realm") in realms)
            return 100 * covered / total if total and covered else None

        return {"land": share(("terrestrial", "mixed"), config.land_area_km2),
                "marine": share(("marine",), config.marine_area_km2)}

    def match(self, item: Item) -> list[Item]:
        """Cooperation offers matching a need (or needs matching an offer): a shared GBF
        target or theme."""
        others = self.site.content.offers if item.kind == "needs" else self.site.content.needs
        numbers = {t.number for t in item.gbf_targets}
        return [o for o in others if numbers.intersection(t.number for t in o.gbf_targets)
                or set(item.themes).intersection(o.themes)]

    def country_status(self) -> Mapping[str, Any] | None:
        """Treaty participation from the central CHM's countries API, when it was fetched."""
        return self.site.content.central.treaties

    def alternates(self) -> list[dict[str, str]]:
        """The same page in every site language, for the switcher and hreflang links."""
        out = []
        for lang in self.site.config.languages:
            full = lang_prefix(lang, self.default) + self.page.key
            href = absolute_url(self.site.config.base_url, full) if self.site.config.base_url \
                else self.url(self.page.key, lang)
            out.append({"lang": lang, "name": language_name(lang), "href": href,
                        "dir": text_direction(lang),
                        "link": self.url(self.page.key, lang), "current": lang == self.lang})
        return out

    def canonical(self) -> str | None:
        base = self.site.config.base_url
        return absolute_url(base, lang_prefix(self.lang, self.default) + self.page.key) \
            if base else None

    def variables(self) -> dict[str, Any]:
        helpers: dict[str, Callable[..., Any]] = {
            name: getattr(self, name) for name in (
                "url", "asset", "link", "t", "tl", "md", "entry", "fmt_date", "fmt_number",
                "fmt_money", "fmt_percent", "chart", "alternates", "canonical", "fmt_when",
                "theme_label", "language_label", "coverage", "match", "country_status", "rt",
                "html", "iso_when", "lang_attrs", "gbf_title")
        }
        if deps.is_recording():
            helpers = {name: _noting(helper) for name, helper in helpers.items()}
        return {
            **helpers, **self.page.data,
            "site": self.site, "content": self.site.content, "config": self.site.config,
            "page": self.page, "lang": self.lang, "dir": text_direction(self.lang),
            "default_lang": self.default, "build_date": self.options.build_date,
            "reference": reference, "structured_data": partial(structured_data, self),
            "_page": self,
            "page_gbf_targets": partial(page_gbf_targets, self.site, self.page),
        }


class _Entry(dict[str, Any]):
    """A Markdown entry's fields for templates, with ``body`` rendered on first use."""

    def __init__(self, fields: dict[str, Any], body: Callable[[], Markup]) -> None:
        super().__init__(fields)
        self._body = body

    def __missing__(self, key: str) -> Any:
        if key != "body":
            raise KeyError(key)
        self["body"] = value = self._body()
        return value


def _noting(helper: Callable[..., Any]) -> Callable[..., Any]:
    """A page helper that notes the records it is given (deps.py): a helper may read fields
    the template itself never touched."""
    note = deps.note_record

    def call(*args: Any, **kwargs: Any) -> Any:
        for value in args:
            note(value)
        return helper(*args, **kwargs)
    return call


_made: list[QuickContext] | None = None  # the Jinja contexts made by the page rendering


def render_page(site: Site, page: PagePlan, env: Environment,
                options: RenderOptions) -> tuple[str, bytes]:
    """One page to ``(output path, bytes)``."""
    global _made
    context = PageContext(site, page, options)
    outer, _made = _made, []
    try:
        html = env.get_template(page.template).render(context.variables())
    except TemplateError as exc:
        raise ThemeError(describe_template_error(exc, page.template)) from None
    finally:
        made, _made = _made, outer
        _unlink(made, context)
    return context.path, html.encode("utf-8")


def _unlink(made: list[QuickContext], page: PageContext) -> None:
    """Break the reference cycles of the Jinja contexts that rendered ``page`` (the page's own
    and those of the templates it imported "with context"): each holds its macros, each macro
    the context, and macros that call one another hold one another (Jinja's code). Left to the
    cyclic collector, they and all they hold (about 260 objects a page) made it run every
    three pages. A context that did not see the page's variables (a template imported without
    context, kept by Jinja for every page) is left as it is."""
    for made_context in made:
        if made_context.parent.get("_page") is page:
            for value in made_context.vars.values():
                if type(value) is Macro:
                    value.__dict__.clear()  # (the macro is not called again)
            made_context.vars.clear()


def render_tracked(site: Site, page: PagePlan, env: Environment,
                   options: RenderOptions) -> tuple[str, bytes, frozenset[deps.Token]]:
    """One page, with the tokens of everything it read (besides those every page has)."""
    with deps.recording() as tokens:
        deps.note_record(tuple(page.data.values()))
        path, data = render_page(site, page, env, options)
    return path, data, frozenset(tokens)


def describe_template_error(exc: TemplateError, template: str) -> str:
    """Name the template file and line where rendering failed."""
    filename = getattr(exc, "filename", None)
    lineno = getattr(exc, "lineno", None)
    if not filename:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.endswith((".html", ".xml", ".txt"))]
        if frames:
            filename, lineno = frames[-1].filename, frames[-1].lineno
    where = f"{filename}:{lineno}" if filename else template
    return f"{where}: template error: {exc.message or exc}"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]
