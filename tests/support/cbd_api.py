"""A fixture central CHM: a real HTTP server on 127.0.0.1 answering like the central CHM API from
recorded responses (a small Solr emulator), with faults injected per request.

    with serve_cbd_api(DEMO) as api:
        api.fault("reset", match="focalPoint", times=3)
        build(site, records=FetchOptions(api_url=api.url))
        assert api.count("focalPoint") == 3
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.server
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DEMO", "FixtureApi", "Fault", "Seen", "serve_cbd_api"]

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "cbd_api" / "demo"
LAST_MODIFIED = "Tue, 17 Nov 2026 09:00:00 GMT"
FAULTS = ("delay", "reset", "status", "invalid-json", "truncated", "html", "numfound",
          "duplicates", "shape")


@dataclass
class Fault:
    """A fault served to requests whose path and query contain ``match`` (all when ""):
    ``times`` requests in a row (None: for ever); ``pages_after_first`` spares start=0."""

    kind: str
    match: str = ""
    times: int | None = None
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    pages_after_first: bool = False

    def applies(self, seen: Seen) -> bool:
        if self.times == 0 or self.match not in seen.target:
            return False
        return not (self.pages_after_first and seen.param("start", "0") == "0")


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    target: str  # unquoted path and query
    headers: dict[str, str]
    at: float

    def param(self, name: str, default: str = "") -> str:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.target).query)
        return query.get(name, [default])[0]


@dataclass
class FixtureApi:
    """The state of a running fixture API: its data, faults and the requests it saw."""

    url: str = ""
    docs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)  # path -> JSON body
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self, kind: str, match: str = "", times: int | None = None, **options: Any) -> Fault:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULTS)})")
        rule = Fault(kind, match, times, **options)
        with self.lock:
            self.faults.append(rule)
        return rule

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()
            self.seen.clear()

    def count(self, match: str = "") -> int:
        return sum(1 for s in self.seen if match in s.target)

    def take(self, seen: Seen) -> Fault | None:
        with self.lock:
            self.seen.append(seen)
            for rule in self.faults:
                if rule.applies(seen):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return None

    def load(self, folder: Path) -> FixtureApi:
        """Read recorded responses: ``index-select.<schema>[.<country>].json`` (Solr answers
        whose docs are served again, filtered), thesaurus terms, countries, documents."""
        for path in sorted(folder.glob("index-select.*.json")):
            body = json.loads(path.read_text("utf-8"))
            self.docs.setdefault(path.name.split(".")[1], []).extend(body["response"]["docs"])
        for path in sorted(folder.glob("thesaurus.*.terms.json")):
            domain = path.name.split(".")[1]
            self.objects[f"/api/v2013/thesaurus/domains/{domain}/terms"] = _read(path)
        for path in sorted(folder.glob("countries.*.json")):
            self.objects[f"/api/v2013/countries/{path.name.split('.')[1]}"] = _read(path)
        for path in sorted((folder / "documents").glob("*.json")):
            self.objects[f"/api/v2013/documents/{path.stem}"] = _read(path)
        return self

    def answer(self, target: str) -> tuple[int, Any]:
        """The normal answer to a GET: a Solr select, or a recorded object, or 404."""
        parts = urllib.parse.urlsplit(target)
        if parts.path in ("/api/v2013/index/select", "/api/v2013/index"):
            return 200, self.select(urllib.parse.parse_qs(parts.query))
        if parts.path in self.objects:
            return 200, self.objects[parts.path]
        return 404, {"statusCode": 404, "code": "notFound", "message": "Not found"}

    def select(self, query: dict[str, list[str]]) -> dict[str, Any]:
        terms = [t for q in query.get("q", []) + query.get("fq", []) for t in _terms(q)]
        schemas = [v for k, v in terms if k == "schema_s"]
        pool = [d for s in (schemas or list(self.docs)) for d in self.docs.get(s, [])]
        found = [d for d in pool if all(_matches(d, k, v) for k, v in terms)]
        sort = query.get("sort", [""])[0].split()
        if len(sort) == 2:
            found.sort(key=lambda d: str(d.get(sort[0], "")), reverse=sort[1] == "desc")
        start, rows = int(query.get("start", ["0"])[0]), int(query.get("rows", ["10"])[0])
        return {"response": {"numFound": len(found), "start": start,
                             "docs": found[start:start + rows]}, "nonSupportedParams": []}


def _terms(query: str) -> list[tuple[str, str]]:
    return [(k, v.strip("()")) for k, v in re.findall(r"([A-Za-z_]+):(\S+)", query)]


def _matches(doc: dict[str, Any], key: str, value: str) -> bool:
    if value == "*":
        return key in doc
    have = doc.get(key, "public" if key == "_state_s" else None)
    return value in have if isinstance(have, list) else str(have) == value


def _read(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: FixtureApi

    def do_GET(self) -> None:  # noqa: N802 (http.server's API)
        seen = Seen(urllib.parse.unquote_plus(self.path), dict(self.headers.items()),
                    time.monotonic())
        fault = self.api.take(seen)
        status, body = self.api.answer(self.path)
        if fault is not None and self._serve_fault(fault, body):
            return
        if fault is not None and status == 200:
            body = _distort(fault, body, self.api, self.path)
        self._send_json(status, body, seen)

    def _send_json(self, status: int, body: Any, seen: Seen) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        if status == 200 and seen.headers.get("If-None-Match") == etag:
            self._send(304, b"", {"ETag": etag, "Last-Modified": LAST_MODIFIED})
            return
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if status == 200:
            headers.update({"ETag": etag, "Last-Modified": LAST_MODIFIED})
        self._send(status, data, headers)

    def _serve_fault(self, fault: Fault, body: Any) -> bool:
        """Faults that replace the answer; False for those that distort the body."""
        kind = fault.kind
        if kind == "delay":
            time.sleep(fault.seconds)
            return False
        if kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return True
        if kind == "status":
            headers = {"Content-Type": "application/json"}
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            phrase = http.HTTPStatus(fault.status).phrase
            self._send(fault.status, json.dumps({"message": phrase}).encode(), headers)
            return True
        if kind == "invalid-json":
            self._send(200, b'{"response": {"numFound": 3, "start": 0, "docs": [{"id": "a"},',
                       {"Content-Type": "application/json"})
            return True
        if kind == "html":
            page = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
                    b"<h1>Bad Gateway</h1><p>The proxy server received an invalid response."
                    b"</p></body></html>")
            self._send(200, page, {"Content-Type": "text/html; charset=utf-8"})
            return True
        if kind == "truncated":
            data = json.dumps(body).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        return False

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _distort(fault: Fault, body: Any, api: FixtureApi, path: str) -> Any:
    """Faults inside a well-formed answer: lies about numFound, shifted or reshaped pages."""
    if not isinstance(body, dict) or "response" not in body:
        return body
    response = dict(body["response"])
    if fault.kind == "numfound":
        response["numFound"] = response["numFound"] + 5
    elif fault.kind == "duplicates" and response["docs"]:
        # The index changed between pages: the last record of the previous page comes again.
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        start = int(query.get("start", ["0"])[0])
        if start > 0:
            earlier = api.select({**query, "start": [str(start - 1)], "rows": ["1"]})
            response["docs"] = earlier["response"]["docs"] + response["docs"][:-1]
    elif fault.kind == "shape":
        return {"docs": response["docs"], "total": response["numFound"]}
    return {**body, "response": response}


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets and cut connections are what the faults are for


@contextlib.contextmanager
def serve_cbd_api(data: Path | None = DEMO,
                  setup: Callable[[FixtureApi], None] | None = None) -> Iterator[FixtureApi]:
    """Run a fixture API on 127.0.0.1 (a free port) until the block exits."""
    api = FixtureApi().load(data) if data is not None else FixtureApi()
    if setup is not None:
        setup(api)

    class Handler(_Handler):
        pass

    Handler.api = api
    server = _Server(("127.0.0.1", 0), Handler)
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
