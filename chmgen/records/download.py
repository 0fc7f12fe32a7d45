"""Bring each source's cache up to date: fresh entries are kept, stale ones revalidated or
downloaded (all pages, checked for consistency), and only good data replaces the cache."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chmgen.records.cache import CachedPage, CacheEntry, read_entry, write_entry
from chmgen.records.client import Client, RequestFailed
from chmgen.records.sources import Source
from chmgen.records.transport import Response

MAX_PAGES = 500


class BadResponse(Exception):
    """An answer arrived but cannot be used (not JSON, wrong shape, inconsistent pages)."""


@dataclass(frozen=True)
class Outcome:
    """What a run made of one source: the data in use (None: none at all) and how."""

    source: Source
    entry: CacheEntry | None
    state: str  # fresh, updated, unchanged, fallback, offline, missing, absent
    problem: str = ""


def refresh_sources(root: Path, client: Client | None, api: str, sources: Iterable[Source],
                    *, now: dt.datetime, max_age: float, force: bool = False,
                    workers: int = 3) -> list[Outcome]:
    """Every source's outcome, in the given order; ``client`` None means offline. At most
    ``workers`` sources are requested at a time (pages of one source go one after another)."""
    sources = list(sources)

    def one(source: Source) -> Outcome:
        return _refresh(root, client, api, source, now, max_age, force)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, sources))


def _refresh(root: Path, client: Client | None, api: str, source: Source, now: dt.datetime,
             max_age: float, force: bool) -> Outcome:
    cached = read_entry(root, source.key)
    if client is None:
        return Outcome(source, cached, "offline" if cached else "absent")
    same_query = cached is not None and cached.matches(api, source.request())
    if cached and same_query and not force and cached.age(now).total_seconds() < max_age:
        return Outcome(source, cached, "fresh")
    try:
        pages, changed = _download(client, source, cached if same_query else None)
    except (RequestFailed, BadResponse) as error:
        return Outcome(source, cached, "fallback" if cached else "missing", str(error))
    downloaded = now if changed or cached is None else cached.downloaded
    entry = CacheEntry(source.key, api, downloaded, now, tuple(pages),
                       cached.note if cached and not changed else "")
    try:
        write_entry(root, source.key, entry)
    except OSError as error:
        return Outcome(source, entry, "updated" if changed else "unchanged",
                       f"cache not written ({error.strerror})")
    return Outcome(source, entry, "updated" if changed else "unchanged")


def _download(client: Client, source: Source,
              cached: CacheEntry | None) -> tuple[list[CachedPage], bool]:
    """All pages of a source; ``changed`` is False when every page was a 304."""
    known = {page.request: page for page in cached.pages} if cached else {}
    if source.kind != "solr":
        page, changed = _page(client, source.request(), known)
        _check_shape(source, page.body)
        return [page], changed
    pages: list[CachedPage] = []
    changed, total, start = False, None, 0
    while total is None or start < total:
        page, fresh = _page(client, source.request(start), known)
        changed = changed or fresh
        found, docs = _solr_page(page.body, start)
        if total is not None and found != total:
            raise BadResponse(f"the results changed while paging (numFound {total}, then "
                              f"{found}); nothing was kept")
        total = found
        pages.append(page)
        if not docs and start < total:
            raise BadResponse(f"incomplete results: {start} of {total} records delivered")
        start += len(docs)
        if len(pages) >= MAX_PAGES:
            raise BadResponse(f"more than {MAX_PAGES} pages of results")
    _check_unique(pages, total or 0)
    return pages, changed


def _page(client: Client, request: str, known: dict[str, CachedPage]) -> tuple[CachedPage, bool]:
    previous = known.get(request)
    response = client.get(request, _conditional(previous))
    if response.status == 304 and previous is not None:
        return previous, False
    if response.status == 304:
        raise BadResponse("HTTP 304 for a request that was not conditional")
    body = _json(response)
    return CachedPage(request, body, response.headers.get("etag"),
                      response.headers.get("last-modified")), True


def _conditional(previous: CachedPage | None) -> dict[str, str]:
    headers = {}
    if previous and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers


def _json(response: Response) -> Any:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "text/html" or response.body.lstrip()[:1] == b"<":
        raise BadResponse("an HTML page came back instead of JSON")
    try:
        return json.loads(response.body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BadResponse(f"the answer is not UTF-8 text ({error.reason})") from error
    except json.JSONDecodeError as error:
        raise BadResponse(f"the answer is not valid JSON ({error.msg} at line {error.lineno}, "
                          f"column {error.colno}: truncated or malformed)") from error


def _solr_page(body: Any, start: int) -> tuple[int, list[Any]]:
    """numFound and docs of a Solr page, or BadResponse naming what is wrong."""
    response = body.get("response") if isinstance(body, dict) else None
    if not isinstance(response, dict):
        raise BadResponse(f"unexpected answer at start={start}: no 'response' object")
    found, docs = response.get("numFound"), response.get("docs")
    if not isinstance(found, int) or isinstance(found, bool) or found < 0:
        raise BadResponse(f"unexpected answer at start={start}: 'numFound' is not a count")
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise BadResponse(f"unexpected answer at start={start}: 'docs' is not a list of "
                          "records")
    return found, docs


def _check_shape(source: Source, body: Any) -> None:
    if source.kind == "recent":
        _solr_page(body, 0)
    elif source.kind == "terms" and not (
        isinstance(body, list) and all(isinstance(t, dict) and "identifier" in t for t in body)
    ):
        raise BadResponse("unexpected answer: not a list of thesaurus terms")
    elif source.kind == "object" and not isinstance(body, dict):
        raise BadResponse("unexpected answer: not a JSON object")


def _check_unique(pages: list[CachedPage], total: int) -> None:
    """Records that shift between pages show up twice while others are never seen."""
    seen: set[str] = set()
    for page in pages:
        for doc in page.body["response"]["docs"]:
            seen.add(str(doc.get("identifier_s") or doc.get("id") or
                         json.dumps(doc, sort_keys=True)))
    if len(seen) < total:
        raise BadResponse(f"the results changed while paging: {total} records announced, "
                          f"{len(seen)} distinct ones delivered (duplicates across pages)")
