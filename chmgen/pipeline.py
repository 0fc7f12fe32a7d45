"""Render a planned site to files: on every core, incrementally, writing only what changed.

A build renders pages on every core: in its own process and in worker processes (forked, so
the site model is shared, not copied through pipes), which claim chunks of pages from a shared
table; each page is written by the process that rendered it. While a page renders, the
inputs it reads are recorded (``deps.py``); the manifest of the build keeps, for every page, those
tokens and a digest of its bytes, and for every token a signature of its value. The next build
into the same folder re-renders only pages with a token whose signature changed; when nothing
changed it renders and writes nothing at all.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from jinja2 import Environment

from chmgen import __version__, deps, fileio, filememo, noop, rendercache
from chmgen.deps import Token, digest, stable
from chmgen.markers import MARKDOWN_CONFIG
from chmgen.model import MarkdownEntry, Variant
from chmgen.progress import Progress, Step, no_progress
from chmgen.render import (
    RenderOptions,
    clear_fragments,
    content_hash,
    make_environment,
    render_tracked,
)
from chmgen.site import _DERIVED, PagePlan, Site
from chmgen.theme import static_dirs, template_cache, template_loader, theme_chain, translations
from chmgen.workers import render_in_parallel

MANIFEST_FORMAT = 4
# {% extends "x" %}, {% include "x" … %}, {% import "x" as y %}, {% from "x" import y %}
_REFERENCE = re.compile(r"\{%[-+]?\s*(extends|include|import|from)\s+(.+?)"
                        r"(?:\s+(?:as|import|with|without|ignore)\b.*?)?\s*[-+]?%\}", re.S)
_LITERAL = re.compile(r"""["']([^"']+)["']""")
SMALL = 64  # below this many pages, rendering in this process is faster than starting workers
LAST_PARALLEL = False  # whether the last render_pages call used worker processes


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(slots=True)
class PageResult:
    """One rendered page: where it went, a digest of its bytes, what it read."""

    path: str
    digest: str
    tokens: frozenset[Token]
    search: str  # digest of what the search index reads from the page
    data: bytes | None = None  # kept only when rendering in memory
    written: int = 0  # bytes written (0: rendered the same bytes as the previous build)
    converted: int = 0  # Markdown texts converted (not found in the render cache)
    markdown: tuple[bytes, ...] = ()  # render-cache keys of the texts it showed
    size: int = 0  # bytes of the page

    def __reduce__(self) -> tuple[Any, ...]:
        # (its fields in a row: a manifest of 10,000 pages is read back twice as fast)
        return PageResult, (self.path, self.digest, self.tokens, self.search, self.data,
                            self.written, self.converted, self.markdown, self.size)


@dataclass
class Manifest:
    """What the last build wrote into an output folder, and from what."""

    chmgen: str
    pages: dict[tuple[str, str], PageResult] = field(default_factory=dict)  # (lang, key)
    signatures: dict[Token, str] = field(default_factory=dict)
    files: dict[str, tuple[int, str]] = field(default_factory=dict)  # path → (size, digest)
    search: str = ""
    format: int = MANIFEST_FORMAT
    # which build wrote it (what that build recorded of its inputs names it: noop.Changes)
    identity: str = field(default_factory=lambda: secrets.token_hex(8))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_index", None)  # rebuilt when needed
        state.pop("_paths", None)
        return state

    def key_of(self, path: str) -> tuple[str, str] | None:
        """The page written at ``path`` (``targets/t1/index.html``), if a page was."""
        paths = self.__dict__.get("_paths")
        if paths is None:
            paths = self.__dict__["_paths"] = {r.path: key for key, r in self.pages.items()}
        return paths.get(path)

    def index(self) -> TokenIndex:
        """Which pages read each token, and the tokens by what can change them."""
        found = self.__dict__.get("_index")
        if found is None:
            found = self.__dict__["_index"] = TokenIndex(self.pages)
        return found

    def set_page(self, key: tuple[str, str], result: PageResult) -> None:
        """Record a page's new result, keeping the index up to date."""
        index = self.__dict__.get("_index")
        before = self.pages.get(key)
        if index is not None:
            if before is not None:
                index.remove(key, before.tokens)
            index.add(key, result.tokens)
        paths = self.__dict__.get("_paths")
        if paths is not None:
            if before is not None:
                paths.pop(before.path, None)
            paths[result.path] = key
        self.pages[key] = result

    def drop_page(self, key: tuple[str, str]) -> None:
        before = self.pages.pop(key, None)
        index = self.__dict__.get("_index")
        if index is not None and before is not None:
            index.remove(key, before.tokens)
        paths = self.__dict__.get("_paths")
        if paths is not None and before is not None:
            paths.pop(before.path, None)


class TokenIndex:
    """Reverse index of a manifest: the pages that read each token, and every token bucketed
    by what can change it (see Scope), so an edit looks only at what it can affect."""

    def __init__(self, pages: Mapping[tuple[str, str], PageResult]) -> None:
        self.readers: dict[Token, set[tuple[str, str]]] = {}
        self.buckets: dict[Any, set[Token]] = {}
        for key, result in pages.items():
            self.add(key, result.tokens)

    def add(self, key: tuple[str, str], tokens: Iterable[Token]) -> None:
        for token in tokens:
            readers = self.readers.get(token)
            if readers is None:
                readers = self.readers[token] = set()
                self.buckets.setdefault(_kind_of(token), set()).add(token)
            readers.add(key)

    def remove(self, key: tuple[str, str], tokens: Iterable[Token]) -> None:
        for token in tokens:
            readers = self.readers.get(token)
            if readers is not None:
                readers.discard(key)


# --------------------------------------------------------------------------- the renderer

class Renderer:
    """Everything a page needs besides the site: environments, assets, template closures."""

    def __init__(self, site: Site, options_factory: Callable[[dict[str, str]], RenderOptions],
                 cache_dir: Path | None) -> None:
        self.site = site
        root = site.config.root
        self.chain = theme_chain(root, site.config.theme)
        self.loader = template_loader(root, self.chain)
        bytecode = template_cache() if cache_dir is not None else None
        self.translations = {lang: translations(self.chain, lang)
                             for lang in site.config.languages}
        self.envs: dict[str, Environment] = {
            lang: make_environment(self.loader, catalog, bytecode)
            for lang, catalog in self.translations.items()}
        self.assets = theme_assets(self.chain)
        self.options = options_factory({n: content_hash(b) for n, b in self.assets.items()})
        self._closures: dict[str, frozenset[str]] = {}
        self._shared_tokens: dict[tuple[str, str], frozenset[Token]] = {}  # page_tokens()
        self._warm: set[str] = set()  # templates compiled already
        self._refs: dict[str, list[str]] = {}
        # id(record) → (record, digest), kept by renew(): records of files a live session did
        # not re-read are the same objects, and are not hashed again
        self._record_digests: dict[int, tuple[Any, str]] = {}
        self.stale: set[Token] = set()  # set by changed_pages
        self._before: dict[str, Any] = {}  # records() before renew()
        # collection → (its tuple, its records by identity): unchanged collections of a live
        # session are the very tuples of the previous load
        self._groups: dict[Any, tuple[Any, dict[str, Any]]] = {}
        self._before_groups: dict[Any, tuple[Any, dict[str, Any]]] = {}
        self._signatures: dict[Token, str] = {}
        self._records: dict[str, Any] | None = None
        self.plans = {(p.lang, p.key): p for p in site.pages}  # the pages by (lang, key)

    # ---- templates
    def closure(self, name: str) -> frozenset[str]:
        """The template and every template it extends, includes or imports (static analysis;
        a template named by a variable makes a page depend on every template)."""
        if name in self._closures:
            return self._closures[name]
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self._references(current))
        self._closures[name] = frozenset(seen)
        return self._closures[name]

    def _references(self, name: str) -> list[str]:
        """Templates one template names (all of them when it names one by a variable)."""
        if name not in self._refs:
            env = next(iter(self.envs.values()))
            try:
                source = self.loader.get_source(env, name)[0]
            except Exception:  # noqa: BLE001 (a missing template fails at render, named there)
                source = ""
            found: list[str] = []
            for match in _REFERENCE.finditer(source):
                literal = _LITERAL.fullmatch(match.group(2).strip())
                if literal is None:  # named by a variable or a list: any template
                    found = env.list_templates()
                    break
                found.append(literal.group(1))
            self._refs[name] = found
        return self._refs[name]

    def warm(self, pages: Iterable[PagePlan]) -> None:
        """Compile every template ``pages`` use, once, before workers are forked."""
        for template in {p.template for p in pages} - self._warm:
            self._warm.add(template)
            for name in self.closure(template):
                for env in self.envs.values():
                    try:
                        env.get_template(name)
                    except Exception:  # noqa: BLE001 (reported when a page renders)
                        pass

    def renew(self, site: Site) -> Renderer:
        """This renderer for an edited site: same theme, environments and assets."""
        fresh = object.__new__(Renderer)
        fresh.__dict__.update(self.__dict__)
        fresh.site = site
        fresh._signatures, fresh._records = {}, None
        # Records that are the very objects of the previous site (files not re-read) have not
        # changed: their tokens need no new signature (unchanged()).
        fresh._before = self.records()
        fresh._before_groups = self._groups
        if len(self._record_digests) > 2 * len(fresh._before) + 1000:  # drop the dead
            live = {id(r) for r in fresh.records().values()}
            fresh._record_digests = {k: v for k, v in self._record_digests.items()
                                     if k in live}
        fresh.plans = self._plans_for(site.pages)
        return fresh

    def _plans_for(self, pages: Sequence[PagePlan]) -> dict[tuple[str, str], PagePlan]:
        """Plans by (language, key), in page order: after an edit that keeps every page where
        it was, the previous table with the edited records' plans put in their places."""
        swaps = filememo.replaced(self.site.pages, pages)
        if swaps is not None and all((old.lang, old.key) == (new.lang, new.key)
                                     for old, new in swaps):
            plans = dict(self.plans)
            for _, new in swaps:
                plans[(new.lang, new.key)] = new
            return plans
        return {(p.lang, p.key): p for p in pages}

    def unchanged(self, name: str) -> bool:
        """The record ``name`` is the very object it was before renew()."""
        before = self._before.get(name)
        return before is not None and before is self.record(name)

    def page_tokens(self, page: PagePlan) -> frozenset[Token]:
        """Tokens every page has: global inputs, its own plan, templates, translations."""
        shared = self._shared_tokens.get((page.template, page.lang))
        if shared is None:
            shared = self._shared_tokens[(page.template, page.lang)] = frozenset(
                [("g",), ("l", page.lang), *(("t", name) for name in self.closure(page.template))])
        return shared | {("p", page.lang, page.key)}

    # ---- signatures
    def signature(self, token: Token) -> str:
        found = self._signatures.get(token)
        if found is None:
            with deps.paused():
                found = self._signature(token)
            self._signatures[token] = found
        return found

    def _signature(self, token: Token) -> str:
        kind = token[0]
        site, content = self.site, self.site.content
        if kind == "g":
            return digest((__version__, MARKDOWN_CONFIG, site.config, site.menu, site.sections,
                           self.options.build_date, sorted(self.options.asset_hashes.items()),
                           self.options.explicit_index, content.central.shown(),
                           sorted(content.image_sizes.items()), content.static_files))
        if kind == "p":  # (the plan's value: its digest is the plan's as a record too)
            plan = self.plans.get((token[1], token[2]))
            return "missing" if plan is None else self._record_digest(plan)
        if kind == "t":
            try:
                return digest(self.loader.get_source(next(iter(self.envs.values())),
                                                     token[1])[0])
            except Exception:  # noqa: BLE001
                return "missing"
        if kind == "l":
            catalog = self.translations.get(token[1])
            return digest(sorted(getattr(catalog, "_catalog", {}).items()))
        if kind == "r":
            record = self.record(token[1])
            return "missing" if record is None else self._record_digest(record)
        if kind == "c":
            return digest(stable(getattr(content, token[1])))
        if kind == "a":
            return digest(getattr(content, token[1]))
        if kind == "q":
            return self._query(token[1], token[2:])
        return "unknown"

    def signatures(self, tokens: set[Token]) -> dict[Token, str]:
        """The signature of each of ``tokens`` (most were made as the pages rendered)."""
        known = self._signatures
        for token in tokens - known.keys():
            self.signature(token)
        return {token: known[token] for token in tokens}  # (keyed by the tokens given)

    def sign_shared(self) -> None:
        """The index of the records, and the digests of those many pages read — all but the
        site's Markdown pages and posts (and their language versions), each read by its own
        page and a list or two: made once before workers are forked, not in every worker
        whose pages read them. Worth it only while another core has work of its own (a
        build converting Markdown ahead): else the workers, in parallel, are quicker."""
        for record in self.records().values():
            if type(record) not in _READ_BY_FEW:
                self._record_digest(record)

    def _record_digest(self, record: Any) -> str:
        """The digest of a record's value (its own, ``deps.VALUES``), made once."""
        known = self._record_digests.get(id(record))
        if known is not None and known[0] is record:
            return known[1]
        value = deps.VALUES.get(type(record))
        found = digest(record if value is None else value(record))
        self._record_digests[id(record)] = (record, found)
        return found

    def _query(self, name: str, args: Sequence[Any]) -> str:
        resolved = []
        for arg in args:
            if isinstance(arg, tuple) and arg[:1] == ("record",):
                record = self.record(arg[1])
                if record is None:
                    return "missing"
                resolved.append(record)
            else:
                resolved.append(arg)
        if name in _DERIVED:
            value = getattr(self.site, name)
        elif hasattr(self.site, name):
            value = getattr(self.site, name)(*resolved)
        elif hasattr(self.site.content, name):
            value = getattr(self.site.content, name)(*resolved)
        else:
            return "unknown"
        return digest(stable(value))

    def records(self) -> dict[str, Any]:
        """Every record of the site by identity."""
        if self._records is None:
            content = self.site.content
            slots: dict[Any, Any] = {
                "targets": content.targets, "indicators": content.indicators,
                "actions": content.actions, "pages": content.pages, "news": content.news,
                "needs": content.needs, "offers": content.offers,
                "nbsap": (content.nbsap, *content.nbsap.chapters) if content.nbsap else (),
                **{("items", kind): items for kind, items in content.items.items()}}
            found: dict[str, Any] = {}
            groups: dict[Any, tuple[Any, dict[str, Any]]] = {}
            for slot, group in slots.items():
                known = self._groups.get(slot)
                if known is None or known[0] is not group:
                    known = (group, _by_identity(group))
                groups[slot] = known
                found.update(known[1])
            self._groups = groups
            self._records = found
        return self._records

    def record(self, name: str) -> Any:
        """The record of identity ``name`` (a page's plan too), or None."""
        if name.startswith("page:"):
            lang, _, key = name[len("page:"):].partition(":")
            return self.plans.get((lang, key))
        return self.records().get(name)

    def changed_records(self) -> set[str]:
        """Identities of the records that are not the very objects they were before renew()
        (new, edited or gone), found collection by collection: an unchanged collection is the
        same tuple, and costs nothing."""
        self.records()
        changed: set[str] = set()
        for slot in self._before_groups.keys() | self._groups.keys():
            before = self._before_groups.get(slot)
            now = self._groups.get(slot)
            if before is not None and now is not None and before[0] is now[0]:
                continue
            old = before[1] if before is not None else {}
            new = now[1] if now is not None else {}
            changed.update(name for name, record in new.items() if old.get(name) is not record)
            changed.update(old.keys() - new.keys())
        return changed


_READ_BY_FEW = frozenset({MarkdownEntry, Variant})


def _by_identity(records: Iterable[Any]) -> dict[str, Any]:
    """Records, and the language variants of Markdown entries, by identity."""
    found = {}
    for record in records:
        name = deps.identity(record)
        assert name is not None
        found[name] = record
        variants = getattr(record, "variants", None)
        if variants:
            for variant in variants.values():
                found[deps.identity(variant)] = variant  # type: ignore[index]
    return found


def theme_assets(chain: list[Path]) -> dict[str, bytes]:
    """The theme's static files (children override parents), to be served under assets/."""
    assets: dict[str, bytes] = {}
    for folder in reversed(static_dirs(chain)):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                assets[path.relative_to(folder).as_posix()] = path.read_bytes()
    return assets


# --------------------------------------------------------------------------- the collector

BuildFunction = TypeVar("BuildFunction", bound=Callable[..., Any])


def few_full_collections(function: BuildFunction) -> BuildFunction:
    """``function`` (a build) run with the cyclic collector's full passes put off until it
    returns. A build makes a large heap that lives as long as it does (the site model, the
    manifests, the load cache): as it grows, the collector walks all of it again and again
    (at 10,000 pages, seven full passes as the site loads and after the render, 0.44 s in all)
    and finds nothing to free. Young objects are collected as usual, and so is everything,
    once the build has returned. Builds run one at a time in a process (deps.py records one
    page's reads at a time)."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        global _usual_threshold
        usual = gc.get_threshold()
        outer, _usual_threshold = _usual_threshold, _usual_threshold or usual
        gc.set_threshold(*usual[:2], _NO_FULL_PASS)
        try:
            return function(*args, **kwargs)
        finally:
            gc.set_threshold(*usual)
            _usual_threshold = outer

    return run  # type: ignore[return-value]


_NO_FULL_PASS = 1 << 30  # young collections between two full ones: never, in a build
_RARER = 10  # how much rarer full passes are while pages render (see _rendering_collector)
_usual_threshold: tuple[int, int, int] | None = None  # the collector's, outside builds


# --------------------------------------------------------------------------- rendering

class Digests(Protocol):
    """Where ``render_pages`` finds the digest of the file already at a path."""

    def get(self, path: str, /) -> str | None: ...


_JOB: tuple[Renderer, Sequence[PagePlan], Path | None, Digests | Mapping[str, str],
           Path | None] | None = None


def _render_signed(indexes: Sequence[int]
                   ) -> tuple[list[tuple[int, PageResult]], dict[Token, str]]:
    """A chunk rendered (by a worker or the building process), with the signatures of the
    tokens its pages read that this process had not signed yet (computed here, in parallel,
    not after in the building process)."""
    assert _JOB is not None
    renderer = _JOB[0]
    done = _render_chunk(indexes)
    known = renderer._signatures
    fresh = {token: renderer.signature(token) for _, result in done
             for token in result.tokens if token not in known}
    return done, fresh


def _render_chunk(indexes: Sequence[int]) -> list[tuple[int, PageResult]]:
    assert _JOB is not None
    renderer, pages, folder, previous, same_from = _JOB
    done = []
    cache = rendercache.active()
    for index in indexes:
        page = pages[index]
        misses = cache.misses
        cache.recent.clear()
        path, data, read = render_tracked(renderer.site, page, renderer.envs[page.lang],
                                          renderer.options)
        tokens = frozenset(read | renderer.page_tokens(page))
        result = PageResult(path, file_digest(data), tokens, search_digest(data),
                            converted=cache.misses - misses,
                            markdown=tuple(dict.fromkeys(cache.recent)), size=len(data))
        if folder is None:
            result.data = data
        elif previous.get(path) != result.digest:
            write_file(folder / path, data, fresh=not previous)
            result.written = len(data)
        elif same_from is not None:
            link_file(same_from / path, folder / path)
        done.append((index, result))
    rendercache.active().flush()
    return done


def render_pages(renderer: Renderer, pages: Sequence[PagePlan], folder: Path | None, *,
                 jobs: int, progress: Progress = no_progress,
                 previous: Digests | None = None,
                 same_from: Path | None = None,
                 meanwhile: Callable[[], None] | None = None,
                 canonical: dict[Token, Token] | None = None) -> list[PageResult]:
    """Render ``pages`` (into ``folder``, or in memory), in order. A page whose digest is its
    ``previous`` one is not written again: ``folder`` holds it already, or it is linked from
    ``same_from`` (the folder the build replaces). ``meanwhile`` is called once, in this
    process, while the workers render (work that reads no page and converts no Markdown:
    it takes a core the pages would otherwise have, not one of its own after them). With
    ``canonical``, the tokens of each result are the objects it holds for them (a token
    not there yet is added), made so as the results come in."""
    global _JOB, LAST_PARALLEL
    LAST_PARALLEL = False
    if not pages:
        if meanwhile is not None:
            meanwhile()
        return []
    renderer.warm(pages)
    clear_fragments()  # made afresh for these pages (in each worker, after the fork)
    _JOB = (renderer, pages, folder, previous or {}, same_from)
    results: list[PageResult | None] = [None] * len(pages)
    total, done = len(pages), 0
    try:
        if jobs <= 1 or len(pages) < SMALL or not sys.platform.startswith("linux"):
            # Workers are forked (the site is shared, not pickled): on Linux only, where fork
            # is safe; elsewhere pages render in this process.
            progress(Step("rendering pages", 0, total))
            for index, result in _canonical(_render_chunk(range(len(pages))), canonical):
                results[index] = result
            progress(Step("rendering pages", total, total))
            if meanwhile is not None:
                meanwhile()
        else:
            size = max(8, min(32, len(pages) // (jobs * 16)))
            chunks = [range(i, min(i + size, len(pages))) for i in range(0, len(pages), size)]
            LAST_PARALLEL = True
            rendercache.active().prepare()  # the packs' index, read once for every worker
            # The site model is shared with the workers copy-on-write: keep the collector from
            # walking (and so copying) it in every worker. (The young objects' garbage is
            # collected first; the old ones' is not worth a full pass, see above.)
            gc.collect(1)
            gc.freeze()
            threshold = gc.get_threshold()
            cache = rendercache.active()
            converted = cache.misses

            def take(taken: tuple[list[tuple[int, PageResult]], dict[Token, str]]) -> None:
                nonlocal done
                chunk, signed = taken
                renderer._signatures.update(signed)
                for index, result in _canonical(chunk, canonical):
                    results[index] = result
                done += len(chunk)
                progress(Step("rendering pages", done, total))

            try:
                # This process renders too: one worker fewer, each holding a view of the
                # whole site, for the same cores. (The workers have every chunk to take while
                # this process makes what ``meanwhile`` makes.)
                render_in_parallel(len(chunks), jobs - 1,
                                   lambda number: _render_signed(chunks[number]), take,
                                   started=_rendering_collector, meanwhile=meanwhile)
            finally:
                gc.set_threshold(*threshold)
                gc.unfreeze()
            # The pages' results count the texts this process converted, as the workers' do.
            cache.misses = converted
            cache.refresh()  # what the workers converted, for this process too
    finally:
        _JOB = None
        clear_fragments()
    return [r for r in results if r is not None]


def _canonical(chunk: list[tuple[int, PageResult]], canonical: dict[Token, Token] | None
               ) -> list[tuple[int, PageResult]]:
    if canonical is not None:
        for _, result in chunk:
            result.tokens = frozenset([canonical.setdefault(t, t) for t in result.tokens])
    return chunk


def _rendering_collector() -> None:
    """The collector of a process rendering pages (a worker, or the building process while it
    renders) makes full passes, a tenth as often as usual: the heap it makes is the pages'
    garbage, not a long-lived one (the site it shares is frozen), and most of it is freed as
    each page is done (``render._unlink``). At the usual rate, the full passes were 0.2 s of
    CPU at 10,000 pages; with none at all, the garbage they free was 7 MB more."""
    if _usual_threshold is not None:
        gc.set_threshold(*_usual_threshold[:2], _usual_threshold[2] * _RARER)


def write_file(target: Path, data: bytes, *, fresh: bool = False) -> None:
    """Write ``data`` to ``target``. A file already there is replaced atomically by a new one
    (readers of a served folder see the old or the new page, and a hard link shared with the
    published site is never written through). ``fresh``: the file's folder is most likely not
    there yet (a page of a build into an empty folder), so it is made first."""
    name = os.fspath(target)
    if fresh:
        _make_folder(os.path.dirname(name))
    try:
        fileio.write_new(name, data)
        return
    except FileNotFoundError:
        _make_folder(os.path.dirname(name))
        fileio.write_new(name, data)
        return
    except FileExistsError:
        pass
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def _make_folder(folder: str) -> None:
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def static_signature(path: Path) -> tuple[int, str]:
    """A static file's size and modification time: copied again only when they change."""
    stat = path.stat()
    return (stat.st_size, f"static:{stat.st_mtime_ns}")


def write_others(folder: Path, others: Mapping[str, bytes], static_root: Path,
                 static_files: Iterable[Path], known: dict[str, tuple[int, str]],
                 fresh: bool = False) -> int:
    """Write the generated files that are not pages (feeds, sitemap, exports, assets) and copy
    the static files, each only when it differs from what ``known`` (path → size, digest)
    says ``folder`` holds, or always when ``fresh``; ``known`` is updated. Returns the bytes
    written."""
    written = 0
    for path, data in sorted(others.items()):
        now = (len(data), file_digest(data))
        if fresh or known.get(path, (-1, ""))[1] != now[1]:
            write_file(folder / path, data)
            written += len(data)
        known[path] = now
    for relative in static_files:
        key, source = relative.as_posix(), static_root / relative
        signature = static_signature(source)
        if fresh or known.get(key) != signature:
            write_file(folder / key, source.read_bytes())
            written += signature[0]
        known[key] = signature
    return written


_BODY = b"data-pagefind-body"


def search_digest(data: bytes) -> str:
    """What Pagefind reads of a page: its language, title, and the marked body with its meta
    and filter attributes. Pages without a marked body are not indexed at all."""
    start = data.find(_BODY)
    if start < 0:
        return ""
    head_end = data.find(b"</head>")
    end = data.rfind(b"</main>")
    return file_digest(data[:head_end if head_end > 0 else 0] + data[start:end])


# --------------------------------------------------------------------------- manifests

def manifest_path(root: Path, out: Path) -> Path:
    return root / rendercache.FOLDER / f"build-{noop.output_name(out)}.pickle"


def read_manifest(path: Path) -> Manifest | None:
    try:
        with path.open("rb") as handle:
            manifest = pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError, TypeError,
            ImportError, IndexError):
        return None
    if not isinstance(manifest, Manifest) or manifest.format != MANIFEST_FORMAT \
            or manifest.chmgen != __version__:
        return None
    return manifest


def write_manifest(path: Path, manifest: Manifest) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        pickle.dump(manifest, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)


def output_matches(out: Path, manifest: Manifest) -> bool:
    """The folder still holds exactly what the manifest says was written (same files, sizes).
    Folders that are symbolic links are not entered (as ``os.walk`` does)."""
    if not out.is_dir():
        return False
    files, seen = manifest.files, 0
    todo = [(os.fspath(out), "")]
    try:
        while todo:
            folder, prefix = todo.pop()
            with os.scandir(folder) as scan:
                for entry in scan:
                    if entry.is_dir():
                        if not entry.is_symlink():
                            todo.append((entry.path, f"{prefix}{entry.name}/"))
                        continue
                    known = files.get(prefix + entry.name)
                    if known is None or entry.stat().st_size != known[0]:
                        return False
                    seen += 1
    except OSError:  # a file or folder gone meanwhile, a broken link: not what was written
        return False
    return seen == len(files)


# Which collections a site query reads (for edits whose scope is known, see Scope).
QUERY_READS: dict[str, frozenset[str]] = {
    name: frozenset(reads) for name, reads in {
        "gbf_targets_of_indicator": ("targets",), "targets_using_indicator": ("targets",),
        "indicators_of_target": ("targets", "indicators"), "actions_for_target": ("actions",),
        "page_entry": ("pages",), "items_for_gbf": ("items", "needs", "offers"),
        "items_for_target": ("items", "needs", "offers", "targets"),
        "actions_for_gbf": ("targets", "actions"), "menu_group_of": (),
        "targets_by_goal": ("targets",), "section_items": ("items",),
        "alignment": ("targets",), "covered_count": ("targets",), "unaddressed": ("targets",),
        "themes": ("items", "needs", "offers"), "progress_counts": ("targets",),
        "indicator_trends": ("indicators",),
    }.items()}
_RECORD_COLLECTION = (("target:", "targets"), ("indicator:", "indicators"),
                      ("action:", "actions"), ("item:needs:", "needs"),
                      ("item:offers:", "offers"), ("item:", "items"), ("md:pages/", "pages"),
                      ("md:news/", "news"), ("md:nbsap/", "nbsap"), ("variant:pages/", "pages"),
                      ("variant:news/", "news"), ("variant:nbsap/", "nbsap"),
                      ("nbsap", "nbsap"))


@dataclass(frozen=True)
class Scope:
    """What an edit touched, when the watcher knows (chmgen serve): the collections whose files
    changed, and whether theme files did. Only tokens an edit of this scope can change are
    evaluated again — unless a collection's membership changed, then all of them are."""

    collections: frozenset[str]
    theme: bool = False


def scope_of_changes(root: Path, changes: noop.Changes | None,
                     previous: Manifest) -> Scope | None:
    """The scope of what changed since the build that wrote ``previous`` (None: unknown, or
    anything may have changed)."""
    if changes is None or changes.manifest != previous.identity:
        return None
    found = scope_of(root, [root / path for path in changes.files])
    if found is not None and changes.themes:
        found = Scope(found.collections, True)
    return found


def scope_of(root: Path, paths: Iterable[Path]) -> Scope | None:
    """The scope of edited files under ``root``; None when anything else changed (the
    configuration, static files, files outside the content folders)."""
    found: set[str] = set()
    theme = False
    for path in paths:
        try:
            parts = Path(path).resolve().relative_to(root.resolve()).parts
        except ValueError:
            theme = True  # a theme folder outside the site (watched for templates)
            continue
        if not parts:
            return None
        head = parts[0]
        if head in ("overrides", "themes"):
            theme = True
        elif head in ("targets", "indicators", "actions", "pages", "news", "nbsap"):
            found.add(head)
        elif head == "cooperation":
            found.update(("needs", "offers"))
        elif head in ITEM_FOLDERS:
            found.add("items")
        else:
            return None
    return Scope(frozenset(found), theme)


ITEM_FOLDERS = frozenset({"events", "documents", "projects", "ecosystems", "protected-areas",
                          "species", "organizations", "learning"})


_ALWAYS, _THEME, _NEVER, _RECORDS = "always", "theme", "never", "records"
_classes: dict[Token, Any] = {}


_RECORD_KINDS = {collection: (_RECORDS, frozenset((collection,)))
                 for _, collection in _RECORD_COLLECTION}
_NAMED: dict[str, frozenset[str]] = {}
# The prefixes an identity can start with, by what it has before its first colon (the
# prefixes are tried in order, and a colon ends what each has before it): a few, not all.
_PREFIXES_BY_HEAD = {
    head: tuple(entry for entry in _RECORD_COLLECTION
                if entry[0].partition(":")[0] == head and ":" in entry[0])
    for head in {prefix.partition(":")[0] for prefix, _ in _RECORD_COLLECTION if ":" in prefix}
    if not head.startswith("nbsap")}  # (the one prefix without a colon: "nbsap", any head)


def _kind_of(token: Token) -> Any:
    """``_classify(token)``, worked out once per token."""
    kind = _classes.get(token)
    if kind is None:
        kind = _classes[token] = _classify(token)
    return kind


def _classify(token: Token) -> Any:
    """What can change a token: always checked, theme files, some collections, or (plans)
    only a membership change."""
    kind = token[0]
    if kind == "r":
        identity = str(token[1])
        for prefix, collection in _PREFIXES_BY_HEAD.get(identity.partition(":")[0],
                                                        _RECORD_COLLECTION):
            if identity.startswith(prefix):
                return _RECORD_KINDS[collection]
        return _NEVER if identity.startswith("page:") else _ALWAYS
    if kind == "p":
        return _NEVER
    if kind == "g":
        return _ALWAYS
    if kind in ("t", "l"):
        return _THEME
    if kind in ("c", "a"):
        found = _NAMED.get(token[1])
        if found is None:
            found = _NAMED[token[1]] = frozenset((token[1],))
        return found
    if kind == "q":
        return QUERY_READS.get(token[1], _ALWAYS)
    return _ALWAYS


def _bucket_in_scope(kind: Any, scope: Scope) -> bool:
    if isinstance(kind, tuple):  # records of these collections
        kind = kind[1]
    if kind is _ALWAYS:
        return True
    if kind is _THEME:
        return scope.theme
    if kind is _NEVER:
        return False
    return not kind.isdisjoint(scope.collections)


def changed_pages(renderer: Renderer, previous: Manifest, scope: Scope | None = None
                  ) -> tuple[list[PagePlan], set[str]]:
    """Pages whose inputs changed since ``previous`` (or that are new), and the output paths of
    pages that no longer exist. With a ``scope``, only the tokens it can change are checked.
    The tokens found stale are left in ``renderer.stale``."""
    signatures = previous.signatures
    if scope is not None and any(
            renderer.signature(("c", name)) != signatures.get(("c", name), "")
            for name in scope.collections if ("c", name) in signatures):
        scope = None  # records were added, removed or renamed: check everything
    if scope is None:
        stale: set[Token] = {token for token, signature in signatures.items()
                             if renderer.signature(token) != signature}
        affected = {key for key, result in previous.pages.items()
                    if not result.tokens.isdisjoint(stale)}
    else:
        unchanged = renderer.unchanged
        index = previous.__dict__.get("_index")  # a live session keeps one
        buckets: Mapping[Any, set[Token]]
        if index is not None:
            buckets = index.buckets
        else:  # one build: its tokens bucketed here, their readers found below
            buckets = {}
            for token in signatures:
                buckets.setdefault(_kind_of(token), set()).add(token)
        edited: list[Token] | None = None
        candidates: list[Token] = []
        for kind, tokens in buckets.items():
            if not _bucket_in_scope(kind, scope):
                continue
            if isinstance(kind, tuple):  # records: only those that are new objects
                if edited is None:
                    edited = [("r", name) for name in renderer.changed_records()]
                candidates.extend(token for token in edited if token in tokens)
            else:
                candidates.extend(tokens)
        stale = {token for token in candidates
                 if not (token[0] == "r" and unchanged(token[1]))
                 and renderer.signature(token) != signatures.get(token)}
        if index is not None:
            affected = set()
            for token in stale:
                affected.update(index.readers.get(token, ()))
        else:
            affected = {key for key, result in previous.pages.items()
                        if not result.tokens.isdisjoint(stale)} if stale else set()
        # What the scope cannot change keeps its signature: not computed again when the
        # pages that read it are rendered, or the manifest is written.
        checked, known = set(candidates), renderer._signatures
        for token, signature in signatures.items():
            if token not in checked and token not in known:
                known[token] = signature
    renderer.stale = stale
    pages, plans = previous.pages, renderer.plans
    wanted = affected | (plans.keys() - pages.keys())  # stale, and new pages
    todo = [plan for key, plan in plans.items() if key in wanted]
    gone = {pages[key].path for key in pages.keys() - plans.keys()}
    return todo, gone


def link_tree(source: Path, target: Path, files: Iterable[str]) -> None:
    """``target`` as a copy of ``source`` made of hard links (copies where links fail)."""
    made: set[str] = set()
    for relative in files:
        parent = os.path.dirname(relative)
        if parent not in made:
            os.makedirs(target / parent, exist_ok=True)
            made.add(parent)
        _link(source / relative, target / relative)


def link_file(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source`` (a copy where links fail), its folder made
    first (a page's folder is seldom there: it holds nothing else)."""
    try:
        os.mkdir(target.parent)
    except FileExistsError:
        pass
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
    _link(source, target)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed (a source gone fails again)
        shutil.copy2(source, target)


def tree_files(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``folder`` with its size (no digest: for Pagefind's bundle)."""
    found = {}
    for parent, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            found[os.path.relpath(path, folder).replace(os.sep, "/")] = \
                (os.stat(path).st_size, "")
    return found
