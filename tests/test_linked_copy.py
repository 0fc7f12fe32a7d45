"""A rebuild on the command line builds in a copy of the output folder made of hard links by
``cp -al`` while the site is read (chmgen.output.LinkedCopy): it writes only what changed, and
whatever happens, no copy is left behind and the published folder is replaced whole or not
at all. The folder is listed meanwhile too: when it is as the last build left it, the build
does not look at it again."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chmgen import output
from chmgen.build import build
from chmgen.cli import cli
from tests.support.fixtures import local_sample_site

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("cp"),
                                reason="the copy is made by GNU cp, on Linux")


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino
            for p in folder.rglob("*") if p.is_file()}


def rebuild(site: Path, out: Path) -> int:
    """``chmgen build`` in this process (its pages rendered here: -j1)."""
    done = CliRunner().invoke(cli, ["build", str(site), "-o", str(out), "-q", "-j1"])
    return done.exit_code


def clean_build(site: Path, folder: Path) -> dict[str, bytes]:
    build(site, folder, incremental=False, cache=False, jobs=1)
    return files(folder)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".staging-" in p.name or ".old-" in p.name)


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    site = local_sample_site(tmp_path)
    out = tmp_path / "out"
    assert rebuild(site, out) == 0
    return site, out


def edit_a_page(site: Path) -> Path:
    page = site / "pages" / "about.md"
    page.write_text(page.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    return page


def test_a_rebuild_writes_only_what_changed_into_the_copy(
        built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, out = built
    before = inodes(out)
    edit_a_page(site)
    import chmgen.build as engine
    from chmgen import pipeline

    def no_linking(*args: object) -> None:
        raise AssertionError("the build linked files itself")

    monkeypatch.setattr(engine, "link_tree", no_linking)
    monkeypatch.setattr(pipeline, "link_file", no_linking)
    taken: list[Path | None] = []
    take = output.LinkedCopy.take
    monkeypatch.setattr(output.LinkedCopy, "take",
                        lambda self: taken.append(take(self)) or taken[-1])
    assert rebuild(site, out) == 0
    assert len(taken) == 1 and taken[0] is not None
    assert files(out) == clean_build(site, tmp_path / "clean")
    after = inodes(out)
    changed = {path for path in after if after[path] != before.get(path)}
    assert "about/index.html" in changed and "sitemap.xml" not in changed
    assert "index.html" not in changed and "assets/chmgen.css" not in changed
    assert leftovers(tmp_path) == []


def test_a_copy_the_build_cannot_use_is_removed(built: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    site, out = built
    (out / "stray.html").write_text("not chmgen's", "utf-8")  # the manifest no longer matches
    edit_a_page(site)
    assert rebuild(site, out) == 0
    assert files(out) == clean_build(site, tmp_path / "clean")
    assert leftovers(tmp_path) == []


def test_when_cp_fails_the_build_links_the_files_itself(
        built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, out = built
    edit_a_page(site)
    failing = shutil.which("false")
    assert failing is not None
    monkeypatch.setattr(output.shutil, "which", lambda name: failing if name == "cp" else None)
    assert rebuild(site, out) == 0
    assert files(out) == clean_build(site, tmp_path / "clean")
    assert leftovers(tmp_path) == []


def test_a_failed_rebuild_leaves_the_folder_and_no_copy(built: tuple[Path, Path],
                                                        tmp_path: Path) -> None:
    site, out = built
    before = files(out)
    (site / "overrides").mkdir(exist_ok=True)
    (site / "overrides" / "base.html").write_text("{% block main %}", "utf-8")
    assert rebuild(site, out) == 1
    assert files(out) == before
    assert leftovers(tmp_path) == []


def test_a_rebuild_with_nothing_to_write_leaves_no_copy(built: tuple[Path, Path],
                                                        tmp_path: Path) -> None:
    site, out = built
    before = inodes(out)
    target = next((site / "targets").glob("*.yml"))
    target.write_text(target.read_text("utf-8") + "\n# a comment changes no page\n", "utf-8")
    assert rebuild(site, out) == 0
    assert inodes(out) == before  # the very files: nothing was replaced
    assert leftovers(tmp_path) == []


def test_a_folder_listed_as_the_last_build_left_it_is_not_walked_again(
        built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, out = built
    import chmgen.build as engine

    walked: list[Path] = []
    matches = engine.output_matches
    monkeypatch.setattr(engine, "output_matches",
                        lambda folder, manifest: walked.append(folder) or matches(folder,
                                                                                  manifest))
    edit_a_page(site)
    assert rebuild(site, out) == 0
    assert walked == []  # the listing made meanwhile said so
    (out / "about" / "index.html").write_text("edited by hand", "utf-8")
    edit_a_page(site)
    assert rebuild(site, out) == 0
    assert walked == [out]  # a folder changed by hand: looked at, and built again whole
    assert files(out) == clean_build(site, tmp_path / "clean")
