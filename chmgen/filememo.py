"""Per-file results of the loader, kept between builds of one ``chmgen serve`` session.

Reading and parsing a site's files is most of a load; a live session re-reads only the files
that changed. A result is reused until the watcher names its file (``forget``) and while the
other inputs of the read (declared languages, schema: part of the key) are the same; the
problems found when it was read are reported again each time, so a reused result warns exactly
as a fresh read would.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from chmgen.errors import Problems

T = TypeVar("T")

_active: FileMemo | None = None


class FileMemo:
    def __init__(self) -> None:
        self.entries: dict[tuple[Any, ...], tuple[Any, list[Any]]] = {}
        self.hits = self.misses = 0
        self.folders: dict[tuple[Any, ...], Any] = {}  # folder readers' own state
        self._dirty: dict[str, set[str]] = {}  # folder → names changed since it was read

    def forget(self, paths: Iterable[Path]) -> None:
        """Drop what was read from ``paths`` (changed, created or deleted files)."""
        gone = {os.path.abspath(p) for p in paths}
        for key in [k for k in self.entries if k[1] in gone]:
            del self.entries[key]
        for path in gone:
            folder, name = os.path.split(path)
            self._dirty.setdefault(folder, set()).add(name)

    def take_dirty(self, folder: Path) -> set[str]:
        """Names in ``folder`` changed since the last call for it."""
        return self._dirty.pop(os.path.abspath(folder), set())


def active() -> FileMemo | None:
    return _active


def use(memo: FileMemo | None) -> FileMemo | None:
    """Make ``memo`` the one the loader consults (None: read every file)."""
    global _active
    previous, _active = _active, memo
    return previous


def _absolute(path: Path) -> str:
    text = os.fspath(path)
    return text if os.path.isabs(text) else os.path.abspath(text)


def remembered(kind: str, path: Path, extra: Any, problems: Problems,
               read: Callable[[Problems], T]) -> T:
    """``read(problems)`` for ``path``, or the result of an earlier identical read."""
    memo = _active
    if memo is None:
        return read(problems)
    key = (kind, _absolute(path), extra)
    found = memo.entries.get(key)
    if found is not None:
        memo.hits += 1
        problems.items.extend(found[1])
        return found[0]  # type: ignore[no-any-return]
    memo.misses += 1
    own = Problems()
    value = read(own)
    problems.items.extend(own.items)
    memo.entries[key] = (value, own.items)
    return value
