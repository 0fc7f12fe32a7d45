"""The ``chmgen`` command line: parse flags, call the engine, print errors, set exit codes.

Exit codes: 0 success, 1 content/config/build error, 2 usage error.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chmgen import __version__, classcode
from chmgen.errors import ChmgenError, ContentErrors, Problem
from chmgen.progress import NORMAL, QUIET, VERBOSE, ProgressDisplay, human_size
from chmgen.result import BuildResult

if TYPE_CHECKING:
    from chmgen.output import LinkedCopy
    from chmgen.records.options import FetchOptions

SITE_DIR = click.Path(file_okay=False, path_type=Path)


def _print_warnings(warnings: tuple[Problem, ...] | list[Problem], quiet: bool = False) -> None:
    if not quiet:
        for warning in warnings:
            click.echo(str(warning), err=True)


def _fail(error: ChmgenError) -> None:
    """Print a user-facing error the way a compiler would and exit with status 1."""
    if isinstance(error, ContentErrors):
        for problem in error.problems:
            click.echo(str(problem), err=True)
        errors = sum(1 for p in error.problems if not p.warning)
        warnings = len(error.problems) - errors
        click.echo(f"chmgen: {errors} error(s), {warnings} warning(s) counted as errors; "
                   "nothing was written", err=True)
    else:
        click.echo(f"chmgen: error: {error}", err=True)
    sys.exit(1)


def verbosity_options(command: Callable[..., None]) -> Callable[..., None]:
    """``-q/--quiet`` and ``-v/--verbose`` for commands with long steps."""
    command = click.option("-v", "--verbose", is_flag=True,
                           help="Also print each step and how long it took.")(command)
    return click.option("-q", "--quiet", is_flag=True, help="Print errors only.")(command)


def _progress(quiet: bool, verbose: bool) -> ProgressDisplay:
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose exclude each other")
    return ProgressDisplay(QUIET if quiet else VERBOSE if verbose else NORMAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chmgen")
def cli() -> None:
    """chmgen builds a national Clearing-House Mechanism (CHM) website for a Party to the
    Convention on Biological Diversity from YAML and Markdown files."""


@cli.command()
@click.argument("site_dir", type=SITE_DIR, default=Path("."))
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Output directory (default: SITE_DIR/_site).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--offline", is_flag=True,
              help="Never touch the network; central CHM records come from the cache only.")
@click.option("--refresh", is_flag=True,
              help="Revalidate every cached central CHM response, however fresh.")
@click.option("--api-url", metavar="URL", help="Central CHM API to read (overrides "
              "$CHMGEN_API_URL and central_chm.url in chmgen.yml).")
@click.option("--base-url", metavar="URL", help="Public address of the site (overrides "
              "base_url in chmgen.yml), e.g. https://example.github.io/chm/.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
              help="Processes that render pages (default: $CHMGEN_JOBS, else one per CPU).")
@click.option("--full", is_flag=True, help="Render every page again, even those whose inputs "
              "did not change since the last build into the same folder.")
@verbosity_options
def build(site_dir: Path, out: Path | None, strict: bool, offline: bool, refresh: bool,
          api_url: str | None, base_url: str | None, jobs: int | None, full: bool,
          quiet: bool, verbose: bool) -> None:
    """Build the site in SITE_DIR (default: the current directory).

    Only pages whose inputs changed since the last build into the same folder are rendered
    again; converted Markdown is kept in SITE_DIR/.chmgen/render/ across builds."""
    from chmgen import noop

    mode = _records_mode(offline, refresh, api_url)
    started = time.perf_counter()
    target = (out or site_dir / "_site").resolve()
    known: tuple[noop.Fingerprint | None] | None = None
    result: BuildResult | None = None
    ahead = None
    compiling: int | None = None  # the process compiling templates ahead, when there is one
    linked: LinkedCopy | None = None  # the output folder being copied, for a rebuild
    listing: noop.ListingLater | None = None  # ... and listed
    options = noop.build_options(strict=strict, base_url=base_url, explicit_index=False,
                                 records=mode, api_url=api_url)
    if not full and mode != "refresh" and not noop.record_path(site_dir, target).exists():
        # Nothing is known of this output folder (a first or a clean build): every page will
        # be rendered, so a second core converts the site's Markdown from now on (before the
        # renderer is imported: that takes a tenth of a second). It first takes the site's
        # fingerprint (there is no last build to compare it with: the build needs it for
        # what it keeps), while this process imports the renderer.
        from chmgen import rendercache

        ahead = rendercache.convert_ahead(
            site_dir, jobs, first=partial(noop.check, site_dir, target, options))
    try:
        if not full and mode != "refresh":
            checked: tuple[noop.Fingerprint, noop.Outcome | None] | None = None
            if ahead is not None and ahead.first_due:
                from chmgen.build import build as _importing  # noqa: F401 (meanwhile)

                taken, found = ahead.first_result()
                checked = found if taken else None
            # Else before importing the renderer: a build with nothing to do needs none of it.
            print_, same = checked or noop.check(site_dir, target, options)
            if same is not None:
                result = same.result(target, time.perf_counter() - started)
            known = (print_,)
        changes = known[0].changes if known and known[0] else None
        if result is None and ahead is None and changes is not None:
            # A rebuild: while this process reads the site, its output folder is copied (see
            # LinkedCopy).
            from chmgen.output import LinkedCopy

            linked = LinkedCopy.start(target)
            if changes.listing is not None:  # (is the folder as the last build left it?)
                listing = noop.ListingLater(target)
        if result is None:
            if ahead is None:
                # ... and a second process compiles the templates (one just edited, above all)
                # into the compiled-template cache.
                from chmgen import compileahead

                if compileahead.needed(changes):
                    compiling = compileahead.start(site_dir, jobs)
            from chmgen.build import build as run_build

            try:
                with _progress(quiet, verbose) as progress:
                    result = run_build(site_dir, out, strict=strict, base_url=base_url,
                                       progress=progress,
                                       records=_records_options(offline, refresh, api_url),
                                       jobs=jobs, incremental=not full, fingerprint=known,
                                       ahead=ahead, linked=linked, listing=listing,
                                       compiling=compiling)
            except ChmgenError as error:
                _fail(error)
                return
    finally:
        if ahead is not None:  # (the build stops it once the site is read; here in any case)
            ahead.finish()
        if compiling is not None:
            compileahead.finish(compiling)
        if linked is not None:  # (unless the build took it: then it is in place, or gone)
            linked.close()
        if listing is not None:
            listing.close()
    _print_warnings(result.warnings, quiet)
    if not quiet:
        for note in result.notes:
            click.echo(note)
        click.echo(_build_summary(result))
    _end_process()


def _records_options(offline: bool, refresh: bool, api_url: str | None) -> FetchOptions:
    """How central CHM records are read, from the build/serve/import flags."""
    from chmgen.records.options import FetchOptions

    return FetchOptions(mode=_records_mode(offline, refresh, api_url), api_url=api_url)


def _records_mode(offline: bool, refresh: bool, api_url: str | None) -> str:
    if offline and (refresh or api_url):
        raise click.UsageError("--offline excludes --refresh and --api-url")
    return "offline" if offline else "refresh" if refresh else "normal"


@cli.command()
@click.argument("site_dir", type=SITE_DIR, default=Path("."))
@click.option("--api-url", metavar="URL", help="Central CHM API to read (overrides "
              "$CHMGEN_API_URL and central_chm.url in chmgen.yml).")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
def fetch(site_dir: Path, api_url: str | None, quiet: bool) -> None:
    """Refresh the cache of central CHM records of SITE_DIR without building.

    Every cached response is revalidated (conditional requests where the server supports
    them). Exit 1 if any record type could not be fetched.
    """
    from chmgen.records.central import fetch_site, status_line

    try:
        report, problems = fetch_site(site_dir, _records_options(False, True, api_url))
    except ChmgenError as error:
        _fail(error)
        return
    _print_warnings(problems.warnings())
    if not quiet:
        for key, status in report.records.statuses.items():
            click.echo(status_line(status, len(report.records.records.get(key, ()))))
        for note in report.records.notes:
            click.echo(note)
    if problems.warnings():
        sys.exit(1)


@cli.command("import")
@click.argument("site_dir", type=SITE_DIR, default=Path("."))
@click.option("--force", is_flag=True, help="Overwrite target files that exist already.")
@click.option("--offline", is_flag=True, help="Use the cached central CHM responses only.")
@click.option("--api-url", metavar="URL", help="Central CHM API to read (overrides "
              "$CHMGEN_API_URL and central_chm.url in chmgen.yml).")
def import_(site_dir: Path, force: bool, offline: bool, api_url: str | None) -> None:
    """Create targets/*.yml in SITE_DIR from the Party's national targets in the central CHM.

    Titles and descriptions come in every site language the record has, with the GBF
    targets and degree of alignment and the headline indicators. Existing files are kept
    unless --force.
    """
    from chmgen.records.importer import import_targets

    try:
        results, problems = import_targets(site_dir, force=force,
                                           options=_records_options(offline, False, api_url))
    except ChmgenError as error:
        _fail(error)
        return
    _print_warnings(problems.warnings())
    for result in results:
        click.echo(result.message)
    created = sum(1 for r in results if r.written)
    click.echo(f"{created} national target file(s) created, {len(results) - created} kept")


def _pages(result: BuildResult) -> str:
    """``103 pages (52 en, 51 fr)``."""
    languages = ", ".join(f"{n} {lang}" for lang, n in result.pages_per_language.items())
    return f"{sum(result.pages_per_language.values())} pages ({languages})"


def _build_summary(result: BuildResult, where: bool = True) -> str:
    into = f" into {result.out}" if where else ""
    total = sum(result.pages_per_language.values())
    if result.rendered == 0:
        fresh = "; nothing changed since the last build, nothing written"
    elif result.rendered < total:
        fresh = f"; {result.rendered} rendered again, the others unchanged"
    else:
        fresh = ""
    return (f"built {_pages(result)}{into} — {len(result.warnings)} warning(s), "
            f"{human_size(result.bytes_written)}, {result.seconds:.2f} s{fresh}")


@cli.command()
@click.argument("site_dir", type=SITE_DIR, default=Path("."))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(site_dir: Path, strict: bool) -> None:
    """Load and validate everything in SITE_DIR; write nothing. Exit 1 if anything is wrong."""
    from chmgen.budget import report
    from chmgen.build import check as run_check

    try:
        result = run_check(site_dir, strict=strict)
    except ChmgenError as error:
        _fail(error)
        return
    _print_warnings(result.warnings)
    for line in report(list(result.weights)):
        click.echo(line)
    click.echo(f"{site_dir}: OK ({len(result.warnings)} warning(s))")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--country", metavar="XX",
              help="ISO 3166-1 alpha-2 code of the Party, e.g. ws, ke, fr (asked on a terminal; "
              "required otherwise).")
@click.option("--title", help="Site title (default: 'Clearing-House Mechanism of <country>').")
@click.option("--languages", metavar="en,fr",
              help="Comma-separated language codes; the first is the default.  [default: en]")
@click.option("--force", is_flag=True, help="Write into a non-empty directory.")
@click.option("--from-central", is_flag=True,
              help="Import the Party's national targets from the central CHM (needs a "
              "connection) instead of the example target.")
@click.option("--api-url", metavar="URL", help="Central CHM API for --from-central.")
def init(directory: Path, country: str | None, title: str | None, languages: str | None,
         force: bool, from_central: bool, api_url: str | None) -> None:
    """Create a new, buildable site in DIRECTORY for the Party COUNTRY.

    On a terminal, chmgen asks for the country, languages and title not given as flags.
    """
    from chmgen.prompts import SiteSettings, ask_settings, split_languages, terminal_attached
    from chmgen.scaffold import check_directory, create_site

    if country is None and not terminal_attached():
        raise click.UsageError("Missing option '--country' (no terminal to ask on).")
    try:
        check_directory(directory, force)
        settings = ask_settings(country, languages, title) if terminal_attached() else \
            SiteSettings(country or "", split_languages(languages or "en"), title)
        created = create_site(directory, settings.country, settings.languages,
                              title=settings.title, force=force)
    except ChmgenError as error:
        _fail(error)
        return
    click.echo(f"created {len(created)} files in {directory}")
    if from_central:
        from chmgen.scaffold import adopt_central_targets

        try:
            for line in adopt_central_targets(directory, api_url):
                click.echo(line)
        except ChmgenError as error:
            click.echo(f"the site was created, but its national targets could not be imported; "
                       f"run `chmgen import {directory}` when online", err=True)
            _fail(error)
            return
    click.echo(f"next: chmgen serve {directory}")


@cli.command()
@click.argument("kind", metavar="TYPE", type=click.Choice(
    ["target", "indicator", "action", "page", "news", "chapter", "event", "document",
     "project", "ecosystem", "protected-area", "species", "organization", "learning"]))
@click.argument("ident", metavar="ID")
@click.argument("site_dir", type=SITE_DIR, default=Path("."))
def new(kind: str, ident: str, site_dir: Path) -> None:
    """Write a new commented content file of TYPE named ID in the right folder."""
    from chmgen.scaffold import new_file

    try:
        path = new_file(site_dir, kind, ident)
    except ChmgenError as error:
        _fail(error)
        return
    click.echo(f"created {path}")


@cli.command()
@click.argument("site_dir", type=SITE_DIR, default=Path("."))
@click.option("-p", "--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; use 0.0.0.0 to share on a workshop network.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
def serve(site_dir: Path, port: int, host: str, open_browser: bool) -> None:
    """Build SITE_DIR and serve it with live reload; rebuild on every change.

    A change re-renders only the pages it affects, the page open in the browser first: that
    browser reloads at once, the other pages (lists, home page, …) follow a moment later.
    The last good build stays served; while the content has errors the browser shows them,
    and the page reloads by itself once they are fixed.
    """
    from chmgen.serve import serve_site

    try:
        serve_site(site_dir, host=host, port=port, open_browser=open_browser)
    except ChmgenError as error:
        _fail(error)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        _fail(ChmgenError(f"port {port} on {host} is in use (another `chmgen serve`?): stop "
                          f"it, or choose another port with -p {port + 1} (-p 0 picks a free "
                          "one)"))


@cli.command()
@click.argument("site_dir", type=SITE_DIR, default=Path("."))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.zip", help="Where to write the zip (default: "
              "<country>-chm-<date>.zip in the current directory).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--offline", is_flag=True,
              help="Never touch the network; central CHM records come from the cache only.")
@verbosity_options
def bundle(site_dir: Path, out: Path | None, strict: bool, offline: bool, quiet: bool,
           verbose: bool) -> None:
    """Write the site as one zip that works opened from disk or a USB stick, with no server.

    Links name their files (…/index.html), so the pages work from file://; unzip it and open
    index.html in any browser.
    """
    from chmgen.bundle import bundle_site

    try:
        with _progress(quiet, verbose) as progress:
            result = bundle_site(site_dir, out, strict=strict, progress=progress,
                                 records=_records_options(offline, False, None))
    except ChmgenError as error:
        _fail(error)
        return
    _print_warnings(result.build.warnings, quiet)
    if not quiet:
        for line in result.build.notes:
            click.echo(line)
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
        click.echo(f"bundled {_pages(result.build)} into {result.path} — {result.files} files, "
                   f"{len(result.build.warnings)} warning(s), {human_size(result.size)}, "
                   f"{result.seconds:.2f} s")


@cli.command()
@click.argument("site_dir", type=SITE_DIR, default=Path("."))
@click.option("--remote", default="origin", show_default=True, help="Git remote to push to.")
@click.option("--branch", default="gh-pages", show_default=True,
              help="Branch that holds the published site.")
@click.option("--cname", metavar="DOMAIN", help="Custom domain written to CNAME (default: "
              "base_url's host, unless it is *.github.io or has a path).")
@click.option("--no-build", "built", metavar="DIR",
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Publish DIR as it is instead of building SITE_DIR.")
@click.option("--base-url", metavar="URL", help="Public address of the site (overrides "
              "base_url in chmgen.yml).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--offline", is_flag=True,
              help="Central CHM records come from the cache only (git still pushes).")
@verbosity_options
def deploy(site_dir: Path, remote: str, branch: str, cname: str | None, built: Path | None,
           base_url: str | None, strict: bool, offline: bool, quiet: bool,
           verbose: bool) -> None:
    """Build SITE_DIR and publish it on the gh-pages branch of its git repository.

    The branch gets a new commit on top of its history, with .nojekyll and, for a custom
    domain, CNAME. Your working tree and current branch are not touched. GitHub Pages then
    serves the branch (Settings → Pages → Deploy from a branch → gh-pages).

    Other ways to publish: the GitHub Actions workflow `chmgen init` writes
    (.github/workflows/chmgen.yml), copying _site/ to any static host, or `chmgen bundle`.
    """
    from chmgen.deploy import DeployOptions, publish

    options = DeployOptions(remote, branch, cname, built, base_url, strict,
                            _records_options(offline, False, None))
    try:
        with _progress(quiet, verbose) as progress:
            result = publish(site_dir, options, progress)
    except ChmgenError as error:
        _fail(error)
        return
    if result.build is not None:
        _print_warnings(result.build.warnings, quiet)
        if not quiet:
            for line in result.build.notes:
                click.echo(line)
            click.echo(_build_summary(result.build, where=False))
    if quiet:
        return
    domain = f"; CNAME {result.cname}" if result.cname else ""
    if result.pushed:
        click.echo(f"pushed {result.files} files to {remote} {branch} "
                   f"(commit {result.commit[:10]}){domain}")
    else:
        click.echo(f"{remote} {branch} already holds this site (commit {result.commit[:10]}); "
                   "nothing pushed")


@cli.group()
def docs() -> None:
    """Print reference documentation generated from chmgen's own definitions."""


@docs.command("content")
def docs_content() -> None:
    """The content reference (docs/content.md), generated from the content schemas."""
    from chmgen.docgen import content_reference

    click.echo(content_reference(), nl=False)


@docs.command("cli")
def docs_cli() -> None:
    """The command-line reference (docs/cli.md), generated from the commands themselves."""
    from chmgen.clidoc import cli_reference

    click.echo(cli_reference(cli), nl=False)


THEME_DIR = click.Path(file_okay=False, exists=True, path_type=Path)


def _default_theme() -> Path:
    from chmgen.theme import builtin_themes_dir

    return builtin_themes_dir() / "default"


@cli.group()
def i18n() -> None:
    """Translate a theme's interface strings (gettext catalogs, via Babel).

    To add a language to a theme: `chmgen i18n init LANG`, translate the msgstr lines of
    locale/LANG/LC_MESSAGES/messages.po, then `chmgen i18n status` until nothing is missing.
    """


@i18n.command("extract")
@click.option("--theme", "theme", type=THEME_DIR, help="Theme folder (default: built-in default).")
def i18n_extract(theme: Path | None) -> None:
    """Collect the theme's translatable strings into locale/messages.pot."""
    from chmgen.i18n import extract, pot_path

    theme = theme or _default_theme()
    catalog = extract(theme)
    click.echo(f"{pot_path(theme)}: {len(catalog)} strings")


@i18n.command("init")
@click.argument("lang")
@click.option("--theme", "theme", type=THEME_DIR, help="Theme folder (default: built-in default).")
def i18n_init(lang: str, theme: Path | None) -> None:
    """Start the catalog of a new language LANG (e.g. pt, sw, km)."""
    from chmgen.i18n import init as init_catalog

    try:
        path = init_catalog(theme or _default_theme(), lang)
    except ChmgenError as error:
        _fail(error)
        return
    click.echo(f"created {path}: translate its msgstr lines")


@i18n.command("update")
@click.option("--theme", "theme", type=THEME_DIR, help="Theme folder (default: built-in default).")
def i18n_update(theme: Path | None) -> None:
    """Merge new template strings into every language's catalog."""
    from chmgen.i18n import update

    for path in update(theme or _default_theme()):
        click.echo(f"updated {path}")


@i18n.command("status")
@click.argument("langs", nargs=-1)
@click.option("--theme", "theme", type=THEME_DIR, help="Theme folder (default: built-in default).")
def i18n_status(langs: tuple[str, ...], theme: Path | None) -> None:
    """List untranslated strings per language; exit 1 if any is missing."""
    from chmgen.i18n import untranslated

    theme = theme or _default_theme()
    langs = langs or tuple(sorted(p.name for p in (theme / "locale").iterdir() if p.is_dir()))
    missing_any = False
    for lang in langs:
        missing = untranslated(theme, lang)
        missing_any = missing_any or bool(missing)
        click.echo(f"{lang}: {len(missing)} untranslated")
        for message in missing:
            click.echo(f"  {message}")
    if missing_any:
        sys.exit(1)


_whole_process = False  # set by main(): the command is all this process does


def _end_process() -> None:
    """After a command that succeeded, when it is the whole process (the console script,
    ``python -m chmgen``): everything is written, closed and waited for, so end at once with
    status 0. Tearing the interpreter down would free every object of the site one by one
    (millions at 10,000 pages: 0.2–0.5 s of a build) for no one to see. Called in-process
    (tests, scripts importing the CLI), it does nothing."""
    if _whole_process:
        classcode.save()  # (os._exit runs no exit handlers)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def main() -> None:
    """Console-script entry point; click maps usage errors to exit status 2."""
    global _whole_process
    _whole_process = True
    cli(prog_name="chmgen")
