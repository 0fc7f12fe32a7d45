"""A build with nothing to do (chmgen.noop): found without loading the site, it reports what the
last build reported and writes nothing; any change to an input or to the output is noticed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chmgen import filememo, noop
from chmgen.build import build
from tests.central_support import LATER, make_site, options
from tests.support.cbd_api import serve_cbd_api
from tests.support.fixtures import local_sample_site

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1790000000"


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The sample site without central CHM records (a site that reads them never skips)."""
    root = local_sample_site(tmp_path)
    # one warning, to be reported again by a build with nothing to do
    (root / "pages" / "contact.de.md").write_text("---\ntitle: Kontakt\n---\n\nHallo.\n", "utf-8")
    return root


def state(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_build_with_nothing_to_do_reports_the_same_and_touches_nothing(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = build(site, out, jobs=1)
    assert first.rendered > 0 and [str(w) for w in first.warnings] != []
    before = state(out)
    import chmgen.build as engine

    def no_loading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the site was loaded")

    monkeypatch.setattr(engine, "load_and_plan", no_loading)
    again = build(site, out, jobs=1)
    assert (again.rendered, again.bytes_written) == (0, 0)
    assert again.pages_per_language == first.pages_per_language
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]
    assert again.notes == first.notes
    assert state(out) == before  # not one byte, not one modification time


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


CHANGES = {
    "content": lambda s, o: _edit(s / "targets" / "t03.yml", "Protect 30%", "Protect 31%"),
    "same size, same second": lambda s, o: _edit(s / "targets" / "t03.yml", "30%", "40%"),
    "static file": lambda s, o: (s / "static" / "extra.txt").write_text("x", "utf-8"),
    "template override": lambda s, o: (s / "overrides").mkdir() or (
        s / "overrides" / "base.html").write_text(
        (ROOT / "themes/default/templates/base.html").read_text("utf-8").replace(
            'content="chmgen"', 'content="chmgen!"'), "utf-8"),
    "configuration": lambda s, o: _edit(s / "chmgen.yml", "(demo)", "(demo!)"),
    "build date": lambda s, o: os.environ.__setitem__("SOURCE_DATE_EPOCH", "1790200000"),
    # what changed is known from the fingerprints: these are built from that scope
    "a news post added": lambda s, o: (s / "news" / "new-post.md").write_text(
        "---\ntitle: A new post\ndate: 2026-05-02\n---\n\nNews.\n", "utf-8"),
    "a page deleted": lambda s, o: (s / "pages" / "partners.md").unlink(),
    "an indicator's series": lambda s, o: _edit(s / "indicators" / "mangrove-extent.csv",
                                                "2016,409.8", "2016,309.8"),
    "an item's targets": lambda s, o: _edit(s / "projects" / "rio-verde-delta-protected-area.yml",
                                            "targets: [t03]", "targets: [t03, t01]"),
    "an output file deleted": lambda s, o: (o / "about" / "index.html").unlink(),
    "an output file changed": lambda s, o: (o / "about" / "index.html").write_bytes(b"x"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_to_an_input_or_the_output_is_built(site: Path, tmp_path: Path,
                                                       change: str) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    CHANGES[change](site, out)
    result = build(site, out, jobs=1)
    assert result.rendered + result.bytes_written > 0, change
    expected = build(site, tmp_path / "full", jobs=1, incremental=False, cache=False)
    assert {k: v[0] for k, v in state(out).items()} == \
        {k: v[0] for k, v in state(tmp_path / "full").items()}
    assert [str(w) for w in result.warnings] == [str(w) for w in expected.warnings]
    # and the build after it has nothing to do again
    assert build(site, out, jobs=1).rendered == 0


@pytest.mark.parametrize("change", ["content", "same size, same second", "a page deleted",
                                    "a news post added", "template override"])
def test_a_change_is_seen_when_unchanged_files_are_not_read(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """With every file trusted at once (no margin for the file system's clock), the files
    the last build recorded are not read; an edit still changes the file's times."""
    monkeypatch.setattr(noop, "_RACY_NS", 0)
    test_any_change_to_an_input_or_the_output_is_built(site, tmp_path, change)
    assert _record(site, tmp_path / "out")["stats"]


def _record(site: Path, out: Path) -> dict[str, object]:
    saved = noop._saved(site, out)
    assert saved is not None
    return saved


def test_a_file_unchanged_since_the_last_build_is_not_read_again(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    options = noop.build_options(strict=False, base_url=None, explicit_index=False,
                                 records="cache", api_url=None)
    build(site, out, jobs=1)
    # Just written (the site was copied a moment ago): not trusted, each file is read.
    assert _record(site, out)["stats"] == {}
    monkeypatch.setattr(noop, "_RACY_NS", 0)
    (site / "static" / "extra.txt").write_text("x", "utf-8")  # a build that records again
    assert build(site, out, jobs=1).bytes_written > 0
    record = _record(site, out)
    stats, files = record["stats"], record["files"]
    assert isinstance(stats, dict) and isinstance(files, dict)
    assert set(stats) == set(files)
    # A digest the record holds for a file whose size, times and inode are the same is
    # taken as it is: the file is not read (a wrong one shows it).
    files["pages/about.md"] = "0" * 32
    noop.record_path(site, out).write_text(json.dumps(record), "utf-8")
    print_, _ = noop.check(site, out, options)
    assert print_ is not None and print_.files["pages/about.md"] == "0" * 32
    about = site / "pages" / "about.md"
    about.write_bytes(about.read_bytes())  # the same bytes, written again: new times
    print_, _ = noop.check(site, out, options)
    assert print_ is not None and print_.files["pages/about.md"] != "0" * 32
    assert print_.files["pages/about.md"] == noop.fingerprint(site, out, options).files[
        "pages/about.md"]


def test_chmgen_s_own_files_unchanged_since_the_last_build_are_not_read_again(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmgen's code and themes are inputs too (an editable install changes): like the
    site's files, those whose size, times and inode the record holds are not read again,
    and one whose times changed is."""
    out = tmp_path / "out"
    options = noop.build_options(strict=False, base_url=None, explicit_index=False,
                                 records="cache", api_url=None)
    monkeypatch.setattr(noop, "_RACY_NS", 0)
    build(site, out, jobs=1)
    record = _record(site, out)
    tools, stats = record["tool_files"], record["tool_stats"]
    assert isinstance(tools, dict) and isinstance(stats, dict)
    code = str(Path(noop.__file__).resolve())
    assert code in tools and code in stats and set(stats) <= set(tools)
    assert any("/themes/default/templates/base.html" in path for path in tools)
    read: list[str] = []
    digest = noop._file_digest
    monkeypatch.setattr(noop, "_file_digest", lambda where: read.append(where) or digest(where))
    first, _ = noop.check(site, out, options)
    assert not [path for path in read if path in stats]  # none of those recorded
    # A wrong digest recorded for an unchanged file is taken as it is (so it was not read)...
    tools[code] = "0" * 48
    noop.record_path(site, out).write_text(json.dumps(record), "utf-8")
    second, _ = noop.check(site, out, options)
    assert first is not None and second is not None
    assert second.tool_files[code] == "0" * 48 and second.context != first.context
    # ... and a file whose times changed is read again.
    stats[code] = "0:0:0:0"
    noop.record_path(site, out).write_text(json.dumps(record), "utf-8")
    third, _ = noop.check(site, out, options)
    assert third is not None and third.tool_files[code] == first.tool_files[code]
    assert third.context == first.context and code in read


def _signed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """The tokens whose signatures the build computes (in this process: jobs=1)."""
    from chmgen.pipeline import Renderer

    signed: list[tuple[object, ...]] = []
    original = Renderer._signature

    def signature(self: Renderer, token: tuple[object, ...]) -> str:
        signed.append(token)
        return original(self, token)

    monkeypatch.setattr(Renderer, "_signature", signature)
    return signed


def test_what_changed_is_known_and_only_its_inputs_are_checked(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    signed = _signed(monkeypatch)
    CHANGES["template override"](site, out)
    after = build(site, out, jobs=1)
    assert after.rendered > 0
    assert not [t for t in signed if t[0] in ("r", "p", "c")], \
        "a template change re-signed records"
    assert {t[0] for t in signed} >= {"t"}
    signed.clear()
    CHANGES["content"](site, out)
    assert build(site, out, jobs=1).rendered > 0
    records = {str(t[1]) for t in signed if t[0] == "r"}
    assert "target:targets/t03.yml#t03" in records
    assert not [r for r in records if not r.startswith("target:")], \
        "an edit of a target re-signed other records"


def test_what_changed_is_measured_from_the_build_that_wrote_the_folder(
        site: Path, tmp_path: Path) -> None:
    """A build that records no fingerprint (unchanged=False) wrote the folder last: what
    changed since the recorded build says nothing of its pages, so everything is checked."""
    out = tmp_path / "out"
    build(site, out, jobs=1)
    about = site / "pages" / "about.md"
    text = about.read_text("utf-8")
    about.write_text(text + "\nAn edit only the next build sees.\n", "utf-8")
    build(site, out, jobs=1, unchanged=False)
    assert "An edit only the next build sees" in (out / "about" / "index.html").read_text()
    about.write_text(text, "utf-8")  # as the recorded build saw it
    assert build(site, out, jobs=1).rendered > 0
    assert "An edit only the next build sees" not in \
        (out / "about" / "index.html").read_text("utf-8")


def test_the_fingerprint_names_the_files_that_changed(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    options = noop.build_options(strict=False, base_url=None, explicit_index=False,
                                 records="cache", api_url=None)
    unchanged, _ = noop.check(site, out, options)
    assert unchanged is not None and unchanged.changes is not None
    assert unchanged.changes.files == frozenset() and not unchanged.changes.themes
    _edit(site / "targets" / "t03.yml", "Protect 30%", "Protect 31%")
    (site / "news" / "new-post.md").write_text("---\ntitle: New\n---\n", "utf-8")
    (site / "pages" / "partners.md").unlink()
    print_, same = noop.check(site, out, options)
    assert same is None and print_ is not None and print_.changes is not None
    assert print_.changes.files == {"targets/t03.yml", "news/new-post.md", "pages/partners.md"}
    assert not print_.changes.themes
    other, _ = noop.check(site, out, {**options, "base_url": "https://example.org/"})
    assert other is not None and other.changes is None  # another context: nothing known


def test_an_option_that_shapes_the_output_is_an_input(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    other = build(site, out, jobs=1, base_url="https://example.org/chm/")
    assert other.rendered > 0
    assert build(site, out, jobs=1, base_url="https://example.org/chm/").rendered == 0


def test_a_failed_build_forgets_what_was_known(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    assert noop.record_path(site, out).is_file()
    target = site / "targets" / "t03.yml"
    good = target.read_text("utf-8")
    target.write_text(good + "gbf_targets: 7\n", "utf-8")
    with pytest.raises(Exception):  # noqa: B017 (any build error)
        build(site, out, jobs=1)
    assert not noop.record_path(site, out).exists()
    target.write_text(good, "utf-8")
    assert build(site, out, jobs=1).rendered == 0  # the output was the good build's, untouched
    assert noop.record_path(site, out).is_file()


def test_a_site_reading_central_records_is_never_skipped_but_reads_only_what_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "sample"
    shutil.copytree(ROOT / "sample_site", root, ignore=shutil.ignore_patterns("_site"))
    shutil.rmtree(root / ".chmgen" / "render", ignore_errors=True)
    out = tmp_path / "out"
    build(root, out, jobs=1)
    reads: list[Path] = []
    original = filememo.read_text
    monkeypatch.setattr(filememo, "read_text",
                        lambda path, text: (reads.append(Path(path)), original(path, text)))
    answers: list[object] = []
    unchanged = noop.unchanged
    monkeypatch.setattr(noop, "unchanged",
                        lambda *a: answers.append(unchanged(*a)) or answers[-1])
    again = build(root, out, jobs=1)
    assert again.rendered == 0 and again.bytes_written == 0  # the incremental path's answer
    assert answers == [None]  # asked, and never skipped
    assert reads == []  # every file as the last build read it (loadcache)
    target = root / "targets" / "t02.yml"
    target.write_text(target.read_text("utf-8").replace("  en: Restore", "  en: Renamed, restore",
                                                        1), "utf-8")
    edited = build(root, out, jobs=1)
    assert reads == [target] and 0 < edited.rendered
    full = build(root, tmp_path / "full", jobs=1, incremental=False, cache=False)
    assert {path: data for path, (data, _) in state(out).items()} == \
        {path: data for path, (data, _) in state(tmp_path / "full").items()}
    assert [str(w) for w in edited.warnings] == [str(w) for w in full.warnings]


def test_records_fetched_anew_reach_the_pages_though_no_file_of_the_site_changed(
        tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    out = tmp_path / "out"
    with serve_cbd_api() as api:
        build(site, out, records=options(api), jobs=1)
        report = api.docs["nationalReport6"][0]
        for key in ("title_t", "title_EN_t", "title_EN_s", "title_s"):
            if key in report:
                report[key] = "Sixth National Report, corrected"
        assert build(site, out, records=options(api), jobs=1).rendered == 0  # cached records
        again = build(site, out, records=options(api, now=LATER), jobs=1)  # fetched anew
        full = build(site, tmp_path / "full", records=options(api, now=LATER), jobs=1,
                     incremental=False, cache=False)
    assert again.rendered > 0 and again.warnings == full.warnings
    written = {path: data for path, (data, _) in state(out).items()}
    assert written == {path: data for path, (data, _) in state(tmp_path / "full").items()}
    assert any(b"Sixth National Report, corrected" in data for data in written.values())


def test_the_command_line_finds_it_without_importing_the_renderer(site: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "out"
    # (a build run as the console script ends its process when it is done: the report is
    # printed on the way)
    command = [sys.executable, "-c",
               "import sys; from chmgen import cli, rendercache; sys.argv[1:] = sys.argv[2:]\n"
               "start = rendercache.convert_ahead\n"
               "def ahead(*args, **kwargs):\n"
               "    print('converting ahead, renderer imported:', 'jinja2' in sys.modules,\n"
               "          file=sys.stderr)\n"
               "    return start(*args, **kwargs)\n"
               "rendercache.convert_ahead = ahead\n"
               "end = cli._end_process\n"
               "def report():\n"
               "    print('renderer imported:', 'jinja2' in sys.modules, file=sys.stderr)\n"
               "    end()\n"
               "cli._end_process = report\n"
               "cli.main()",
               "chmgen", "build", str(site), "-o", str(out), "--offline", "-j", "2"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    # A first build starts converting Markdown on a second core before it imports the
    # renderer (which takes a tenth of a second), and does import it.
    lines = first.stderr.splitlines()
    assert "converting ahead, renderer imported: False" in lines
    assert "renderer imported: True" in lines
    second = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert "converting ahead" not in second.stderr
    assert "renderer imported: False" in second.stderr.splitlines()
    assert "nothing changed since the last build, nothing written" in second.stdout
    assert "language 'de' is not declared" in second.stderr + second.stdout


def test_a_theme_kept_outside_the_site_is_an_input(site: Path, tmp_path: Path) -> None:
    theme = tmp_path / "shared-theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yml").write_text("extends: default\n", "utf-8")
    base = (ROOT / "themes/default/templates/base.html").read_text("utf-8")
    (theme / "templates" / "base.html").write_text(base, "utf-8")
    config = site / "chmgen.yml"
    config.write_text(config.read_text("utf-8") + "theme: ../shared-theme\n", "utf-8")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    assert build(site, out, jobs=1).rendered == 0
    (theme / "templates" / "base.html").write_text(
        base.replace('content="chmgen"', 'content="chmgen, shared"'), "utf-8")
    assert build(site, out, jobs=1).rendered > 0
    assert 'content="chmgen, shared"' in (out / "index.html").read_text("utf-8")


def test_hidden_folders_inside_the_site_are_inputs(site: Path, tmp_path: Path) -> None:
    # A theme's static files are copied whatever their names (its hidden folders too).
    theme = site / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yml").write_text("extends: default\n", "utf-8")
    (theme / "static" / ".well-known").mkdir(parents=True)
    (theme / "static" / ".well-known" / "security.txt").write_text("Contact: a\n", "utf-8")
    config = site / "chmgen.yml"
    config.write_text(config.read_text("utf-8") + "theme: mine\n", "utf-8")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    assert build(site, out, jobs=1).rendered == 0
    (theme / "static" / ".well-known" / "security.txt").write_text("Contact: b\n", "utf-8")
    result = build(site, out, jobs=1)
    assert result.bytes_written > 0
    assert (out / "assets" / ".well-known" / "security.txt").read_text("utf-8") == "Contact: b\n"


def test_the_output_listing_is_os_walk_s(tmp_path: Path) -> None:
    """The listing of an output folder digests its files in os.walk's order and with the
    sizes and times os.stat gives; folders that are symbolic links are not entered."""
    import hashlib

    def walked(out: Path) -> str:
        digest = hashlib.blake2b(digest_size=24)
        for folder, dirs, names in os.walk(out):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(folder, name)
                stat = os.stat(path)
                digest.update(f"{os.path.relpath(path, out)}\0{stat.st_size}\0"
                              f"{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    out = tmp_path / "out"
    (out / "a" / "b").mkdir(parents=True)
    (out / "a" / "b" / "index.html").write_text("x", "utf-8")
    (out / "a-b").mkdir()
    (out / "a-b" / "page.html").write_text("yy", "utf-8")
    (out / "index.html").write_text("z", "utf-8")
    (out / "Z.txt").write_text("é", "utf-8")
    os.symlink(out / "a", out / "linked-folder")
    os.symlink(out / "Z.txt", out / "linked-file")
    before = noop.listing(out)
    assert before == walked(out)
    os.utime(out / "a" / "b" / "index.html", ns=(1, 2))
    assert noop.listing(out) == walked(out) != before
    assert noop.listing(tmp_path / "nothing") is None


def test_a_build_records_its_listing_made_by_another_process(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The listing a build records is made by a process forked once the folder is complete
    (while the manifest is written); it is the folder's listing, so the next build finds
    nothing changed. A listing whose process fails is made by the building process."""
    made: list[int] = []

    class Noted(noop.ListingLater):
        def __init__(self, out: Path) -> None:
            super().__init__(out)
            assert self._pid is not None and self._pid != os.getpid()
            made.append(self._pid)

    monkeypatch.setattr(noop, "ListingLater", Noted)
    out = tmp_path / "out"
    build(site, out, jobs=1)
    assert len(made) == 1
    record = json.loads(noop.record_path(site, out).read_text("utf-8"))
    assert record["listing"] == noop.listing(out)
    assert build(site, out, jobs=1).rendered == 0 and len(made) == 1  # nothing to do
    assert noop.ListingLater(out).result() == noop.listing(out)
    assert noop.ListingLater(tmp_path / "nothing").result() is None
    parent = os.getpid()

    def listing(folder: Path | int) -> str:
        if os.getpid() != parent:
            raise OSError("the forked process fails")
        return f"made here: {os.listdir(folder)}"

    monkeypatch.setattr(noop, "listing", listing)
    assert noop.ListingLater(out).result() == f"made here: {os.listdir(out)}"
    # The folder named when it is made is listed, whatever it is renamed to meanwhile.
    monkeypatch.undo()
    expected = noop.listing(out)
    later = noop.ListingLater(out)
    os.rename(out, tmp_path / "renamed")
    (tmp_path / "out").mkdir()
    assert later.result() == expected != noop.listing(tmp_path / "out")


@pytest.mark.parametrize("slow", [0.0, 1.0])
def test_files_read_by_several_threads_give_the_same_fingerprint(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slow: float) -> None:
    """Files read from disk (the first ones came slowly: here, every time, or never) are read
    by several threads: the digests and their order are those of reading one by one."""
    for number in range(300):  # more files than the first lot read alone
        (site / "pages" / f"extra-{number:03}.md").write_text(
            f"---\ntitle: Extra {number}\n---\n\nText {number}.\n", "utf-8")
    out = tmp_path / "out"
    options: dict[str, object] = {}
    monkeypatch.setattr(noop, "_CHUNK", 1_000_000)  # all of them read alone
    alone = noop.fingerprint(site, out, options)
    monkeypatch.setattr(noop, "_CHUNK", 64)
    monkeypatch.setattr(noop, "_SLOW", slow)
    read = noop.fingerprint(site, out, options)
    assert list(read.files.items()) == list(alone.files.items())
    assert read.digest == alone.digest
    assert read.files["pages/extra-123.md"] == noop._file_digest(
        str(site / "pages" / "extra-123.md"))


def test_a_first_build_converts_markdown_while_the_site_is_fingerprinted(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Into a folder nothing is known of, the command line starts converting the site's
    Markdown on a second process, which first fingerprints the site while this one imports
    the renderer, and the build finishes that process; a build with a record of the folder
    fingerprints the site itself and starts none before it knows it is needed."""
    from click.testing import CliRunner

    from chmgen import rendercache
    from chmgen.cli import cli

    events: list[str] = []
    taken = tmp_path / "fingerprinted-by"  # (the process taking it may not be this one)
    check, start = noop.check, rendercache.convert_ahead

    def checking(*args: object) -> object:
        with taken.open("a", encoding="utf-8") as note:
            note.write(f"{os.getpid()}\n")
        return check(*args)  # type: ignore[arg-type]

    def starting(root: Path, jobs: int | None, first: object = None) -> object:
        events.append("convert")
        ahead = start(root, jobs, first)  # type: ignore[arg-type]
        assert ahead is not None and ahead._pid is not None and ahead.first_due
        original = ahead.finish

        def finish() -> int:
            events.append("finished")
            return original()

        ahead.finish = finish  # type: ignore[method-assign]
        return ahead

    monkeypatch.setattr(noop, "check", checking)
    monkeypatch.setattr(rendercache, "convert_ahead", starting)
    out = tmp_path / "out"
    command = ["build", str(site), "-o", str(out), "--offline", "-q", "--jobs", "2"]
    first = CliRunner().invoke(cli, command)
    assert first.exit_code == 0, first.output
    assert events[0] == "convert" and set(events) == {"convert", "finished"}
    by = taken.read_text("utf-8").split()
    assert len(by) == 1 and by[0] != str(os.getpid())  # (the converting process)
    # what it took was recorded: a build now has nothing to do
    assert "nothing changed" in CliRunner().invoke(cli, command[:-3] + command[-2:]).output
    events.clear()
    taken.unlink()
    (site / "pages" / "about.md").write_text("---\ntitle: About\n---\n\nChanged.\n", "utf-8")
    again = CliRunner().invoke(cli, command)
    assert again.exit_code == 0, again.output
    assert events == []  # (the build converts that one page's text itself)
    assert taken.read_text("utf-8").split() == [str(os.getpid())]
