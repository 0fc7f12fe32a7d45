"""Feeds, open data exports and page metadata of the built sample_site: Atom feeds parse, every
export validates against its JSON Schema, JSON-LD parses with the expected types, every page
has a description and Open Graph tags, and the same input gives the same bytes."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chmgen.build import load_and_plan, render_site
from chmgen.opendata import indented_json

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_site"
ATOM = "{http://www.w3.org/2005/Atom}"
EXPORTS = ("targets", "gbf-alignment", "indicators", "actions")
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    site, _ = load_and_plan(SAMPLE, strict=True)
    return render_site(site)


@pytest.mark.parametrize("path", ["news/feed.xml", "fr/news/feed.xml", "events/feed.xml",
                                  "fr/events/feed.xml"])
def test_feeds_parse_with_entries(files: dict[str, bytes], path: str) -> None:
    feed = ET.fromstring(files[path])
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) >= 5
    for entry in entries:
        for tag in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == f"https://example.github.io/verdania-chm/{path}"


def test_french_feed_is_in_french(files: dict[str, bytes]) -> None:
    feed = ET.fromstring(files["fr/news/feed.xml"])
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert feed.findtext(f"{ATOM}title", "").endswith("— Actualités")
    links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]  # type: ignore[union-attr]
    assert all("/verdania-chm/fr/news/" in link for link in links)


def test_pages_link_their_feeds(files: dict[str, bytes]) -> None:
    html = files["fr/targets/t05/index.html"].decode()
    assert ('<link rel="alternate" type="application/atom+xml" href="../../news/feed.xml"'
            in html)


@pytest.mark.parametrize("name", EXPORTS)
def test_json_exports_validate_against_their_schemas(files: dict[str, bytes], name: str) -> None:
    schema = json.loads(files[f"data/{name}.schema.json"])
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads(files[f"data/{name}.json"])
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker()).validate(document)
    assert document[name], f"{name}: no records"


def test_schema_rejects_a_wrong_value(files: dict[str, bytes]) -> None:
    schema = json.loads(files["data/targets.schema.json"])
    document = json.loads(files["data/targets.json"])
    document["targets"][0]["progress"] = "on-trak"
    with pytest.raises(jsonschema.ValidationError, match="on-trak"):
        jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def test_exports_hold_the_content(files: dict[str, bytes]) -> None:
    targets = json.loads(files["data/targets.json"])["targets"]
    t05 = next(t for t in targets if t["id"] == "t05")
    assert t05["title"]["fr"].startswith("D'ici 2030, au moins 75 %")
    assert {"target": "GBF-TARGET-05", "number": 5, "alignment": "high"} in t05["gbf_targets"]
    alignment = json.loads(files["data/gbf-alignment.json"])["gbf-alignment"]
    assert len(alignment) == 23
    indicators = json.loads(files["data/indicators.json"])["indicators"]
    forest = next(i for i in indicators if i["id"] == "forest-cover")
    assert forest["data"] and forest["data"][0].keys() == {"year", "value"}
    series = list(csv.reader(io.StringIO(files["data/indicators/forest-cover.csv"]
                                          .decode("utf-8-sig"))))
    assert series[0] == ["year", "value"]
    assert len(series) - 1 == len(forest["data"])


@pytest.mark.parametrize("name", EXPORTS)
def test_csv_exports_have_a_header_and_rows(files: dict[str, bytes], name: str) -> None:
    data = files[f"data/{name}.csv"]
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows)


def test_data_page_lists_every_export(files: dict[str, bytes]) -> None:
    html = files["fr/data/index.html"].decode()
    for name in EXPORTS:
        for suffix in (".json", ".csv", ".schema.json"):
            assert f'href="../../data/{name}{suffix}"' in html


def _json_ld(html: bytes) -> list[dict[str, object]]:
    return [json.loads(block) for block in LD_JSON.findall(html.decode())]


@pytest.mark.parametrize(("page", "types"), [
    ("index.html", ["WebSite", "GovernmentOrganization"]),
    ("fr/index.html", ["WebSite", "GovernmentOrganization"]),
    ("indicators/forest-cover/index.html", ["Dataset"]),
    ("fr/news/chm-launch/index.html", ["NewsArticle"]),
    ("events/2027-02-verbif-data-webinar/index.html", ["Event"]),
])
def test_json_ld_blocks_parse_with_the_expected_type(files: dict[str, bytes], page: str,
                                                     types: list[str]) -> None:
    (block,) = _json_ld(files[page])
    assert block["@context"] == "https://schema.org"
    graph = block.get("@graph", [block])
    assert [entity["@type"] for entity in graph] == types  # type: ignore[index]


def test_dataset_offers_its_downloads(files: dict[str, bytes]) -> None:
    (dataset,) = _json_ld(files["indicators/forest-cover/index.html"])
    urls = [d["contentUrl"] for d in dataset["distribution"]]  # type: ignore[attr-defined]
    assert "https://example.github.io/verdania-chm/data/indicators/forest-cover.csv" in urls
    assert dataset["url"] == "https://example.github.io/verdania-chm/indicators/forest-cover/"


def test_event_carries_its_times_status_and_place(files: dict[str, bytes]) -> None:
    (webinar,) = _json_ld(files["events/2027-02-verbif-data-webinar/index.html"])
    assert webinar["startDate"] == "2027-02-17T15:00-05:00"  # local time, with its offset
    assert webinar["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert webinar["eventStatus"] == "https://schema.org/EventScheduled"
    (postponed,) = _json_ld(files["events/2027-01-sierra-nublada-oecm-dialogue/index.html"])
    assert postponed["eventStatus"] == "https://schema.org/EventPostponed"
    assert postponed["location"]["@type"] == "Place"  # type: ignore[index]


def test_every_page_has_a_description_and_open_graph_tags(files: dict[str, bytes]) -> None:
    pages = [name for name in files if name.endswith(".html")]
    assert len(pages) > 200
    for name in pages:
        html = files[name].decode()
        assert re.search(r'<meta name="description" content="[^"]+">', html), name
        for prop in ("og:type", "og:title", "og:site_name", "og:locale"):
            assert f'<meta property="{prop}" content="' in html, (name, prop)
    post = files["news/chm-launch/index.html"].decode()
    assert '<meta property="og:type" content="article">' in post


def test_feeds_and_exports_are_deterministic(files: dict[str, bytes]) -> None:
    site, _ = load_and_plan(SAMPLE, strict=True)
    again = render_site(site)
    derived = [n for n in files if n.startswith("data/") or n.endswith("feed.xml")]
    assert len(derived) > 10
    assert all(again[name] == files[name] for name in derived)
    assert b"T00:00:00Z" in files["news/feed.xml"]  # dates come from posts, not from a clock


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4),
    max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(document=_JSON_VALUES)
def test_exports_are_indented_as_python_s_json_indents(document: object) -> None:
    """The exports' JSON writer gives ``json.dumps(indent=2, ensure_ascii=False)``'s text
    for any JSON value: NaN and infinities, escapes, tuples, keys that are not strings."""
    assert indented_json(document) == json.dumps(document, ensure_ascii=False, indent=2)
