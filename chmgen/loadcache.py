"""What reading the site's files gave, kept across builds.

A build reads and parses every YAML and Markdown file of the site: at 10,000 pages, a fifth of
a build on one core, while the other waits. A file that did not change since the last build
gives what it gave then, so a build that has the fingerprint of its inputs (``noop``: the
digest of each file's bytes, taken without reading the files whose size, times and inode are
those recorded at the last build) takes it from here: the result of the read (the parsed
YAML, a Markdown file's checked front matter and body) and the problems found in it, which are
reported again as a fresh read would report them.

An entry is found by the kind of read, the file's path in the site and what else the read
depends on (``extra``: the schema's name, the site's languages), and used only while the file's
digest is the one it was read with — the digest of the text the read parsed (a file changed
during the build is read again the next time). Entries are stored by shard
(``SITE/.chmgen/render/load/NN.bin``, the shard chosen by path), each stamped with chmgen's
code and the versions of Python and the libraries (``Fingerprint.code``) and the site's place
(what a read gives names its file): any change to those is another stamp, and the entries are
read again. A build rewrites only the shards where an entry came, changed or went. Like the
build manifests beside it, the shards are the site's own (pickled) data, to be shared only as
the site's folder is.

A build also keeps what the whole load gave (``whole``: the site's content model and the
problems found in it, ``SITE/.chmgen/render/load/site.pickle``), under the digests of every
file of the site a load may read — all but the theme's (``overrides/``, the site's
``themes/``) and chmgen's own folder. A build after an edit of templates alone (or into an
empty output folder) takes the model from there whole: at 1,000 pages, 15 ms instead of 55 ms
of taking the entries file by file and assembling them again (at 10,000, 0.2 s instead of
0.45 s). It is kept by a build whose content files had not changed since the last build (after
an edit, the next build is likely another), pickled and written by a forked process while the
build goes on (50 MB at 10,000 pages: 0.12 s).
"""

from __future__ import annotations

import io
import mmap
import os
import pickle
import signal
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from chmgen.cpus import run_forked
from chmgen.errors import Problems
from chmgen.noop import bytes_digest

T = TypeVar("T")

FORMAT = 2
_SHARDS = 16
# A shard's file: the size of its head, its head — (FORMAT, stamp, the site's place, index:
# (kind, path in the site, extra) → (digest of the file, where its entry starts after the
# head, its length)) pickled — and the entries, each a pickled (value, problems).
_SIZE = struct.Struct("<Q")
_WHOLE = "site.pickle"
# The folders of a site a load never reads (the theme's files; chmgen's own, whose central CHM
# records are read after the load): paths relative to the site, as ``noop`` gives them.
_NOT_LOADED = ("overrides/", "themes/", ".chmgen/")


def folder(cache: Path) -> Path:
    """Where the shards are, in the site's render cache folder ``cache``."""
    return cache / "load"


def text_digest(text: str) -> str | None:
    """The digest ``noop`` takes of a file's bytes, from the text read from it; None when the
    text is not the file's bytes decoded (line ends were translated)."""
    if "\r" in text:
        return None
    return bytes_digest(text.encode("utf-8", "surrogatepass"))


class LoadCache:
    """The reads of one build of the site at ``root``, whose files' digests (by path relative
    to the site, as ``noop`` writes them) are ``digests``; ``stamp``: ``Fingerprint.code``."""

    def __init__(self, where: Path, root: Path, digests: dict[str, str], stamp: str,
                 changed: frozenset[str] | None = None) -> None:
        self.where = where
        self.base = os.path.abspath(root)
        self.digests = digests
        self.stamp = stamp
        self.hits = self.misses = 0
        # shard → its file (mapped), and its entries: key → (digest, where in the file,
        # length)
        self._old: dict[int, tuple[Any, dict[tuple[Any, ...], tuple[str, int, int]]]] = {}
        self._new: dict[int, io.BytesIO] = {}  # shard → the entries pickled by this build
        # shard → the entries this build used or made: key → (digest, in the new block?,
        # where, length)
        self._kept: dict[int, dict[tuple[Any, ...], tuple[str, bool, int, int]]] = {}
        self._changed: set[int] = set()
        self._texts: dict[str, str | None] = {}  # absolute path → digest of the text read
        self._drifted = False  # a file read was not as fingerprinted (changed meanwhile)
        self.whole_hit = False  # this build's load came from the whole entry
        # What the whole load gives is kept unless a file it may read changed since the last
        # build (``changed``: the site's files that did, when known): more edits are likely to
        # follow, and the entry would be of no use to the next build.
        self._keep_whole = changed is None or all(path.startswith(_NOT_LOADED)
                                                  for path in changed)
        self._writer: int | None = None  # the process writing it (see close)
        self._saved_as = (-1, -1)  # _entries_count() when that process was forked

    def remembered(self, kind: str, path: str, extra: Any, problems: Problems,
                   read: Callable[[Problems], T]) -> T:
        """``read(problems)`` for the file at the absolute ``path``, or what it gave when the
        file was as it is now."""
        if not path.startswith(self.base) or path[len(self.base):len(self.base) + 1] != os.sep:
            return read(problems)  # not the site's
        relative = path[len(self.base) + 1:].replace(os.sep, "/")
        digest = self.digests.get(relative)
        if digest is None:
            return read(problems)
        shard = zlib.crc32(relative.encode("utf-8", "surrogateescape")) % _SHARDS
        key = (kind, relative, extra)
        kept = self._kept.setdefault(shard, {})
        data, entries = self._shard(shard)
        found = entries.get(key)
        if found is not None and found[0] == digest:
            _, start, length = found
            try:
                value, items = pickle.loads(memoryview(data)[start:start + length])
            except Exception:  # noqa: BLE001 - damaged: read the file again
                pass
            else:
                self.hits += 1
                kept[key] = (digest, False, start, length)
                problems.items.extend(items)
                return value  # type: ignore[no-any-return]
        self.misses += 1
        own = Problems()
        self._texts.pop(path, None)
        value = read(own)
        problems.items.extend(own.items)
        read_as = self._texts.pop(path, None)
        if read_as != digest:  # not what was fingerprinted: changed meanwhile, or unknown
            self._drifted = self._drifted or read_as is not None
        else:
            block = self._new.setdefault(shard, io.BytesIO())
            start = block.tell()
            try:
                pickle.dump((value, own.items), block, protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, TypeError, AttributeError):
                block.seek(start)
                block.truncate()
                return value
            kept[key] = (digest, True, start, block.tell() - start)
            self._changed.add(shard)
        return value

    def whole(self, root: Path, problems: Problems, load: Callable[[Problems], T]) -> T:
        """``load(problems)``, the whole site at ``root`` read, or what it gave the build
        that last read the files it may read as they are now. What a load gives is kept only
        when it found no error and each file it parsed was as fingerprinted."""
        if os.path.abspath(root) != self.base:
            return load(problems)
        key = self._whole_key()
        found = self._read_whole(key)
        if found is not None:
            value, items = found
            self.whole_hit = True
            problems.items.extend(items)
            return value  # type: ignore[no-any-return]
        own = Problems()
        value = load(own)
        problems.items.extend(own.items)
        if self._keep_whole and value is not None and not own.errors() and not self._drifted:
            # (written as it was read, not as later steps of the build may leave it)
            head = pickle.dumps((FORMAT, self.stamp, self.base, key),
                                protocol=pickle.HIGHEST_PROTOCOL)
            def write() -> None:
                self._write(self.where / _WHOLE, [_SIZE.pack(len(head)), head],
                            (value, own.items))
                self.save()  # the shards too (the building process skips it: see save)

            self._saved_as = self._entries_count()
            self._writer = _forked(write)
        return value

    def _entries_count(self) -> tuple[int, int]:
        """How many entries this build used or made, and in how many shards."""
        return sum(len(kept) for kept in self._kept.values()), len(self._changed)

    def close(self) -> None:
        """Wait for the whole entry to be written, if a process writes it."""
        if self._writer is not None:
            try:
                os.waitpid(self._writer, 0)
            except ChildProcessError:
                pass
            self._writer = None

    def _whole_key(self) -> str:
        """The digest of the paths and digests of the files a load may read."""
        listed = sorted((path, digest) for path, digest in self.digests.items()
                        if not path.startswith(_NOT_LOADED))
        return bytes_digest("\0".join(f"{path}\0{digest}" for path, digest in listed)
                            .encode("utf-8", "surrogateescape"))

    def _read_whole(self, key: str) -> tuple[Any, list[Any]] | None:
        try:
            with open(self.where / _WHOLE, "rb") as handle:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # (none, or empty)
            return None
        view = memoryview(data)
        try:
            (size,) = _SIZE.unpack_from(data)
            head = pickle.loads(view[_SIZE.size:_SIZE.size + size])
            if head != (FORMAT, self.stamp, self.base, key):
                return None
            found = pickle.loads(view[_SIZE.size + size:])
        except Exception:  # noqa: BLE001 - damaged or of another version: read the files
            return None
        finally:
            view.release()
            try:
                data.close()
            except BufferError:  # a view of it still held: unmapped when that is freed
                pass
        if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], list)):
            return None
        return found

    def read_text(self, path: str, text: str) -> None:
        """Note the text read from the file at the absolute ``path``."""
        self._texts[path] = text_digest(text)

    def _path(self, shard: int) -> Path:
        return self.where / f"{shard:02d}.bin"

    def _shard(self, shard: int) -> tuple[Any, dict[tuple[Any, ...], tuple[str, int, int]]]:
        found = self._old.get(shard)
        if found is None:
            found = self._old[shard] = (b"", {})
            try:
                # mapped, not read: the build's memory is as if the files had been parsed
                with open(self._path(shard), "rb") as handle:
                    data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                (size,) = _SIZE.unpack_from(data)
                head = pickle.loads(memoryview(data)[_SIZE.size:_SIZE.size + size])
            except (OSError, struct.error, pickle.PickleError, EOFError, AttributeError,
                    ValueError, TypeError, ImportError, IndexError):
                return found
            # (what a read gives names the file by its path: a site moved reads again)
            if isinstance(head, tuple) and len(head) == 4 \
                    and head[:3] == (FORMAT, self.stamp, self.base) \
                    and isinstance(head[3], dict):
                skip = _SIZE.size + size
                found = self._old[shard] = (data, {
                    key: (digest, skip + start, length)
                    for key, (digest, start, length) in head[3].items()})
        return found

    def save(self) -> None:
        """Write the shards where entries came, changed or went (files removed or renamed),
        unless the process writing the whole load writes them (it was forked once the load
        was done, and no entry came since)."""
        written_by_writer = self._writer is not None and self._saved_as == self._entries_count()
        for shard, kept in ([] if written_by_writer else self._kept.items()):
            data, entries = self._old.get(shard, (b"", {}))
            if shard not in self._changed and len(kept) == len(entries):
                continue
            old = memoryview(data)
            new = self._new[shard].getbuffer() if shard in self._new else memoryview(b"")
            index: dict[tuple[Any, ...], tuple[str, int, int]] = {}
            pieces = []
            at = 0
            for key, (digest, fresh, start, length) in kept.items():
                pieces.append((new if fresh else old)[start:start + length])
                index[key] = (digest, at, length)
                at += length
            head = pickle.dumps((FORMAT, self.stamp, self.base, index),
                                protocol=pickle.HIGHEST_PROTOCOL)
            try:
                self._write(self._path(shard), [_SIZE.pack(len(head)), head, *pieces])
            finally:
                pieces.clear()
                old.release()
                new.release()
        for data, _ in self._old.values():
            if isinstance(data, mmap.mmap):
                try:
                    data.close()
                except BufferError:  # a view of it still held: unmapped when that is freed
                    pass
        self._old, self._new, self._kept, self._changed = {}, {}, {}, set()
        self._texts = {}

    def _write(self, target: Path, pieces: list[Any], value: Any = None) -> None:
        """``pieces`` into the file ``target``, then ``value`` pickled (unless None), whole
        or not at all."""
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        try:
            self.where.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as handle:
                handle.writelines(pieces)
                if value is not None:
                    pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, target)
        except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            # a cache that cannot be written only makes the next build slower
            try:
                temporary.unlink()
            except OSError:
                pass


def _forked(task: Callable[[], None]) -> int | None:
    """``task`` run by a forked process (its pid: the other core pickles and writes while
    this one builds), or here (None) where processes are not forked."""

    def uninterrupted() -> None:
        # Ctrl-C stops the build, which waits for this process: it finishes its file (a
        # fraction of a second) rather than leave it half written.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        task()

    pid = run_forked(uninterrupted)
    if pid is None:
        task()
    return pid
