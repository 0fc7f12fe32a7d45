"""Per-file results of the loader, kept between builds of one ``chmgen serve`` session.

Reading and parsing a site's files is most of a load; a live session re-reads only the files
that changed. A result is reused until the watcher names its file (``forget``) and while the
other inputs of the read (declared languages, schema: part of the key) are the same; the
problems found when it was read are reported again each time, so a reused result warns exactly
as a fresh read would.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from chmgen.errors import Problems

if TYPE_CHECKING:
    from chmgen.loadcache import LoadCache

T = TypeVar("T")

_active: FileMemo | None = None
_disk: LoadCache | None = None  # what the last build read, for a build that has its digests


class FileMemo:
    def __init__(self) -> None:
        self.entries: dict[tuple[Any, ...], tuple[Any, list[Any]]] = {}
        self.hits = self.misses = 0
        self.folders: dict[tuple[Any, ...], Any] = {}  # folder readers' own state
        # what was assembled from the files: kind → (inputs, value, problems)
        self.derived: dict[Any, tuple[tuple[Any, ...], Any, list[Any]]] = {}
        self._dirty: dict[str, set[str]] = {}  # folder → names changed since it was read
        # counts edits to files that are neither YAML nor Markdown (indicator CSV series, read
        # while a record is built): an input of what is derived from records
        self.other_edits = 0

    def forget(self, paths: Iterable[Path]) -> None:
        """Drop what was read from ``paths`` (changed, created or deleted files)."""
        gone = {os.path.abspath(p) for p in paths}
        for key in [k for k in self.entries if k[1] in gone]:
            del self.entries[key]
        for path in gone:
            if not path.endswith((".yml", ".yaml", ".md")):
                self.other_edits += 1
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


def use_disk(cache: LoadCache | None) -> LoadCache | None:
    """Make ``cache`` the one reads without a live session's memo consult (None: none)."""
    global _disk
    previous, _disk = _disk, cache
    return previous


def read_text(path: Path, text: str) -> None:
    """Note the text a read (of ``remembered``) took from ``path``."""
    if _disk is not None:
        _disk.read_text(_absolute(path), text)


def _absolute(path: Path) -> str:
    text = os.fspath(path)
    return text if os.path.isabs(text) else os.path.abspath(text)


def remembered(kind: str, path: Path, extra: Any, problems: Problems,
               read: Callable[[Problems], T]) -> T:
    """``read(problems)`` for ``path``, or the result of an earlier identical read."""
    memo = _active
    if memo is None:
        if _disk is not None:
            return _disk.remembered(kind, _absolute(path), extra, problems, read)
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


def whole(root: Path, problems: Problems, load: Callable[[Problems], T]) -> T:
    """``load(problems)``, the whole site at ``root`` read, or what it gave the last build
    that read the site's files as they are now (``LoadCache.whole``; a live session's memo
    aside: it keeps its reads file by file)."""
    if _active is None and _disk is not None:
        return _disk.whole(root, problems, load)
    return load(problems)


def other_edits() -> int:
    """How many files other than YAML and Markdown the watcher named so far."""
    return _active.other_edits if _active is not None else 0


def derived(kind: Any, inputs: tuple[Any, ...], problems: Problems,
            make: Callable[[Problems], T]) -> T:
    """``make(problems)``, or its earlier result when ``inputs`` are what they were (the very
    objects, or equal ones: files not read again give the same objects, so an unchanged
    collection costs a comparison of references). ``make`` must depend on nothing else."""
    memo = _active
    if memo is None:
        return make(problems)
    found = memo.derived.get(kind)
    if found is not None and len(found[0]) == len(inputs) and all(
            before is now or before == now for before, now in zip(found[0], inputs, strict=True)):
        problems.items.extend(found[2])
        return found[1]  # type: ignore[no-any-return]
    own = Problems()
    value = make(own)
    problems.items.extend(own.items)
    memo.derived[kind] = (inputs, value, own.items)
    return value


def each(kind: str, located: Iterable[tuple[Any, Any, Any]], extra: Any, problems: Problems,
         build: Callable[[Any, Any, Any, Problems], T]) -> tuple[T, ...]:
    """``build(raw, doc, keypath, problems)`` for each record read. In a live session a record
    read from a file that did not change (the very same parsed object) keeps what was built
    from it, while ``extra`` (what else the build reads: known ids, …) is the same."""
    memo = _active
    if memo is None:
        return tuple(build(*record, problems) for record in located)
    before = memo.folders.get(("built", kind))
    old: dict[int, Any] = before[1] if before is not None and before[0] == extra else {}
    table: dict[int, Any] = {}
    out = []
    for raw, doc, keypath in located:
        hit = old.get(id(raw))
        if hit is None or hit[0] is not raw:
            own = Problems()
            hit = (raw, build(raw, doc, keypath, own), own.items)
        problems.items.extend(hit[2])
        table[id(raw)] = hit
        out.append(hit[1])
    memo.folders[("built", kind)] = (extra, table)
    return tuple(out)


def replaced(before: Sequence[T], now: Sequence[T]) -> list[tuple[T, T]] | None:
    """The (old, new) objects at the places where ``now`` holds another object than
    ``before``; None when their lengths differ (things came or went)."""
    if len(before) != len(now):
        return None
    return [(old, new) for old, new in zip(before, now, strict=True) if old is not new]


def resorted(kind: Any, items: Sequence[T], key: Callable[[T], Any], *,
             reverse: bool = False) -> tuple[T, ...]:
    """``tuple(sorted(items, key=key, reverse=reverse))``. In a live session, when ``items``
    are the previous ones but for objects replaced in place whose sort keys are unchanged (an
    edit that keeps a page's weight, date and slug), the previous order with the new objects
    in their places: the same tuple a sort gives, a few keys compared instead of a sort."""
    memo = _active
    if memo is None:
        return tuple(sorted(items, key=key, reverse=reverse))
    found = memo.folders.get(("sorted", kind, reverse))
    swaps = replaced(found[0], items) if found is not None else None
    if found is not None and swaps is not None and len(swaps) <= 64 \
            and all(key(old) == key(new) for old, new in swaps):
        _, result, where = found
        order = list(result)
        for old, new in swaps:
            index = where.pop(id(old))
            order[index] = new
            where[id(new)] = index
        memo.folders[("sorted", kind, reverse)] = (tuple(items), tuple(order), where)
        return tuple(order)
    ordered = tuple(sorted(items, key=key, reverse=reverse))
    memo.folders[("sorted", kind, reverse)] = (tuple(items), ordered,
                                      {id(item): index for index, item in enumerate(ordered)})
    return ordered
