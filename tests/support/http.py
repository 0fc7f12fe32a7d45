"""Serve a built site over real HTTP under a URL prefix, the way a CHM host would.

Sites are often published below a path (``https://example.org/chm/``), so tests serve
the output directory only under a prefix: links that escape it break here as they
would in production.
"""

from __future__ import annotations

import contextlib
import http.server
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

__all__ = ["serve_directory", "CONTENT_TYPES"]

# Text types always carry an explicit charset so encoding bugs are not masked by
# browser sniffing.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    "": "application/octet-stream",
}


def _normalise_prefix(prefix: str) -> str:
    prefix = "/" + prefix.strip("/")
    return prefix if prefix == "/" else prefix + "/"


class _PrefixedHandler(http.server.SimpleHTTPRequestHandler):
    """Static files of ``directory``, reachable only below ``url_prefix``."""

    url_prefix = "/"
    protocol_version = "HTTP/1.1"
    extensions_map = CONTENT_TYPES

    def __init__(self, *args: Any, directory: str, **kwargs: Any) -> None:
        self.site_root = Path(directory)
        super().__init__(*args, directory=directory, **kwargs)

    # -- routing ---------------------------------------------------------------------

    def _site_path(self) -> str | None:
        """The request path relative to the prefix (with leading "/"), or None if outside."""
        raw = urllib.parse.urlsplit(self.path).path
        decoded = urllib.parse.unquote(raw)
        if ".." in decoded.split("/") or "\\" in decoded:
            return None
        if not decoded.startswith(self.url_prefix):
            return None
        return "/" + decoded[len(self.url_prefix) :]

    def send_head(self) -> Any:
        raw = urllib.parse.urlsplit(self.path).path
        if self.url_prefix != "/" and raw == self.url_prefix.rstrip("/"):
            # "/chm" -> "/chm/", as static hosts do for directories.
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.url_prefix)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if self._site_path() is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Outside the site prefix")
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        site_path = self._site_path()
        if site_path is None:
            # Unreachable (send_head rejects these first); a trailing "/" on a non-directory
            # makes SimpleHTTPRequestHandler answer 404 should it ever happen.
            return str(self.site_root / "-outside-prefix-") + "/"
        return super().translate_path(site_path)

    def list_directory(self, path: str | Any) -> None:
        # Real static hosts do not list directories: a directory needs an index.html.
        self.send_error(HTTPStatus.NOT_FOUND, "No index.html in directory")
        return None

    # -- responses -------------------------------------------------------------------

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site_root / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(code, message)
        self.send_header("Content-Type", CONTENT_TYPES[".html"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def end_headers(self) -> None:
        # Each test sees the files as they are now, never a cached copy.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Browsers drop connections mid-response (cancelled loads, closed pages);
        # that is not a test failure and should not spam the output.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


@contextlib.contextmanager
def serve_directory(root: Path, prefix: str = "/chm/") -> Iterator[str]:
    """Serve ``root`` at ``http://127.0.0.1:PORT{prefix}`` until the block exits.

    ``{prefix}index.html`` maps to ``root/index.html``; ``{prefix}dir/`` to
    ``root/dir/index.html``; ``{prefix}dir`` redirects to ``{prefix}dir/``. Anything outside
    the prefix, missing files and directories without ``index.html`` get 404, with the body
    of ``root/404.html`` when the site has one. Yields the base URL, ending in ``/``.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"serve_directory: {root} is not a directory")
    prefix_path = _normalise_prefix(prefix)

    class Handler(_PrefixedHandler):
        url_prefix = prefix_path

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

    server = _QuietServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"serve_directory:{port}",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}{prefix_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
