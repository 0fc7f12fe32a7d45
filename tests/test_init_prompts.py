"""chmgen init on a terminal asks for what the flags do not say; without one it never asks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from chmgen.cli import cli


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chmgen.prompts.terminal_attached", lambda: True)


def config_of(site: Path) -> dict[str, object]:
    return yaml.safe_load((site / "chmgen.yml").read_text("utf-8"))  # type: ignore[no-any-return]


@pytest.mark.usefixtures("terminal")
def test_init_asks_for_country_languages_and_title(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = CliRunner().invoke(cli, ["init", str(site)], input="zz9\nWS\nen,fr\n\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Country (ISO 3166-1 alpha-2 code, e.g. ws, ke, fr): zz9",
        "Error: 'zz9' is not an ISO 3166-1 alpha-2 country code (e.g. ws, ke, fr)",
        "Country (ISO 3166-1 alpha-2 code, e.g. ws, ke, fr): WS",
        "Languages, the default first (e.g. en or fr,en) [en]: en,fr",
        "Site title [Clearing-House Mechanism of Samoa]: ",
        f"created {len(list(p for p in site.rglob('*') if p.is_file()))} files in {site}",
        f"next: chmgen serve {site}",
    ]
    config = config_of(site)
    assert config["country"] == "ws" and config["languages"] == ["en", "fr"]
    # Keeping the suggested title keeps a translated title for every language.
    assert config["title"] == {"en": "Clearing-House Mechanism of Samoa",
                               "fr": "Centre d'échange sur la biodiversité – Samoa"}


@pytest.mark.usefixtures("terminal")
def test_init_asks_only_for_what_is_missing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = CliRunner().invoke(cli, ["init", str(site), "--country", "ke", "--languages", "en,sw"],
                                input="Kenya National CHM\n")
    assert result.exit_code == 0, result.output
    assert result.output.count(": ") == 1 + result.output.count("next: ")
    assert config_of(site)["title"] == {"en": "Kenya National CHM"}


@pytest.mark.usefixtures("terminal")
def test_init_refuses_a_non_empty_folder_before_asking(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)], input="ws\n")
    assert result.exit_code == 1
    assert "Country" not in result.output
    assert f"chmgen: error: {tmp_path}: not empty" in result.output


def test_without_a_terminal_init_never_asks(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chmgen.prompts.terminal_attached", lambda: False)
    missing = CliRunner().invoke(cli, ["init", str(tmp_path / "a")], input="ws\n")
    assert missing.exit_code == 2
    assert "Missing option '--country' (no terminal to ask on)." in missing.output
    done = CliRunner().invoke(cli, ["init", str(tmp_path / "b"), "--country", "ws"])
    assert done.exit_code == 0, done.output
    assert config_of(tmp_path / "b")["languages"] == ["en"]
