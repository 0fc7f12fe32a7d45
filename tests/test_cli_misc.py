"""CliRunner tests of the smaller commands: i18n and docs."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from chmgen.cli import cli
from chmgen.theme import builtin_themes_dir


def test_i18n_init_status_update_on_a_theme_copy(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(builtin_themes_dir() / "default", theme)
    runner = CliRunner()
    assert runner.invoke(cli, ["i18n", "status", "--theme", str(theme)]).exit_code == 0
    created = runner.invoke(cli, ["i18n", "init", "sw", "--theme", str(theme)])
    assert created.exit_code == 0, created.output
    assert (theme / "locale" / "sw" / "LC_MESSAGES" / "messages.po").is_file()
    missing = runner.invoke(cli, ["i18n", "status", "sw", "--theme", str(theme)])
    assert missing.exit_code == 1 and "untranslated" in missing.output
    again = runner.invoke(cli, ["i18n", "init", "sw", "--theme", str(theme)])
    assert again.exit_code == 1 and "exists already" in again.output
    (theme / "templates" / "extra.html").write_text('{{ _("A brand-new string") }}', "utf-8")
    assert runner.invoke(cli, ["i18n", "update", "--theme", str(theme)]).exit_code == 0
    assert 'msgid "A brand-new string"' in (
        theme / "locale" / "fr" / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    status = runner.invoke(cli, ["i18n", "status", "fr", "--theme", str(theme)])
    assert status.exit_code == 1 and "A brand-new string" in status.output


def test_shipped_catalogs_are_complete() -> None:
    """The six UN languages translate every theme string (exit 0 means none is missing)."""
    result = CliRunner().invoke(cli, ["i18n", "status", "ar", "es", "fr", "ru", "zh"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": 0 untranslated") == 5


def test_docs_commands_print_the_references() -> None:
    content = CliRunner().invoke(cli, ["docs", "content"])
    assert content.exit_code == 0 and content.output.startswith("# Content reference")
    cli_ref = CliRunner().invoke(cli, ["docs", "cli"])
    assert cli_ref.exit_code == 0 and "chmgen build" in cli_ref.output
