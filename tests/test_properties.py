"""Property tests: whatever a content file holds, loading never crashes and every problem is
located (a path, and a line >= 1).

Each loader (chmgen.yml, targets, indicators with inline or CSV data, actions and actions.yml,
the NBSAP, NBSAP chapters, pages, news, the item sections such as events and documents, and the
cooperation lists) gets arbitrary YAML values at the top level and in every key of an otherwise
valid record, arbitrary text and arbitrary bytes.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chmgen.errors import Problem
from chmgen.model import Content
from tests.conftest import problems_of, write_site

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

CONFIG = {"title": {"en": "Test CHM", "fr": "CHM de test"}, "country": "ke",
          "languages": ["en", "fr"], "base_url": "https://example.org/chm/",
          "theme": "default", "description": "A site.", "organization": "Ministry",
          "footer": "*Footer*", "country_name": "Kenya",
          "central_chm": {"url": "http://127.0.0.1:9", "max_age": "12h", "enabled": False,
                          "records": ["nbsap"], "notifications": 3, "meetings": 0,
                          "target_mapping": {"KE-T1": "t1"}, "timeout": 5},
          "preset": "simple",
          "menu": [{"id": "main", "title": {"en": "Main", "fr": "Principal"},
                    "items": ["targets", "page:about",
                              {"title": "CBD", "url": "https://www.cbd.int/"}]}],
          "hide": ["species"], "home": ["hero", "news"],
          "themes": {"marine": {"en": "Marine", "fr": "Marin"}},
          "land_area_km2": 580367, "marine_area_km2": 116942.5,
          "biobridge_url": "https://www.cbd.int/biobridge/",
          "budget": {"html_kb": 40, "page_kb": 120}, "search": False,
          "focal_points": {"show_email": True}}
TARGET = {"id": "t1", "title": {"en": "Protected areas", "fr": "Aires protégées"},
          "short_title": "Areas", "description": "Some *Markdown*.",
          "gbf_targets": [{"target": 3, "alignment": "high"},
                          {"target": "GBF-TARGET-02", "alignment": "low"}],
          "gbf_goals": ["A"], "aichi_targets": [11], "headline_indicators": ["A.1"],
          "indicators": ["i1", "i2"], "lead": "Ministry", "period": "2024-2030",
          "progress": "on-track", "progress_note": "Good."}
INDICATOR = {"id": "i1", "title": "Forest cover", "description": "Forests.", "unit": "%",
             "source": "Survey", "methodology": "Counting.", "gbf_indicator": "A.1",
             "data": [{"year": 2020, "value": 30.5}, {"year": 2021, "value": 31}],
             "baseline": {"year": 2020, "value": 30.5}, "goal": {"year": 2030, "value": 40},
             "desirable": "increase"}
INDICATOR_CSV = {"id": "i2", "title": "Wetlands", "data_file": "i2.csv"}
CSV = "year,value\n2020,1.5\n2021,2\n"
ACTION = {"id": "a1", "title": "Map forests", "description": "Details.", "targets": ["t1"],
          "lead": "Ministry", "partners": ["NGO", {"en": "Univ", "fr": "Univ"}],
          "start": 2024, "end": "2026-12-31", "budget": {"amount": 1000, "currency": "USD"},
          "status": "in-progress"}
ACTIONS_LIST = [{"id": "a2", "title": "Train rangers", "targets": ["t1"]}]
NBSAP = {"title": "NBSAP 2024-2030", "period": {"start": 2024, "end": 2030},
         "adopted": "2024-10-15", "status": "adopted", "summary": "Summary.",
         "documents": [{"title": "Full text", "url": "nbsap.pdf", "language": "en"}]}
CHAPTER = {"title": "Vision", "weight": 1, "description": "Our vision."}
PAGE = {"title": "About", "menu": True, "weight": 2, "description": "About us."}
NEWS = {"title": "Launch", "date": "2024-05-22", "summary": "Launched.",
        "image": "launch.jpg", "image_alt": "A ribbon"}
BODY = "# Heading\n\nSome *text*.\n"
TAGS = {"gbf_targets": [3, "GBF-TARGET-14"], "targets": ["t1"], "themes": ["marine", "Forêts"]}
PLACE = {"coordinates": {"lat": -1.5, "lon": 37.25}, "bbox": [33.9, -4.7, 41.9, 5.0]}
EVENT = {"id": "e1", "title": "Workshop", "description": "Details.",
         "start": "2026-05-22 09:00", "end": "2026-05-22 17:30", "timezone": "Africa/Nairobi",
         "location": "Nairobi", "online": "https://meet.example.org/e1",
         "url": "https://example.org/e1", "status": "scheduled", **TAGS}
DOCUMENT = {"id": "d1", "title": "Wildlife Act", "type": "law", "date": 2013, "language": "en",
            "file": "docs/act.pdf", "description": "The act.", **TAGS}
PROJECT = {"id": "p1", "title": "Coast project", "description": "Aims.", "status": "ongoing",
           "period": "2024-2028",
           "funding": {"source": "GEF", "amount": 1500000, "currency": "USD"},
           "partners": ["NGO"], "location": "Coast", "url": "https://example.org/p1",
           **PLACE, **TAGS}
ECOSYSTEM = {"id": "mangroves", "title": "Mangroves", "type": "wetland",
             "description": "State.", "area_km2": 540, "management": "Forest service",
             **PLACE, **TAGS}
PROTECTED_AREA = {"id": "tsavo", "title": "Tsavo", "designation": "National Park",
                  "iucn_category": "II", "realm": "mixed", "area_km2": 22812,
                  "established": 1948, "management_authority": "Wildlife service",
                  "description": "Savanna.", **PLACE, **TAGS}
SPECIES = {"id": "elephant", "scientific_name": "Loxodonta africana",
           "common_names": {"en": "African elephant", "fr": "Éléphant d'Afrique"},
           "group": "mammal", "threat_status": "EN", "endemic": False, "description": "Notes.",
           **TAGS}
ORGANIZATION = {"id": "kws", "title": "Wildlife Service", "type": "agency", "role": "Parks.",
                "address": "Nairobi", "website": "https://example.org/kws",
                "description": "What it does.", **TAGS}
LEARNING = {"id": "course", "title": "Taxonomy course", "description": "Learn.",
            "audience": "Rangers", "language": ["en", "fr"], "format": "course",
            "url": "https://example.org/course", **TAGS}
NEEDS = [{"id": "n1", "title": "Taxonomy training", "description": "Details.",
          "contact_role": "Focal point", **TAGS}]
OFFERS = [{"title": "Mangrove restoration know-how", **TAGS}]

# kind: (file, valid record); Markdown kinds put the record in front matter.
KINDS: dict[str, tuple[str, Any]] = {
    "config": ("chmgen.yml", CONFIG),
    "target": ("targets/t1.yml", TARGET),
    "indicator": ("indicators/i1.yml", INDICATOR),
    "indicator_csv": ("indicators/i2.yml", INDICATOR_CSV),
    "action": ("actions/a1.yml", ACTION),
    "actions_list": ("actions.yml", ACTIONS_LIST),
    "nbsap": ("nbsap/nbsap.yml", NBSAP),
    "chapter": ("nbsap/vision.md", CHAPTER),
    "page": ("pages/about.md", PAGE),
    "news": ("news/launch.md", NEWS),
    "event": ("events/e1.yml", EVENT),
    "document": ("documents/d1.yml", DOCUMENT),
    "project": ("projects/p1.yml", PROJECT),
    "ecosystem": ("ecosystems/mangroves.yml", ECOSYSTEM),
    "protected_area": ("protected-areas/tsavo.yml", PROTECTED_AREA),
    "species": ("species/elephant.yml", SPECIES),
    "organization": ("organizations/kws.yml", ORGANIZATION),
    "learning": ("learning/course.yml", LEARNING),
    "needs": ("cooperation/needs.yml", NEEDS),
    "offers": ("cooperation/offers.yml", OFFERS),
}
LIST_KINDS = ("actions_list", "needs", "offers")
MD_KINDS = [kind for kind, (name, _) in KINDS.items() if name.endswith(".md")]



def dump(value: Any, unicode: bool = True) -> str:
    return yaml.safe_dump(value, allow_unicode=unicode, sort_keys=False)


def markdown(front: Any, body: str = BODY, unicode: bool = True) -> str:
    return f"---\n{dump(front, unicode)}---\n{body}"


STUBS = {"targets/t1.yml": "title: T\n", "indicators/i1.yml": "title: I\n",
         "indicators/i2.yml": "title: J\n"}


@functools.cache
def base_files(kind: str) -> dict[str, str | bytes]:
    """The valid file of ``kind`` (both languages for Markdown) in a site holding just what it
    refers to; a small site keeps each example fast."""
    name, record = KINDS[kind if kind != "csv" else "indicator_csv"]
    files: dict[str, str | bytes] = {**STUBS, "chmgen.yml": dump(CONFIG)}
    if name.endswith(".md"):
        files[name] = markdown(record)
        files[name[: -len(".md")] + ".fr.md"] = markdown(record)
    else:
        files[name] = dump(record)
    if kind in ("indicator_csv", "csv"):
        files["indicators/i2.csv"] = CSV
    if kind == "chapter":
        files["nbsap/nbsap.yml"] = dump(NBSAP)
    if kind == "document":
        files["static/docs/act.pdf"] = b"%PDF-1.4\n"
    return files


def all_files() -> dict[str, str | bytes]:
    """Every valid file of every kind together: one full site."""
    files: dict[str, str | bytes] = {}
    for kind in KINDS:
        files.update({name: body for name, body in base_files(kind).items()
                      if name not in STUBS or name not in files})
    for name, record in KINDS.values():
        if not name.endswith(".md"):
            files[name] = dump(record)
    return files


def keypaths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path into a record: its keys, list items and the keys of nested mappings."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from keypaths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from keypaths(item, (*prefix, index))


def replaced(record: Any, path: tuple[str | int, ...], value: Any) -> Any:
    record = copy.deepcopy(record)
    holder = record
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = value
    return record


def _schema_keys() -> dict[str, list[tuple[str | int, ...]]]:
    from chmgen import specs

    schemas = {"config": specs.CONFIG, "target": specs.TARGET, "indicator": specs.INDICATOR,
               "indicator_csv": specs.INDICATOR, "action": specs.ACTION,
               "actions_list": specs.ACTION, "nbsap": specs.NBSAP, "chapter": specs.CHAPTER,
               "page": specs.PAGE, "news": specs.NEWS, "event": specs.EVENT,
               "document": specs.DOCUMENT, "project": specs.PROJECT,
               "ecosystem": specs.ECOSYSTEM, "protected_area": specs.PROTECTED_AREA,
               "species": specs.SPECIES, "organization": specs.ORGANIZATION,
               "learning": specs.LEARNING, "needs": specs.NEED, "offers": specs.OFFER}
    out: dict[str, list[tuple[str | int, ...]]] = {}
    for kind, (_, record) in KINDS.items():
        paths = list(keypaths(record))
        prefix: tuple[int, ...] = (0,) if kind in LIST_KINDS else ()
        paths += [(*prefix, f.name) for f in schemas[kind].fields]
        out[kind] = sorted(set(paths), key=str)
    return out


KEYPATHS = _schema_keys()

scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
           | st.dates() | st.sampled_from(["", " ", "en", "fr", "2024-2030", "GBF-TARGET-24",
                                           "on-track", "high", "A.1", "t1", "i1", "i2.csv",
                                           "2020", "1e3", "nan", "2024-02-30"]))
yaml_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


Sites = Callable[[str], Path]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Sites:
    """``sites(kind)``: a site folder holding the valid files of ``kind``, written once per
    module (hypothesis runs many examples per test, so no function-scoped ``tmp_path``)."""
    made: dict[str, Path] = {}

    def site(kind: str) -> Path:
        if kind not in made:
            made[kind] = write_site(tmp_path_factory.mktemp(kind), base_files(kind))
        return made[kind]

    return site


def check_loads(sites: Sites, kind: str, content: str | bytes) -> None:
    """Put ``content`` in the file of ``kind`` (the rest of the site stays valid), load the
    site, and check that it did not crash and that every problem is located."""
    root = sites(kind)
    name = KINDS[kind][0] if kind != "csv" else "indicators/i2.csv"
    write_site(root, {name: content.encode() if isinstance(content, str) else content})
    try:
        loaded, problems = problems_of(root)
    finally:
        write_site(root, {name: base_files(kind)[name]})
    assert loaded is None or isinstance(loaded, Content)
    if loaded is None:
        assert problems.errors(), "no content but no error either"
    for problem in problems.items:
        assert_located(problem)


def assert_located(problem: Problem) -> None:
    assert isinstance(problem, Problem)
    assert str(problem.location.path), problem
    assert problem.message, problem
    assert problem.location.line >= 1, str(problem)  # every problem names a line and column
    assert problem.location.col >= 1, str(problem)


@pytest.mark.parametrize("kind", [*KINDS, "csv"])
def test_each_base_site_is_valid(tmp_path: Path, kind: str) -> None:
    root = write_site(tmp_path / "site", base_files(kind))
    content, problems = problems_of(root)
    assert [str(p) for p in problems.items] == []
    assert content is not None


def test_full_site_is_valid(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", all_files())
    content, problems = problems_of(root)
    assert [str(p) for p in problems.items] == []
    assert content is not None
    assert [t.id for t in content.targets] == ["t1"]
    assert sorted(i.id for i in content.indicators) == ["i1", "i2"]
    assert sorted(a.id for a in content.actions) == ["a1", "a2"]
    assert content.nbsap is not None and [c.slug for c in content.nbsap.chapters] == ["vision"]
    assert [p.slug for p in content.pages] == ["about"]
    assert [n.slug for n in content.news] == ["launch"]


# -- arbitrary YAML values --------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
@SETTINGS
@given(value=yaml_values, unicode=st.booleans())
def test_any_yaml_document(sites: Sites, kind: str, value: Any, unicode: bool) -> None:
    text = markdown(value, unicode=unicode) if kind in MD_KINDS else dump(value, unicode)
    check_loads(sites, kind, text)


@pytest.mark.parametrize("kind", list(KINDS))
@SETTINGS
@given(data=st.data(), value=yaml_values, unicode=st.booleans())
def test_any_value_in_any_key(
    sites: Sites, kind: str, data: st.DataObject, value: Any, unicode: bool
) -> None:
    path = data.draw(st.sampled_from(KEYPATHS[kind]), label="key")
    record = replaced(KINDS[kind][1], path, value)
    text = markdown(record, unicode=unicode) if kind in MD_KINDS else dump(record, unicode)
    check_loads(sites, kind, text)


# -- arbitrary text and bytes -----------------------------------------------------------------

# Any characters (surrogates excepted: they cannot be written to a UTF-8 file), with the
# characters YAML gives meaning to mixed in often.
yaml_text = st.text(
    st.characters(exclude_categories=["Cs"])
    | st.sampled_from(list("-:[]{}#&*!|>'\"%@`,?\n ")),
    max_size=200,
)
# Random bytes (rarely UTF-8), and YAML-looking text spoiled by a few random bytes.
raw_bytes = st.binary(max_size=200) | st.builds(
    lambda text, junk, at: text.encode()[:at] + junk + text.encode()[at:],
    yaml_text, st.binary(min_size=1, max_size=3), st.integers(0, 200))


@pytest.mark.parametrize("kind", [*KINDS, "csv"])
@SETTINGS
@given(text=yaml_text)
def test_any_text(sites: Sites, kind: str, text: str) -> None:
    check_loads(sites, kind, text)


@pytest.mark.parametrize("kind", MD_KINDS)
@SETTINGS
@given(front=yaml_text, body=st.text(max_size=200))
def test_any_front_matter_text_and_body(sites: Sites, kind: str, front: str, body: str) -> None:
    check_loads(sites, kind, f"---\n{front}\n---\n{body}")


@pytest.mark.parametrize("kind", MD_KINDS)
@SETTINGS
@given(body=st.text(max_size=300))
def test_any_markdown_body(sites: Sites, kind: str, body: str) -> None:
    check_loads(sites, kind, markdown(KINDS[kind][1], body))


@pytest.mark.parametrize("kind", ["csv", "config", "target", "page"])
@SETTINGS
@given(raw=raw_bytes)
def test_any_bytes(sites: Sites, kind: str, raw: bytes) -> None:
    check_loads(sites, kind, raw)


# -- links between pages ----------------------------------------------------------------------

_SEGMENTS = st.sampled_from(["a", "b", "targets", "t1", "..", ".", ""])


@settings(max_examples=400, deadline=None)
@given(st.lists(_SEGMENTS.filter(lambda s: s not in (".", "")), max_size=4),
       st.lists(_SEGMENTS, min_size=1, max_size=4), st.booleans())
def test_a_link_between_site_paths_is_posixpath_s_relative_path(
        folder: list[str], target: list[str], leading_slash: bool) -> None:
    """chmgen's quick relative path (its splits kept between links) is posixpath.relpath's,
    for the plain paths of pages and for any other (those go to relpath itself)."""
    import posixpath

    from chmgen.urls import _relpath

    from_dir = "/".join(folder)
    # as relative_url asks: a target without its trailing slash
    to = (("/" if leading_slash else "") + "/".join(target)).rstrip("/") or "."
    for _ in range(2):  # the second time from what was kept
        assert _relpath(to, from_dir) == posixpath.relpath(to, from_dir or ".")


@given(st.lists(st.tuples(st.sampled_from(["", "en", "fr", "ar"]),
                          st.text(alphabet=st.characters(codec="utf-8"), max_size=6)),
                max_size=3))
def test_a_text_is_true_when_some_value_is_not_blank(values: list[tuple[str, str]]) -> None:
    """A multilingual text counts as given when one of its values has more than whitespace
    (Unicode's, as ``str.strip`` takes it off)."""
    from chmgen.text import Text

    assert bool(Text(tuple(values))) == any(text.strip() for _, text in values)
