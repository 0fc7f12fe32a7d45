"""Documentation generated from chmgen's own definitions stays in step with them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from chmgen.cli import cli
from chmgen.clidoc import cli_reference

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_cli_reference_is_generated_from_the_commands() -> None:
    """docs/cli.md is exactly what `chmgen docs cli` prints: it cannot drift."""
    assert (DOCS / "cli.md").read_text("utf-8") == cli_reference(cli), \
        "run: chmgen docs cli > docs/cli.md"


def test_cli_reference_lists_every_command_and_option() -> None:
    text = cli_reference(cli)
    for heading in ("## `chmgen build`", "## `chmgen bundle`", "## `chmgen deploy`",
                    "## `chmgen docs cli`", "## `chmgen i18n init`", "## `chmgen init`"):
        assert heading in text
    assert "| `--remote TEXT` | Git remote to push to.  [default: origin] |" in text
    assert "`-h, --help`" not in text.split("## `chmgen build`", 1)[1]


BROKEN = {
    "yaml syntax": ("targets/t1.yml", "short_title: Protect", "short_title: [Protect"),
    "unknown key": ("targets/t1.yml", "\nlead:", "\nleed:"),
    "wrong type": ("targets/t1.yml", "aichi_targets: [11]", "aichi_targets: {target: 11}"),
    "unknown GBF target": ("targets/t1.yml", "  - target: 3\n", "  - target: 24\n"),
    "missing CSV": ("indicators/protected-areas.yml", "\ndata:\n",
                    "\ndata_file: protected-areas.csv\nunused:\n"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_troubleshooting_shows_the_real_message(case: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Each message quoted in docs/troubleshooting.md is what chmgen prints today."""
    CliRunner().invoke(cli, ["init", str(tmp_path), "--country", "ke"])
    name, old, new = BROKEN[case]
    path = tmp_path / name
    text = path.read_text("utf-8")
    assert old in text, f"{case}: the skeleton changed; update this test and the guide"
    text = text.replace(old, new, 1)
    if case == "missing CSV":
        text = text.split("\nunused:\n", 1)[0] + "\n"
    path.write_text(text, "utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 1
    guide = (DOCS / "troubleshooting.md").read_text("utf-8")
    first = next(line for line in result.stderr.splitlines() if line.startswith(name))
    message = re.sub(r"^[^:]+:\d+:\d+: ", "", first)
    assert message in guide, f"{case}: docs/troubleshooting.md lacks: {message}"
