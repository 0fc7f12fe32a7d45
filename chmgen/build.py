"""Build a site: load → validate → plan → render → stage → swap, one line per stage."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from chmgen.budget import PageWeight, check_budget, page_weights, static_sizes
from chmgen.errors import ContentErrors, Problem, Problems
from chmgen.feeds import atom_feeds
from chmgen.load import load_site
from chmgen.opendata import data_exports
from chmgen.output import copy_tree, discard, stage_directory, swap_into_place, write_files
from chmgen.progress import Progress, Step, counted, no_progress
from chmgen.records.central import FetchOptions, fetch_records
from chmgen.render import RenderOptions, content_hash, make_environment, render_pages
from chmgen.search import index_site
from chmgen.site import Site, plan_site
from chmgen.sitemap import robots_txt, sitemap_xml
from chmgen.theme import static_dirs, template_loader, theme_chain, translations


@dataclass(frozen=True)
class BuildResult:
    """What a build produced, for the summary line."""

    out: Path
    pages_per_language: dict[str, int]
    warnings: tuple[Problem, ...]
    bytes_written: int
    seconds: float
    notes: tuple[str, ...] = ()  # informational lines (central CHM requests, data age)


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
    fetched = fetch_records(content.config, problems, records or FetchOptions(mode="cache"))
    content = dataclasses.replace(content, central=fetched.records)
    site = plan_site(content, problems)
    problems.raise_if_errors(strict)
    return site, problems


def theme_assets(site: Site) -> dict[str, bytes]:
    """The theme's static files (children override parents), to be served under assets/."""
    assets: dict[str, bytes] = {}
    chain = theme_chain(site.config.root, site.config.theme)
    for folder in reversed(static_dirs(chain)):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                assets[path.relative_to(folder).as_posix()] = path.read_bytes()
    return assets


def environments(site: Site) -> dict[str, Environment]:
    chain = theme_chain(site.config.root, site.config.theme)
    loader = template_loader(site.config.root, chain)
    return {lang: make_environment(loader, translations(chain, lang))
            for lang in site.config.languages}


def render_site(site: Site, *, explicit_index: bool = False,
                progress: Progress = no_progress) -> dict[str, bytes]:
    """Every output file generated from the site (pages, assets, sitemap), in memory."""
    assets = theme_assets(site)
    options = RenderOptions(build_date(), {n: content_hash(b) for n, b in assets.items()},
                            explicit_index)
    pages = render_pages(site, environments(site), options)
    files = dict(counted(pages, "rendering pages", len(site.pages), progress))
    files.update({f"assets/{name}": data for name, data in assets.items()})
    sitemap = sitemap_xml(site)
    if sitemap is not None:
        files["sitemap.xml"] = sitemap
    files["robots.txt"] = robots_txt(site)
    files.update(atom_feeds(site, gettexts(site)))
    files.update(data_exports(site))
    return files


def gettexts(site: Site) -> dict[str, Callable[[str], str]]:
    """The theme's translation function of each site language, for feed titles."""
    chain = theme_chain(site.config.root, site.config.theme)
    return {lang: translations(chain, lang).gettext for lang in site.config.languages}


def build(
    root: Path,
    out: Path | None = None,
    *,
    strict: bool = False,
    base_url: str | None = None,
    explicit_index: bool = False,
    progress: Progress = no_progress,
    records: FetchOptions | None = None,
) -> BuildResult:
    """Build the site at ``root`` into ``out``; on any error ``out`` is left exactly as it was.
    ``records`` says how central CHM records are read (default: cache only, no network)."""
    started = time.perf_counter()
    out = (out or root / "_site").resolve()
    progress(Step("loading content"))
    site, problems = load_and_plan(root, strict=strict, base_url=base_url, records=records)
    files = render_site(site, explicit_index=explicit_index, progress=progress)
    staging = stage_directory(out)
    try:
        written = write_files(staging, counted(sorted(files.items()), "writing files",
                                               len(files), progress))
        copy_tree(root / "static", staging, site.content.static_files)
        if site.config.search:
            progress(Step("indexing for search"))
            index_site(staging)
        swap_into_place(staging, out)
    except BaseException:
        discard(staging)
        raise
    per_language = Counter(page.lang for page in site.pages)
    return BuildResult(out, dict(per_language), tuple(problems.warnings()), written,
                       time.perf_counter() - started, site.content.central.notes)


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
