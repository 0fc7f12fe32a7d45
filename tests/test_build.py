"""Building sample_site: golden output, determinism, sub-path links, atomic output."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chmgen.build import build
from chmgen.cli import cli
from chmgen.errors import ContentErrors, ThemeError
from tests.conftest import write_site
from tests.sitecheck import broken_links, html_pages

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_site"
GOLDEN = Path(__file__).parent / "golden" / "sample_site"
EPOCH = "1767225600"  # 2026-01-01, so the "built on" line is fixed


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def golden_tree(folder: Path) -> dict[str, bytes]:
    """The built site minus Pagefind's index, whose bytes belong to the Pagefind release
    (search is proven by tests/test_search.py instead)."""
    return {name: data for name, data in tree(folder).items() if not name.startswith("pagefind/")}


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "site"
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        build(SAMPLE, out, strict=True)
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return out


def test_sample_site_matches_golden(sample_build: Path, request: pytest.FixtureRequest) -> None:
    """The built sample_site equals tests/golden/sample_site (update: --update-golden)."""
    if request.config.getoption("--update-golden", default=False):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(sample_build, GOLDEN, ignore=shutil.ignore_patterns("pagefind"))
        pytest.skip("golden files updated")
    expected, actual = golden_tree(GOLDEN), golden_tree(sample_build)
    assert sorted(actual) == sorted(expected), "set of output files differs from the golden set"
    diffs = []
    for name in sorted(expected):
        if expected[name] != actual[name]:
            diff = difflib.unified_diff(
                expected[name].decode("utf-8", "replace").splitlines(),
                actual[name].decode("utf-8", "replace").splitlines(),
                f"golden/{name}", f"built/{name}", lineterm="", n=1)
            diffs.append("\n".join(list(diff)[:40]))
    assert not diffs, ("output differs from golden (run pytest --update-golden):\n"
                       + "\n".join(diffs[:5]))


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    build(SAMPLE, tmp_path / "a")
    build(SAMPLE, tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_sample_site_has_every_section(sample_build: Path) -> None:
    for lang_root in (sample_build, sample_build / "fr"):
        for page in ("index.html", "nbsap/index.html", "nbsap/vision/index.html",
                     "targets/index.html", "targets/t03/index.html", "gbf/index.html",
                     "indicators/index.html", "indicators/forest-cover/index.html",
                     "actions/index.html", "news/index.html", "about/index.html",
                     "contact/index.html", "partners/index.html"):
            assert (lang_root / page).is_file(), lang_root / page
    for name in ("404.html", "sitemap.xml", "robots.txt", "assets/chmgen.css"):
        assert (sample_build / name).is_file()


@pytest.mark.parametrize("base", ["https://chm.test/", "https://chm.test/verdania/"])
def test_every_internal_link_resolves(tmp_path: Path, base: str) -> None:
    """Links work at a domain root and under a sub-path (GitHub project pages)."""
    out = tmp_path / "site"
    build(SAMPLE, out, base_url=base)
    assert len(html_pages(out)) > 90
    assert broken_links(out, base) == []


def test_link_checker_catches_a_broken_link(sample_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sample_build, copy)
    (copy / "targets" / "t03" / "index.html").unlink()
    problems = broken_links(copy, "https://chm.test/verdania/")
    assert any("targets/t03/index.html" in p for p in problems)


def test_gap_analysis_lists_unaddressed_gbf_targets(sample_build: Path) -> None:
    html = (sample_build / "gbf" / "index.html").read_text("utf-8")
    gaps = html.split('class="gaps"', 1)[1].split("</section>", 1)[0]
    for number in (13, 16, 17, 18, 22):
        assert f'href="#GBF-TARGET-{number:02d}"' in gaps
    assert 'href="#GBF-TARGET-03"' not in gaps


def test_indicator_page_has_chart_and_table(sample_build: Path) -> None:
    html = (sample_build / "indicators" / "forest-cover" / "index.html").read_text("utf-8")
    assert '<svg class="chart"' in html and 'role="img"' in html and "<desc id=" in html
    assert "<caption id=\"indicator-data-caption\">" in html and '<th scope="row">2015</th>' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_failed_build_leaves_previous_output_untouched(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    out = tmp_path / "out"
    build(site, out)
    before = tree(out)
    (site / "targets" / "t03.yml").write_text("title: [unclosed\n", "utf-8")
    with pytest.raises(ContentErrors):
        build(site, out)
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_build_cli_summary_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["build", str(SAMPLE), "-o", str(tmp_path / "o"), "--offline"])
    assert result.exit_code == 0, result.output
    import re

    match = re.search(r"built (\d+) pages \((\d+) en, (\d+) fr\)", result.output)
    assert match, result.output
    total, en, fr = map(int, match.groups())
    assert total == en + fr and en == fr + 1  # the 404 page exists once
    assert runner.invoke(cli, ["build", "--no-such-flag"]).exit_code == 2
    assert runner.invoke(cli, ["build", str(tmp_path / "missing")]).exit_code == 1


@pytest.mark.parametrize("rm", [True, False], ids=["rm", "thread"])
def test_the_replaced_site_is_gone_when_the_build_returns(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          rm: bool) -> None:
    from chmgen import build as engine
    from chmgen import output

    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    out = tmp_path / "out"
    build(site, out)
    if not rm:  # a system without rm (Windows): a thread removes it
        monkeypatch.setattr(output.shutil, "which", lambda name: None)
    started = output.Removal
    removals: list[output.Removal] = []
    monkeypatch.setattr(engine, "Removal",
                        lambda folder: removals.append(started(folder)) or removals[-1])
    page = next((site / "pages").glob("*.md"))
    page.write_text(page.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    assert build(site, out).rendered > 0
    assert [bool(r._process) for r in removals] == [rm]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_the_swap_exchanges_the_folders_without_looking_for_the_c_library(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new site and the old one trade places in one renameat2 call, found among the
    symbols Python has loaded: not through ctypes.util.find_library, which runs ldconfig."""
    import ctypes.util

    from chmgen import output

    def no_search(name: str) -> str:
        raise AssertionError("find_library was called")

    monkeypatch.setattr(ctypes.util, "find_library", no_search)
    old, new = tmp_path / "out", tmp_path / "staging"
    old.mkdir()
    new.mkdir()
    (old / "old.html").write_text("old", "utf-8")
    (new / "new.html").write_text("new", "utf-8")
    assert output.swap_into_place(new, old) == new
    assert [p.name for p in old.iterdir()] == ["new.html"]
    assert [p.name for p in new.iterdir()] == ["old.html"]


def test_a_build_puts_off_the_collector_s_full_passes_and_restores_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a build runs, the cyclic collector makes no full pass over the heap the build
    keeps (it would find nothing to free); the processes that render its pages (the building
    process and its workers) make them, a tenth as often as usual; the collector is as it was
    once the build has returned, and after a build that failed."""
    import gc

    from chmgen import build as engine
    from chmgen import pipeline

    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    usual = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    load = engine.load_and_plan
    monkeypatch.setattr(engine, "load_and_plan",
                        lambda *a, **k: during.append(gc.get_threshold()) or load(*a, **k))
    seen = tmp_path / "workers"
    seen.mkdir()
    render = pipeline.render_tracked

    def noted(*args: object, **kwargs: object) -> object:  # in each worker (forked)
        (seen / str(os.getpid())).write_text(repr(gc.get_threshold()))
        return render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "render_tracked", noted)
    build(site, tmp_path / "out", jobs=2)
    assert pipeline.LAST_PARALLEL
    assert during == [(*usual[:2], pipeline._NO_FULL_PASS)]
    assert gc.get_threshold() == usual
    rendering = {p.read_text() for p in seen.iterdir()}  # this process's, the worker's
    assert rendering == {repr((*usual[:2], usual[2] * 10))}
    (site / "chmgen.yml").write_text("title: [unclosed\n", "utf-8")
    with pytest.raises(ContentErrors):
        build(site, tmp_path / "out")
    assert len(during) == 2 and gc.get_threshold() == usual


def test_only_a_process_that_converts_markdown_imports_it(tmp_path: Path) -> None:
    """Python-Markdown (a tenth of the imports of a build) is imported where a text that
    quickmark leaves to it is converted: a rebuild after a template edit renders every page
    from texts converted before, without it; so does a build after a page of plain prose is
    added (quickmark converts it); after an edit of a page with a quote, the building process
    imports it. PyYAML (15 ms) and the readers of site files (their schemas) are imported
    where a file is parsed: not by the rebuild after a template edit, which takes the whole
    site from the load cache. No build imports multiprocessing (its workers are forked and
    share a table of chunks without it)."""
    from tests.support.fixtures import local_sample_site

    site = local_sample_site(tmp_path)
    code = ("import sys\nfrom chmgen.cli import cli\n"
            "cli(sys.argv[1:], prog_name='chmgen', standalone_mode=False)\n"
            "print('markdown' in sys.modules, 'chmgen.markup' in sys.modules,"
            " 'yaml' in sys.modules, 'chmgen.readsite' in sys.modules,"
            " 'multiprocessing' in sys.modules)")

    def imported(jobs: int = 1) -> str:
        done = subprocess.run([sys.executable, "-c", code, "build", str(site), "-o",
                               str(tmp_path / "out"), "--offline", "-q", "-j", str(jobs)],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        return done.stdout.strip().splitlines()[-1]

    assert imported() == "True True True True False"
    override = site / "overrides" / "base.html"
    override.parent.mkdir()
    override.write_text((ROOT / "themes/default/templates/base.html").read_text("utf-8")
                        + "{# edited #}\n", "utf-8")
    assert imported() == "False False False False False"
    override.write_text(override.read_text("utf-8") + "{# again #}\n", "utf-8")
    assert imported(jobs=2) == "False False False False False"  # (pages on two processes)
    (site / "pages" / "plain.md").write_text(
        "---\ntitle: Plain\n---\n\nProse, a [link](/targets/) and a list:\n\n- one\n- two\n",
        "utf-8")
    assert imported() == "False False True True False"
    page = site / "pages" / "about.md"
    assert "\n> " in page.read_text("utf-8")  # (a quote: quickmark leaves the text)
    page.write_text(page.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    assert imported() == "True True True True False"


def test_a_page_that_fails_in_any_process_fails_the_build_with_its_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages render in this process and in a forked worker: a page that fails in either
    fails the build with the page's own error (sent back by the worker as it was raised),
    the folder is left as it was, and the collector is restored."""
    import gc

    from chmgen import pipeline

    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    out = tmp_path / "out"
    build(site, out, jobs=2)
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    usual = gc.get_threshold()
    render = pipeline.render_tracked
    parent = os.getpid()
    for failing_in_worker in (True, False):
        def failing(*args: object, worker: bool = failing_in_worker) -> object:
            if (os.getpid() != parent) == worker:
                raise ThemeError(f"page.html:1: template error: broken in "
                                 f"{'a worker' if worker else 'the parent'}")
            return render(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(pipeline, "render_tracked", failing)
        with pytest.raises(ThemeError, match="broken in " + (
                "a worker" if failing_in_worker else "the parent")):
            build(site, out, jobs=2, incremental=False)
        assert pipeline.LAST_PARALLEL and gc.get_threshold() == usual
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before


def test_a_page_leaves_no_reference_cycle_and_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering a page breaks the cycles of the Jinja contexts it made (a context holds its
    macros, each macro the context), so the page's objects are freed at once instead of by the
    cyclic collector; a template imported without context (kept by Jinja from page to page)
    keeps working, and every file is the same as when the cycles are left alone."""
    import collections
    import gc

    from chmgen import render
    from chmgen.build import load_and_plan, make_renderer, render_site

    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    overrides = site / "overrides"
    overrides.mkdir(exist_ok=True)
    # a module kept for every page (no context) whose macro calls its sibling and reads a
    # module variable, and one imported with the page's context
    (overrides / "kept.html").write_text(
        '{% set mark = "*" %}{% macro inner(x) %}{{ mark }}{{ x }}{% endmacro %}'
        '{% macro outer(x) %}[{{ inner(x) }}]{% endmacro %}', "utf-8")
    (overrides / "seen.html").write_text(
        '{% macro here() %}{{ lang }}:{{ page.key }}{% endmacro %}', "utf-8")
    base = (ROOT / "themes" / "default" / "templates" / "base.html").read_text("utf-8")
    (overrides / "base.html").write_text(
        '{% import "kept.html" as kept %}{% import "seen.html" as seen with context %}'
        + base.replace("</body>", '<p id="probe">{{ kept.outer(seen.here()) }}</p></body>'),
        "utf-8")
    loaded, _ = load_and_plan(site)
    assert len(loaded.pages) > 20
    renderer = make_renderer(loaded)
    for page in loaded.pages:  # the first time: the templates and kept modules are made
        render.render_page(loaded, page, renderer.envs[page.lang], renderer.options)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for page in loaded.pages:
            render.render_page(loaded, page, renderer.envs[page.lang], renderer.options)
        gc.collect()
        left = collections.Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not left
    unlinked = render_site(loaded)
    assert '<p id="probe">[*en:targets/t01/]</p>' in unlinked["targets/t01/index.html"].decode()
    assert '<p id="probe">[*fr:targets/t01/]</p>' in unlinked["fr/targets/t01/index.html"].decode()
    monkeypatch.setattr(render, "_unlink", lambda made, page: None)
    assert render_site(load_and_plan(site)[0]) == unlinked


@pytest.mark.parametrize("central", [False, True])
def test_the_central_chm_reader_is_imported_by_sites_that_read_it(tmp_path: Path,
                                                                  central: bool) -> None:
    # Its HTTP client and parsers take ~25 ms to import: a site reading no central CHM
    # records is built without them.
    site = write_site(tmp_path / "site", {"chmgen.yml": f"""\
        title: Test CHM
        country: ke
        languages: [en]
        central_chm: {{enabled: {str(central).lower()}}}
        """})
    code = ("import sys\nfrom pathlib import Path\nfrom chmgen.build import build\n"
            "from chmgen.records.options import FetchOptions\n"
            f"build(Path({str(site)!r}), Path({str(tmp_path / 'out')!r}), "
            "records=FetchOptions(mode='offline'))\n"
            "print('chmgen.records.central' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=tmp_path).stdout.split()
    assert shown == [str(central)]
    assert (tmp_path / "out" / "index.html").is_file()
