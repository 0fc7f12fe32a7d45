"""``chmgen serve``: build into a temporary folder, serve the last good build, rebuild on change.

The browser reloads only after a complete, successful build; a failed build shows the same
``path:line:col: key: message`` lines as the terminal, and the next good build replaces them.
"""

from __future__ import annotations

import html
import logging
import shutil
import socket
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import ioloop

from chmgen.build import build
from chmgen.errors import ChmgenError, ContentErrors
from chmgen.theme import theme_chain

IGNORED_PARTS = {"_site", ".chmgen", ".git", "__pycache__", ".venv", "node_modules"}


@dataclass
class ServeState:
    """The served site: where the last good build lives and the error of the last attempt."""

    root: Path
    out: Path
    debounce: float = 1.0
    echo: Callable[[str], None] = click.echo
    error: str | None = None
    _pending: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def rebuild(self) -> bool:
        """Build once; on success the served folder is swapped, on failure it stays as it was."""
        with self._lock:
            started = time.perf_counter()
            try:
                result = build(self.root, self.out)
            except ContentErrors as exc:
                self.error = "\n".join(str(p) for p in exc.problems)
            except ChmgenError as exc:
                self.error = str(exc)
            else:
                self.error = None
                for warning in result.warnings:
                    self.echo(str(warning))
                pages = sum(result.pages_per_language.values())
                self.echo(f"rebuilt {pages} pages in {time.perf_counter() - started:.2f} s")
                return True
            self.echo(self.error)
            self.echo("build failed: still serving the last good build (the browser shows the "
                      "errors until they are fixed)")
            return False

    def schedule(self) -> None:
        """Called on every detected change: a burst of changes causes a single rebuild."""
        loop = ioloop.IOLoop.current()
        if self._pending is not None:
            loop.remove_timeout(self._pending)
        self._pending = loop.call_later(self.debounce, self._rebuild_and_reload)

    def _rebuild_and_reload(self) -> None:
        self._pending = None
        self.rebuild()
        LiveReloadHandler.reload_waiters(path="*")

    def ignore(self, path: str) -> bool:
        parts = Path(path).parts
        return bool(IGNORED_PARTS.intersection(parts)) or Path(path).name.startswith(".#")


def error_page(error: str) -> bytes:
    lines = "\n".join(html.escape(line) for line in error.splitlines())
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Build failed · chmgen</title><style>body{font-family:system-ui,sans-serif;"
        "margin:2rem;max-width:70rem}pre{background:#fdf0f0;border-left:4px solid #a4161a;"
        "padding:1rem;white-space:pre-wrap}</style></head><body><h1>Build failed</h1>"
        "<p>chmgen could not build the site. Fix these problems and save: this page reloads "
        "by itself.</p><pre id=\"chmgen-errors\">" + lines + "</pre></body></html>"
    ).encode("utf-8")


class _SiteHandler(StaticFileHandler):  # type: ignore[misc]
    """Static files of the last good build, or the error page while the build is broken."""

    state: ServeState

    def initialize(self, path: str, default_filename: str | None = None,
                   state: ServeState | None = None) -> None:
        super().initialize(path, default_filename)
        assert state is not None
        self.state = state

    async def get(self, path: str, include_body: bool = True) -> None:
        if self.state.error is not None and (path == "" or path.endswith(("/", ".html"))):
            self.set_status(500)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(error_page(self.state.error))
            return
        await super().get(path, include_body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        missing = Path(self.root) / "404.html"
        if status_code == 404 and missing.is_file():
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(missing.read_bytes())
        else:
            super().write_error(status_code, **kwargs)


class _Watcher(Watcher):  # type: ignore[misc]
    """livereload's polling watcher, minus its own reload messages: livereload would reload
    browsers as soon as a change is seen, before the rebuild; ServeState reloads them itself
    after a successful (debounced) rebuild."""

    def examine(self) -> tuple[str | None, Any]:
        super().examine()  # runs ServeState.schedule for changed paths
        return None, None


class _Server(Server):  # type: ignore[misc]
    def __init__(self, state: ServeState) -> None:
        super().__init__(watcher=_Watcher())
        self.state = state

    def _setup_logging(self) -> None:
        """Keep livereload's own request and watcher logs out of the terminal."""
        logging.getLogger("livereload").setLevel(logging.WARNING)
        logging.getLogger("tornado.access").setLevel(logging.ERROR)

    def get_web_handlers(self, script: bytes) -> list[tuple[str, type, dict[str, Any]]]:
        return [(r"/(.*)", _SiteHandler, {"path": str(self.state.out),
                                          "default_filename": "index.html",
                                          "state": self.state})]


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def watched_paths(root: Path) -> list[Path]:
    """The site folder, plus theme folders that live outside it."""
    paths = [root.resolve()]
    try:
        config_theme = _configured_theme(root)
        paths += [p for p in theme_chain(root, config_theme) if root.resolve() not in p.parents]
    except ChmgenError:
        pass
    return paths


def _configured_theme(root: Path) -> str:
    import yaml

    try:
        data = yaml.safe_load((root / "chmgen.yml").read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return "default"
    theme = data.get("theme") if isinstance(data, dict) else None
    return theme if isinstance(theme, str) else "default"


def serve_site(root: Path, *, host: str = "127.0.0.1", port: int = 8000,
               open_browser: bool = False, debounce: float = 1.0) -> None:
    """Serve ``root`` until interrupted."""
    if not (root / "chmgen.yml").is_file():
        raise ChmgenError(f"{root / 'chmgen.yml'}: no chmgen.yml here: is this a chmgen site?")
    workdir = Path(tempfile.mkdtemp(prefix="chmgen-serve-"))
    state = ServeState(root, workdir / "site", debounce)
    state.out.mkdir()
    logging.getLogger("livereload").setLevel(logging.WARNING)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: serving on {host}: anyone on this network can open the site",
                   err=True)
    port = port or free_port(host)
    state.rebuild()
    server = _Server(state)
    for path in watched_paths(root):
        server.watch(str(path), state.schedule, delay="forever", ignore=state.ignore)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    click.echo(f"serving {root} at {url} (Ctrl+C to stop)")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:
        server.serve(port=port, host=host, root=str(state.out), restart_delay=0)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
