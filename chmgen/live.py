"""``chmgen serve``'s builds: one full build, then, after each edit, only what the edit changed.

The first build is ``chmgen build``'s (staged and swapped into the served folder). After that,
the session keeps what it read: the files' parsed contents (``filememo``), the theme's compiled
templates, the converted Markdown and the dependency graph of the last build (its manifest).
An edit re-reads the edited files, re-renders the pages with an input whose signature changed
(``pipeline.changed_pages``) and replaces those files in place, each atomically. The search index
is rebuilt afterwards, in the background: the edited page is in the browser first.
"""

from __future__ import annotations

import gc
import shutil
import tempfile
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

# (markup: imported before this process, which has threads, forks workers that convert)
from chmgen import filememo, rendercache
from chmgen import markup as _markup  # noqa: F401
from chmgen.build import BuildResult, build, load_and_plan, make_renderer, other_outputs
from chmgen.deps import digest
from chmgen.errors import ChmgenError, Problem
from chmgen.pipeline import (
    Manifest,
    PageResult,
    Renderer,
    Scope,
    changed_pages,
    manifest_path,
    read_manifest,
    render_pages,
    scope_of,
    write_others,
)
from chmgen.rendercache import MarkdownCache
from chmgen.search import BUNDLE, index_site
from chmgen.site import PagePlan, Site

THEME_PARTS = ("templates", "static", "locale", "overrides")


@dataclass(frozen=True)
class Update:
    """What one rebuild did, for the terminal line."""

    pages: int  # pages in the site
    rendered: int  # pages rendered again
    written: int  # files written or deleted
    seconds: float
    warnings: tuple[Problem, ...] = ()
    full: bool = False
    first: frozenset[str] = frozenset()  # output paths browsers showed, written first
    pending: bool = False  # deferred: finish() renders the other pages


@dataclass
class _Rest:
    """An update after its first pages: what finish() needs."""

    site: Site
    renderer: Renderer
    manifest: Manifest
    scope: Scope | None
    warnings: tuple[Problem, ...]
    seconds: float  # spent before the rest
    done: set[tuple[str, str]]  # pages rendered already
    shown: list[PageResult]


class _Digests:
    """The digest of each file of the served folder, from the manifest's table."""

    def __init__(self, files: dict[str, tuple[int, str]]) -> None:
        self.files = files

    def get(self, path: str) -> str | None:
        found = self.files.get(path)
        return None if found is None else found[1]


class LiveBuild:
    def __init__(self, root: Path, out: Path, *, jobs: int | None = None,
                 search_delay: float = 0.5) -> None:
        self.root, self.out, self.jobs = root.resolve(), out, jobs
        self.memo = filememo.FileMemo()
        self.cache = MarkdownCache(rendercache.cache_path(root))
        self.renderer: Renderer | None = None
        self.manifest: Manifest | None = None
        self.search_delay = search_delay
        self._search_timer: threading.Timer | None = None
        self._search_lock = threading.Lock()
        self.searching = threading.Event()  # set: no re-index running
        self.searching.set()
        self.idle = threading.Event()  # set: nothing is being written after a reload
        self.idle.set()
        self.background_error: str | None = None
        self._pending: _Rest | None = None

    def full(self, changed: Iterable[Path] = ()) -> BuildResult:
        """A complete build into the served folder (the first one, or after a failure);
        ``changed`` files are read again."""
        self._pending = None  # a deferred update's other pages: the full build renders them
        self.wait_for_background()
        self.memo.forget(Path(p) for p in changed)
        previous = filememo.use(self.memo)
        try:
            result = build(self.root, self.out, jobs=self.jobs, unchanged=False)
        finally:
            filememo.use(previous)
        where = manifest_path(self.root, self.out)
        self.manifest = read_manifest(where)
        if self.manifest is not None:
            self.manifest.index()  # made now, not on the first edit, and kept up to date
        gc.freeze()
        where.unlink(missing_ok=True)  # the session keeps it in memory; its folder is temporary
        self.renderer = None
        return result

    def update(self, changed: Iterable[Path], viewing: Collection[str] = (),
               defer: bool = False) -> Update:
        """Rebuild after ``changed`` files were edited, created or deleted: the pages first
        (they are what the browser reloads), then, in the background, the other generated files
        (feeds, sitemap, open data) and the search index.

        Pages written at the output paths in ``viewing`` (what browsers show) are rendered
        before any other. With ``defer``, when one of them was written again the update stops
        there (``Update.pending``: the browser can reload now) and ``finish()`` does the rest."""
        started = time.perf_counter()
        changed = [Path(p) for p in changed]
        self.finish()
        self.wait_for_background()
        if self.manifest is None:
            done = self.full(changed)
            return Update(sum(done.pages_per_language.values()), done.rendered, 0,
                          time.perf_counter() - started, done.warnings, full=True)
        self.memo.forget(changed)
        theme_changed = any(part in THEME_PARTS for p in changed for part in p.parts)
        previous_memo = filememo.use(self.memo)
        previous_cache = rendercache.use(self.cache)
        try:
            site, problems = load_and_plan(self.root)
            if self.renderer is None or theme_changed:
                renderer = make_renderer(site, cache_dir=self.root / rendercache.FOLDER)
            else:
                renderer = self.renderer.renew(site)
            manifest = self.manifest
            keys = [manifest.key_of(path) for path in viewing]
            first = [renderer.plans[key] for key in dict.fromkeys(keys)
                     if key is not None and key in renderer.plans]
            shown = self._render(renderer, manifest, first)
        finally:
            rendercache.use(previous_cache)
            filememo.use(previous_memo)
        rest = _Rest(site, renderer, manifest, None if theme_changed else
                     scope_of(self.root, changed), tuple(problems.warnings()),
                     time.perf_counter() - started, {(page.lang, page.key) for page in first},
                     shown)
        written_first = frozenset(r.path for r in shown if r.written)
        if defer and written_first:
            self._pending = rest
            return Update(len(site.pages), len(shown), len(written_first),
                          time.perf_counter() - started, rest.warnings, first=written_first,
                          pending=True)
        return self._finish(rest, written_first)

    def finish(self) -> Update | None:
        """Do what a deferred update left (the pages nobody was looking at, and the rest)."""
        rest, self._pending = self._pending, None
        return None if rest is None else self._finish(rest, frozenset())

    def _finish(self, rest: _Rest, first: frozenset[str]) -> Update:
        started = time.perf_counter()
        renderer, manifest = rest.renderer, rest.manifest
        previous_cache = rendercache.use(self.cache)
        try:
            pages, gone = changed_pages(renderer, manifest, rest.scope)
            pages = [page for page in pages if (page.lang, page.key) not in rest.done]
            results = self._render(renderer, manifest, pages)
            written = sum(1 for r in [*rest.shown, *results] if r.written)
            if gone:
                for key in [k for k in manifest.pages if k not in renderer.plans]:
                    manifest.drop_page(key)
            for path in gone:
                (self.out / path).unlink(missing_ok=True)
                manifest.files.pop(path, None)
                written += 1
            for token in renderer.stale:
                manifest.signatures[token] = renderer.signature(token)
            for result in [*rest.shown, *results]:
                for token in result.tokens:
                    if token not in manifest.signatures:
                        manifest.signatures[token] = renderer.signature(token)
            self.renderer = renderer
        except BaseException:
            self.manifest = None  # the served folder may be partly new: the next build is full
            raise
        finally:
            rendercache.use(previous_cache)
        self.cache.flush()
        self._start_background(rest.site, renderer, manifest)
        # the work's time (a deferred update waited between its two parts)
        seconds = rest.seconds + time.perf_counter() - started
        return Update(len(rest.site.pages), len(rest.shown) + len(results), written, seconds,
                      rest.warnings, first=first)

    def _render(self, renderer: Renderer, manifest: Manifest, pages: list[PagePlan]
                ) -> list[PageResult]:
        """Render ``pages`` into the served folder (only those whose bytes changed are
        written) and record them in ``manifest``."""
        if not pages:
            return []
        results = render_pages(renderer, pages, self.out,
                               jobs=1 if len(pages) < 256 else (self.jobs or 0) or 2,
                               previous=_Digests(manifest.files))
        for page, result in zip(pages, results, strict=True):
            manifest.set_page((page.lang, page.key), result)
            manifest.files[result.path] = (result.size, result.digest)
        return results

    # ------------------------------------------------------------------ after the reload
    def _start_background(self, site: Site, renderer: Renderer, manifest: Manifest) -> None:
        self.idle.clear()
        thread = threading.Thread(target=self._background, args=(site, renderer, manifest),
                                  name="chmgen-after-reload", daemon=True)
        thread.start()

    def _background(self, site: Site, renderer: Renderer, manifest: Manifest) -> None:
        try:
            previous_cache = rendercache.use(self.cache)
            try:
                self._others(site, renderer, manifest)
            finally:
                rendercache.use(previous_cache)
            self.cache.flush()
            self._schedule_search(site.config.search, manifest)
        except (OSError, ChmgenError) as exc:
            self.background_error = str(exc)
        finally:
            # What is alive now lives until the next edit: keep the collector from walking it
            # (on a site of thousands of pages one full collection costs more than a rebuild).
            gc.freeze()
            self.idle.set()

    def wait_for_background(self, timeout: float = 300) -> bool:
        """Wait until the files written after the last reload are in place."""
        return self.idle.wait(timeout)

    def _others(self, site: Site, renderer: Renderer, manifest: Manifest) -> int:
        """Feeds, sitemap, data exports, assets and static files that changed."""
        return write_others(self.out, other_outputs(site, renderer), self.root / "static",
                            site.content.static_files, manifest.files)

    # ------------------------------------------------------------------ search, in background
    def _schedule_search(self, enabled: bool, manifest: Manifest) -> None:
        if not enabled:
            return
        now = digest(sorted((r.path, r.search) for r in manifest.pages.values()))
        if now == manifest.search:
            return
        manifest.search = now
        with self._search_lock:
            if self._search_timer is not None:
                self._search_timer.cancel()
            self._search_timer = threading.Timer(self.search_delay, self._reindex)
            self._search_timer.daemon = True
            self._search_timer.start()

    def _reindex(self) -> None:
        """Index the served folder into a fresh bundle beside it, then swap it in."""
        self.searching.clear()
        work = Path(tempfile.mkdtemp(prefix=".search-", dir=self.out.parent))
        try:
            index_site(self.out, work / BUNDLE)
            target = self.out / BUNDLE
            if target.exists():
                target.rename(work / "old")
            (work / BUNDLE).rename(target)
        except (OSError, ChmgenError):
            pass  # search stays as it was; the next edit tries again
        finally:
            shutil.rmtree(work, ignore_errors=True)
            self.searching.set()

    def wait_for_search(self, timeout: float = 300) -> bool:
        """Wait until no re-index is scheduled or running (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        self.wait_for_background(timeout)
        while time.monotonic() < deadline:
            timer = self._search_timer
            if (timer is None or timer.finished.is_set()) and self.searching.is_set():
                return True
            time.sleep(0.02)
        return False
