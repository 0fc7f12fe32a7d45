"""chmgen import: a first targets/ folder from the Party's national targets in the central CHM."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from chmgen.build import build
from chmgen.cli import cli
from chmgen.records.importer import html_to_markdown
from chmgen.records.sanitize import safe_identifier, safe_slug, safe_url
from tests.central_support import make_site, options
from tests.support.cbd_api import FixtureApi, serve_cbd_api


@pytest.fixture
def api() -> Iterator[FixtureApi]:
    with serve_cbd_api() as running:
        yield running


def run_import(site: Path, api: FixtureApi, *extra: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["import", str(site), "--api-url", api.url, *extra])
    return result.exit_code, result.output.splitlines()


def test_import_writes_targets_in_both_languages_and_keeps_existing_files(
        tmp_path: Path, api: FixtureApi) -> None:
    site = make_site(tmp_path / "site")
    kept = (site / "targets/t01.yml").read_text("utf-8")
    code, lines = run_import(site, api)
    assert code == 0, lines
    assert "kept targets/t01.yml: it exists (--force overwrites it)" in lines
    assert any(line.startswith("created targets/t03.yml from ") and line.endswith("[en fr]")
               for line in lines)
    assert lines[-1] == "14 national target file(s) created, 1 kept"
    assert (site / "targets/t01.yml").read_text("utf-8") == kept
    text = (site / "targets/t03.yml").read_text("utf-8")
    assert text.startswith("# Imported by `chmgen import` on ")
    data = yaml.safe_load(text)
    assert data["title"] == {"en": "Protect 30% of land and sea (demo record)",
                             "fr": "Protéger 30 % des terres et de la mer (fiche de "
                                   "démonstration)"}
    assert data["description"]["fr"].startswith("Au moins 30 % des terres")
    assert "<" not in data["description"]["en"]
    assert data["gbf_targets"] == [{"target": 3, "alignment": "high"},
                                   {"target": 1, "alignment": "medium"}]
    assert data["headline_indicators"] == ["3.1"]
    assert yaml.safe_load((site / "targets/t02.yml").read_text("utf-8"))[
        "headline_indicators"] == ["2.1"]  # GBF-INDICATOR-2.2 is code 2.1
    result = build(site, tmp_path / "out", strict=True, records=options(api))
    assert result.warnings == ()
    page = (tmp_path / "out/central-targets/index.html").read_text("utf-8")
    assert "Not on this site yet" not in page


def test_import_force_overwrites_and_offline_uses_the_cache(tmp_path: Path,
                                                           api: FixtureApi) -> None:
    site = make_site(tmp_path / "site")
    offline = CliRunner().invoke(cli, ["import", str(site), "--offline"])
    assert offline.exit_code == 1
    assert "cannot import national targets: national targets (nationalTarget7): not in the " \
        "cache" in offline.output
    run_import(site, api)
    api.clear()
    result = CliRunner().invoke(cli, ["import", str(site), "--offline", "--force"])
    assert result.exit_code == 0, result.output
    assert api.count() == 0
    assert "15 national target file(s) created, 0 kept" in result.output
    assert "(demo record)" in (site / "targets/t01.yml").read_text("utf-8")


def test_import_keeps_only_the_site_languages(tmp_path: Path, api: FixtureApi) -> None:
    site = make_site(tmp_path / "site", targets=False)
    config = site / "chmgen.yml"
    config.write_text(config.read_text("utf-8").replace("[en, fr]", "[en]").replace(
        "country_name: {en: Republic of Verdania, fr: République de Verdanie}",
        "country_name: Republic of Verdania"), "utf-8")
    code, lines = run_import(site, api)
    assert code == 0 and lines[-1] == "15 national target file(s) created, 0 kept"
    assert set(yaml.safe_load((site / "targets/t05.yml").read_text("utf-8"))["title"]) == {"en"}


def test_import_without_record_bodies_uses_the_index_and_says_so(tmp_path: Path,
                                                                 api: FixtureApi) -> None:
    site = make_site(tmp_path / "site", targets=False)
    api.fault("status", match="/api/v2013/documents/", status=404)
    code, lines = run_import(site, api)
    assert code == 0
    assert sum("(record body unavailable: degree of alignment to check)" in line
               for line in lines) == 15
    data = yaml.safe_load((site / "targets/t08.yml").read_text("utf-8"))
    assert data["gbf_targets"][0] == {"target": 8, "alignment": "medium"}


def test_unsafe_identifiers_never_become_paths(tmp_path: Path, api: FixtureApi) -> None:
    site = make_site(tmp_path / "site", targets=False)
    for bad in ("../../outside", "/etc/passwd", "a/b", "..", "x\\y"):
        api.docs["nationalTarget7"].append({"identifier_s": bad, "schema_s": "nationalTarget7",
                                            "government_s": "xv", "title_EN_t": "bad"})
    code, lines = run_import(site, api)
    assert code == 0 and lines[-1] == "15 national target file(s) created, 0 kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert {p.parent.name for p in (site / ".chmgen/cache").iterdir()} == {"cache"}
    for bad in ("../x", "/abs", "a/b", "..", "", "a" * 200, "x\\y", "ok id"):
        assert safe_identifier(bad) is None and safe_slug(bad) is None


def test_html_of_a_record_becomes_inert_markdown() -> None:
    text = html_to_markdown('<p>Keep <strong>this</strong> &amp; that</p><script>alert(1)'
                            '</script><ul><li>one</li><li>[x](javascript:alert(1))</li></ul>'
                            '<img src=x onerror=alert(1)>&lt;b&gt;')
    assert text == ("Keep **this** & that\n\n- one\n- \\[x\\](javascript:alert(1))\n"
                    "&lt;b&gt;\n")


@pytest.mark.parametrize(("value", "expected"), [
    ("https://ort.cbd.int/x", "https://ort.cbd.int/x"),
    ("/database/record?documentID=1", "https://chm.cbd.int/database/record?documentID=1"),
    ("javascript:alert(1)", None), (" JAVASCRIPT:alert(1)", None), ("java\tscript:x", None),
    ("&#106;avascript:alert(1)", None), ("data:text/html,x", None), ("vbscript:x", None),
    ("mailto:a@b.c", None), (42, None),
])
def test_record_urls_are_http_or_nothing(value: object, expected: str | None) -> None:
    assert safe_url(value) == expected


def test_init_from_central_imports_the_partys_targets(tmp_path: Path, api: FixtureApi) -> None:
    site = tmp_path / "new-site"
    result = CliRunner().invoke(cli, ["init", str(site), "--country", "xv", "--languages",
                                      "en,fr", "--from-central", "--api-url", api.url])
    assert result.exit_code == 0, result.output
    assert "national targets imported; the example target was removed" in result.output
    targets = sorted(p.stem for p in (site / "targets").glob("*.yml"))
    assert "t1" not in targets and len(targets) >= 10
    action = yaml.safe_load((site / "actions" / "a1.yml").read_text("utf-8"))
    assert action["targets"] == [targets[0]]
    assert build(site, strict=False).pages_per_language["en"] > 10


def test_init_from_central_without_a_connection_keeps_the_site(tmp_path: Path) -> None:
    site = tmp_path / "new-site"
    result = CliRunner().invoke(cli, ["init", str(site), "--country", "xv", "--from-central",
                                      "--api-url", "http://127.0.0.1:9/"])
    assert result.exit_code == 1
    assert "the site was created, but its national targets could not be imported" in \
        result.output
    assert (site / "targets" / "t1.yml").is_file() and (site / "chmgen.yml").is_file()
