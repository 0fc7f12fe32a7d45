"""The on-disk cache of central CHM responses: one readable JSON file per source, written
atomically, never overwritten by a bad response."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_DIR = Path(".chmgen") / "cache"
FORMAT = 1
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")


@dataclass(frozen=True)
class CachedPage:
    """One response: the request (path and query, without the API base), its validators
    and its parsed JSON body."""

    request: str
    body: Any
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class CacheEntry:
    """A source's last good data: ``downloaded`` is when it last changed hands, ``checked``
    when the server last confirmed it (a 304 moves ``checked`` only)."""

    source: str
    api: str
    downloaded: dt.datetime
    checked: dt.datetime
    pages: tuple[CachedPage, ...]
    note: str = ""

    def age(self, now: dt.datetime) -> dt.timedelta:
        return now - self.checked

    def matches(self, api: str, first_request: str) -> bool:
        """True when the entry answers this very query (same API, same parameters)."""
        return self.api == api and bool(self.pages) and self.pages[0].request == first_request


def cache_dir(root: Path) -> Path:
    return root / CACHE_DIR


def entry_path(root: Path, key: str) -> Path:
    """The file of a source; keys are checked so that no record value can pick the path."""
    if not _KEY.match(key) or len(key) > 160:
        raise ValueError(f"unsafe cache key {key!r}")
    return cache_dir(root) / f"{key}.json"


def read_entry(root: Path, key: str) -> CacheEntry | None:
    """The cached entry, or None when there is none or it cannot be read (a broken cache
    file is treated as missing: the next good response replaces it)."""
    path = entry_path(root, key)
    try:
        data = json.loads(path.read_text("utf-8"))
        return _entry(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_entry(root: Path, key: str, entry: CacheEntry) -> None:
    """Write atomically: readers see the old file or the new one, never half of one."""
    path = entry_path(root, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_data(entry), ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    handle, temp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _data(entry: CacheEntry) -> dict[str, Any]:
    data: dict[str, Any] = {"chmgen_cache": FORMAT, "source": entry.source}
    if entry.note:
        data["note"] = entry.note
    data.update({"api": entry.api, "downloaded": _stamp(entry.downloaded),
                 "checked": _stamp(entry.checked), "pages": [_page(p) for p in entry.pages]})
    return data


def _page(page: CachedPage) -> dict[str, Any]:
    data: dict[str, Any] = {"request": page.request}
    if page.etag:
        data["etag"] = page.etag
    if page.last_modified:
        data["last_modified"] = page.last_modified
    data["body"] = page.body
    return data


def _entry(data: Mapping[str, Any]) -> CacheEntry:
    if data["chmgen_cache"] != FORMAT:
        raise ValueError("unknown cache format")
    pages = tuple(CachedPage(str(p["request"]), p["body"], p.get("etag"), p.get("last_modified"))
                  for p in data["pages"])
    return CacheEntry(str(data["source"]), str(data["api"]), _parse(data["downloaded"]),
                      _parse(data["checked"]), pages, str(data.get("note", "")))


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
