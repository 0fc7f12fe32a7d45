"""Pages built from central CHM records: every language, links back, privacy, honest notices,
and no hostile record content reaching a page."""

from __future__ import annotations

import html.parser
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from chmgen.build import build
from chmgen.cli import cli
from chmgen.errors import ContentErrors
from chmgen.records.central import FetchOptions
from tests.central_support import make_site, options
from tests.support.cbd_api import FixtureApi, serve_cbd_api

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_site"
HOSTILE = json.loads((ROOT / "tests/fixtures/cbd_api/hostile.json").read_text("utf-8"))
SECTIONS = ("reports", "focal-points", "central-targets", "capacity-building", "library",
            "cbd-news")
OFFLINE = FetchOptions(mode="offline")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("central") / "site"
    build(SAMPLE, out, strict=True, records=OFFLINE)
    return out


def main_of(path: Path) -> str:
    return path.read_text("utf-8").split("<main", 1)[1].split("</main>", 1)[0]


def test_record_pages_exist_in_every_language(sample: Path) -> None:
    for lang_root in (sample, sample / "fr"):
        for section in SECTIONS:
            assert (lang_root / section / "index.html").is_file(), (lang_root, section)
    assert "Septième rapport national de la Verdanie" in main_of(sample / "fr/reports/index.html")


def test_reports_by_cycle_newest_first(sample: Path) -> None:
    page = main_of(sample / "reports/index.html")
    headings = [page.index(f'id="cycle-{n}"') for n in (7, 6, 5, 4, 3)]
    assert headings == sorted(headings)
    assert "xv-nbsap" not in page  # NBSAP documents go to the NBSAP page
    nbsap = main_of(sample / "nbsap/index.html")
    assert "NBSAPs reported to the CBD" in nbsap and "xv-nbsap-v3-en.pdf" in nbsap
    assert "xv-nbsap-01-en.pdf" in nbsap and "Adopted" in nbsap


def test_every_record_links_to_its_central_page(sample: Path) -> None:
    for cache in (SAMPLE / ".chmgen/cache").glob("*.json"):
        data = json.loads(cache.read_text("utf-8"))
        section = {"focalPoint": "focal-points", "resource": "library",
                   "organization": "library", "nationalTarget7": "central-targets",
                   "notification": "cbd-news", "meeting": "cbd-news",
                   "capacityBuildingInitiative": "capacity-building",
                   "capacityBuildingResource": "capacity-building",
                   "nationalReport6": "reports", "nationalReport7": "reports",
                   "nbsap": "nbsap"}.get(data["source"])
        if section is None:
            continue
        page = main_of(sample / section / "index.html")
        for doc in data["pages"][0]["body"]["response"]["docs"]:
            assert f'href="{doc["url_ss"][0]}"' in page, (section, doc["url_ss"][0])


def test_focal_points_by_role_without_email_by_default(sample: Path) -> None:
    page = main_of(sample / "focal-points/index.html")
    assert page.index("CBD National Focal Point") < page.index("Cartagena Protocol National")
    assert "Director of Biodiversity, Directorate of Biodiversity" in page
    assert "mailto:" not in page and "@" not in page
    assert "Ana Demo" not in page  # the person's name stays on the central record


def test_focal_point_email_only_when_switched_on(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    config = site / "chmgen.yml"
    config.write_text(config.read_text("utf-8") + "focal_points:\n  show_email: true\n",
                      "utf-8")
    build(site, tmp_path / "out", records=OFFLINE)
    page = main_of(tmp_path / "out/focal-points/index.html")
    assert 'href="mailto:cbd-fp1@environment.gov.xv.example"' in page


def test_central_targets_link_to_local_pages_when_ids_match(sample: Path) -> None:
    page = main_of(sample / "central-targets/index.html")
    for n in range(1, 15):
        assert f'href="../targets/t{n:02d}/">T{n:02d}</a>' in page
    assert "Fair sharing of benefits from genetic resources (demo record)" in page
    assert page.count("Not on this site yet") == 1
    assert 'href="../gbf/13/"' in page


def test_target_mapping_links_a_central_target_with_another_id(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site)
    docs = json.loads((SAMPLE / ".chmgen/cache/nationalTarget7.json").read_text("utf-8"))[
        "pages"][0]["body"]["response"]["docs"]
    ident = next(d["identifier_s"] for d in docs if "Fair sharing" in d["title_EN_t"])
    config = site / "chmgen.yml"
    config.write_text(config.read_text("utf-8").replace(
        "central_chm:\n", f"central_chm:\n  target_mapping: {{{ident}: t13}}\n"), "utf-8")
    build(site, tmp_path / "out", records=OFFLINE)
    page = main_of(tmp_path / "out/central-targets/index.html")
    assert "Not on this site yet" not in page and page.count('href="../targets/t13/"') == 2


def test_home_page_lists_the_latest_from_the_cbd(sample: Path) -> None:
    page = main_of(sample / "index.html")
    assert "Latest from the CBD" in page and "SCBD/DEMO/2026/095" in page
    assert "Records of the central Clearing-House Mechanism as of November 20, 2026." in page
    assert "Dernières nouvelles de la CDB" in main_of(sample / "fr/index.html") or \
        "Latest from the CBD" in main_of(sample / "fr/index.html")


def test_offline_build_of_the_stale_sample_cache_is_clean_under_strict(tmp_path: Path) -> None:
    """The committed cache ages; offline builds say how old it is without warning."""
    result = CliRunner().invoke(cli, ["build", str(SAMPLE), "-o", str(tmp_path / "o"),
                                      "--offline", "--strict"])
    assert result.exit_code == 0, result.output
    assert "central CHM: offline, data as of 2026-11-20 06:00 UTC (" in result.output
    assert "0 warning(s)" in result.output


def test_offline_excludes_refresh() -> None:
    result = CliRunner().invoke(cli, ["build", str(SAMPLE), "--offline", "--refresh"])
    assert result.exit_code == 2 and "--offline excludes --refresh and --api-url" in result.output


@pytest.fixture
def api() -> Iterator[FixtureApi]:
    with serve_cbd_api() as running:
        yield running


def test_missing_records_show_an_honest_notice_and_fail_strict(tmp_path: Path,
                                                              api: FixtureApi) -> None:
    site = make_site(tmp_path / "site")
    api.fault("status", match="schema_s:focalPoint", status=503, retry_after="0")
    build(site, tmp_path / "out", records=options(api))
    page = main_of(tmp_path / "out/focal-points/index.html")
    assert ("National focal points: not available right now from the central "
            "Clearing-House Mechanism — last checked November 20, 2026.") in page
    with pytest.raises(ContentErrors) as caught:
        build(site, tmp_path / "out2", strict=True, records=options(api))
    assert any("national focal points (focalPoint): HTTP 503 Service Unavailable" in str(p)
               for p in caught.value.problems)


def test_build_cli_against_the_api_and_check_stays_offline(tmp_path: Path, api: FixtureApi,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path / "site")
    runner = CliRunner()
    result = runner.invoke(cli, ["build", str(site), "--api-url", api.url])
    assert result.exit_code == 0, result.output
    assert "central CHM: 15 requests (15 sources: 15 updated)" in result.output
    monkeypatch.setenv("CHMGEN_API_URL", api.url)
    api.clear()
    assert runner.invoke(cli, ["check", str(site)]).exit_code == 0
    assert api.count() == 0
    result = runner.invoke(cli, ["build", str(site)])  # within max_age: no request
    assert result.exit_code == 0 and api.count() == 0
    result = runner.invoke(cli, ["build", str(site), "--refresh"])
    assert "central CHM: 15 requests (15 sources: 15 unchanged)" in result.output


def test_fetch_cli_refreshes_the_cache_and_reports_failures(tmp_path: Path,
                                                            api: FixtureApi) -> None:
    site = make_site(tmp_path / "site")
    result = CliRunner().invoke(cli, ["fetch", str(site), "--api-url", api.url])
    assert result.exit_code == 0, result.output
    assert "national focal points (focalPoint): 6 records, downloaded" in result.output
    assert not (site / "_site").exists()
    api.fault("status", match="schema_s:resource", status=500)
    result = CliRunner().invoke(cli, ["fetch", str(site), "--api-url", api.url])
    assert result.exit_code == 1
    assert "Virtual Library resources (resource): 5 records, FAILED, cached copy kept" \
        in result.output
    assert "warning: Virtual Library resources (resource): HTTP 500 Internal Server Error " \
        "(after 3 attempts); using the cached copy downloaded" in result.output


# --- untrusted content --------------------------------------------------------------------

def hostile_docs(api: FixtureApi) -> None:
    """Records of several types whose texts and links are hostile."""
    texts, urls = HOSTILE["texts"], HOSTILE["urls"]
    for i, text in enumerate(texts):
        common = {"identifier_s": f"HOSTILE-{i:04d}", "government_s": "xv",
                  "title_EN_t": text, "title_FR_t": text, "summary_EN_t": text,
                  "description_EN_t": text, "url_ss": [urls[i % len(urls)]]}
        api.docs["resource"].append({**common, "schema_s": "resource"})
        api.docs["notification"].insert(0, {**common, "schema_s": "notification",
                                            "symbol_s": text, "createdDate_dt": "2027-01-01"})
        api.docs["nationalTarget7"].append({**common, "schema_s": "nationalTarget7",
                                            "identifier_s": f"HOSTILE-NT-{i:04d}"})
        api.docs["focalPoint"].append({**common, "schema_s": "focalPoint", "type_ss": [text],
                                       "function_EN_s": text, "organization_EN_s": text,
                                       "identifier_s": f"HOSTILE-FP-{i:04d}"})
        api.docs["nationalReport"].append({
            **common, "schema_s": "nationalReport", "identifier_s": f"HOSTILE-NR-{i:04d}",
            "documentLinks_s": json.dumps([{"url": urls[i % len(urls)], "name": text}])})
    for ident in HOSTILE["identifiers"]:
        api.docs["resource"].append({"identifier_s": ident, "id": ident, "schema_s": "resource",
                                     "government_s": "xv", "title_EN_t": "UNSAFE-ID-RECORD"})


class Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


FORBIDDEN_TAGS = {"script", "iframe", "style", "object", "embed", "base", "form", "meta", "link",
                  "svg", "math", "img", "frame", "frameset", "applet", "button", "input"}


def dangers(page: str) -> list[str]:
    parser = Collector()
    parser.feed(page)
    found = []
    for tag, attrs in parser.tags:
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                found.append(f"<{tag} {name}=>")
            squeezed = "".join((value or "").split()).lower()
            if name in ("href", "src", "action", "data", "xlink:href") and \
                    squeezed.startswith(("javascript:", "vbscript:", "data:")):
                found.append(f"<{tag} {name}={value!r}>")
    return found


def test_hostile_record_content_never_reaches_a_page(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    out = tmp_path / "out"
    with serve_cbd_api(setup=hostile_docs) as api:
        result = build(site, out, records=options(api))
    assert result.warnings == ()
    pages = [out / lang / section / "index.html" for lang in ("", "fr")
              for section in (*SECTIONS, "")]
    for page in pages:
        assert dangers(main_of(page)) == [], page
    library = main_of(out / "library/index.html")
    assert "Plain title" in library and "&lt;script&gt;alert(1)&lt;/script&gt;" in library
    assert "UNSAFE-ID-RECORD" not in library  # records with unsafe identifiers are dropped
    assert "HOSTILE-0000" not in "".join(p.name for p in out.rglob("*"))
    cache = site / ".chmgen/cache"
    assert all(p.parent == cache for p in cache.rglob("*"))


def test_record_pages_are_valid_html(sample: Path) -> None:
    from tests.support.vnu import format_messages, vnu_errors, vnu_jar

    vnu_jar()  # fails with a message naming scripts/test when the checker is missing
    pages = [sample / s / "index.html" for s in SECTIONS] + [sample / "nbsap/index.html",
                                                             sample / "fr/reports/index.html",
                                                             sample / "index.html"]
    errors = vnu_errors(pages)
    assert errors == [], format_messages(errors)


def test_no_test_reaches_the_live_api() -> None:
    assert "CHMGEN_API_URL" not in os.environ or "127.0.0.1" in os.environ["CHMGEN_API_URL"]


def test_gbf_titles_come_from_the_fetched_vocabulary_in_the_page_language(
        tmp_path: Path) -> None:
    """The GBF vocabulary from the central CHM refreshes the packaged (English) titles: a
    French title where the vocabulary has one, else the English one marked as English."""
    out = tmp_path / "out"
    build(Path(__file__).resolve().parent.parent / "sample_site", out)
    fr_one = (out / "fr" / "gbf" / "01" / "index.html").read_text("utf-8")
    fr_three = (out / "fr" / "gbf" / "03" / "index.html").read_text("utf-8")
    assert "Planifier et gérer toutes les zones" in fr_one
    assert '<span lang="en" dir="ltr">Conserve 30% of Land, Waters and Seas</span>' in fr_three
