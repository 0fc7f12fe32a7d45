"""``chmgen check`` and ``chmgen build`` from the command line: exit codes, located messages, and
a failed build leaving the previous output exactly as it was."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from chmgen.cli import cli

MakeSite = Callable[..., Path]

# The central CHM is switched off: tests never touch the network.
CONFIG = """\
title: Test CHM
country: ke
languages: [en, fr]
central_chm: {enabled: false}
"""
VALID = {
    "chmgen.yml": CONFIG,
    "targets/t1.yml": """\
        title: {en: Protected areas, fr: Aires protégées}
        gbf_targets:
          - {target: 3, alignment: high}
        indicators: [forest]
        progress: on-track
        """,
    "indicators/forest.yml": "title: {en: Forest cover, fr: Couvert forestier}\n"
                             "data_file: forest.csv\n",
    "indicators/forest.csv": "year,value\n2020,30.5\n2021,31\n",
    "actions/a1.yml": "title: {en: Map forests, fr: Cartographier les forêts}\n"
                      "targets: [t1]\nstart: 2024\nend: 2026\n",
    "pages/about.md": "---\ntitle: About\n---\nAbout us.\n",
    "pages/about.fr.md": "---\ntitle: À propos\n---\nÀ propos de nous.\n",
    "news/launch.md": "---\ntitle: Launch\ndate: 2024-05-22\n---\nLaunched.\n",
    "news/launch.fr.md": "---\ntitle: Lancement\ndate: 2024-05-22\n---\nLancé.\n",
}
BROKEN_TARGET = "title: Protected areas\nprogress: on-trak\n"
BROKEN_MESSAGE = ("targets/t1.yml:2:11: progress: 'on-trak' is not one of on-track, "
                  "progress-insufficient, no-change, moving-away, unknown "
                  "(did you mean 'on-track'?)")
WARNING = "targets/t1.yml:1:8: title: warning: no translation for fr; the en text is shown instead"


def run(*args: str) -> Result:
    if args and args[0] == "build":
        args = ("build", "--offline", *args[1:])
    return CliRunner().invoke(cli, list(args), prog_name="chmgen")


def last_line(text: str) -> str:
    """The verdict line (check may print an informational report before it)."""
    return text.splitlines()[-1] if text else ""


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes (None for folders), by path relative to ``folder``."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def valid_site(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid site; the test runs in its parent folder, so paths print as ``site1/…``."""
    root = make_site(VALID)
    monkeypatch.chdir(root.parent)
    return root


# -- check ------------------------------------------------------------------------------------


def test_check_valid_site(valid_site: Path) -> None:
    before = snapshot(valid_site)
    result = run("check", valid_site.name)
    assert result.exit_code == 0, result.output
    assert last_line(result.stdout) == "site1: OK (0 warning(s))"
    assert result.stderr == ""
    assert snapshot(valid_site) == before  # check writes nothing


def test_check_defaults_to_the_current_directory(valid_site: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(valid_site)
    result = run("check")
    assert result.exit_code == 0, result.output
    assert last_line(result.stdout) == ".: OK (0 warning(s))"


def test_check_invalid_site_prints_located_errors(valid_site: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (valid_site / "targets/t1.yml").write_text(BROKEN_TARGET, encoding="utf-8")
    monkeypatch.chdir(valid_site)
    result = run("check", ".")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        BROKEN_MESSAGE,
        "chmgen: 1 error(s), 0 warning(s) counted as errors; nothing was written",
    ]


def test_check_paths_are_relative_to_the_working_directory(valid_site: Path) -> None:
    (valid_site / "targets/t1.yml").write_text(BROKEN_TARGET, encoding="utf-8")
    result = run("check", "site1")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "site1/" + BROKEN_MESSAGE


def test_check_reports_every_error(valid_site: Path) -> None:
    (valid_site / "targets/t1.yml").write_text(BROKEN_TARGET + "indicators: [wetlands]\n",
                                               encoding="utf-8")
    (valid_site / "indicators/forest.csv").write_text("year,value\n2020,lots\n",
                                                      encoding="utf-8")
    (valid_site / "news/launch.md").write_text("---\ntitle: Launch\ndate: 22/05/2024\n---\n",
                                               encoding="utf-8")
    result = run("check", "site1")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "site1/indicators/forest.csv:2:6: value: expected a number, got 'lots'",
        "site1/news/launch.md:3:7: date: expected a date as YYYY-MM-DD, got '22/05/2024'",
        "site1/" + BROKEN_MESSAGE,
        "site1/targets/t1.yml:3:14: indicators[0]: unknown national indicator 'wetlands' "
        "(no indicators/wetlands.yml)",
        "chmgen: 4 error(s), 0 warning(s) counted as errors; nothing was written",
    ]


def test_check_prints_warnings_and_succeeds(valid_site: Path) -> None:
    (valid_site / "targets/t1.yml").write_text("title: {en: Protected areas}\n",
                                               encoding="utf-8")
    result = run("check", "site1")
    assert result.exit_code == 0, result.output
    assert result.stderr == "site1/" + WARNING + "\n"
    assert last_line(result.stdout) == "site1: OK (1 warning(s))"


def test_check_strict_turns_a_warning_into_exit_1(valid_site: Path) -> None:
    (valid_site / "targets/t1.yml").write_text("title: {en: Protected areas}\n",
                                               encoding="utf-8")
    result = run("check", "--strict", "site1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "site1/" + WARNING,
        "chmgen: 0 error(s), 1 warning(s) counted as errors; nothing was written",
    ]


def test_check_reports_two_sources_writing_one_path(valid_site: Path) -> None:
    (valid_site / "pages/news.md").write_text("---\ntitle: News\n---\n", encoding="utf-8")
    (valid_site / "pages/news.fr.md").write_text("---\ntitle: Actualités\n---\n",
                                                 encoding="utf-8")
    result = run("check", "site1")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "site1/pages/news.md: writes fr/news/index.html, which a built-in page of chmgen also "
        "writes: rename one of them",
        "site1/pages/news.md: writes news/index.html, which a built-in page of chmgen also "
        "writes: rename one of them",
        "chmgen: 2 error(s), 0 warning(s) counted as errors; nothing was written",
    ]


def test_check_folder_without_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run("check", "empty")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "empty/chmgen.yml: no chmgen.yml here: is this a chmgen site? "
        "(create one with `chmgen init`)")


@pytest.mark.parametrize(
    "args",
    [("check", "--bogus"), ("check", "a", "b"), ("build", "--nope"), ("frobnicate",),
     ("build", "-o")],
)
def test_usage_errors_exit_2(valid_site: Path, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Error: " in result.stderr


@pytest.mark.parametrize(("args", "status"),
                         [(("check", "site1"), 0), (("check", "--bogus"), 2)])
def test_console_entry_point_exit_status(valid_site: Path, args: tuple[str, ...],
                                         status: int) -> None:
    done = subprocess.run([sys.executable, "-m", "chmgen", *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr


def test_site_dir_that_is_a_file_is_a_usage_error(valid_site: Path) -> None:
    result = run("check", "site1/chmgen.yml")
    assert result.exit_code == 2
    assert "is a file" in result.stderr


# -- build ------------------------------------------------------------------------------------


def test_build_valid_site(valid_site: Path) -> None:
    result = run("build", "site1", "-o", "out")
    assert result.exit_code == 0, result.output
    out = valid_site.parent / "out"
    files = snapshot(out)
    for page in ("index.html", "fr/index.html", "targets/t1/index.html",
                 "fr/targets/t1/index.html", "indicators/forest/index.html",
                 "news/launch/index.html", "about/index.html", "404.html"):
        assert files.get(page), page
    assert result.stdout.startswith("built ")


def test_console_build_writes_everything_before_it_ends(valid_site: Path) -> None:
    """The console script ends a build without tearing the interpreter down: what it printed
    (to a pipe, buffered) and everything it wrote must be there, and a second build must find
    the first one's record and the output unchanged."""
    def console_build() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "chmgen", "build", "site1", "-o", "out"],
                              capture_output=True, text=True, timeout=300)

    first = console_build()
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("built "), first.stdout
    files = snapshot(valid_site.parent / "out")
    assert files.get("index.html") and files.get("fr/targets/t1/index.html")
    second = console_build()
    assert second.returncode == 0, second.stderr
    assert "nothing changed since the last build, nothing written" in second.stdout
    assert snapshot(valid_site.parent / "out") == files


def test_failed_build_leaves_previous_output_untouched(valid_site: Path) -> None:
    parent = valid_site.parent
    first = run("build", "site1", "-o", "out")
    assert first.exit_code == 0, first.output
    before = snapshot(parent / "out")
    siblings = sorted(p.name for p in parent.iterdir())
    assert len(before) > 20

    (valid_site / "targets/t1.yml").write_text(BROKEN_TARGET, encoding="utf-8")
    second = run("build", "site1", "-o", "out")
    assert second.exit_code == 1
    assert second.stderr.splitlines() == [
        "site1/" + BROKEN_MESSAGE,
        "chmgen: 1 error(s), 0 warning(s) counted as errors; nothing was written",
    ]
    assert snapshot(parent / "out") == before
    assert sorted(p.name for p in parent.iterdir()) == siblings  # no staging folder left


def test_failed_build_creates_no_output(valid_site: Path) -> None:
    (valid_site / "targets/t1.yml").write_text(BROKEN_TARGET, encoding="utf-8")
    result = run("build", "site1")
    assert result.exit_code == 1
    assert not (valid_site / "_site").exists()


def test_build_strict_turns_a_warning_into_exit_1(valid_site: Path) -> None:
    first = run("build", "site1", "-o", "out")
    assert first.exit_code == 0, first.output
    before = snapshot(valid_site.parent / "out")

    (valid_site / "targets/t1.yml").write_text("title: {en: Protected areas}\n",
                                               encoding="utf-8")
    lenient = run("build", "site1", "-o", "lenient")
    assert lenient.exit_code == 0, lenient.output
    assert "site1/" + WARNING in lenient.stderr.splitlines()

    strict = run("build", "--strict", "site1", "-o", "out")
    assert strict.exit_code == 1
    assert strict.stderr.splitlines() == [
        "site1/" + WARNING,
        "chmgen: 0 error(s), 1 warning(s) counted as errors; nothing was written",
    ]
    assert snapshot(valid_site.parent / "out") == before


def test_quiet_build_prints_nothing(valid_site: Path) -> None:
    (valid_site / "targets/t1.yml").write_text("title: {en: Protected areas}\n",
                                               encoding="utf-8")
    result = run("build", "-q", "site1", "-o", "out")
    assert result.exit_code == 0, result.output
    assert result.output == ""
