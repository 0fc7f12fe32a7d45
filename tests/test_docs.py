"""Documentation generated from chmgen's own definitions stays in step with them."""

from __future__ import annotations

from pathlib import Path

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
