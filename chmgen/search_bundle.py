"""Make Pagefind's bundle byte-identical from build to build.

Pagefind 1.x writes its filter files, the filter list of each language's metadata and its entry
file in hash-map order, which changes from run to run; their content hashes (in file names)
change with it. This rewrites those files in sorted order and renames them by a hash of their
new content. The files are gzip-compressed CBOR behind a ``pagefind_dcd`` signature; the
small CBOR subset Pagefind uses (integers, strings, arrays) is read and written here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

SIGNATURE = b"pagefind_dcd"
CBOR = Any  # int | str | bytes | list[CBOR]


def canonicalize(bundle: Path) -> None:
    """Sort every order-free part of the bundle and rename the files whose content changed."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text("utf-8"))
    for lang, info in entry["languages"].items():
        info["hash"] = _rewrite_meta(bundle, lang, info["hash"])
    entry["languages"] = dict(sorted(entry["languages"].items()))
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), "utf-8")


def _rewrite_meta(bundle: Path, lang: str, meta_hash: str) -> str:
    """Sort the filter list of one language's metadata; returns the metadata's new hash."""
    old = bundle / f"pagefind.{meta_hash}.pf_meta"
    meta = read(old)
    filters = meta[3]
    for pair in filters:
        pair[1] = _rewrite_filter(bundle, lang, pair[1])
    filters.sort(key=lambda pair: pair[0])
    new_hash = _write(bundle, lambda h: f"pagefind.{h}.pf_meta", lang, 10, meta)
    if new_hash != meta_hash:
        old.unlink()
    return new_hash


def _rewrite_filter(bundle: Path, lang: str, filter_hash: str) -> str:
    """Sort one filter's values; returns the filter file's new hash."""
    old = bundle / "filter" / f"{filter_hash}.pf_filter"
    name, values = read(old)
    new_hash = _write(bundle, lambda h: f"filter/{h}.pf_filter", lang, 7,
                      [name, sorted(values, key=lambda pair: pair[0])])
    if new_hash != filter_hash:
        old.unlink()
    return new_hash


def _write(bundle: Path, name: Any, lang: str, digits: int, value: CBOR) -> str:
    body = SIGNATURE + encode(value)
    file_hash = f"{lang}_{hashlib.sha256(body).hexdigest()[:digits]}"
    (bundle / name(file_hash)).write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
    return file_hash


def read(path: Path) -> Any:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a Pagefind data file")
    value, end = decode(data, len(SIGNATURE))
    if end != len(data):
        raise ValueError(f"{path}: trailing bytes after the CBOR value")
    return value


def decode(data: bytes, at: int) -> tuple[CBOR, int]:
    """One CBOR item of ``data`` starting at ``at``: (value, offset after it)."""
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        length = info
    elif info <= 27:
        size = 1 << (info - 24)
        length, at = int.from_bytes(data[at:at + size], "big"), at + size
    else:
        raise ValueError(f"unsupported CBOR item (major type {major}, info {info})")
    if major == 0:
        return length, at
    if major in (2, 3):
        raw = data[at:at + length]
        return (raw if major == 2 else raw.decode("utf-8")), at + length
    if major == 4:
        items = []
        for _ in range(length):
            item, at = decode(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"unsupported CBOR major type {major}")


def encode(value: CBOR) -> bytes:
    """CBOR with the shortest length encodings, as Pagefind writes it."""
    if isinstance(value, int):
        return _head(0, value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    return _head(4, len(value)) + b"".join(encode(item) for item in value)


def _head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if length < 1 << (8 * size):
            return bytes([major << 5 | info]) + length.to_bytes(size, "big")
    raise ValueError("CBOR length too large")
