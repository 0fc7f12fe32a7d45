"""What reading the site's files gave, kept across builds (chmgen.loadcache): a build reads
again only the files that changed since the last one, and builds exactly what a build that
reads every file builds, warnings included."""

from __future__ import annotations

import hashlib
import pickle
import shutil
import struct
from pathlib import Path

import pytest

from chmgen import filememo, loadcache, rendercache
from chmgen.build import build
from chmgen.config import read_yaml_file
from chmgen.errors import Problems
from tests.support.fixtures import local_sample_site

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The sample site without central CHM records, with a news post whose read gives a
    warning."""
    root = local_sample_site(tmp_path)
    (root / "news" / "coast.md").write_text(
        "---\ntitle: The coast\ndate: 2026-05-01\nimage: /img/coast.jpg\n---\n\nPictures.\n",
        "utf-8")
    return root


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files whose text a build reads (and parses), in order."""
    seen: list[Path] = []
    original = filememo.read_text

    def read_text(path: Path, text: str) -> None:
        seen.append(Path(path))
        original(path, text)

    monkeypatch.setattr(filememo, "read_text", read_text)
    return seen


def _template_change(site: Path, number: int) -> None:
    """A change that makes a build render every page again, and that no file read parses."""
    override = site / "overrides" / "base.html"
    override.parent.mkdir(exist_ok=True)
    override.write_text((ROOT / "themes/default/templates/base.html").read_text("utf-8")
                        + f"{{# change {number} #}}\n", "utf-8")


def _outputs(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes, and every folder (None)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def _same_as_a_full_read(site: Path, out: Path, tmp_path: Path, warnings: list[str]) -> None:
    full = build(site, tmp_path / "full", jobs=1, incremental=False, cache=False)
    assert _outputs(out) == _outputs(tmp_path / "full")
    assert warnings == [str(w) for w in full.warnings]
    shutil.rmtree(tmp_path / "full")


def _entries(shard: Path) -> dict[tuple[object, ...], tuple[str, int, int]]:
    """The entries of a shard: key → (digest, where, length)."""
    data = shard.read_bytes()
    (size,) = struct.unpack_from("<Q", data)
    found: dict[tuple[object, ...], tuple[str, int, int]] = pickle.loads(data[8:8 + size])[3]
    return found


def _whole_entry(site: Path) -> Path:
    """Where a build keeps what the whole load gave."""
    return loadcache.folder(site / rendercache.FOLDER) / "site.pickle"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The sites a build loaded file by file (not whole, from the last build's load)."""
    import chmgen.load as load

    seen: list[Path] = []
    original = load._read

    def _read(root: Path, problems: Problems) -> object:
        seen.append(root)
        return original(root, problems)

    monkeypatch.setattr(load, "_read", _read)
    return seen


def _shards(site: Path) -> dict[tuple[object, ...], tuple[str, int, int]]:
    """The entries of every shard."""
    entries: dict[tuple[object, ...], tuple[str, int, int]] = {}
    for shard in sorted(loadcache.folder(site / rendercache.FOLDER).glob("*.bin")):
        entries.update(_entries(shard))
    return entries


def test_a_build_parses_only_the_files_changed_since_the_last(
        site: Path, tmp_path: Path, reads: list[Path]) -> None:
    out = tmp_path / "out"
    first = build(site, out, jobs=1)
    assert any("coast.md" in str(w) and "image_alt" in str(w) for w in first.warnings)
    parsed_first = {p for p in reads if site in p.parents}
    assert site / "news" / "coast.md" in parsed_first and len(parsed_first) > 50
    reads.clear()
    _template_change(site, 1)
    again = build(site, out, jobs=1)
    assert again.rendered == first.rendered  # every page rendered again ...
    assert [p for p in reads if site in p.parents] == []  # ... from no file read again
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]
    _same_as_a_full_read(site, out, tmp_path, [str(w) for w in again.warnings])
    # One page and one target edited: those two alone are read again.
    reads.clear()
    post = site / "news" / "coast.md"
    post.write_text(post.read_text("utf-8").replace(
        "image: /img/coast.jpg\n", "image: /img/coast.jpg\nimage_alt: The coast\n"), "utf-8")
    target = site / "targets" / "t03.yml"
    target.write_text(target.read_text("utf-8").replace("Protect 30%", "Protect 31%"), "utf-8")
    edited = build(site, out, jobs=1)
    assert sorted(p for p in reads if site in p.parents) == sorted([post, target])
    assert not any("image_alt" in str(w) for w in edited.warnings)
    assert "Protect 31%" in (out / "targets" / "t03" / "index.html").read_text("utf-8")
    _same_as_a_full_read(site, out, tmp_path, [str(w) for w in edited.warnings])


def test_a_removed_file_is_gone_from_the_cache_and_from_the_site(
        site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    assert any(key[1] == "news/coast.md" for key in _shards(site))
    (site / "news" / "coast.md").unlink()
    result = build(site, out, jobs=1)
    assert not any(key[1] == "news/coast.md" for key in _shards(site))
    assert not (out / "news" / "coast").exists()  # its folder too
    _same_as_a_full_read(site, out, tmp_path, [str(w) for w in result.warnings])


def test_other_code_or_library_versions_read_every_file_again(
        site: Path, tmp_path: Path, reads: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    parsed_first = {p for p in reads if site in p.parents}
    import chmgen.noop as noop

    versions = noop._versions
    monkeypatch.setattr(noop, "_versions", lambda: {**versions(), "pyyaml": "99.0"})
    reads.clear()
    _template_change(site, 1)
    result = build(site, out, jobs=1)
    assert site / "news" / "coast.md" in reads and site / "targets" / "t03.yml" in reads
    assert {p for p in reads if site in p.parents} == parsed_first  # every file, not some
    _same_as_a_full_read(site, out, tmp_path, [str(w) for w in result.warnings])


def test_damaged_shards_are_read_as_missing(site: Path, tmp_path: Path,
                                            reads: list[Path]) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    _whole_entry(site).unlink()  # (the shards are what this test is about)
    shards = sorted(loadcache.folder(site / rendercache.FOLDER).glob("*.bin"))
    assert len(shards) > 2
    damaged = {site / str(key[1]) for shard in shards[:3] for key in _entries(shard)}
    shards[0].write_bytes(shards[0].read_bytes()[:100])  # cut short
    data = bytearray(shards[1].read_bytes())  # every byte of its entries changed
    (size,) = struct.unpack_from("<Q", data)
    data[8 + size:] = bytes(byte ^ 0x5A for byte in data[8 + size:])
    shards[1].write_bytes(bytes(data))
    shards[2].write_bytes(b"")
    reads.clear()
    _template_change(site, 1)
    result = build(site, out, jobs=1)
    assert {p for p in reads if site in p.parents} == damaged  # those alone read again
    _same_as_a_full_read(site, out, tmp_path, [str(w) for w in result.warnings])
    reads.clear()
    _whole_entry(site).unlink(missing_ok=True)
    _template_change(site, 2)
    build(site, out, jobs=1)
    assert [p for p in reads if site in p.parents] == []  # written whole again


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def test_a_read_is_kept_only_under_the_digest_of_what_it_parsed(tmp_path: Path) -> None:
    """A file changed between the fingerprint and the read is read again next time; a file
    with Windows line ends (its text is not its bytes) is read every time."""
    root = tmp_path / "site"
    root.mkdir()
    plain, windows = root / "plain.yml", root / "windows.yml"
    plain.write_bytes(b"title: Plain\n")
    windows.write_bytes(b"title: Windows\r\nid: w\r\n")
    folder = tmp_path / "load"

    def read_both(digests: dict[str, str]) -> tuple[loadcache.LoadCache, list[object]]:
        cache = loadcache.LoadCache(folder, root, digests, "stamp")
        previous = filememo.use_disk(cache)
        try:
            docs = [read_yaml_file(path, Problems()) for path in (plain, windows)]
        finally:
            filememo.use_disk(previous)
        cache.save()
        return cache, [doc.data if doc else None for doc in docs]

    right = {"plain.yml": _digest(plain.read_bytes()),
             "windows.yml": _digest(windows.read_bytes())}
    stale = {**right, "plain.yml": _digest(b"title: Before\n")}
    cache, data = read_both(stale)  # the fingerprint saw other bytes than the read
    assert (cache.hits, cache.misses) == (0, 2)
    assert data == [{"title": "Plain"}, {"title": "Windows", "id": "w"}]
    cache, _ = read_both(stale)
    assert (cache.hits, cache.misses) == (0, 2)  # nothing was kept under the stale digest
    cache, data = read_both(right)
    assert (cache.hits, cache.misses) == (0, 2)
    cache, again = read_both(right)
    assert (cache.hits, cache.misses) == (1, 1) and again == data  # Windows' read again
    cache = loadcache.LoadCache(folder, root, right, "another stamp")
    previous = filememo.use_disk(cache)
    try:
        read_yaml_file(plain, Problems())
    finally:
        filememo.use_disk(previous)
    assert (cache.hits, cache.misses) == (0, 1)


def test_a_site_moved_with_its_cache_reads_every_file_again(
        site: Path, tmp_path: Path, reads: list[Path]) -> None:
    """What a read gives names its file: a copy of the site elsewhere (its .chmgen folder
    included) reads its own files."""
    build(site, tmp_path / "out", jobs=1)
    moved = tmp_path / "moved"
    shutil.copytree(site, moved)
    reads.clear()
    result = build(moved, tmp_path / "moved-out", jobs=1)
    assert moved / "news" / "coast.md" in reads
    assert any(str(moved / "news" / "coast.md") in str(w) for w in result.warnings)
    _same_as_a_full_read(moved, tmp_path / "moved-out", tmp_path,
                         [str(w) for w in result.warnings])


def test_library_versions_are_those_importlib_metadata_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The versions in the build's fingerprint come from the dist-info folders' names, the
    first on sys.path winning, as importlib.metadata finds them; a library with no such
    folder is asked of importlib.metadata (here: not installed, "")."""
    from importlib import metadata

    import chmgen.noop as noop

    assert noop._versions() == {name: metadata.version(name) for name in noop._LIBRARIES}
    shadow = tmp_path / "shadow"
    (shadow / "Jinja2-99.1.dist-info").mkdir(parents=True)
    (shadow / "Jinja2-99.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: Jinja2\nVersion: 99.1\n", "utf-8")
    (shadow / "markdown_it_py-3.0.0.dist-info").mkdir()  # another library's
    monkeypatch.syspath_prepend(str(shadow))
    found = noop._versions()
    assert found["jinja2"] == metadata.version("jinja2") == "99.1"
    assert found["markdown"] == metadata.version("markdown") != "3.0.0"
    monkeypatch.setattr(noop, "_LIBRARIES", (*noop._LIBRARIES, "no-such-library"))
    assert noop._versions()["no-such-library"] == ""


def test_a_build_after_template_edits_takes_the_whole_load_of_the_last_build(
        site: Path, tmp_path: Path, reads: list[Path], loads: list[Path]) -> None:
    """The site's model, warnings included, as the last build loaded it: no file is read,
    nothing is assembled, and the site built is the one a full read builds."""
    out = tmp_path / "out"
    first = build(site, out, jobs=1)
    assert loads == [site] and _whole_entry(site).is_file()
    loads.clear()
    reads.clear()
    _template_change(site, 1)
    again = build(site, out, jobs=1)
    assert loads == [] and [p for p in reads if site in p.parents] == []
    assert again.rendered == first.rendered
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]
    assert any("coast.md" in str(w) for w in again.warnings)
    _same_as_a_full_read(site, out, tmp_path, [str(w) for w in again.warnings])
    # Into an empty folder, the same.
    shutil.rmtree(out)
    loads.clear()
    build(site, out, jobs=1)
    assert loads == []
    _same_as_a_full_read(site, out, tmp_path, [str(w) for w in again.warnings])


def test_any_file_a_load_may_read_makes_it_load_again(
        site: Path, tmp_path: Path, loads: list[Path]) -> None:
    """Not only YAML and Markdown: a static file added (the model lists them, and the sizes
    of pictures) is a change the whole load is not taken over."""
    out = tmp_path / "out"
    build(site, out, jobs=1)
    shutil.copy(site / "static" / "img" / "verdania-logo.svg", site / "static" / "img" / "x.svg")
    loads.clear()
    result = build(site, out, jobs=1)
    assert loads == [site]
    assert (out / "img" / "x.svg").is_file()  # (the model lists it: it is published)
    _same_as_a_full_read(site, out, tmp_path, [str(w) for w in result.warnings])
    # A file of chmgen's own folder or of a theme is not one a load reads.
    _template_change(site, 1)
    build(site, out, jobs=1)  # (the first after the change keeps its load whole)
    (site / ".chmgen" / "note.txt").write_text("not content", "utf-8")
    _template_change(site, 2)
    loads.clear()
    build(site, out, jobs=1)
    assert loads == []


def test_the_whole_load_is_kept_after_builds_whose_content_did_not_change(
        site: Path, tmp_path: Path, loads: list[Path]) -> None:
    """A build after a content edit keeps nothing whole (the next is likely another edit);
    the first build after it whose content is unchanged keeps it for those that follow."""
    out = tmp_path / "out"
    build(site, out, jobs=1)
    kept = _whole_entry(site).read_bytes()
    target = site / "targets" / "t03.yml"
    target.write_text(target.read_text("utf-8").replace("Protect 30%", "Protect 31%"), "utf-8")
    build(site, out, jobs=1)
    assert _whole_entry(site).read_bytes() == kept  # not written
    loads.clear()
    _template_change(site, 1)
    result = build(site, out, jobs=1)  # loads (the entry is the old content's) and keeps it
    assert loads == [site] and _whole_entry(site).read_bytes() != kept
    assert "Protect 31%" in (out / "targets" / "t03" / "index.html").read_text("utf-8")
    _template_change(site, 2)
    build(site, out, jobs=1)
    assert loads == [site]  # (the last build's, whole)
    _same_as_a_full_read(site, out, tmp_path, [str(w) for w in result.warnings])


def test_a_damaged_whole_load_is_read_as_missing(
        site: Path, tmp_path: Path, loads: list[Path]) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    entry = _whole_entry(site)
    data = entry.read_bytes()
    body = 8 + struct.unpack_from("<Q", data)[0]  # (after the head: its size, itself)
    for number, damaged in enumerate((
            data[:len(data) // 2], b"", data[:body] + bytes(b ^ 0x5A for b in data[body:]),
            data[:8] + bytes(b ^ 0x5A for b in data[8:body]) + data[body:])):
        entry.write_bytes(damaged)
        loads.clear()
        _template_change(site, number)
        result = build(site, out, jobs=1)
        assert loads == [site]
        _same_as_a_full_read(site, out, tmp_path, [str(w) for w in result.warnings])


def test_a_load_that_failed_or_read_files_changed_meanwhile_is_not_kept(
        tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    config = root / "chmgen.yml"
    config.write_bytes(b"title: A site\n")
    folder = tmp_path / "load"

    def load(problems: Problems) -> object:
        doc = read_yaml_file(config, problems)
        return doc.data if doc is not None else None

    def whole(digests: dict[str, str], failing: bool = False) -> loadcache.LoadCache:
        cache = loadcache.LoadCache(folder, root, digests, "stamp")
        previous = filememo.use_disk(cache)
        try:
            found = Problems()
            cache.whole(root, found, lambda p: (p.error(_location(config), "wrong")
                                                if failing else None) or load(p))
        finally:
            filememo.use_disk(previous)
            cache.close()
        return cache

    right = {"chmgen.yml": _digest(config.read_bytes())}
    whole({"chmgen.yml": _digest(b"title: Before\n")})  # the file changed meanwhile
    assert not (folder / "site.pickle").exists()
    whole(right, failing=True)
    assert not (folder / "site.pickle").exists()
    assert not whole(right).whole_hit and (folder / "site.pickle").exists()
    assert whole(right).whole_hit
    assert whole(right | {"overrides/base.html": "x", "themes/t/theme.yml": "y"}).whole_hit
    assert not whole(right | {"other.yml": "x"}).whole_hit


def _location(path: Path) -> object:
    from chmgen.errors import SourceLocation

    return SourceLocation(path, 1, 1, "title")


def test_a_build_leaves_no_process_behind(site: Path, tmp_path: Path) -> None:
    """The process writing the whole load is waited for (none left a zombie)."""
    import os

    build(site, tmp_path / "out", jobs=2)
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if int(fields[1]) == os.getpid():
                children.append((entry.name, fields[0]))
    assert [state for _, state in children if state == "Z"] == []


def test_ctrl_c_does_not_stop_the_process_writing_the_whole_load(tmp_path: Path) -> None:
    """The build stops on Ctrl-C and waits for the process, which writes its file whole."""
    import os
    import signal
    import time

    written = tmp_path / "written"

    def task() -> None:
        time.sleep(0.4)
        written.write_text("whole", "utf-8")

    pid = loadcache._forked(task)
    assert pid is not None
    time.sleep(0.1)
    os.kill(pid, signal.SIGINT)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert written.read_text("utf-8") == "whole"
