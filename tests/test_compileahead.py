"""Templates compiled ahead (chmgen/compileahead.py): a rebuild's second process compiles the
site's templates into the compiled-template cache, where the renderer finds them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment

from chmgen import compileahead
from chmgen.build import build, load_and_plan, make_renderer
from tests.support.fixtures import local_sample_site

EPOCH = "1790000000"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A compiled-template cache of this test's own, and a fixed build date."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.delenv("CHMGEN_TEMPLATE_CACHE", raising=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return local_sample_site(tmp_path)


def _compiled_by_renderer(site: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates a renderer of ``site`` compiles itself to render every page (not found
    in the cache)."""
    compiled: list[str] = []
    original = Environment.compile

    def compiling(self: Environment, source: Any, name: str | None = None,
                  filename: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name or "?")
        return original(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", compiling)
    loaded, _ = load_and_plan(site)
    make_renderer(loaded, cache_dir=site / ".chmgen" / "render").warm(loaded.pages)
    monkeypatch.setattr(Environment, "compile", original)
    return compiled


def test_what_is_compiled_ahead_the_renderer_finds_compiled(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every template of the theme chain and the site's overrides is compiled into the cache
    as the renderer compiles it: the renderer then compiles none, also after an edit."""
    assert _compiled_by_renderer(site, monkeypatch)  # (an empty cache: it compiles them)
    overrides = site / "overrides"
    overrides.mkdir(exist_ok=True)
    base = (Path(compileahead.__file__).parent.parent / "themes" / "default" / "templates"
            / "base.html").read_text("utf-8")
    (overrides / "base.html").write_text(base + "{# edited #}\n", "utf-8")
    assert "base.html" in _compiled_by_renderer(site, monkeypatch)  # (the edit: compiled)
    compileahead.compile_templates(site)  # (those no page uses, too)
    (overrides / "base.html").write_text(base + "{# edited again #}\n", "utf-8")
    from jinja2.bccache import Bucket

    compiled: list[str | None] = []
    loaded: list[str] = []
    compile_, load = Environment.compile, Bucket.load_bytecode
    monkeypatch.setattr(Environment, "compile", lambda self, source, name=None, *a, **k: (
        compiled.append(name), compile_(self, source, name, *a, **k))[1])
    monkeypatch.setattr(Bucket, "load_bytecode", lambda self, f: (
        loaded.append(self.key), load(self, f))[1])
    done = compileahead.compile_templates(site)
    # The edited one compiled (Jinja looked its old entry up first); the others, there
    # already, not even loaded.
    assert compiled == ["base.html"] and len(loaded) == 1
    monkeypatch.setattr(Environment, "compile", compile_)
    monkeypatch.setattr(Bucket, "load_bytecode", load)
    assert {"base.html", "page.html", "target.html"} <= set(done)
    assert not any(name.startswith("!") for name in done)
    assert _compiled_by_renderer(site, monkeypatch) == []


def test_a_template_that_does_not_compile_is_left_to_the_build(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overrides = site / "overrides"
    overrides.mkdir(exist_ok=True)
    (overrides / "page.html").write_text("{% extends 'base.html' %}{% block main %}", "utf-8")
    done = compileahead.compile_templates(site)
    assert "page.html" not in done and "base.html" in done
    with pytest.raises(Exception, match="page.html"):
        build(site, tmp_path / "out")


def test_no_process_where_it_could_not_help(site: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """One job asked for, or the cache turned off: no process is forked."""
    def forking() -> int:
        raise AssertionError("a process was forked")

    monkeypatch.setattr(os, "fork", forking)
    assert compileahead.start(site, 1) is None
    monkeypatch.setenv("CHMGEN_JOBS", "1")
    assert compileahead.start(site, None) is None
    monkeypatch.setenv("CHMGEN_JOBS", "2")
    monkeypatch.setenv("CHMGEN_TEMPLATE_CACHE", "0")
    assert compileahead.start(site, None) is None
    monkeypatch.delenv("CHMGEN_TEMPLATE_CACHE")
    with pytest.raises(AssertionError, match="forked"):  # (two jobs, the cache on: forked)
        compileahead.start(site, None)


def test_the_command_line_compiles_ahead_for_a_rebuild_only(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first build into a folder converts Markdown ahead instead; a rebuild after a
    template changed forks the process compiling templates, and the build waits for it before
    it loads the templates, then once more before it ends (stopping it, had it not ended); a
    rebuild after a page changed, or with nothing to do, forks none."""
    from click.testing import CliRunner

    from chmgen.cli import cli

    events: list[str] = []
    start, finish, wait = compileahead.start, compileahead.finish, compileahead.wait

    def starting(root: Path, jobs: int | None) -> int | None:
        pid = start(root, jobs)
        events.append("start" if pid else "none")
        return pid

    def finishing(pid: int | None) -> None:
        finish(pid)
        assert pid is not None
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # (waited for: gone)
        events.append("finish")

    def waiting(pid: int | None) -> None:
        if pid is not None:
            events.append("wait")
            wait(pid)
            with pytest.raises(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # (done before the templates are loaded)

    from chmgen import pipeline

    warm = pipeline.Renderer.warm

    def warming(self: pipeline.Renderer, pages: object) -> None:
        if events and events[-1] != "warm":
            events.append("warm")
        warm(self, pages)  # type: ignore[arg-type]

    monkeypatch.setattr(compileahead, "start", starting)
    monkeypatch.setattr(compileahead, "finish", finishing)
    monkeypatch.setattr(compileahead, "wait", waiting)
    monkeypatch.setattr(pipeline.Renderer, "warm", warming)
    out = tmp_path / "out"
    command = ["build", str(site), "-o", str(out), "--offline", "-q", "--jobs", "2"]
    assert CliRunner().invoke(cli, command).exit_code == 0
    assert events == []  # (the first build: Markdown converted ahead)
    (site / "pages" / "about.md").write_text("---\ntitle: About\n---\n\nChanged.\n", "utf-8")
    assert CliRunner().invoke(cli, command).exit_code == 0
    assert events == []  # (no template changed: every one is in the cache)
    (site / "overrides").mkdir(exist_ok=True)
    (site / "overrides" / "page.html").write_text(
        "{% extends 'base.html' %}{% block main %}<h1>{{ page.key }}</h1>{% endblock %}\n",
        "utf-8")
    again = CliRunner().invoke(cli, command)
    assert again.exit_code == 0, again.output
    assert events == ["start", "wait", "warm", "finish"]
    events.clear()
    assert CliRunner().invoke(cli, command).exit_code == 0  # nothing to do
    assert events == []


def test_what_may_need_compiling(tmp_path: Path) -> None:
    from chmgen.noop import Changes

    def changes(*files: str, themes: bool = False) -> Changes:
        return Changes(frozenset(files), themes, "manifest")

    assert compileahead.needed(None)  # (nothing known of the last build)
    assert compileahead.needed(changes(themes=True))  # (a theme outside the site)
    for changed in ("overrides/base.html", "themes/mine/templates/feed.xml",
                    "mytheme/templates/robots.txt", "themes/mine/theme.yml", "chmgen.yml"):
        assert compileahead.needed(changes("pages/about.md", changed)), changed
    assert not compileahead.needed(changes("pages/about.md", "targets/t1.yml",
                                           "static/logo.png"))


def test_finish_stops_a_process_still_compiling() -> None:
    """``finish`` stops the process when it is still at work, and waits for it."""
    pid = os.fork()
    if pid == 0:  # a process still at work when the build is done
        compileahead.signal.signal(compileahead.signal.SIGTERM, compileahead._stop)
        try:
            while True:
                pass
        finally:
            os._exit(3)
    compileahead.finish(pid)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)
