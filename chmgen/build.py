"""Build a site: load → validate → plan → render → stage → swap, one line per stage."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chmgen import __version__, compileahead, deps, filememo, loadcache, noop, pipeline, rendercache
from chmgen.budget import PageWeight, check_budget, page_weights, static_sizes
from chmgen.deps import Token, digest
from chmgen.errors import ContentErrors, Problem, Problems
from chmgen.feeds import atom_feeds
from chmgen.load import load_site
from chmgen.opendata import FOLDER as OPEN_DATA
from chmgen.opendata import data_exports
from chmgen.output import LinkedCopy, Removal, discard, stage_directory, swap_into_place
from chmgen.pipeline import (
    Manifest,
    Renderer,
    changed_pages,
    file_digest,
    link_tree,
    manifest_path,
    output_matches,
    read_manifest,
    render_pages,
    scope_of_changes,
    static_signature,
    tree_files,
    write_manifest,
    write_others,
)
from chmgen.progress import Progress, Step, no_progress
from chmgen.records.model import CentralRecords
from chmgen.records.options import FetchOptions
from chmgen.records.sources import plan_sources
from chmgen.render import RenderOptions
from chmgen.rendercache import MarkdownCache, default_jobs, markdown_files
from chmgen.result import BuildResult
from chmgen.search import BUNDLE, index_site
from chmgen.site import PagePlan, Site, plan_site
from chmgen.sitemap import robots_txt, sitemap_xml


def build_date() -> dt.date:
    """Today (UTC), or the day of ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.datetime.now(dt.timezone.utc).date()


def load_and_plan(root: Path, *, strict: bool = False, base_url: str | None = None,
                  records: FetchOptions | None = None) -> tuple[Site, Problems]:
    """Read and validate everything; raises ContentErrors listing every problem. Central CHM
    records come from the cache only unless ``records`` asks for the network."""
    problems = Problems()
    content = load_site(root, problems)
    problems.raise_if_errors(strict)
    assert content is not None
    if base_url:
        config = dataclasses.replace(content.config, base_url=base_url.rstrip("/") + "/")
        content = dataclasses.replace(content, config=config)
    central = CentralRecords()
    if plan_sources(content.config):  # (its reader, with an HTTP client: imported only then)
        from chmgen.records.central import fetch_records

        central = fetch_records(content.config, problems,
                                records or FetchOptions(mode="cache")).records
    content = dataclasses.replace(content, central=central)
    site = plan_site(content, problems)
    problems.raise_if_errors(strict)
    return site, problems


def other_outputs(site: Site, renderer: Renderer, *, feeds: bool = True,
                  exports: bool = True) -> dict[str, bytes]:
    """Every generated file that is not a page: theme assets, sitemap, robots.txt, feeds,
    open data exports (unless not ``exports``)."""
    files = {f"assets/{name}": data for name, data in renderer.assets.items()}
    sitemap = sitemap_xml(site)
    if sitemap is not None:
        files["sitemap.xml"] = sitemap
    files["robots.txt"] = robots_txt(site)
    if feeds:
        files.update(atom_feeds(site, gettexts(renderer)))
    if exports:
        files.update(data_exports(site))
    return files


def gettexts(renderer: Renderer) -> dict[str, Callable[[str], str]]:
    """The theme's translation function of each site language, for feed titles."""
    return {lang: catalog.gettext for lang, catalog in renderer.translations.items()}


def make_renderer(site: Site, *, explicit_index: bool = False,
                  cache_dir: Path | None = None) -> Renderer:
    return Renderer(site, lambda hashes: RenderOptions(build_date(), hashes, explicit_index),
                    cache_dir)


def render_site(site: Site, *, explicit_index: bool = False,
                progress: Progress = no_progress, jobs: int = 1) -> dict[str, bytes]:
    """Every output file generated from the site (pages, assets, sitemap), in memory."""
    renderer = make_renderer(site, explicit_index=explicit_index)
    results = render_pages(renderer, site.pages, None, jobs=jobs, progress=progress)
    files = {r.path: r.data or b"" for r in results}
    files.update(other_outputs(site, renderer))
    return files


@pipeline.few_full_collections
def build(
    root: Path,
    out: Path | None = None,
    *,
    strict: bool = False,
    base_url: str | None = None,
    explicit_index: bool = False,
    progress: Progress = no_progress,
    records: FetchOptions | None = None,
    jobs: int | None = None,
    incremental: bool = True,
    cache: bool = True,
    fingerprint: tuple[noop.Fingerprint | None] | None = None,
    unchanged: bool = True,
    ahead: rendercache.ConvertAhead | None = None,
    linked: LinkedCopy | None = None,
    listing: noop.ListingLater | None = None,
    compiling: int | None = None,
) -> BuildResult:
    """Build the site at ``root`` into ``out``; on any error ``out`` is left exactly as it was.
    ``records`` says how central CHM records are read (default: cache only, no network).

    Pages render on ``jobs`` processes (default: every usable CPU). With ``incremental``, a
    build into a folder chmgen built before re-renders only the pages whose inputs changed and
    writes nothing when nothing did; Markdown is never converted twice (``.chmgen/render/``).
    Without ``cache`` nothing is kept in the site folder (one-off builds: deploy, bundle).
    A build whose inputs and output are the last one's returns at once (``noop``, unless not
    ``unchanged``: a folder only this process writes); ``fingerprint`` is the caller's
    ``noop.check`` of it, when it made one; ``ahead`` the ``convert_ahead`` it started, if it
    did (the build stops it once the site is read; the caller makes sure it is stopped);
    ``linked`` a copy of ``out`` it started (the build takes it when it can reuse the previous
    build's files; the caller closes it), ``listing`` the listing of ``out`` it started,
    ``compiling`` the process compiling templates it started (``compileahead``)."""
    started = time.perf_counter()
    out = (out or root / "_site").resolve()
    print_: noop.Fingerprint | None = None
    unchanged = unchanged and incremental and cache
    if unchanged and (records is None or records.mode != "refresh"):
        if fingerprint is not None:  # the caller checked (chmgen build, before importing us)
            print_ = fingerprint[0]
        else:
            print_, same = noop.check(root, out, noop.build_options(
                strict=strict, base_url=base_url, explicit_index=explicit_index,
                records=records.mode if records else "cache",
                api_url=records.api_url if records else None))
            if same is not None:  # the inputs and the output are the last build's
                return same.result(out, time.perf_counter() - started)
    if unchanged:
        noop.remember(root, out, None, None)  # until this build succeeds, nothing is known
    deps.reset()
    progress(Step("loading content"))
    jobs = jobs or default_jobs()
    # The other cores are idle while this one reads the site: one converts Markdown meanwhile.
    if ahead is None and cache and jobs > 1:
        ahead = rendercache.ConvertAhead(rendercache.cache_path(root), markdown_files(
            root, print_.changes.files if print_ and print_.changes else None))
    # What the site's unchanged files gave when the last build read them (known by the
    # digests the fingerprint took).
    reads = loadcache.LoadCache(
        loadcache.folder(root / rendercache.FOLDER), root, print_.files, print_.code,
        print_.changes.files if print_.changes is not None else None,
    ) if cache and print_ is not None and print_.code else None
    try:
        previous_reads = filememo.use_disk(reads)
        cache_dir = root / rendercache.FOLDER if cache else None
        renderer: Renderer | None = None
        try:
            try:
                try:
                    site, problems = load_and_plan(root, strict=strict, base_url=base_url,
                                                   records=records)
                finally:
                    filememo.use_disk(previous_reads)
                if ahead is not None and not (incremental and cache and out.is_dir()
                                              and manifest_path(root, out).exists()):
                    # Every page will render, by workers forked from this process: what they
                    # would each sign is signed here, while the other core still converts.
                    renderer = make_renderer(site, explicit_index=explicit_index,
                                             cache_dir=cache_dir)
                    renderer.sign_shared()
                    renderer.warm(site.pages)  # (the templates too)
                if reads is not None:
                    reads.save()  # (while the other core still converts)
            finally:
                if ahead is not None:
                    ahead.stop()
        finally:
            converted_ahead = ahead.finish() if ahead else 0
        previous_cache = rendercache.use(
            MarkdownCache(rendercache.cache_path(root) if cache else None))
        removals: list[Removal] = []  # the previous site's folder, being removed
        # The output folder's listing (for the next build's check), made once it is in place
        # (without central CHM records, whose freshness a build always checks again).
        sources = len(plan_sources(site.content.config))
        listed: list[noop.ListingLater] = []
        try:
            try:
                written, rendered, converted, manifest = _produce(
                    site, root, out, cache_dir, explicit_index=explicit_index, progress=progress,
                    renderer=renderer,
                    jobs=jobs, incremental=incremental and cache,
                    changes=print_.changes if print_ is not None else None, removals=removals,
                    listed=listed if unchanged and not sources else None, linked=linked,
                    listing=listing, compiling=compiling)
            finally:
                rendercache.use(previous_cache).close()
            per_language = Counter(page.lang for page in site.pages)
            warnings = tuple(problems.warnings())
            if unchanged:
                noop.remember(root, out, print_, noop.Outcome(
                    dict(per_language), warnings, site.content.central.notes, sources), manifest,
                    listed[0] if listed else None)
        finally:
            for later in listed:
                later.close()
            for removal in removals:
                removal.wait()
        return BuildResult(out, dict(per_language), warnings, written,
                           time.perf_counter() - started, site.content.central.notes, rendered,
                           converted + converted_ahead)
    finally:
        if reads is not None:
            reads.close()  # (the process writing what the whole load gave)


def _produce(site: Site, root: Path, out: Path, cache_dir: Path | None, *,
             explicit_index: bool, progress: Progress, jobs: int, incremental: bool,
             changes: noop.Changes | None = None, removals: list[Removal],
             listed: list[noop.ListingLater] | None = None,
             renderer: Renderer | None = None,
             linked: LinkedCopy | None = None,
             listing: noop.ListingLater | None = None,
             compiling: int | None = None) -> tuple[int, int, int, str | None]:
    """Render and write what changed (``changes``: the inputs that did since the last build,
    when known); returns bytes written, pages rendered, Markdown texts converted, and the
    identity of the manifest the folder's pages are now described by. Into ``listed``, when
    given, goes the folder's listing being made (once it is in place). ``renderer``: the
    site's, when it was made already; ``linked``: a copy of ``out`` being made, to build in
    if the previous build's files can be reused; ``listing``: the listing of ``out`` being
    made (when ``changes`` knows the one the last build left); ``compiling``: the process
    compiling the templates ahead, waited for before they are loaded."""
    if renderer is None:
        renderer = make_renderer(site, explicit_index=explicit_index, cache_dir=cache_dir)
    where = manifest_path(root, out)
    # Into a folder that is not there (a first build, or a clean one) nothing can be reused.
    previous = read_manifest(where) if incremental and out.is_dir() else None
    if previous is not None and not (_as_left(previous, changes, listing)
                                     or output_matches(out, previous)):
        previous = None
    static = {p.as_posix(): static_signature(root / "static" / p)
              for p in site.content.static_files}
    others: dict[str, bytes] | None = None  # made after the pages, unless needed before
    # The open data exports read the content and the configuration only: after a change of
    # theme files alone they are the previous build's files (linked with the others).
    exports: dict[str, tuple[int, str]] = {}
    if previous is None:
        pages, gone = list(site.pages), set[str]()
    else:
        scope = scope_of_changes(root, changes, previous)
        if scope is not None and not scope.collections:
            exports = _exports_of(previous)
        pages, gone = changed_pages(renderer, previous, scope)
        if not pages and not gone:  # perhaps nothing to do: do the other files differ?
            others = other_outputs(site, renderer)
            changed_others = {path for path, data in others.items()
                              if previous.files.get(path, (-1, ""))[1] != file_digest(data)}
            static_changed = {path for path, sig in static.items()
                              if previous.files.get(path) != sig}
            stale_files = {path for path in previous.files
                           if path not in others and path not in static
                           and not path.startswith("pagefind/")} - \
                {r.path for r in previous.pages.values()}
            if not changed_others and not static_changed and not stale_files:
                # up to date: nothing to write
                return 0, 0, rendercache.active().misses, previous.identity
    # The previous build's files, linked into a staging folder meanwhile (see LinkedCopy),
    # else linked here.
    staging = linked.take() if previous is not None and linked is not None else None
    same_from = None if staging is not None or previous is None else out
    staging = staging or stage_directory(out)
    try:
        if previous is not None and same_from is not None:
            progress(Step("linking the previous build"))
            # The pages about to be rendered are not linked: the workers link those that come
            # out the same, in parallel (a page rendered anew is written, never linked).
            link_tree(out, staging, _not_rendered(previous, pages, site.config.default_language))
        digests = {r.path: r.digest for r in previous.pages.values()} if previous else {}
        if previous is not None:
            # What the pages about to be rendered replace, and the signatures changed_pages
            # compared, are not needed any more: not kept (nor copied into every worker).
            for page in pages:
                previous.pages.pop((page.lang, page.key), None)
            previous.signatures = {}
            previous.__dict__.pop("_index", None)
            previous.__dict__.pop("_paths", None)
        # The files other than pages and feeds (assets, sitemap, open data exports) read no
        # page and convert no Markdown: this process makes them while the workers render.
        # (The feeds' entries are Markdown the pages convert: they are made after them.)
        before: dict[str, bytes] = {}
        exported: dict[str, bytes] = {}

        def meanwhile() -> None:
            before.update(other_outputs(site, renderer, feeds=False, exports=False))
            if not exports:
                exported.update(data_exports(site))

        # One object per token (the workers each made their own): a smaller manifest, read
        # back twice as fast. Those of the pages rendered are made so as their results come
        # in, while the workers render.
        canonical: dict[Token, Token] = {}
        if previous is not None:  # (the pages not rendered again)
            for result in previous.pages.values():
                canonical.update(zip(result.tokens, result.tokens, strict=True))
        compileahead.wait(compiling)
        results = render_pages(renderer, pages, staging, jobs=jobs, progress=progress,
                               previous=digests, same_from=same_from,
                               meanwhile=meanwhile if others is None else None,
                               canonical=canonical)
        del canonical
        if others is None:  # (in other_outputs' order)
            others = {**before, **atom_feeds(site, gettexts(renderer)), **exported}
        manifest = Manifest(__version__, dict(previous.pages) if previous else {})
        manifest.files.update(exports)
        for page, result in zip(pages, results, strict=True):
            manifest.pages[(page.lang, page.key)] = result
        for where_gone in gone:
            _remove(staging, where_gone)
        current = {(p.lang, p.key) for p in site.pages}
        manifest.pages = {k: v for k, v in manifest.pages.items() if k in current}
        known: dict[str, tuple[int, str]] = dict(previous.files) if previous else {}
        written = write_others(staging, others, root / "static", site.content.static_files,
                               known, fresh=previous is None)
        manifest.files.update({path: known[path] for path in [*others, *static]})
        manifest.files.update({result.path: (result.size, result.digest)
                               for result in manifest.pages.values()})
        if previous is not None:  # files of the previous build that nothing writes any more
            for path in set(previous.files) - set(manifest.files):
                if not path.startswith("pagefind/"):
                    _remove(staging, path)
        _search(site, staging, manifest, previous, progress)
        if listed is not None:  # (the folder is complete: listed while the build goes on)
            listed.append(noop.ListingLater(staging))
        progress(Step("recording dependencies"))
        tokens = set().union(*(r.tokens for r in manifest.pages.values())) \
            if manifest.pages else set()
        manifest.signatures = renderer.signatures(tokens)
        replaced = swap_into_place(staging, out)
    except BaseException:
        discard(staging)
        raise
    # The previous site is removed while the manifest and what the build read are written
    # (one waits for the disk, the other hashes and pickles); build() waits for it last.
    # The folder's listing is made meanwhile too, by another process (started before the
    # swap: it lists the folder by a descriptor, whatever its name).
    if replaced:
        removals.append(Removal(replaced))
    if cache_dir is not None:
        write_manifest(where, manifest)
    # Keep the texts the site shows (every page's, and the feeds'); drop the rest once they
    # are more than half of the cache.
    cache = rendercache.active()
    cache.prune(cache.used.union(*(r.markdown for r in manifest.pages.values())))
    # Workers convert in their own processes; in this one the active cache counts them all.
    converted = sum(r.converted for r in results) if pipeline.LAST_PARALLEL else 0
    return (written + sum(r.written for r in results), len(results),
            converted + rendercache.active().misses,
            manifest.identity if cache_dir is not None else None)


def _as_left(previous: Manifest, changes: noop.Changes | None,
             listing: noop.ListingLater | None) -> bool:
    """The output folder is as the build that wrote ``previous`` left it: its listing is the
    one that build recorded (the same files, sizes and times; made by another process while
    this one read the site). Else ``output_matches`` looks at the folder itself."""
    return listing is not None and changes is not None and changes.listing is not None \
        and changes.manifest == previous.identity and listing.result() == changes.listing


def _exports_of(previous: Manifest) -> dict[str, tuple[int, str]]:
    """The open data exports the previous build wrote (the files under ``data/`` that are not
    pages), with their sizes and digests."""
    pages = {result.path for result in previous.pages.values()}
    return {path: entry for path, entry in previous.files.items()
            if path.startswith(OPEN_DATA) and path not in pages}


def _not_rendered(previous: Manifest, pages: list[PagePlan], default: str) -> list[str]:
    """The files of the previous build that none of ``pages`` writes (the set made here is
    gone before the workers are forked: it would be counted in each of them)."""
    rendering = {page.path(default) for page in pages}
    return [path for path in previous.files if path not in rendering]


def _remove(staging: Path, path: str) -> None:
    """Remove a file the build no longer writes, and the folders that held only it (as a
    build into an empty folder would never have made them)."""
    (staging / path).unlink(missing_ok=True)
    folder = os.path.dirname(path)
    while folder:
        try:
            os.rmdir(staging / folder)
        except OSError:  # not empty (or already gone)
            return
        folder = os.path.dirname(folder)


def _search(site: Site, staging: Path, manifest: Manifest, previous: Manifest | None,
            progress: Progress) -> None:
    """Index the site for search, unless what the index reads is what it read last time."""
    for path in [p for p in manifest.files if p.startswith("pagefind/")]:
        del manifest.files[path]
    if not site.config.search:
        shutil.rmtree(staging / BUNDLE, ignore_errors=True)
        return
    manifest.search = digest(sorted((r.path, r.search) for r in manifest.pages.values()))
    if previous is None or previous.search != manifest.search \
            or not (staging / BUNDLE).is_dir():
        shutil.rmtree(staging / BUNDLE, ignore_errors=True)
        progress(Step("indexing for search"))
        index_site(staging)
    for path, entry in tree_files(staging / BUNDLE).items():
        manifest.files[f"{BUNDLE}/{path}"] = entry


@dataclass(frozen=True)
class CheckResult:
    """What ``chmgen check`` found: warnings, and every page's weight for the report."""

    warnings: tuple[Problem, ...]
    weights: tuple[PageWeight, ...]


def check(root: Path, *, strict: bool = False) -> CheckResult:
    """Validate and render everything in memory, writing nothing; pages over the page-weight
    budget are errors."""
    site, problems = load_and_plan(root, strict=strict)
    files = render_site(site)
    weights = page_weights(site, files, static_sizes(root, site.content.static_files))
    check_budget(site, weights, problems)
    problems.raise_if_errors(strict)
    return CheckResult(tuple(problems.warnings()), tuple(weights))


__all__ = ["BuildResult", "ContentErrors", "build", "check", "load_and_plan", "render_site"]
