"""``chmgen serve``: build into a temporary folder, serve the last good build, rebuild on change.

Changes arrive as file-system events (``watchfiles``: inotify, FSEvents, …), are batched for a
few milliseconds, and rebuild only what they affect (``live.py``). The browser reloads after the
rebuild; a failed build shows the same ``path:line:col: key: message`` lines as the terminal,
and the next good build replaces them.
"""

from __future__ import annotations

import html
import json
import logging
import shutil
import socket
import tempfile
import threading
import time
import urllib.parse
import webbrowser
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from livereload import Server
from livereload import server as livereload_server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import ioloop
from tornado.websocket import WebSocketClosedError
from watchfiles import Change, watch

from chmgen.errors import ChmgenError, ContentErrors
from chmgen.live import LiveBuild, Update
from chmgen.theme import theme_chain

IGNORED_PARTS = {"_site", ".chmgen", ".git", "__pycache__", ".venv", "node_modules"}


@dataclass
class ServeState:
    """The served site: where the last good build lives and the error of the last attempt."""

    root: Path
    out: Path
    debounce: float = 0.005  # seconds without a new change before rebuilding
    echo: Callable[[str], None] = click.echo
    error: str | None = None
    live: LiveBuild | None = None
    _pending: Any = field(default=None, repr=False)
    _rest: Any = field(default=None, repr=False)  # the timer of finish()
    deferred: Update | None = field(default=None, repr=False)  # what rebuild() left
    _changed: set[Path] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.live is None:
            self.live = LiveBuild(self.root, self.out)

    def rebuild(self, changed: set[Path] | None = None,
                viewing: Collection[str] = ()) -> bool:
        """Build once (a full build, or only what ``changed`` files affect); on failure the
        served folder keeps the last good build and the next build is a full one.

        Pages at the output paths in ``viewing`` (what browsers show) are rendered first; when
        one of them changed, the rebuild stops there (``self.deferred``) so that browser can
        reload at once, and ``finish()`` renders the other pages."""
        assert self.live is not None
        self.deferred = None
        with self._lock:
            started = time.perf_counter()
            try:
                if changed is None or self.live.manifest is None:
                    result = self.live.full(changed or ())
                    warnings, note = result.warnings, ""
                    summary = f"{sum(result.pages_per_language.values())} pages"
                else:
                    update = self.live.update(changed, viewing, defer=bool(viewing))
                    warnings = update.warnings
                    if update.pending:
                        for warning in warnings:
                            self.echo(str(warning))
                        self.error, self.deferred = None, update
                        return True
                    summary = (f"{update.rendered} of {update.pages} pages"
                               if not update.full else f"{update.pages} pages")
                    note = "" if update.full or update.rendered else " (all up to date)"
            except ContentErrors as exc:  # found while reading: nothing was written
                self.error = "\n".join(str(p) for p in exc.problems)
            except ChmgenError as exc:
                self.error = str(exc)
                self.live.manifest = None  # what is served may be partly new: rebuild it all
            else:
                self.error = None
                for warning in warnings:
                    self.echo(str(warning))
                seconds = time.perf_counter() - started
                self.echo(f"rebuilt {summary} in {seconds:.2f} s{note}")
                return True
            self.echo(self.error)
            self.echo("build failed: still serving the last good build (the browser shows the "
                      "errors until they are fixed)")
            return False

    def finish(self) -> bool:
        """Render what a deferred rebuild left: the pages no browser was showing."""
        assert self.live is not None
        first, self.deferred = self.deferred, None
        with self._lock:
            try:
                update = self.live.finish()
            except ChmgenError as exc:
                self.error = str(exc)
                self.live.manifest = None
                self.echo(self.error)
                self.echo("build failed: still serving the last good build (the browser shows "
                          "the errors until they are fixed)")
                return False
        if update is not None and first is not None:
            self.echo(f"rebuilt {update.rendered} of {update.pages} pages in "
                      f"{update.seconds:.2f} s (the page on screen first, in "
                      f"{first.seconds:.2f} s)")
        return True

    def schedule(self, changed: set[Path] | None = None) -> None:
        """Called on the server's loop for every batch of changes: changes that keep coming
        within ``debounce`` seconds cause a single rebuild."""
        self._changed.update(changed or ())
        loop = ioloop.IOLoop.current()
        if self._pending is not None:
            loop.remove_timeout(self._pending)
        self._pending = loop.call_later(self.debounce, self._rebuild_and_reload)

    def _rebuild_and_reload(self) -> None:
        self._pending = None
        loop = ioloop.IOLoop.current()
        if self._rest is not None:  # the last rebuild's other pages: this one renders them
            loop.remove_timeout(self._rest)
            self._rest = None
        changed, self._changed = self._changed, set()
        browsers = {waiter: shown_path(getattr(waiter, "url", None))
                    for waiter in list(LiveReloadHandler.waiters)}
        self.rebuild(changed, {path for path in browsers.values() if path is not None})
        if self.deferred is None:
            LiveReloadHandler.reload_waiters(path="*")  # the new page, or the error page
            return
        # The pages on screen are written: those browsers reload now, on an idle loop. The
        # other pages follow a moment later, once the reloaded pages are served.
        first = self.deferred.first
        reload({w for w, path in browsers.items() if path in first})
        self._rest = loop.call_later(REST_DELAY, self._finish_and_reload,
                                     {w for w, path in browsers.items() if path not in first})

    def _finish_and_reload(self, others: set[Any]) -> None:
        self._rest = None
        if self.finish():
            reload(others)
        else:
            LiveReloadHandler.reload_waiters(path="*")  # the error page

    def ignore(self, path: str) -> bool:
        parts = Path(path).parts
        return bool(IGNORED_PARTS.intersection(parts)) or Path(path).name.startswith(".#") \
            or Path(path).name.endswith(("~", ".swp", ".swx", ".tmp"))


# Seconds between the reload of the pages on screen and the rendering of the others.
REST_DELAY = 0.15


def reload(waiters: Iterable[Any]) -> None:
    """Tell these browsers (livereload websockets) to reload."""
    message = {"command": "reload", "path": "*", "liveCSS": True, "liveImg": True}
    for waiter in waiters:
        try:
            waiter.write_message(message)
        except WebSocketClosedError:
            LiveReloadHandler.waiters.discard(waiter)


def shown_path(url: str | None) -> str | None:
    """The output file a browser at ``url`` shows (``/targets/t1/`` → targets/t1/index.html)."""
    if not url:
        return None
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path).lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


class _ReloadHandler(LiveReloadHandler):  # type: ignore[misc]
    """livereload's websocket, remembering which page each browser shows (its "info")."""

    url: str | None = None

    def on_message(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("command") == "info" \
                and isinstance(data.get("url"), str):
            self.url = data["url"]
        super().on_message(message)


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
    """Tells livereload not to poll: changes come from file-system events (``watch_files``),
    and ServeState reloads browsers itself, after a successful rebuild."""

    def start(self, callback: Callable[..., Any]) -> bool:
        return True

    def examine(self) -> tuple[str | None, Any]:
        return None, None


def watch_files(paths: list[Path], state: ServeState, loop: ioloop.IOLoop,
                stop: threading.Event, ready: threading.Event) -> None:
    """Forward file-system events (inotify on Linux) to the server's loop, in batches;
    ``ready`` is set once the folders are watched."""
    def keep(change: Change, path: str) -> bool:
        return not state.ignore(path)

    # A batch is handed over once ``step`` ms pass without a new event: a save's events come
    # within a millisecond or two, and every step the watcher takes the interpreter's lock
    # once (to look at ``stop``), so 5 ms, not less (the loop's debounce merges the batches
    # of a slower save).
    for batch in watch(*paths, watch_filter=keep, debounce=1600, step=5, stop_event=stop,
                       raise_interrupt=False, yield_on_timeout=True, rust_timeout=200):
        ready.set()
        if batch:
            loop.add_callback(state.schedule, {Path(path) for _, path in batch})


class _Server(Server):  # type: ignore[misc]
    def __init__(self, state: ServeState) -> None:
        super().__init__(watcher=_Watcher())
        self.state = state

    def _setup_logging(self) -> None:
        """Keep livereload's own request and watcher logs out of the terminal."""
        logging.getLogger("livereload").setLevel(logging.WARNING)
        logging.getLogger("tornado.access").setLevel(logging.ERROR)

    def application(self, *args: Any, **kwargs: Any) -> None:
        """livereload's application, with the websocket handler that knows each browser's
        page (livereload names its handler class when it builds the routes)."""
        original = livereload_server.LiveReloadHandler
        livereload_server.LiveReloadHandler = _ReloadHandler
        try:
            super().application(*args, **kwargs)
        finally:
            livereload_server.LiveReloadHandler = original
        # what it set on the class it named, the rest of livereload reads from its own
        original.watcher, original.live_css = _ReloadHandler.watcher, _ReloadHandler.live_css

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
               open_browser: bool = False, debounce: float = 0.005) -> None:
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
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    stop, ready = threading.Event(), threading.Event()
    loop = ioloop.IOLoop.current()
    watcher = threading.Thread(target=watch_files, name="chmgen-watch", daemon=True,
                               args=(watched_paths(root), state, loop, stop, ready))
    watcher.start()

    def announce() -> None:  # on the running loop: the port is open and files are watched
        ready.wait(30)
        click.echo(f"serving {root} at {url} (Ctrl+C to stop)")
        if open_browser:
            webbrowser.open(url)

    loop.add_callback(announce)
    try:
        server.serve(port=port, host=host, root=str(state.out), restart_delay=0)
    finally:
        stop.set()
        shutil.rmtree(workdir, ignore_errors=True)
