"""The persistent render cache: Markdown converted once, ever, for each text.

Entries live in ``SITE/.chmgen/render/markdown/`` as packs: a data file (``NAME.dat``, the HTML
of each entry one after another, in UTF-8) and an index (``NAME.idx``, a fixed-size record per
entry: its key, where its HTML is, and a checksum of it). Each process appends to its own pack
and never rewrites one, so the build's worker processes write at once without locking; a reader
takes the entries whose HTML is wholly written and matches its checksum (an entry a crash cut
short is converted again, never shown). The key is a hash of everything the converted HTML
depends on — the text, the heading level, the Markdown configuration
(``markers.MARKDOWN_CONFIG``) and chmgen's version — so an entry can never be stale: a changed
input is another key. When the packs hold more than twice what the last build used, or are many,
the entries in use are copied into one new pack and the others removed.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import pickle
import secrets
import signal
import struct
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from chmgen import __version__, fileio
from chmgen.cpus import default_jobs as default_jobs  # (re-exported)
from chmgen.cpus import run_forked
from chmgen.cpus import usable_cpus as usable_cpus
from chmgen.frontmatter import markdown_body
from chmgen.markers import MARKDOWN_CONFIG, localize
from chmgen.noop import FOLDER as FOLDER  # (where the site keeps what builds left)
from chmgen.quickmark import convert as quick_convert

# key (20 bytes), offset and length of the HTML in the data file, checksum of the HTML
_RECORD = struct.Struct("<20sQI8s")
_MANY_PACKS = 24  # more packs than this are merged at the next prune
_KEPT = 1024  # texts kept in memory by a cache with packs on disk


def markdown_key(text: str, top_level: int = 2) -> bytes:
    """What the converted HTML of ``text`` depends on, hashed."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"chmgen {__version__}\0{MARKDOWN_CONFIG}\0{top_level}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.digest()


def _checksum(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


class MarkdownCache:
    """Converted Markdown by key: in memory for this process, on disk across builds (when a
    ``path``, the packs' folder, is given). The index of every pack is read when the cache is
    first used (before the build forks its workers, which share it); each process writes its
    own pack."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.memory: dict[bytes, str] = {}
        self.new: dict[bytes, str] = {}
        self.used: set[bytes] = set()
        self.recent: list[bytes] = []  # keys asked for since the caller last cleared it
        self.hits = self.misses = 0
        # key → (pack name, offset, length, checksum), for the entries on disk
        self._index: dict[bytes, tuple[str, int, int, bytes]] | None = None
        self._read: dict[str, int] = {}  # pack name → bytes of its index read so far
        self._files: dict[str, tuple[int, int | None]] = {}  # pack → (pid, its data file)
        self._own: tuple[int, str] | None = None  # (pid, name) of the pack this process writes

    def html(self, text: str, top_level: int = 2) -> str:
        """The page-independent HTML of ``text`` (see ``markup.convert``)."""
        key = markdown_key(text, top_level)
        self.used.add(key)
        self.recent.append(key)
        found = self.memory.get(key) or self.new.get(key)
        if found is None:
            found = self._load(key)
            if found is None:
                self.misses += 1
                found = _convert(text, top_level)
                self.new[key] = found
            else:
                self.hits += 1
            # With packs on disk, only the first texts are kept in memory too (those a site
            # shows on many pages are among them): each page's own text, read again, costs a
            # read of its pack, and a build's workers would each keep thousands.
            if self.path is None or len(self.memory) < _KEPT:
                self.memory[key] = found
        return found

    # ---- reading
    def prepare(self) -> None:
        """Read the packs' indexes (before worker processes are forked: they share them)."""
        self._entries()

    def refresh(self) -> None:
        """Take in the entries other processes (this build's workers) wrote since."""
        if self._index is not None:
            self._scan()

    def _entries(self) -> dict[bytes, tuple[str, int, int, bytes]]:
        if self._index is None:
            self._index = {}
            self._scan()
        return self._index

    def _scan(self) -> None:
        assert self._index is not None
        if self.path is None:
            return
        try:
            names = sorted(entry.name[:-4] for entry in os.scandir(self.path)
                           if entry.name.endswith(".idx"))
        except OSError:
            return
        for name in names:
            start = self._read.get(name, 0)
            try:
                with open(self.path / f"{name}.idx", "rb") as handle:
                    handle.seek(start)
                    data = handle.read()
            except OSError:
                continue
            whole = len(data) - len(data) % _RECORD.size
            self._read[name] = start + whole
            for key, offset, length, check in _RECORD.iter_unpack(data[:whole]):
                self._index[key] = (name, offset, length, check)

    def _file(self, name: str) -> int | None:
        """A descriptor of the pack's data file, opened once per process."""
        known = self._files.get(name)
        if known is not None and known[0] == os.getpid():
            return known[1]
        assert self.path is not None
        try:
            found: int | None = os.open(self.path / f"{name}.dat", os.O_RDONLY)
        except OSError:
            found = None
        self._files[name] = (os.getpid(), found)
        return found

    def _load(self, key: bytes) -> str | None:
        entry = self._entries().get(key)
        if entry is None:
            return None
        name, offset, length, check = entry
        descriptor = self._file(name)
        if descriptor is None:
            return None
        try:
            html = os.pread(descriptor, length, offset)
        except OSError:
            return None
        if len(html) != length or _checksum(html) != check:
            return None
        try:
            return html.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return None

    # ---- writing
    def flush(self) -> None:
        """Append the entries converted since the last flush to this process's pack."""
        entries, self.new = self.new, {}
        if self.path is None or not entries:
            return
        self._write(entries.items())

    def _write(self, entries: Iterable[tuple[bytes, str]]) -> str | None:
        assert self.path is not None
        if self._own is None or self._own[0] != os.getpid():
            self._own = (os.getpid(), f"{os.getpid()}-{secrets.token_hex(6)}")
        name = self._own[1]
        blobs, records = [], []
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            with open(self.path / f"{name}.dat", "ab") as data:
                offset = data.tell()
                for key, html in entries:
                    blob = html.encode("utf-8", "surrogatepass")
                    blobs.append(blob)
                    records.append(_RECORD.pack(key, offset, len(blob), _checksum(blob)))
                    offset += len(blob)
                data.write(b"".join(blobs))
            # the index only after the data: an entry is never named before its HTML is there
            with open(self.path / f"{name}.idx", "ab") as index:
                index.write(b"".join(records))
        except OSError:
            return None  # a cache that cannot be written only makes the next build slower
        if self._index is not None:  # this process finds what it wrote without a rescan
            for key, offset, length, check in _RECORD.iter_unpack(b"".join(records)):
                self._index[key] = (name, offset, length, check)
        return name

    def prune(self, used: set[bytes]) -> None:
        """Keep only the entries in ``used`` once the packs hold more than twice that many
        entries, or are many: they are copied into one new pack, and the others removed."""
        if self.path is None:
            return
        for legacy in ("markdown.sqlite", "markdown.sqlite-wal", "markdown.sqlite-shm"):
            try:  # where earlier builds kept the cache (one SQLite file)
                (self.path.parent / legacy).unlink()
            except OSError:
                pass
        self.refresh()
        index = self._entries()
        packs = set(self._read)
        if len(index) <= 2 * len(used) + 1000 and len(packs) <= _MANY_PACKS:
            return
        keep = []
        for key in used:
            html = self.memory.get(key) or self._load(key)
            if html is not None:
                keep.append((key, html))
        self._own = None  # a fresh pack, none of the ones removed below
        fresh = self._write(keep)
        if fresh is None:
            return
        for name in packs - {fresh}:
            for suffix in (".idx", ".dat"):
                try:
                    (self.path / f"{name}{suffix}").unlink()
                except OSError:
                    pass
        self.close()
        self._index, self._read = None, {}

    def close(self) -> None:
        for pid, descriptor in self._files.values():
            if descriptor is not None and pid == os.getpid():
                os.close(descriptor)
        self._files = {}


def cache_path(root: Path) -> Path:
    return root / FOLDER / "markdown"


MARKDOWN_FOLDERS = ("pages", "news", "nbsap")  # where pages are written in Markdown files


def markdown_files(root: Path, changed: Iterable[str] | None = None) -> list[Path]:
    """The Markdown files the site's pages are written in; of them only those ``changed``
    (paths relative to ``root``), when given."""
    if changed is not None:
        return [root / name for name in sorted(changed) if name.endswith(".md")
                and name.rpartition("/")[0] in MARKDOWN_FOLDERS and (root / name).is_file()]
    found = []
    for folder in MARKDOWN_FOLDERS:
        try:
            with os.scandir(root / folder) as entries:
                found += sorted(Path(e.path) for e in entries
                                if e.name.endswith(".md") and e.is_file())
        except (FileNotFoundError, NotADirectoryError):
            pass
    return found


def convert_ahead(root: Path, jobs: int | None,
                  first: Callable[[], object] | None = None) -> ConvertAhead | None:
    """A process converting every Markdown file of the site into the render cache, for a
    build that will render every page (nothing is known of its output folder). The command
    line starts it first, before it imports the renderer: it uses a core that is otherwise
    idle until the pages render. ``first``: what the process does before (the command line's
    fingerprint of the site, taken there while this process imports the renderer)."""
    if (jobs or default_jobs()) < 2:
        return None
    return ConvertAhead(cache_path(root), root, first)  # (listed by the process)


class ConvertAhead:
    """The bodies of Markdown files converted into the cache by a second process while this
    one reads the site (which takes one core): the pages rendered after find them converted.
    Started only where the build's workers are forked too (Linux); ``finish`` stops it where
    it is, with what it converted written (an entry is its text's key: the pages can only
    find the HTML they would have made). ``files``: the files, or the site's folder, whose
    Markdown files the process lists itself (the building process goes on meanwhile)."""

    def __init__(self, path: Path, files: Sequence[Path] | Path,
                 first: Callable[[], object] | None = None) -> None:
        # A page shared with the process: byte 0 tells it to stop, bytes 8–12 count the texts
        # it converted. (Forked as it is, without multiprocessing's event and shared value:
        # making those was 4 ms of the start of a build.)
        self._shared = mmap.mmap(-1, 16)
        shared = self._shared
        self._first: int | None = None  # the pipe ``first``'s result comes by, until read
        self._pid: int | None = None
        if not files:
            return
        read, write = os.pipe() if first is not None else (-1, -1)

        def task() -> None:
            if first is not None:
                os.close(read)
                try:
                    data = pickle.dumps(first(), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - the building process does it again
                    data = b""
                with open(write, "wb") as pipe:  # (closed once written: the result is whole)
                    pipe.write(data)
            _convert_ahead(path, files, shared)

        self._pid = run_forked(task)
        if first is not None:
            os.close(write)
            if self._pid is None:
                os.close(read)
            else:
                self._first = read

    @property
    def first_due(self) -> bool:
        """The process does ``first`` (its result not read yet)."""
        return self._first is not None

    def first_result(self) -> tuple[bool, Any]:
        """(True, what ``first`` returned in the process), waiting for it; (False, None)
        when it gave nothing (it raised, or the process could not run it)."""
        if self._first is None:
            return False, None
        try:
            with open(self._first, "rb") as pipe:
                data = pipe.read()
        finally:
            self._first = None
        try:
            return (True, pickle.loads(data)) if data else (False, None)
        except Exception:  # noqa: BLE001 - not whole: the building process does it again
            return False, None

    def stop(self) -> None:
        """Tell the process to stop converting (it then writes what it converted) and return
        at once: ``finish`` waits for it."""
        self._shared[0] = 1

    def finish(self) -> int:
        """Stop converting and wait until what was converted is written; returns how many
        texts were converted."""
        if self._first is not None:
            os.close(self._first)  # (never read: the process's write fails, it goes on)
            self._first = None
        if self._pid is None:
            return 0
        self._shared[0] = 1
        if not self._wait(_PATIENCE):  # stuck (it never should be): the build goes on without
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):  # (it ended meanwhile)
                pass
        self._pid = None
        return int(_COUNT.unpack_from(self._shared, 8)[0])

    def _wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the process to end; whether it did."""
        assert self._pid is not None
        deadline = time.monotonic() + seconds
        pause = 0.0002
        while True:
            try:
                if os.waitpid(self._pid, os.WNOHANG)[0]:
                    return True
            except ChildProcessError:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.01)


_COUNT = struct.Struct("<i")

_PATIENCE = 30.0  # seconds for one text's conversion and the pack's writing, at the most


def _convert(text: str, top_level: int = 2) -> str:
    """``markup.convert``: Python-Markdown is imported only for a text ``quickmark`` leaves to
    it. (A process forked from chmgen serve, which has threads, could find the import lock
    taken: serve imports markup before it forks any.)"""
    html = quick_convert(text, top_level)
    if html is None:
        from chmgen.markup import convert_fully

        html = convert_fully(text, top_level)
    return html


def _convert_ahead(path: Path, files: Sequence[Path] | Path, shared: mmap.mmap) -> None:
    if isinstance(files, Path):
        files = markdown_files(files)
    cache = MarkdownCache(path)
    known = cache._entries()
    try:
        count = 0
        for file in files:
            if shared[0]:  # (told to stop)
                break
            try:
                body = markdown_body(fileio.read_text(file))
            except (OSError, UnicodeDecodeError):
                continue  # the build reports it
            if body is None:
                continue
            key = markdown_key(body)
            if key not in known and key not in cache.new:
                cache.new[key] = _convert(body)
                count += 1
                _COUNT.pack_into(shared, 8, count)
                if len(cache.new) >= _FLUSH_EVERY:  # (little left to write once stopped;
                    cache.flush()                   # the index, ``known``, gets them)
    finally:
        cache.flush()


_FLUSH_EVERY = 256  # texts the converting process writes at a time


_active = MarkdownCache()  # memory only, until a build opens the site's cache


def active() -> MarkdownCache:
    """The cache of the build running in this process."""
    return _active


def use(cache: MarkdownCache) -> MarkdownCache:
    """Make ``cache`` the active one; returns the previous one."""
    global _active
    previous, _active = _active, cache
    return previous


def render_markdown(text: str, link: Callable[[str], str],
                    sizes: Mapping[str, tuple[int, int]] | None = None) -> str:
    """Markdown for one place (page, feed entry, structured data), converted at most once."""
    return localize(_active.html(text), link, sizes)
