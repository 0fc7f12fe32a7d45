"""Progress and verbosity: a live line on terminals only, -v step lines, -q silence."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from chmgen.cli import cli
from chmgen.progress import NORMAL, QUIET, VERBOSE, ProgressDisplay, Step, live_terminal

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def site(tmp_path: Path) -> Path:
    CliRunner().invoke(cli, ["init", str(tmp_path / "site"), "--country", "ws"])
    return tmp_path / "site"


def test_build_prints_one_summary_line_by_default(site: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(site), "--offline"])
    assert result.exit_code == 0, result.output
    assert "\r" not in result.stderr and "rendering" not in result.stderr  # not a terminal
    summary = result.stdout.splitlines()[-1]
    assert re.fullmatch(r"built \d+ pages \(\d+ en\) into .+ — \d+ warning\(s\), \d+ kB, "
                        r"\d+\.\d\d s", summary), summary


def test_build_verbose_lists_each_step(site: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(site), "--offline", "-v"])
    assert result.exit_code == 0, result.output
    steps = [re.sub(r" \(\d+\)", "", line.split(":")[0].strip())
             for line in result.stderr.splitlines() if line.startswith("  ")]
    assert steps[:2] == ["loading content", "rendering pages"]
    assert "recording dependencies" in steps
    assert result.stdout.splitlines()[-1].startswith("built ")


def test_build_quiet_prints_nothing_but_errors(site: Path) -> None:
    assert CliRunner().invoke(cli, ["build", str(site), "--offline", "-q"]).output == ""
    (site / "targets" / "t1.yml").write_text("title: [unclosed\n", "utf-8")
    failed = CliRunner().invoke(cli, ["build", str(site), "--offline", "--quiet"])
    assert failed.exit_code == 1 and failed.stdout == ""
    assert "t1.yml:" in failed.stderr


def test_quiet_and_verbose_exclude_each_other(site: Path) -> None:
    for command in ("build", "bundle", "deploy"):
        result = CliRunner().invoke(cli, [command, str(site), "-q", "-v"])
        assert result.exit_code == 2, command
        assert "-q/--quiet and -v/--verbose exclude each other" in result.output


def test_live_line_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    ticks = iter(float(n) for n in range(100))
    display = ProgressDisplay(NORMAL, live=True, clock=lambda: next(ticks))
    with display:
        display(Step("rendering pages", 0, 2))
        display(Step("rendering pages", 1, 2))
        display(Step("rendering pages", 2, 2))
        display(Step("writing files", 0, 3))
    err = capsys.readouterr().err
    assert err == ("\r\x1b[Krendering pages 0/2\r\x1b[Krendering pages 1/2"
                   "\r\x1b[Krendering pages 2/2\r\x1b[K\r\x1b[Kwriting files 0/3\r\x1b[K")


def test_verbose_without_terminal_prints_finished_steps(
        capsys: pytest.CaptureFixture[str]) -> None:
    ticks = iter([0.0, 0.0, 1.0, 1.5, 1.5, 3.0, 4.0])
    with ProgressDisplay(VERBOSE, live=False, clock=lambda: next(ticks)) as display:
        display(Step("loading content"))
        display(Step("rendering pages", 0, 7))
        display(Step("rendering pages", 7, 7))
    assert capsys.readouterr().err == ("  loading content: 1.00 s\n"
                                       "  rendering pages (7): 2.50 s\n")


def test_quiet_display_never_draws(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressDisplay(QUIET, live=True) as display:
        display(Step("rendering pages", 1, 2))
    assert capsys.readouterr().err == ""


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("ci", "live"), [(None, True), ("true", False), ("1", False),
                                          ("false", True), ("", True)])
def test_live_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch, ci: str | None,
                                            live: bool) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert live_terminal(Tty()) is live
    assert live_terminal(io.StringIO()) is False
