"""Incremental builds are full builds, faster: after every edit of a scripted series, the folder an
incremental build (and chmgen serve) updated is byte for byte what a clean full build writes."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from chmgen import deps, pipeline, render
from chmgen.build import build, load_and_plan, make_renderer
from chmgen.live import LiveBuild
from chmgen.markup import convert
from chmgen.pipeline import changed_pages, manifest_path, read_manifest
from chmgen.rendercache import (
    ConvertAhead,
    MarkdownCache,
    cache_path,
    markdown_files,
    markdown_key,
)
from chmgen.yamldoc import markdown_body

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1767225600"  # 2026-01-01: every build of this module has the same date


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(ROOT / "sample_site", root, ignore=shutil.ignore_patterns("_site"))
    shutil.rmtree(root / ".chmgen" / "render", ignore_errors=True)
    return root


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_tree(actual: Path, expected: Path, step: str) -> None:
    got, want = tree(actual), tree(expected)
    assert sorted(got) == sorted(want), f"{step}: files differ: " \
        f"{sorted(set(got) ^ set(want))[:10]}"
    different = [name for name in want if got[name] != want[name]]
    assert different == [], f"{step}: {len(different)} files differ, e.g. {different[:5]}"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{path}: {old!r} not found"
    path.write_text(text.replace(old, new, 1), "utf-8")


def append(path: Path, line: str) -> None:
    text = path.read_text("utf-8")
    path.write_text(text + ("" if text.endswith("\n") else "\n") + line, "utf-8")


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*")
            if p.is_file() and ".chmgen" not in p.parts}


def apply(change: Callable[[Path], None], root: Path) -> set[Path]:
    """Make the change; the files it created, changed or deleted (what the watcher reports)."""
    before = snapshot(root)
    change(root)
    after = snapshot(root)
    return set(before) ^ set(after) | {p for p in after.keys() & before.keys()
                                       if after[p] != before[p]}


def add_theme(root: Path) -> None:
    """A site theme extending the default one, with its own French catalog."""
    theme = root / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yml").write_text("extends: default\n", "utf-8")
    po = theme / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Skip to main content"\nmsgstr "Aller au contenu (thème)"\n', "utf-8")
    edit(root / "chmgen.yml", "languages: [en, fr]", "languages: [en, fr]\ntheme: mine")


def override_template(root: Path) -> None:
    base = (ROOT / "themes" / "default" / "templates" / "base.html").read_text("utf-8")
    (root / "overrides").mkdir(exist_ok=True)
    (root / "overrides" / "base.html").write_text(
        base.replace('<meta name="generator" content="chmgen">',
                     '<meta name="generator" content="chmgen (override)">'), "utf-8")


def rename_event(root: Path) -> None:
    old = root / "events" / "2027-02-verbif-data-webinar.yml"
    old.rename(root / "events" / "2027-02-data-webinar.yml")


def new_post(root: Path) -> None:
    (root / "news" / "new-post.md").write_text(
        "---\ntitle: A new post\ndate: 2026-11-20\nsummary: Fresh news.\n---\n\n"
        "A **new** post about [target 3](/targets/t03/).\n", "utf-8")


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("target title", lambda r: edit(r / "targets" / "t03.yml", "Protect 30%", "Protect 31%")),
    ("page body", lambda r: edit(r / "pages" / "about.md", "## What you will find here",
                                 "## What you will find on this site")),
    ("indicator data", lambda r: append(r / "indicators" / "mangrove-extent.csv", "2031,999\n")),
    ("new news post", new_post),
    ("translation file",
     lambda r: edit(r / "news" / "chm-launch.fr.md", "---\n\n", "---\n\nNouveau. ")),
    ("configuration", lambda r: edit(r / "chmgen.yml", "(demo)", "(demo, edited)")),
    ("template override", override_template),
    ("template edit", lambda r: edit(r / "overrides" / "base.html", "(override)", "(override 2)")),
    ("theme translations", add_theme),
    ("catalog edit", lambda r: edit(r / "themes" / "mine" / "locale" / "fr" / "LC_MESSAGES"
                                    / "messages.po", "(thème)", "(thème modifié)")),
    ("news date (the order of the news)",
     lambda r: edit(r / "news" / "chm-launch.md", "date: 2025-02-12", "date: 2026-12-01")),
    ("page weight (the order of the menu)",
     lambda r: edit(r / "pages" / "about.md", "weight: 10", "weight: 99")),
    ("a translation into an undeclared language (a warning)",
     lambda r: (r / "pages" / "contact.de.md").write_text("---\ntitle: Kontakt\n---\n\nHallo.\n",
                                                          "utf-8")),
    ("its edit (the warning stays)", lambda r: edit(r / "pages" / "contact.de.md", "Hallo", "Hi")),
    ("deleted file", lambda r: (r / "news" / "rat-free-islands.fr.md").unlink()),
    ("renamed id", rename_event),
]


def test_incremental_build_equals_full_build_after_each_edit(site: Path, tmp_path: Path) -> None:
    incremental = tmp_path / "incremental"
    first = build(site, incremental, jobs=2)
    total = sum(first.pages_per_language.values())
    assert first.rendered == total
    again = build(site, incremental, jobs=2)
    assert (again.rendered, again.bytes_written) == (0, 0)  # nothing changed: nothing done
    for number, (name, change) in enumerate(EDITS):
        change(site)
        result = build(site, incremental, jobs=2)
        full = build(site, tmp_path / f"full-{number}", jobs=1, incremental=False, cache=False)
        assert result.rendered <= sum(full.pages_per_language.values())
        assert_same_tree(incremental, tmp_path / f"full-{number}", name)
        if name in ("target title", "page body", "translation file"):
            assert 0 < result.rendered < total / 4, f"{name}: rendered {result.rendered}"
        if name in ("configuration", "template override", "catalog edit"):
            assert result.converted == 0, f"{name}: Markdown converted again"


def test_pages_rendered_the_same_are_linked_and_the_others_written(site: Path,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=2)
    inodes = {path: os.stat(out / path).st_ino for path in tree(out)}
    base = (ROOT / "themes" / "default" / "templates" / "base.html").read_text("utf-8")
    (site / "overrides").mkdir(exist_ok=True)
    (site / "overrides" / "base.html").write_text(base + "{# a comment #}\n", "utf-8")
    result = build(site, out, jobs=2)  # every page renders again, to the same bytes
    assert result.rendered == sum(result.pages_per_language.values()) > pipeline.SMALL
    assert pipeline.LAST_PARALLEL and result.bytes_written == 0
    assert {path: os.stat(out / path).st_ino for path in tree(out)} == inodes
    override_template(site)  # now every page changes
    result = build(site, out, jobs=2)
    pages = [path for path in tree(out) if path.endswith(".html")]
    assert len(pages) == sum(result.pages_per_language.values())
    assert all(os.stat(out / path).st_ino != inodes[path] for path in pages)
    full = build(site, tmp_path / "full", jobs=1, incremental=False, cache=False)
    assert full.pages_per_language == result.pages_per_language
    assert_same_tree(out, tmp_path / "full", "template override")


def test_serve_updates_equal_full_builds(site: Path, tmp_path: Path) -> None:
    served = tmp_path / "served"
    live = LiveBuild(site, served, jobs=2, search_delay=0)
    live.full()
    for number, (name, change) in enumerate(EDITS):
        changed = apply(change, site)
        update = live.update(changed)  # what the watcher reports in chmgen serve
        assert live.wait_for_search()
        full = build(site, tmp_path / f"full-{number}", jobs=1, incremental=False, cache=False)
        assert update.rendered <= sum(full.pages_per_language.values())
        assert_same_tree(served, tmp_path / f"full-{number}", f"serve: {name}")
        assert update.warnings == full.warnings, name  # the same, in the same order
        if "warning" in name:
            assert "language 'de' is not declared in chmgen.yml languages" in [
                w.message for w in update.warnings], name


# What the browsers of chmgen serve show during the series: a national target, a free page and
# the home page (each edit affects some of them, and not others).
VIEWING = ["targets/t03/index.html", "about/index.html", "index.html"]


def test_serve_updates_shown_pages_first_and_equal_full_builds(site: Path, tmp_path: Path
                                                               ) -> None:
    """The pages browsers show are rendered first (the update stops there, so they can reload
    at once), each already final; finish() renders the rest; the folder is then a full build."""
    served = tmp_path / "served"
    live = LiveBuild(site, served, jobs=2, search_delay=0)
    live.full()
    deferred = 0
    for number, (name, change) in enumerate(EDITS):
        changed = apply(change, site)
        update = live.update(changed, VIEWING, defer=True)
        full = tmp_path / f"full-{number}"
        build(site, full, jobs=1, incremental=False, cache=False)
        assert update.first <= set(VIEWING), name
        for path in update.first:  # shown first, and final
            assert (served / path).read_bytes() == (full / path).read_bytes(), f"{name}: {path}"
        if update.pending:
            deferred += 1
            rest = live.finish()
            assert rest is not None and rest.rendered >= len(update.first)
        assert live.finish() is None  # nothing left
        assert live.wait_for_search()
        assert_same_tree(served, full, f"serve, shown pages first: {name}")
    assert deferred >= 6  # most edits change a page on screen


def test_the_shown_page_is_written_before_the_lists_it_appears_in(site: Path,
                                                                 tmp_path: Path) -> None:
    served = tmp_path / "served"
    live = LiveBuild(site, served, jobs=1, search_delay=0)
    live.full()
    edit(site / "targets" / "t03.yml", "Protect 30%", "Protect 31%")
    update = live.update([site / "targets" / "t03.yml"], ["targets/t03/index.html"],
                         defer=True)
    assert update.pending and update.first == {"targets/t03/index.html"}
    assert "Protect 31%" in (served / "targets" / "t03" / "index.html").read_text("utf-8")
    listing = served / "targets" / "index.html"
    assert "Protect 30%" in listing.read_text("utf-8")  # not yet: after the reload
    rest = live.finish()
    assert rest is not None and rest.rendered > 1 and not rest.pending
    assert "Protect 31%" in listing.read_text("utf-8")
    # a page nobody shows, or one the edit does not change: no deferral
    edit(site / "targets" / "t03.yml", "Protect 31%", "Protect 32%")
    quiet = live.update([site / "targets" / "t03.yml"], ["about/index.html"], defer=True)
    assert not quiet.pending and quiet.first == frozenset()
    assert "Protect 32%" in listing.read_text("utf-8")


def test_a_live_edit_rebuilds_only_what_it_touched(site: Path, tmp_path: Path) -> None:
    """In chmgen serve, records and page plans of files an edit did not touch are the very
    objects of the previous build: the work of an edit follows the edit, not the site."""
    live = LiveBuild(site, tmp_path / "served", jobs=1, search_delay=0)
    live.full()
    live.update([])
    assert live.renderer is not None
    before = live.renderer.site
    edit(site / "pages" / "about.md", "## What you will find here", "## Found here")
    live.update([site / "pages" / "about.md"])
    after = live.renderer.site
    assert after.content.targets is before.content.targets
    assert after.content.indicators is before.content.indicators
    assert after.content.news is before.content.news
    assert after.content.pages is not before.content.pages
    old_plans = {(p.lang, p.key): p for p in before.pages}
    of_records = [p for p in after.pages if p.data.keys() & {"target", "indicator", "post",
                                                             "doc", "item"}]
    assert len(of_records) > len(after.pages) / 2
    remade = {p.key for p in of_records if old_plans.get((p.lang, p.key)) is not p}
    assert remade == {"about/"}, remade  # the edited page (both languages), no other record's
    edit(site / "targets" / "t03.yml", "Protect 30%", "Protect 31%")
    live.update([site / "targets" / "t03.yml"])
    now = live.renderer.site.content
    same = [a is b for a, b in zip(after.content.targets, now.targets, strict=True)]
    edited = [t.id for t in now.targets].index("t03")
    assert same.count(False) == 1 and not same[edited]
    assert live.renderer.changed_records() == {deps.identity(now.targets[edited])}


def test_two_cold_parallel_builds_are_identical(site: Path, tmp_path: Path) -> None:
    build(site, tmp_path / "a", jobs=2, incremental=False, cache=False)
    assert pipeline.LAST_PARALLEL  # the pages were rendered by worker processes
    build(site, tmp_path / "b", jobs=2, incremental=False, cache=False)
    build(site, tmp_path / "c", jobs=1, incremental=False, cache=False)
    assert_same_tree(tmp_path / "a", tmp_path / "b", "two parallel builds")
    assert_same_tree(tmp_path / "a", tmp_path / "c", "parallel and serial builds")


def test_the_building_process_renders_beside_its_workers_each_page_once(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On two cores one worker is forked and the building process renders pages too: they
    claim the chunks of pages between them, so every page is rendered exactly once, by one
    of the two, and the site is what one process rendering alone writes."""
    seen = tmp_path / "renders"
    seen.mkdir()
    render_tracked = pipeline.render_tracked

    def noted(*args: object) -> object:
        page = args[1]
        with open(seen / str(os.getpid()), "a", encoding="utf-8") as handle:
            handle.write(f"{page.lang} {page.key}\n")  # type: ignore[attr-defined]
        return render_tracked(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "render_tracked", noted)
    build(site, tmp_path / "both", jobs=2, incremental=False, cache=False)
    assert pipeline.LAST_PARALLEL
    by_process = {p.name: p.read_text("utf-8").splitlines() for p in seen.iterdir()}
    assert str(os.getpid()) in by_process and len(by_process) <= 2
    rendered = [line for lines in by_process.values() for line in lines]
    planned, _ = load_and_plan(site)
    assert sorted(rendered) == sorted(f"{p.lang} {p.key}" for p in planned.pages)
    monkeypatch.setattr(pipeline, "render_tracked", render_tracked)
    build(site, tmp_path / "alone", jobs=1, incremental=False, cache=False)
    assert_same_tree(tmp_path / "both", tmp_path / "alone", "the parent and a worker")


def test_the_building_process_makes_the_exports_while_its_workers_render(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The open data exports and the sitemap are made once, by the building process, while
    the pages are being rendered (with the workers forked); the feeds, whose entries are
    Markdown the pages convert, after them: the same files as a build on one process."""
    import chmgen.build as engine

    when: dict[str, list[tuple[bool, bool, bool]]] = {}

    def noting(name: str) -> None:
        made = getattr(engine, name)

        def noted(*args: object) -> object:
            when.setdefault(name, []).append(
                (os.getpid() == parent, pipeline._JOB is not None, pipeline.LAST_PARALLEL))
            return made(*args)

        monkeypatch.setattr(engine, name, noted)

    parent = os.getpid()
    for name in ("data_exports", "sitemap_xml", "atom_feeds"):
        noting(name)
    build(site, tmp_path / "both", jobs=2, incremental=False, cache=False)
    assert when == {"data_exports": [(True, True, True)], "sitemap_xml": [(True, True, True)],
                    "atom_feeds": [(True, False, True)]}
    when.clear()
    build(site, tmp_path / "alone", jobs=1, incremental=False, cache=False)
    assert when == {"data_exports": [(True, True, False)],  # (after the pages, in the one
                    "sitemap_xml": [(True, True, False)],   # process)
                    "atom_feeds": [(True, False, False)]}
    assert_same_tree(tmp_path / "both", tmp_path / "alone", "exports made meanwhile")
    made = tree(tmp_path / "both")
    assert any(path.startswith("data/") for path in made) and "sitemap.xml" in made
    assert any(path.endswith(".xml") and "feed" in path for path in made), sorted(made)[:20]


def test_shared_fragments_change_no_byte_and_no_dependency(site: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """The header and footer are rendered once per language and menu state and shared by the
    pages (``{% cached %}``), their links made once per place in the site: every page, and
    every token it depends on, is what rendering them on each page gives."""
    # A menu with a link whose address the template escapes (shared: as a marker).
    append(site / "chmgen.yml", 'menu:\n  - id: national\n    items: [targets, indicators, '
           '{title: "Q&A", url: "https://example.org/?a=1&b=\'2\'"}]\n'
           '  - id: news\n    items: [news, events, page:about]\n')
    # A footer in Markdown with a site link and a picture whose size is read from static/
    # (converted once, its links left as markers that each page makes relative to itself).
    config = site / "chmgen.yml"
    config.write_text(config.read_text("utf-8").replace(
        "**Demo site — fictional country.**", "**Demo site — fictional country.** "
        "[About & more](/about/) ![Logo](/img/verdania-logo.svg)", 1), "utf-8")
    render.fragment_stats.update(made=0, reused=0)
    unmarked: list[str] = []
    unmark = render.PageContext.unmark
    monkeypatch.setattr(render.PageContext, "unmark", lambda self, shared: (
        unmarked.append(self.path), unmark(self, shared))[1])
    build(site, tmp_path / "shared", jobs=1)
    monkeypatch.setattr(render.PageContext, "unmark", unmark)
    assert "?a=1&amp;b=&#39;2&#39;" in (tmp_path / "shared/targets/index.html").read_text()
    deep = (tmp_path / "shared/targets/t01/index.html").read_text("utf-8")
    assert '<a href="../../about/">About &amp; more</a>' in deep
    assert re.search(r'<img alt="Logo"[^>]* src="../../img/verdania-logo.svg" width="\d+" '
                     r'height="\d+"', deep)
    made, reused = render.fragment_stats["made"], render.fragment_stats["reused"]
    assert made > 0 and reused > 5 * made  # shared: most pages reuse what others made
    # ... and pages in the same place (urls.link_place) the links made for the first of them
    assert 0 < len(unmarked) < (made + reused) / 4
    monkeypatch.setattr(render, "FRAGMENTS", False)
    build(site, tmp_path / "each", jobs=1)
    assert render.fragment_stats == {"made": made, "reused": reused}  # none this time
    assert_same_tree(tmp_path / "shared", tmp_path / "each", "shared fragments")
    shared = read_manifest(manifest_path(site, tmp_path / "shared"))
    each = read_manifest(manifest_path(site, tmp_path / "each"))
    assert shared is not None and each is not None
    assert {key: result.tokens for key, result in shared.pages.items()} \
        == {key: result.tokens for key, result in each.pages.items()}


def test_signatures_signed_by_workers_are_the_parents(site: Path, tmp_path: Path) -> None:
    """Workers sign the tokens their pages read; the manifest holds exactly what the parent
    process computes for the same site."""
    build(site, tmp_path / "out", jobs=2)
    assert pipeline.LAST_PARALLEL
    manifest = read_manifest(manifest_path(site, tmp_path / "out"))
    assert manifest is not None and len(manifest.signatures) > 500
    deps.reset()
    fresh, _ = load_and_plan(site)
    renderer = make_renderer(fresh)
    assert {token: renderer.signature(token) for token in manifest.signatures} \
        == manifest.signatures


def test_markdown_is_never_converted_twice(site: Path, tmp_path: Path) -> None:
    cold = build(site, tmp_path / "one", jobs=2)
    assert cold.converted > 50
    # Another output folder: every page is rendered again, no Markdown is converted.
    warm = build(site, tmp_path / "two", jobs=2)
    assert warm.rendered == cold.rendered and warm.converted == 0
    edit(site / "pages" / "about.md", "## What you will find here", "## What is here")
    after = build(site, tmp_path / "two", jobs=2)
    assert after.converted == 1  # the edited page's text only


def _finished(ahead: ConvertAhead) -> int:
    """What ``ahead`` converted once it went through every file (not stopped early)."""
    assert ahead._pid is not None
    assert ahead._wait(60)
    return ahead.finish()


def test_markdown_converted_ahead_is_what_the_pages_would_convert(site: Path,
                                                                   tmp_path: Path) -> None:
    """The second process converts each Markdown file's body once, into the site's cache; a
    build after converts none of them again and writes what a build without it writes."""
    other = tmp_path / "other"
    shutil.copytree(site, other)
    files = markdown_files(site)
    assert {f.parent.name for f in files} == {"pages", "news", "nbsap"}
    bodies = {markdown_body(f.read_text("utf-8")) for f in files}
    ahead = _finished(ConvertAhead(cache_path(site), site))  # (it lists the files itself)
    assert ahead == len(bodies - {None})
    cache = MarkdownCache(cache_path(site))
    for body in bodies - {None}:
        assert cache.html(body) == convert(body)
    assert (cache.hits, cache.misses) == (ahead, 0)
    # jobs=1: no process converts ahead in these builds
    after = build(site, tmp_path / "one", jobs=1)
    without = build(other, tmp_path / "two", jobs=1)
    assert without.converted - after.converted == ahead
    assert_same_tree(tmp_path / "one", tmp_path / "two", "converted ahead")
    assert _finished(ConvertAhead(cache_path(site), files)) == 0  # all there already


def _first_fails() -> object:
    raise OSError("the site could not be read")


def test_the_converting_process_first_does_what_it_is_given(site: Path, tmp_path: Path) -> None:
    """``first`` runs in the process before it converts, and its result comes back whole
    (a fingerprint of 10,000 files is more than a pipe holds); when it fails, the building
    process is told to do it itself; a result never asked for does not keep the process."""
    big = {f"pages/p{number}.md": "x" * 40 for number in range(20_000)}
    ahead = ConvertAhead(tmp_path / "packs", site, lambda: (os.getpid(), big))
    assert ahead.first_due
    taken, (pid, value) = ahead.first_result()
    assert taken and pid == ahead._pid and value == big and not ahead.first_due
    assert ahead.first_result() == (False, None)
    assert _finished(ahead) > 0  # (then it converted)
    failing = ConvertAhead(tmp_path / "packs2", site, _first_fails)
    assert failing.first_result() == (False, None)
    failing.finish()
    unread = ConvertAhead(tmp_path / "packs3", site, lambda: big)
    assert unread.finish() >= 0 and not unread.first_due


def test_a_stuck_converting_process_is_killed_and_the_build_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from chmgen import rendercache

    monkeypatch.setattr(rendercache, "_convert_ahead", lambda *args: time.sleep(60))
    monkeypatch.setattr(rendercache, "_PATIENCE", 0.3)
    ahead = ConvertAhead(tmp_path / "packs", [tmp_path / "page.md"])
    pid = ahead._pid
    assert pid is not None
    started = time.monotonic()
    assert ahead.finish() == 0
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):  # killed and reaped
        os.waitpid(pid, os.WNOHANG)


@pytest.mark.parametrize("told", [False, True])
def test_converting_ahead_stops_when_asked_with_whole_entries(tmp_path: Path,
                                                              told: bool) -> None:
    """``finish`` stops the process (after the file it is converting) and waits for what it
    converted to be written; ``stop`` only tells it to, and ``finish`` then waits."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for number in range(400):
        (folder / f"p{number}.md").write_text(
            f"---\ntitle: P{number}\n---\n# Page {number}\n\n" + "Some *text*. " * 600)
    files = markdown_files(tmp_path)
    assert len(files) == 400
    ahead = ConvertAhead(tmp_path / "packs", files)
    if told:
        ahead.stop()
        assert ahead._pid is not None
        assert ahead._wait(60)  # it stopped by itself, told to
    count = ahead.finish()
    assert count < 400
    cache = MarkdownCache(tmp_path / "packs")
    assert len(cache._entries()) == count
    for file in files:
        body = markdown_body(file.read_text("utf-8"))
        assert body is not None
        assert cache.html(body) == convert(body)
    assert (cache.hits, cache.misses) == (count, 400 - count)


def test_a_build_saves_its_reads_while_the_converting_process_converts(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the site is read, the build signs the records many pages read (every page will
    render: the output folder is new), compiles the templates they use and saves what it
    read, while the process converting ahead still converts; only then it stops it and waits
    for it to write what is left."""
    from chmgen import loadcache
    from chmgen.pipeline import Renderer
    from chmgen.site import PagePlan

    events: list[str] = []
    stop, finish, save = ConvertAhead.stop, ConvertAhead.finish, loadcache.LoadCache.save
    sign, warm = Renderer.sign_shared, Renderer.warm

    def signing(self: Renderer) -> None:
        events.append("sign")
        sign(self)

    def warming(self: Renderer, pages: list[PagePlan]) -> None:
        if {page.template for page in pages} - self._warm:  # (else compiled already)
            events.append("warm")
        warm(self, pages)

    def stopping(self: ConvertAhead) -> None:
        events.append("stop")
        stop(self)

    def finishing(self: ConvertAhead) -> int:
        events.append("finish")
        return finish(self)

    def saving(self: loadcache.LoadCache) -> None:
        events.append("save")
        save(self)

    monkeypatch.setattr(ConvertAhead, "stop", stopping)
    monkeypatch.setattr(ConvertAhead, "finish", finishing)
    monkeypatch.setattr(loadcache.LoadCache, "save", saving)
    monkeypatch.setattr(Renderer, "sign_shared", signing)
    monkeypatch.setattr(Renderer, "warm", warming)
    build(site, tmp_path / "out", jobs=2)
    assert events == ["sign", "warm", "save", "stop", "finish"]
    events.clear()
    (site / "pages" / "about.md").write_text("---\ntitle: About\n---\n\nEdited.\n", "utf-8")
    build(site, tmp_path / "out", jobs=2)  # (a manifest to reuse: few pages render)
    assert events == ["save", "stop", "finish", "warm"]


def test_markdown_files_of_a_change_are_the_changed_content_files(site: Path) -> None:
    changed = {"pages/about.md", "news/gone.md", "pages/data.yml", "README.md",
               "themes/x/page.md", "nbsap/chapter-1.md"}
    (site / "nbsap" / "chapter-1.md").write_text("---\ntitle: One\n---\nText\n")
    assert markdown_files(site, changed) == [site / "nbsap" / "chapter-1.md",
                                             site / "pages" / "about.md"]
    assert markdown_files(site, set()) == []


def test_markdown_cache_key_covers_every_input(monkeypatch: pytest.MonkeyPatch) -> None:
    base = markdown_key("Some *text*.", 2)
    assert markdown_key("Some *text*.", 2) == base
    assert markdown_key("Some *text*!", 2) != base
    assert markdown_key("Some *text*.", 3) != base
    monkeypatch.setattr("chmgen.rendercache.MARKDOWN_CONFIG", "another configuration")
    assert markdown_key("Some *text*.", 2) != base
    monkeypatch.undo()
    monkeypatch.setattr("chmgen.rendercache.__version__", "99.0")
    assert markdown_key("Some *text*.", 2) != base


def test_cache_entries_are_found_again(tmp_path: Path) -> None:
    cache = MarkdownCache(tmp_path / "packs")
    html = cache.html("A [link](/targets/).")
    cache.flush()
    again = MarkdownCache(tmp_path / "packs")
    assert again.html("A [link](/targets/).") == html
    assert (again.hits, again.misses) == (1, 0)


def test_a_cache_with_packs_keeps_few_texts_in_memory(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its first texts, a cache with packs on disk keeps none in memory: a text asked
    for again comes from its pack (or, not written yet, from what waits to be), never from a
    second conversion. A cache without packs keeps every text."""
    monkeypatch.setattr("chmgen.rendercache._KEPT", 2)
    texts = [f"Text *{number}*." for number in range(5)]
    cache = MarkdownCache(tmp_path / "packs")
    first = [cache.html(text) for text in texts]
    assert len(cache.memory) == 2 and cache.misses == 5
    assert [cache.html(text) for text in texts] == first  # not written yet: waiting
    assert (cache.hits, cache.misses) == (0, 5)
    cache.flush()
    assert [cache.html(text) for text in texts] == first  # from the pack
    assert (cache.hits, cache.misses) == (3, 5) and len(cache.memory) == 2
    memory_only = MarkdownCache()
    assert [memory_only.html(text) for text in texts] == first
    assert len(memory_only.memory) == 5


def test_cache_entries_of_other_processes_are_taken_in(tmp_path: Path) -> None:
    """A reader opened before another process wrote finds its entries after refresh()."""
    reader = MarkdownCache(tmp_path / "packs")
    reader.prepare()
    writer = MarkdownCache(tmp_path / "packs")
    html = writer.html("Written *elsewhere*.")
    writer.flush()
    writer._own = (os.getpid(), "another")  # as another process would: its own pack
    writer.html("And *more*.")
    writer.flush()
    assert len(list((tmp_path / "packs").glob("*.idx"))) == 2
    reader.refresh()
    assert reader.html("Written *elsewhere*.") == html
    assert reader.html("And *more*.") == writer.memory[markdown_key("And *more*.")]
    assert (reader.hits, reader.misses) == (2, 0)


def test_cache_entries_cut_short_or_damaged_are_converted_again(tmp_path: Path) -> None:
    """An index that names HTML that is not (wholly) there, or differs from its checksum — a
    crash while writing — gives a miss and the right HTML, never a damaged page."""
    packs = tmp_path / "packs"
    cache = MarkdownCache(packs)
    first, second = cache.html("First *text*."), cache.html("Second *text*.")
    cache.flush()
    (data,) = packs.glob("*.dat")
    (index,) = packs.glob("*.idx")
    whole = data.read_bytes()
    data.write_bytes(whole[:-3])  # the second entry's HTML cut short
    with index.open("ab") as handle:
        handle.write(b"x" * 17)  # half a record: ignored
    again = MarkdownCache(packs)
    assert again.html("First *text*.") == first and again.html("Second *text*.") == second
    assert (again.hits, again.misses) == (1, 1)
    data.write_bytes(whole.replace(b"First", b"Fir5t"))  # same length, other bytes
    third = MarkdownCache(packs)
    assert third.html("First *text*.") == first
    assert (third.hits, third.misses) == (0, 1)


def stale_pages(site: Path, out: Path) -> set[str]:
    """Pages an incremental build would render now."""
    built, _ = load_and_plan(site)
    renderer = make_renderer(built)
    previous = read_manifest(manifest_path(site, out))
    assert previous is not None
    pages, _ = changed_pages(renderer, previous)
    return {f"{p.lang}:{p.key}" for p in pages}


@pytest.mark.parametrize(("change", "must", "must_not"), [
    (lambda r: edit(r / "targets" / "t03.yml", "Protect 30%", "Protect 31%"),
     {"en:targets/t03/", "fr:targets/t03/", "en:targets/", "en:gbf/03/"},
     # the home page shows how many targets stand where, not their titles
     {"en:", "en:targets/t04/", "en:news/chm-launch/", "en:about/",
      "en:indicators/forest-cover/"}),
    (lambda r: edit(r / "targets" / "t03.yml", "progress: progress-insufficient",
                    "progress: on-track"),
     {"en:targets/t03/", "en:targets/", "en:", "fr:"},
     {"en:targets/t04/", "en:about/"}),
    (lambda r: edit(r / "news" / "chm-launch.md", "---\n\n", "---\n\nNew. "),
     {"en:news/chm-launch/", "en:news/"},
     {"fr:news/chm-launch/", "en:targets/t03/", "en:about/", "en:news/nbsap-adopted/"}),
    (lambda r: edit(r / "indicators" / "forest-cover.yml", "en: Forest cover", "en: Forests"),
     {"en:indicators/forest-cover/", "en:indicators/"},
     {"en:indicators/red-list-index/", "en:about/", "en:news/"}),
    (lambda r: None, set(), {"en:", "en:about/", "en:targets/t03/"}),
])
def test_a_change_invalidates_the_pages_that_read_it_and_no_others(
        site: Path, tmp_path: Path, change: Callable[[Path], None],
        must: set[str], must_not: set[str]) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=2)
    change(site)
    stale = stale_pages(site, out)
    assert must <= stale, sorted(must - stale)
    assert not (must_not & stale), sorted(must_not & stale)
    deps.reset()


def test_cli_reports_what_it_rendered_and_full_renders_everything(site: Path,
                                                                  tmp_path: Path) -> None:
    from click.testing import CliRunner

    from chmgen.cli import cli

    out = str(tmp_path / "out")
    first = CliRunner().invoke(cli, ["build", str(site), "-o", out, "--offline", "-j", "2"])
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(cli, ["build", str(site), "-o", out, "--offline"])
    assert "nothing changed since the last build, nothing written" in again.output
    edit(site / "pages" / "about.md", "## What you will find here", "## What is here")
    one = CliRunner().invoke(cli, ["build", str(site), "-o", out, "--offline"])
    assert "rendered again, the others unchanged" in one.output
    full = CliRunner().invoke(cli, ["build", str(site), "-o", out, "--offline", "--full"])
    assert full.exit_code == 0 and "rendered again" not in full.output \
        and "nothing changed" not in full.output


def test_pruning_drops_unused_entries_and_keeps_the_sites(site: Path, tmp_path: Path) -> None:
    """Entries no page uses any more are dropped once they outnumber the used ones; the texts
    every page shows (rendered in worker processes) are kept, in one pack."""
    from chmgen.rendercache import cache_path

    build(site, tmp_path / "one", jobs=2)
    packs = cache_path(site)
    used = set(MarkdownCache(packs)._entries())
    assert len(list(packs.glob("*.idx"))) >= 2  # the workers wrote theirs
    stale = MarkdownCache(packs)
    stale._own = (os.getpid(), "stale")
    for n in range(2 * len(used) + 1500):
        stale.new[f"stale{n}".encode().ljust(20, b"-")] = "<p>old</p>"
    stale.flush()
    again = build(site, tmp_path / "two", jobs=2)
    assert again.converted == 0
    left = MarkdownCache(packs)._entries()
    assert set(left) == used
    assert len(list(packs.glob("*.idx"))) == len(list(packs.glob("*.dat"))) == 1


def test_many_packs_are_merged(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    texts = [f"Text *{n}*." for n in range(40)]
    for n, text in enumerate(texts):
        writer = MarkdownCache(packs)
        writer._own = (os.getpid(), f"pack{n}")
        writer.html(text)
        writer.flush()
    cache = MarkdownCache(packs)
    keys = {markdown_key(text) for text in texts}
    cache.prune(keys)
    assert len(list(packs.glob("*.idx"))) == 1
    again = MarkdownCache(packs)
    assert set(again._entries()) == keys
    assert [again.html(text) for text in texts] == [convert(text) for text in texts]


def test_a_live_session_checks_output_paths_again_only_when_one_may_have_moved(
        site: Path) -> None:
    from dataclasses import replace

    from chmgen import filememo
    from chmgen import site as planning
    from chmgen.build import load_and_plan
    from chmgen.errors import Problems

    previous = filememo.use(filememo.FileMemo())
    try:
        planned, _ = load_and_plan(site)
        pages = list(planned.pages)
        default = planned.content.config.default_language
        paths, version = planning._paths(pages, default)
        assert paths == [page.path(default) for page in pages]
        at = next(i for i, page in enumerate(pages) if page.key == "targets/t03/")
        # Another plan object in the same place, writing the same file from the same source
        # (what an edit to a target's title gives): the check stands.
        same = [*pages[:at], replace(pages[at]), *pages[at + 1:]]
        assert planning._paths(same, default) == (paths, version)
        # One writing another file, or from another source: checked again.
        moved = [*pages[:at], replace(pages[at], key="targets/t04/"), *pages[at + 1:]]
        moved_paths, moved_version = planning._paths(moved, default)
        assert moved_version != version and moved_paths[at] == "targets/t04/index.html"
        problems = Problems()
        planning._check_collisions(planned.content, moved, problems)
        assert [p.message for p in problems.errors()] == [
            "writes targets/t04/index.html, which targets/t03.yml also writes: rename one of "
            "them"]
        renamed = [*pages[:at], replace(pages[at], source="targets/other.yml"), *pages[at + 1:]]
        assert planning._paths(renamed, default)[1] not in (version, moved_version)
    finally:
        filememo.use(previous)


def test_the_output_matches_its_manifest_until_a_file_is_added_removed_or_resized(
        site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    manifest = read_manifest(manifest_path(site, out))
    assert manifest is not None and pipeline.output_matches(out, manifest)
    (out / "elsewhere").symlink_to(site, target_is_directory=True)  # not entered
    assert pipeline.output_matches(out, manifest)
    page = out / "targets" / "index.html"
    kept = page.read_bytes()
    for change, undo in [
            (lambda: (out / "news" / "extra.html").write_text("x"),
             lambda: (out / "news" / "extra.html").unlink()),
            (lambda: page.unlink(), lambda: page.write_bytes(kept)),
            (lambda: page.write_bytes(kept + b" "), lambda: page.write_bytes(kept)),
            (lambda: (out / "dangling").symlink_to(tmp_path / "nothing"),
             lambda: (out / "dangling").unlink())]:
        change()
        assert not pipeline.output_matches(out, manifest)
        undo()
        assert pipeline.output_matches(out, manifest)


def test_open_data_is_made_again_only_when_content_or_configuration_changed(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chmgen import build as engine

    out = tmp_path / "out"
    build(site, out, jobs=2)
    made: list[int] = []
    exports = engine.data_exports
    monkeypatch.setattr(engine, "data_exports", lambda s: (made.append(1), exports(s))[1])
    for number, (change, again) in enumerate([
            (override_template, False),
            (lambda r: append(r / "overrides" / "base.html", "{# again #}"), False),
            (lambda r: edit(r / "targets" / "t02.yml", "  en: Restore", "  en: Renewed"), True),
            (lambda r: append(r / "chmgen.yml", "# a comment"), True)]):
        made.clear()
        change(site)
        build(site, out, jobs=2)
        assert bool(made) == again, number
        full = tmp_path / f"full-{number}"
        build(site, full, jobs=1, incremental=False, cache=False)
        assert_same_tree(out, full, f"change {number}")
        assert any(path.startswith("data/") for path in tree(out))
