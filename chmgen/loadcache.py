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
(``SITE/.chmgen/render/load/NN.pickle``, the shard chosen by path), each stamped with chmgen's
code and the versions of Python and the libraries (``Fingerprint.code``) and the site's place
(what a read gives names its file): any change to those is another stamp, and the entries are
read again. A build rewrites only the shards where an
entry came, changed or went. Like the build manifests beside it, the shards are the site's
own (pickled) data, to be shared only as the site's folder is.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from chmgen.errors import Problems

T = TypeVar("T")

FORMAT = 1
_SHARDS = 16

# (kind, path in the site, extra) → (digest of the file, pickled (value, problems))
Entries = dict[tuple[Any, ...], tuple[str, bytes]]


def folder(cache: Path) -> Path:
    """Where the shards are, in the site's render cache folder ``cache``."""
    return cache / "load"


def text_digest(text: str) -> str | None:
    """The digest ``noop`` takes of a file's bytes, from the text read from it; None when the
    text is not the file's bytes decoded (line ends were translated)."""
    if "\r" in text:
        return None
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class LoadCache:
    """The reads of one build of the site at ``root``, whose files' digests (by path relative
    to the site, as ``noop`` writes them) are ``digests``; ``stamp``: ``Fingerprint.code``."""

    def __init__(self, where: Path, root: Path, digests: dict[str, str], stamp: str) -> None:
        self.where = where
        self.base = os.path.abspath(root)
        self.digests = digests
        self.stamp = stamp
        self.hits = self.misses = 0
        self._old: dict[int, Entries] = {}  # shard → the entries it held
        self._kept: dict[int, Entries] = {}  # shard → the entries this build used or made
        self._changed: set[int] = set()
        self._texts: dict[str, str | None] = {}  # absolute path → digest of the text read

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
        found = self._shard(shard).get(key)
        if found is not None and found[0] == digest:
            try:
                value, items = pickle.loads(found[1])
            except Exception:  # noqa: BLE001 - damaged: read the file again
                pass
            else:
                self.hits += 1
                kept[key] = found
                problems.items.extend(items)
                return value  # type: ignore[no-any-return]
        self.misses += 1
        own = Problems()
        self._texts.pop(path, None)
        value = read(own)
        problems.items.extend(own.items)
        if self._texts.pop(path, None) == digest:  # what was parsed is what was fingerprinted
            try:
                blob = pickle.dumps((value, own.items), protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, TypeError, AttributeError):
                return value
            kept[key] = (digest, blob)
            self._changed.add(shard)
        return value

    def read_text(self, path: str, text: str) -> None:
        """Note the text read from the file at the absolute ``path``."""
        self._texts[path] = text_digest(text)

    def _shard(self, shard: int) -> Entries:
        entries = self._old.get(shard)
        if entries is None:
            entries = self._old[shard] = {}
            try:
                with open(self.where / f"{shard:02d}.pickle", "rb") as handle:
                    stored = pickle.load(handle)
            except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError,
                    TypeError, ImportError, IndexError):
                return entries
            # (what a read gives names the file by its path: a site moved reads again)
            if isinstance(stored, tuple) and len(stored) == 4 \
                    and stored[:3] == (FORMAT, self.stamp, self.base) \
                    and isinstance(stored[3], dict):
                entries.update(stored[3])
        return entries

    def save(self) -> None:
        """Write the shards where entries came, changed or went (files removed or renamed)."""
        for shard, kept in self._kept.items():
            if shard not in self._changed and len(kept) == len(self._old.get(shard, {})):
                continue
            target = self.where / f"{shard:02d}.pickle"
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            try:
                self.where.mkdir(parents=True, exist_ok=True)
                with open(temporary, "wb") as handle:
                    pickle.dump((FORMAT, self.stamp, self.base, kept), handle,
                                protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, target)
            except OSError:  # a cache that cannot be written only makes the next build slower
                try:
                    temporary.unlink()
                except OSError:
                    pass
        self._old, self._kept, self._changed = {}, {}, set()
