"""chmgen serve, for real: a server process, HTTP requests, file edits and the livereload signal."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_for(predicate, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


class Served:
    def __init__(self, site: Path, port: int, log: Path) -> None:
        self.site, self.port, self.log = site, port, log
        self.url = f"http://127.0.0.1:{port}/"

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")

    def rebuilds(self) -> int:
        return self.output().count("rebuilt ")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "sample_site", site)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "chmgen", "serve", str(site), "--port", str(port)],
            stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    server = Served(site, port, log)
    try:
        wait_for(lambda: "serving" in server.output())
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _next_reload(port: int, timeout: float) -> dict[str, object]:
    conn = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
    conn.write_message(json.dumps({"command": "hello",
                                   "protocols": ["http://livereload.com/protocols/official-7"]}))
    await conn.read_message()
    conn.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/"}))
    try:
        while True:
            message = json.loads(await asyncio.wait_for(conn.read_message(), timeout))
            if message.get("command") == "reload":
                return message
    finally:
        conn.close()


def edit_and_wait_reload(served: Served, edit, timeout: float = 120.0) -> dict[str, object]:  # type: ignore[no-untyped-def]
    async def run() -> dict[str, object]:
        waiter = asyncio.ensure_future(_next_reload(served.port, timeout))
        await asyncio.sleep(1.0)  # the browser is connected before the edit
        edit()
        return await waiter
    # A thread of its own: Playwright's sync API may keep an event loop in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_serve_rebuilds_reloads_and_recovers(served: Served) -> None:
    status, home = fetch(served.url)
    assert status == 200 and "Verdania" in home and "livereload" in home
    target = served.site / "targets" / "t03.yml"
    original = target.read_text("utf-8")

    message = edit_and_wait_reload(served, lambda: target.write_text(
        original.replace("short_title:\n  en: ", "short_title:\n  en: Renamed ", 1)
        if "short_title:\n  en: " in original else
        original.replace("short_title: {en: ", "short_title: {en: Renamed ", 1), "utf-8"))
    assert message["command"] == "reload"
    assert "Renamed" in fetch(served.url + "targets/t03/")[1]

    edit_and_wait_reload(served, lambda: target.write_text("title: [broken\n", "utf-8"))
    status, page = fetch(served.url + "targets/")
    assert status == 500 and "targets/t03.yml:2:1: YAML syntax error" in page
    assert "targets/t03.yml:2:1: YAML syntax error" in served.output()
    assert fetch(served.url + "assets/chmgen.css")[0] == 200  # the last good build stays

    edit_and_wait_reload(served, lambda: target.write_text(original, "utf-8"))
    status, page = fetch(served.url + "targets/")
    assert status == 200 and "Renamed" not in page


def test_burst_of_edits_causes_one_rebuild(served: Served) -> None:
    """Saving several files at once ("save all") rebuilds once, and only what they affect."""
    pages = [served.site / "pages" / f"{name}.md" for name in ("about", "contact", "partners")]
    texts = [p.read_text("utf-8") for p in pages]
    before = served.rebuilds()

    def burst() -> None:
        for n, (page, text) in enumerate(zip(pages, texts, strict=True)):
            page.write_text(text + f"\nEdit {n}.\n", "utf-8")

    edit_and_wait_reload(served, burst)
    time.sleep(2.0)  # a second rebuild would have been reported by now
    assert served.rebuilds() == before + 1, served.output()
    last = served.output().strip().splitlines()[-1]
    assert re.fullmatch(r"rebuilt (\d+) of 301 pages in [\d.]+ s", last), last
    assert int(re.fullmatch(r"rebuilt (\d+) of .*", last).group(1)) < 30  # type: ignore[union-attr]
    assert "Edit 0." in fetch(served.url + "about/")[1]
    assert "Edit 2." in fetch(served.url + "partners/")[1]


def test_edits_in_a_row_each_show_up(served: Served) -> None:
    """Edits a moment apart each rebuild what they changed; the last one is served."""
    page = served.site / "pages" / "about.md"
    text = page.read_text("utf-8")
    for n in range(4):
        edit_and_wait_reload(served, lambda n=n: page.write_text(text + f"\nRow {n}.\n", "utf-8"))
        assert f"Row {n}." in fetch(served.url + "about/")[1]
    assert "Row 2." not in fetch(served.url + "about/")[1]


async def _reload_times(port: int, paths: list[str], edit, timeout: float  # type: ignore[no-untyped-def]
                        ) -> dict[str, float]:
    """Browsers on ``paths``; the edit; when each one is told to reload (and what it then
    fetches has the edit, checked by the caller)."""
    conns = []
    for path in paths:
        conn = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
        conn.write_message(json.dumps({"command": "hello", "protocols": [
            "http://livereload.com/protocols/official-7"]}))
        await conn.read_message()
        conn.write_message(json.dumps({"command": "info",
                                       "url": f"http://127.0.0.1:{port}/{path}"}))
        conns.append(conn)
    await asyncio.sleep(1.0)
    edit()

    async def first_reload(conn) -> float:  # type: ignore[no-untyped-def]
        while True:
            message = json.loads(await asyncio.wait_for(conn.read_message(), timeout))
            if message.get("command") == "reload":
                return time.monotonic()
    try:
        times = await asyncio.gather(*(first_reload(c) for c in conns))
    finally:
        for conn in conns:
            conn.close()
    return dict(zip(paths, times, strict=True))


def test_the_page_on_screen_reloads_before_the_others_are_rendered(served: Served) -> None:
    """Like Hugo's fast render: the browser showing the edited target reloads as soon as that
    page is written; the other pages (the list of targets, …) are rendered after, then the
    other browsers reload."""
    target = served.site / "targets" / "t03.yml"
    text = target.read_text("utf-8")
    assert "short_title:\n  en: Protect 30%" in text  # what the list of targets shows
    renamed = text.replace("short_title:\n  en: Protect", "short_title:\n  en: Swift Protect", 1)

    def run() -> dict[str, float]:
        return asyncio.run(_reload_times(
            served.port, ["targets/t03/", "about/"],
            lambda: target.write_text(renamed, "utf-8"), 60))
    with ThreadPoolExecutor(max_workers=1) as pool:
        times = pool.submit(run).result()
    assert times["targets/t03/"] < times["about/"], times
    assert "Swift " in fetch(served.url + "targets/t03/")[1]
    assert "Swift " in fetch(served.url + "targets/")[1]  # rendered before about/ reloaded
    wait_for(lambda: "(the page on screen first, in " in served.output(), 10)
