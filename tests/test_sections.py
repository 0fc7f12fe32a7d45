"""Bioland-parity sections: validation, pages, tags, hidden-when-empty, menu presets."""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from chmgen.build import build, load_and_plan
from chmgen.errors import ContentErrors
from tests.sitecheck import broken_links

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
title: Test CHM
country: ke
languages: [en]
"""
TARGET = """\
title: Protect 30% of land and sea
gbf_targets:
  - {target: 3, alignment: high}
"""


def make_site(tmp_path: Path, files: dict[str, str], config: str = CONFIG) -> Path:
    site = tmp_path / "site"
    for name, text in {"chmgen.yml": config, **files}.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
    return site


def problems_of(site: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(site)
    with pytest.raises(ContentErrors) as caught:
        load_and_plan(Path("."), strict=True)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("events/e1.yml", "title: Workshop\nstart: 2026-05-22 09:00\nend: 2026-05-21\n",
     "events/e1.yml:3:6: end: the event ends before it starts"),
    ("events/e1.yml", "title: Workshop\nstart: 2026-05-22\ntimezone: Mars/Olympus\n",
     "events/e1.yml:3:11: timezone: 'Mars/Olympus' is not an IANA time zone "
     "(e.g. Africa/Nairobi, Pacific/Apia, UTC)"),
    ("events/e1.yml", "title: Workshop\nstart: next tuesday\n",
     "events/e1.yml:2:8: start: expected a date (2026-05-22) or a date and time "
     "(2026-05-22 09:00), got 'next tuesday'"),
    ("documents/d1.yml", "title: Law\ntype: law\n",
     "documents/d1.yml:1:1: a document needs either 'file' (under static/) or 'url'"),
    ("documents/d1.yml", "title: Law\ntype: law\nfile: docs/law.pdf\n",
     "documents/d1.yml:3:7: file: no file static/docs/law.pdf (put the document under static/)"),
    ("documents/d1.yml", "title: Law\ntype: statute\nurl: https://example.org/law.pdf\n",
     "documents/d1.yml:2:7: type: 'statute' is not one of law, policy, report, plan, "
     "guideline, other"),
    ("protected-areas/p1.yml", "title: Park\niucn_category: Iia\n",
     "protected-areas/p1.yml:2:16: iucn_category: 'Iia' is not one of Ia, Ib, II, III, IV, V, "
     "VI, not-reported (did you mean 'Ia'?)"),
    ("protected-areas/p1.yml", "title: Park\ncoordinates: {lat: 95, lon: 10}\n",
     "protected-areas/p1.yml:2:14: coordinates: latitude must be within -90..90 and longitude "
     "within -180..180"),
    ("ecosystems/x.yml", "title: Reef\nbbox: [1, 2, 3]\n",
     "ecosystems/x.yml:2:7: bbox: expected 4 numbers: [west, south, east, north]"),
    ("species/s1.yml", "common_names: Pigeon\n",
     "species/s1.yml:1:1: missing required key 'scientific_name'"),
    ("projects/p1.yml", "title: Mangroves\ngbf_targets: [24]\n",
     "projects/p1.yml:2:15: gbf_targets[0]: unknown GBF target '24' (known: GBF-TARGET-01 … "
     "GBF-TARGET-23, or 1 … 23)"),
    ("projects/p1.yml", "title: Mangroves\ntargets: [t9]\n",
     "projects/p1.yml:2:11: targets[0]: unknown national target 't9' (no targets/t9.yml)"),
    ("organizations/o1.yml", "title: Ministry\ntype: ministery\n",
     "organizations/o1.yml:2:7: type: 'ministery' is not one of ministry, agency, research, "
     "university, ngo, iplc, private-sector, international, other (did you mean 'ministry'?)"),
    ("learning/l1.yml", "title: Course\n",
     "learning/l1.yml:1:1: missing required key 'url'"),
    ("cooperation/needs.yml", "title: Training\n",
     "cooperation/needs.yml:1:1: needs.yml holds a list of needs"),
])
def test_item_validation_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                  text: str, expected: str) -> None:
    site = make_site(tmp_path, {"targets/t1.yml": TARGET, name: text})
    assert expected in problems_of(site, monkeypatch)


def test_unknown_menu_item_is_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = CONFIG + "menu:\n  - id: main\n    items: [targets, projets]\n"
    site = make_site(tmp_path, {"targets/t1.yml": TARGET}, config)
    assert ("chmgen.yml:6:22: menu[0].items[1]: unknown menu item 'projets': use a section name "
            "(convention, focal-points, organizations, country-profile, …), page:<slug> or "
            "{title, url} (did you mean 'projects'?)") in problems_of(site, monkeypatch)


def _page(out: Path, key: str) -> str:
    return (out / key / "index.html").read_text("utf-8")


def test_tags_cross_reference(tmp_path: Path) -> None:
    """A project tagged GBF target 3 shows on the GBF target 3 page and on national targets
    aligned to it; themes get tag pages."""
    site = make_site(tmp_path, {
        "targets/t1.yml": TARGET,
        "targets/t2.yml": "title: Restore wetlands\ngbf_targets: [{target: 2, alignment: high}]\n",
        "projects/mangroves.yml": "title: Mangrove restoration\ngbf_targets: [3]\n"
                                  "themes: [Marine & coastal]\n",
        "documents/law.yml": "title: Wetlands law\ntype: law\nurl: https://example.org/l.pdf\n"
                             "targets: [t2]\n",
    })
    out = tmp_path / "out"
    build(site, out, strict=True)
    assert "Mangrove restoration" in _page(out, "gbf/03")
    assert "Mangrove restoration" in _page(out, "targets/t1")
    assert "Mangrove restoration" not in _page(out, "targets/t2")
    assert "Wetlands law" in _page(out, "targets/t2")
    assert "Wetlands law" not in _page(out, "gbf/03")
    assert "Mangrove restoration" in _page(out, "themes/marine-coastal")
    assert 'href="../../themes/marine-coastal/"' in _page(out, "projects/mangroves")


def test_empty_sections_are_hidden(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"targets/t1.yml": TARGET})
    out = tmp_path / "out"
    build(site, out, strict=True)
    for missing in ("projects", "events", "species", "documents", "cooperation", "themes",
                    "areas/updates", "areas/resources"):
        assert not (out / missing).exists(), missing
    home = (out / "index.html").read_text("utf-8")
    assert "areas/implementation/" in home and "projects/" not in home
    assert "News & Updates" not in home  # a group whose sections are all empty is hidden
    assert not re.search(r'href="(ecosystems|species|protected-areas)/', home)


def test_document_shows_format_and_size(tmp_path: Path) -> None:
    site = make_site(tmp_path, {
        "targets/t1.yml": TARGET,
        "documents/plan.yml": "title: Plan\ntype: plan\nfile: docs/plan.pdf\n",
        "static/docs/plan.pdf": "%PDF-1.4\n" + "x" * 3000 + "\n",
    })
    out = tmp_path / "out"
    build(site, out, strict=True)
    page = (out / "documents" / "index.html").read_text("utf-8")
    assert "(PDF, 3 kB)" in page
    assert (out / "docs" / "plan.pdf").is_file()


def _sample_with(tmp_path: Path, extra_config: str) -> Path:
    site = tmp_path / "sample"
    shutil.copytree(ROOT / "sample_site", site, ignore=shutil.ignore_patterns("_site"))
    with (site / "chmgen.yml").open("a", encoding="utf-8") as handle:
        handle.write("\n" + extra_config)
    return site


@pytest.mark.parametrize("preset", ["default", "simple"])
def test_presets_build_sample_site_with_every_link_resolving(tmp_path: Path, preset: str) -> None:
    site = _sample_with(tmp_path, f"preset: {preset}\n")
    out = tmp_path / "out"
    os.environ.setdefault("CHMGEN_OFFLINE", "1")
    build(site, out, strict=True, base_url="https://chm.test/verdania/")
    home = (out / "index.html").read_text("utf-8")
    expected = {"default": ["Convention & Protocols", "Implementation", "News & Updates"],
                "simple": ["Strategy", "Participate", "About"]}[preset]
    for label in expected:
        assert f">{label}</a>" in home
    assert broken_links(out, "https://chm.test/verdania/") == []


def test_menu_is_configurable(tmp_path: Path) -> None:
    config = CONFIG.replace("[en]", "[en, fr]") + textwrap.dedent("""\
        title: {en: Test CHM, fr: CHM test}
        menu:
          - id: plan
            title: {en: Our plan, fr: Notre plan}
            items: [gbf, targets, {title: {en: CBD, fr: CDB}, url: "https://www.cbd.int/"}]
        hide: [gbf]
        """)
    config = config.replace("title: Test CHM\n", "", 1)
    site = make_site(tmp_path, {"targets/t1.yml": TARGET.replace(
        "title: Protect 30% of land and sea", "title: {en: Protect, fr: Protéger}")}, config)
    out = tmp_path / "out"
    build(site, out, strict=True)
    home_en = (out / "index.html").read_text("utf-8")
    home_fr = (out / "fr" / "index.html").read_text("utf-8")
    assert ">Our plan</a>" in home_en and ">Notre plan</a>" in home_fr
    plan = (out / "areas" / "plan" / "index.html").read_text("utf-8")
    assert 'href="https://www.cbd.int/"' in plan and "targets/" in plan
    assert "../../gbf/" not in plan.split("<main", 1)[1]


def test_picture_without_alt_text_warns_and_fails_strict(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path, {"targets/t1.yml": TARGET,
                                "pages/about.md":
                                    "---\ntitle: About\n---\nText.\n\n![](img/a.png)\n"})
    assert ("pages/about.md:6:1: image: warning: a picture needs a text alternative: write "
            "![what it shows](…)") in problems_of(site, monkeypatch)
