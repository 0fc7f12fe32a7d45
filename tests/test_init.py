"""chmgen init and chmgen new: new sites and files that build cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from chmgen.build import build
from chmgen.cli import cli
from chmgen.scaffold import TYPES


@pytest.mark.parametrize(("country", "languages", "name"), [
    ("ws", "en", "Samoa"),
    ("sn", "fr,en", "Sénégal"),
    ("jo", "ar,en,fr", "الأردن"),
])
def test_init_builds_cleanly(tmp_path: Path, country: str, languages: str, name: str) -> None:
    site = tmp_path / "site"
    result = CliRunner().invoke(cli, ["init", str(site), "--country", country,
                                      "--languages", languages])
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((site / "chmgen.yml").read_text("utf-8"))
    assert config["country"] == country
    assert config["languages"] == languages.split(",")
    assert name in config["title"][languages.split(",")[0]]
    assert (site / ".gitignore").read_text().count("_site/") == 1
    result = build(site, strict=True)
    assert result.warnings == ()
    assert set(result.pages_per_language) == set(languages.split(","))


def test_init_refuses_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--country", "ws"])
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    forced = CliRunner().invoke(cli, ["init", str(tmp_path), "--country", "ws", "--force"])
    assert forced.exit_code == 0 and (tmp_path / "notes.txt").exists()


def test_init_rejects_unknown_country(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "s"), "--country", "zz9"])
    assert result.exit_code == 1
    assert "'zz9' is not an ISO 3166-1 alpha-2 country code" in result.output
    assert CliRunner().invoke(cli, ["init", str(tmp_path / "s")]).exit_code == 2


def test_workflow_uses_pinned_actions(tmp_path: Path) -> None:
    CliRunner().invoke(cli, ["init", str(tmp_path), "--country", "ws"])
    workflow = yaml.safe_load((tmp_path / ".github/workflows/chmgen.yml").read_text())
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"]
            if "uses" in step]
    assert "actions/upload-pages-artifact@v3.0.1" in uses
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    for action in uses:
        version = action.split("@", 1)[1]
        assert version.count(".") == 2 or len(version) == 40, action
    assert workflow[True]["schedule"]  # YAML reads the key `on` as true


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_new_writes_a_file_that_validates(tmp_path: Path, kind: str) -> None:
    CliRunner().invoke(cli, ["init", str(tmp_path), "--country", "ws"])
    result = CliRunner().invoke(cli, ["new", kind, "extra-1", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip().splitlines()[-1].split(" ", 1)[1])
    assert path.is_file() and path.stem == "extra-1"
    assert build(tmp_path, strict=True).warnings == ()
    again = CliRunner().invoke(cli, ["new", kind, "extra-1", str(tmp_path)])
    assert again.exit_code == 1 and "exists already" in again.output
