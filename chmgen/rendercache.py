"""The persistent render cache: Markdown converted once, ever, for each text.

Entries live in ``SITE/.chmgen/render/markdown.sqlite`` (SQLite: safe for the build's worker
processes to read and write at once). The key is a hash of everything the converted HTML depends
on — the text, the heading level, the Markdown configuration (``markup.MARKDOWN_CONFIG``) and
chmgen's version — so an entry can never be stale: a changed input is another key. Entries no
build has used for a while are pruned when the file grows past twice what the last build used.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

from chmgen import __version__
from chmgen.markup import MARKDOWN_CONFIG, convert, localize
from chmgen.noop import FOLDER as FOLDER  # (where the site keeps what builds left)


def markdown_key(text: str, top_level: int = 2) -> bytes:
    """What the converted HTML of ``text`` depends on, hashed."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"chmgen {__version__}\0{MARKDOWN_CONFIG}\0{top_level}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.digest()


class MarkdownCache:
    """Converted Markdown by key: in memory for this process, on disk across builds (when a
    ``path`` is given). Each process opens its own connection (the build forks workers)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.memory: dict[bytes, str] = {}
        self.new: dict[bytes, str] = {}
        self.used: set[bytes] = set()
        self.recent: list[bytes] = []  # keys asked for since the caller last cleared it
        self.hits = self.misses = 0
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def html(self, text: str, top_level: int = 2) -> str:
        """The page-independent HTML of ``text`` (see ``markup.convert``)."""
        key = markdown_key(text, top_level)
        self.used.add(key)
        self.recent.append(key)
        found = self.memory.get(key)
        if found is None:
            found = self._load(key)
            if found is None:
                self.misses += 1
                found = convert(text, top_level)
                self.new[key] = found
            else:
                self.hits += 1
            self.memory[key] = found
        return found

    def prepare(self) -> None:
        """Create the file and its table (before worker processes open it)."""
        if self._connection() is not None:
            self.close()

    def _connection(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self._db is None or self._pid != os.getpid():
            self._db, self._pid = None, os.getpid()
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
                db.execute("PRAGMA synchronous=NORMAL")
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
                db.execute("CREATE TABLE IF NOT EXISTS markdown (key BLOB PRIMARY KEY, "
                           "html TEXT) WITHOUT ROWID")
            except (sqlite3.Error, OSError):
                self.path = None  # no cache in this process: slower, never wrong
                return None
            self._db = db
        return self._db

    def _load(self, key: bytes) -> str | None:
        db = self._connection()
        if db is None:
            return None
        try:
            row = db.execute("SELECT html FROM markdown WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else str(row[0])

    def flush(self) -> None:
        """Store the entries converted since the last flush."""
        db = self._connection()
        if db is None or not self.new:
            self.new.clear()
            return
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR IGNORE INTO markdown VALUES (?, ?)",
                               list(self.new.items()))
        except sqlite3.Error:
            pass  # a cache that cannot be written only makes the next build slower
        self.new.clear()

    def prune(self, used: set[bytes]) -> None:
        """Drop entries no longer used once the file holds more than twice what is used."""
        db = self._connection()
        if db is None:
            return
        try:
            (count,) = db.execute("SELECT count(*) FROM markdown").fetchone()
            if count <= 2 * len(used) + 1000:
                return
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("CREATE TEMP TABLE keep (key BLOB PRIMARY KEY) WITHOUT ROWID")
                db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(k,) for k in used])
                db.execute("DELETE FROM markdown WHERE key NOT IN (SELECT key FROM keep)")
                db.execute("DROP TABLE keep")
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None


def cache_path(root: Path) -> Path:
    return root / FOLDER / "markdown.sqlite"


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
