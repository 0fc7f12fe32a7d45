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
