"""parse_yaml and split_front_matter: plain values, 1-based locations, located errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chmgen.errors import Problems, SourceLocation
from chmgen.yamldoc import (
    YamlDoc,
    describe,
    format_key,
    markdown_body,
    parse_yaml,
    split_front_matter,
)

PATH = Path("content/file.yml")
MD = Path("pages/about.md")


def parse(text: str) -> tuple[YamlDoc | None, list[str]]:
    problems = Problems()
    doc = parse_yaml(text, PATH, problems)
    return doc, [str(p) for p in problems.items]


def front(text: str) -> tuple[YamlDoc | None, str, int, list[str]]:
    problems = Problems()
    doc, body, body_line = split_front_matter(text, MD, problems)
    return doc, body, body_line, [str(p) for p in problems.items]


# -- values and their locations -------------------------------------------------------------


NESTED = """\
title: Protected areas
gbf_targets:
  - target: 3
    alignment: high
  - {target: 'GBF-TARGET-02', alignment: low}
budget:
  amount: 12.5
  currency: USD
"""


def test_parses_plain_values() -> None:
    doc, problems = parse(NESTED)
    assert problems == []
    assert doc is not None
    assert doc.path == PATH
    assert doc.data == {
        "title": "Protected areas",
        "gbf_targets": [
            {"target": 3, "alignment": "high"},
            {"target": "GBF-TARGET-02", "alignment": "low"},
        ],
        "budget": {"amount": 12.5, "currency": "USD"},
    }


def test_value_locations_of_nested_values() -> None:
    doc, _ = parse(NESTED)
    assert doc is not None
    marks = doc.value_marks
    assert marks[()] == (1, 1)
    assert marks[("title",)] == (1, 8)
    assert marks[("gbf_targets",)] == (3, 3)  # the sequence starts at its first '-'
    assert marks[("gbf_targets", 0)] == (3, 5)
    assert marks[("gbf_targets", 0, "target")] == (3, 13)
    assert marks[("gbf_targets", 0, "alignment")] == (4, 16)
    assert marks[("gbf_targets", 1)] == (5, 5)
    assert marks[("gbf_targets", 1, "target")] == (5, 14)
    assert marks[("gbf_targets", 1, "alignment")] == (5, 42)
    assert marks[("budget", "amount")] == (7, 11)
    assert marks[("budget", "currency")] == (8, 13)


def test_key_locations_of_nested_keys() -> None:
    doc, _ = parse(NESTED)
    assert doc is not None
    keys = doc.key_marks
    assert keys[("title",)] == (1, 1)
    assert keys[("gbf_targets",)] == (2, 1)
    assert keys[("gbf_targets", 0, "target")] == (3, 5)
    assert keys[("gbf_targets", 0, "alignment")] == (4, 5)
    assert keys[("gbf_targets", 1, "alignment")] == (5, 31)
    assert keys[("budget", "currency")] == (8, 3)
    # sequences have no keys
    assert ("gbf_targets", 0) not in keys


def test_loc_of_value_key_and_missing_path() -> None:
    doc, _ = parse(NESTED)
    assert doc is not None
    assert doc.loc(("gbf_targets", 1, "alignment")) == SourceLocation(
        PATH, 5, 42, "gbf_targets[1].alignment")
    assert doc.loc(("budget", "currency"), at_key=True) == SourceLocation(
        PATH, 8, 3, "budget.currency")
    # a key that is not there is located at its nearest parent value, but keeps its own name
    assert doc.loc(("budget", "missing")) == SourceLocation(PATH, 7, 3, "budget.missing")
    assert doc.loc(("budget", "missing"), at_key=True) == SourceLocation(
        PATH, 7, 3, "budget.missing")
    assert doc.loc(("nothing", 3, "deep")) == SourceLocation(PATH, 1, 1, "nothing[3].deep")
    assert str(doc.loc(("gbf_targets", 0, "target"))) == (
        "content/file.yml:3:13: gbf_targets[0].target")


def test_loc_of_an_empty_document_is_line_one() -> None:
    doc, problems = parse("# nothing but a comment\n")
    assert problems == []
    assert doc is not None and doc.data is None
    assert doc.loc(("title",)) == SourceLocation(PATH, 1, 1, "title")


def test_flow_mapping_and_block_scalar_locations() -> None:
    doc, _ = parse("a: {b: [x, y], c: 1}\nd: |\n  line one\n  line two\n")
    assert doc is not None
    assert doc.data == {"a": {"b": ["x", "y"], "c": 1}, "d": "line one\nline two\n"}
    assert doc.value_marks[("a", "b", 1)] == (1, 12)
    assert doc.key_marks[("a", "c")] == (1, 16)
    assert doc.value_marks[("d",)] == (2, 4)


def test_non_string_keys_become_strings() -> None:
    doc, problems = parse("2030: a\ntrue: b\n1.5: c\n")
    assert problems == []
    assert doc is not None
    assert doc.data == {"2030": "a", "True": "b", "1.5": "c"}
    assert doc.key_marks[("2030",)] == (1, 1)


def test_dates_and_scalars_are_typed() -> None:
    doc, problems = parse("d: 2024-02-29\nn: ~\nb: yes\nf: 1.5\ns: '2024-02-30'\n")
    assert problems == []
    assert doc is not None
    assert doc.data == {"d": dt.date(2024, 2, 29), "n": None, "b": True, "f": 1.5,
                        "s": "2024-02-30"}


def test_merge_keys_are_resolved() -> None:
    doc, problems = parse("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  z: 3\n")
    assert problems == []
    assert doc is not None
    assert doc.data["c"] == {"x": 1, "y": 2, "z": 3}
    assert doc.value_marks[("c", "z")] == (4, 6)


def test_a_key_written_beside_a_merge_overrides_the_merged_one() -> None:
    doc, problems = parse("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 9\n")
    assert problems == []
    assert doc is not None and doc.data["c"] == {"x": 9, "y": 2}
    _, problems = parse("base: &b {x: 1}\nc:\n  <<: *b\n  z: 1\n  z: 2\n")
    assert problems == ["content/file.yml:5:3: c.z: duplicate key 'z' in the same mapping"]


@pytest.mark.parametrize("text", [
    "a: 1\n2: two\ntrue: yes\n2024-01-02: d\n'quoted': q\n? complex\n: v\n",
    "=: value key\nb: [1, {c: 2}]\n", "x: &a {k: 1}\ny: {<<: [*a], j: 2}\n",
    "!!str 3: s\n~: null key\n",
])
def test_values_and_keys_are_what_the_safe_loader_gives(text: str) -> None:
    import yaml

    doc, problems = parse(text)
    assert problems == [] and doc is not None
    expected = yaml.safe_load(text)
    assert doc.data == {str(k) if not isinstance(k, str) else k: v for k, v in expected.items()}


# -- duplicate keys ---------------------------------------------------------------------------


def test_duplicate_top_level_key_is_located_at_the_second_key() -> None:
    doc, problems = parse("title: a\nlead: b\ntitle: c\n")
    assert doc is None
    assert problems == ["content/file.yml:3:1: title: duplicate key 'title' in the same mapping"]


def test_duplicate_nested_key_names_its_path() -> None:
    doc, problems = parse("gbf_targets:\n  - target: 1\n    alignment: high\n    target: 2\n")
    assert doc is None
    assert problems == [
        "content/file.yml:4:5: gbf_targets[0].target: duplicate key 'target' in the same mapping"
    ]


def test_duplicate_key_in_flow_mapping() -> None:
    _, problems = parse("a: {b: 1, b: 2}\n")
    assert problems == ["content/file.yml:1:11: a.b: duplicate key 'b' in the same mapping"]


def test_duplicate_key_in_top_level_list() -> None:
    _, problems = parse("- id: a\n  id: b\n")
    assert problems == ["content/file.yml:2:3: [0].id: duplicate key 'id' in the same mapping"]


def test_same_key_in_different_mappings_is_fine() -> None:
    doc, problems = parse("a: {x: 1}\nb: {x: 2}\n")
    assert problems == []
    assert doc is not None and doc.data == {"a": {"x": 1}, "b": {"x": 2}}


# -- syntax errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: [a, b\nlead: x\n",
         "content/file.yml:2:5: YAML syntax error: expected ',' or ']', but got ':' "
         "(while parsing a flow sequence)"),
        ("title: a\n  lead: b\n",
         "content/file.yml:2:7: YAML syntax error: mapping values are not allowed here"),
        ("title: a\n\tlead: b\n",
         "content/file.yml:2:1: YAML syntax error: found character '\\t' that cannot start any "
         "token (while scanning for the next token)"),
        ("a: 1\nb: \"\\q\"\n",
         "content/file.yml:2:6: YAML syntax error: found unknown escape character 'q' "
         "(while scanning a double-quoted scalar)"),
        ("a: *nowhere\n",
         "content/file.yml:1:4: YAML syntax error: found undefined alias 'nowhere'"),
        ("a: 1\n---\nb: 2\n",
         "content/file.yml:2:1: YAML syntax error: but found another document "
         "(expected a single document in the stream)"),
    ],
)
def test_syntax_errors_are_located(text: str, expected: str) -> None:
    doc, problems = parse(text)
    assert doc is None
    assert problems == [expected]


# -- impossible values ------------------------------------------------------------------------


def test_impossible_date_is_located_at_the_value() -> None:
    doc, problems = parse("title: x\nadopted: 2024-02-30\n")
    assert doc is None
    assert problems == [
        "content/file.yml:2:10: adopted: invalid value '2024-02-30': "
        "day is out of range for month"
    ]


def test_impossible_month_inside_a_list() -> None:
    _, problems = parse("data:\n  - date: 2024-13-01\n")
    assert problems == [
        "content/file.yml:2:11: data[0].date: invalid value '2024-13-01': "
        "month must be in 1..12"
    ]


def test_impossible_time() -> None:
    _, problems = parse("at: 2024-01-01 25:00:00\n")
    assert problems == [
        "content/file.yml:1:5: at: invalid value '2024-01-01 25:00:00': hour must be in 0..23"
    ]


def test_quoted_impossible_date_is_a_string() -> None:
    doc, problems = parse("adopted: '2024-02-30'\n")
    assert problems == []
    assert doc is not None and doc.data == {"adopted": "2024-02-30"}


# -- front matter -----------------------------------------------------------------------------


def test_front_matter_locations_are_lines_of_the_markdown_file() -> None:
    doc, body, body_line, problems = front(
        "---\ntitle: About us\nmenu: false\nweight: 3\n---\n# About\n\nText.\n")
    assert problems == []
    assert doc is not None
    assert doc.path == MD
    assert doc.data == {"title": "About us", "menu": False, "weight": 3}
    assert doc.value_marks[("title",)] == (2, 8)
    assert doc.key_marks[("weight",)] == (4, 1)
    assert doc.value_marks[("weight",)] == (4, 9)
    assert body == "# About\n\nText.\n"
    assert body_line == 6


def test_front_matter_error_is_on_the_file_line() -> None:
    doc, body, body_line, problems = front(
        "---\ntitle: News\ndate: 2024-02-30\n---\nBody\n")
    assert doc is None
    assert body == "Body\n" and body_line == 5
    assert problems == [
        "pages/about.md:3:7: date: invalid value '2024-02-30': day is out of range for month"
    ]


def test_front_matter_syntax_error_is_on_the_file_line() -> None:
    doc, _, _, problems = front("---\ntitle: About\n  menu: false\n---\nBody\n")
    assert doc is None
    assert problems == ["pages/about.md:3:7: YAML syntax error: mapping values are not allowed "
                        "here"]


def test_front_matter_duplicate_key_is_on_the_file_line() -> None:
    _, _, _, problems = front("---\ntitle: a\nweight: 1\ntitle: b\n---\n")
    assert problems == ["pages/about.md:4:1: title: duplicate key 'title' in the same mapping"]


def test_unclosed_front_matter() -> None:
    doc, body, body_line, problems = front("---\ntitle: About\n\n# About\n")
    assert doc is None
    assert (body, body_line) == ("", 1)
    assert problems == [
        "pages/about.md:1:1: front matter starts with '---' but has no closing '---' line"
    ]


def test_no_front_matter_means_an_empty_mapping_and_the_whole_body() -> None:
    doc, body, body_line, problems = front("# About\n---\ntitle: not front matter\n")
    assert problems == []
    assert doc is not None and doc.data == {}
    assert body == "# About\n---\ntitle: not front matter\n"
    assert body_line == 1


def test_empty_front_matter_is_an_empty_mapping() -> None:
    doc, body, body_line, problems = front("---\n---\nBody\n")
    assert problems == []
    assert doc is not None and doc.data == {}
    assert (body, body_line) == ("Body\n", 3)


def test_front_matter_closed_with_dots_and_crlf_lines() -> None:
    doc, body, body_line, problems = front("---\r\ntitle: x\r\n...\r\nBody\r\n")
    assert problems == []
    assert doc is not None and doc.data == {"title": "x"}
    assert doc.value_marks[("title",)] == (2, 8)
    assert (body, body_line) == ("Body\r\n", 4)


def test_empty_file_has_no_front_matter() -> None:
    doc, body, body_line, problems = front("")
    assert problems == []
    assert doc is not None and doc.data == {}
    assert (body, body_line) == ("", 1)


@pytest.mark.parametrize("text", [
    "---\ntitle: About\n---\n# About\n\nText.\n",
    "---\r\ntitle: x\r\n...\r\nBody\r\n",
    "---\n---\nBody\n",
    "# About\n---\ntitle: not front matter\n",
    "---\ntitle: [broken\n---\nThe body of a file whose front matter has a syntax error.\n",
    "",
])
def test_markdown_body_is_the_body_the_front_matter_split_gives(text: str) -> None:
    """What the Markdown converted ahead of the load is keyed by: the very body the load
    reads, whatever the front matter holds."""
    _, body, _, _ = front(text)
    assert markdown_body(text) == body


def test_markdown_body_of_unclosed_front_matter_is_none() -> None:
    assert markdown_body("---\ntitle: About\n\n# About\n") is None


# -- helpers ----------------------------------------------------------------------------------


def test_format_key() -> None:
    assert format_key(()) == ""
    assert format_key(("title",)) == "title"
    assert format_key(("gbf_targets", 0, "target")) == "gbf_targets[0].target"
    assert format_key((2, "id")) == "[2].id"
    assert format_key(("title", "fr")) == "title.fr"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "nothing (null)"), (True, "a boolean"), (3, "a number"), (1.5, "a decimal number"),
     ("x", "a string"), ([], "a list"), ({}, "a mapping"), (dt.date(2024, 1, 1), "a date"),
     (object(), "a value")],
)
def test_describe(value: object, expected: str) -> None:
    assert describe(value) == expected


# ---- YAML read without PyYAML where it is plain (noop.plain_yaml_mapping, config_field)

PLAIN_LINES = ["name: default", "extends: mine", "theme: verdania-dark", "x_1: a_b-c",
               "# a comment", "", "on: x", "key: yes", "key: Yes", "key: no", "key: null",
               "key: true", "key: off", "key: 12", "key: 1.5", "key: 2024-01-01", "key: ~",
               "key: Default", "key: a b", "key: 'quoted'", "key: \"q\"", "key: x # c",
               " indented: x", "key: x ", "key:x", "- item", "---", "key:", "Null: x",
               "TRUE: x", "a: &anchor x", "b: *anchor", "key: [a]", "key: {a: b}", "\tkey: x",
               "key: x\\y", "k: nan", "k: inf", "k: e5"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PLAIN_LINES), max_size=6))
def test_a_plain_yaml_mapping_is_read_as_pyyaml_reads_it(lines: list[str]) -> None:
    import yaml

    from chmgen.noop import plain_yaml_mapping

    text = "\n".join(lines) + "\n"
    found = plain_yaml_mapping(text)
    if found is not None:
        assert found == (yaml.safe_load(text) or {})


def test_only_plain_yaml_is_read_without_pyyaml() -> None:
    from chmgen.noop import plain_yaml_mapping

    assert plain_yaml_mapping("# theme\nname: default\nextends: base-theme\n") == {
        "name": "default", "extends": "base-theme"}
    assert plain_yaml_mapping("") == {}
    for text in ("key: yes\n", "on: x\n", "key: 1\n", "key: Word\n", "- a\n", "k: v # c\n",
                 "a:\n  b: c\n", "k: 'v'\n", "a: b\x0cc: d\n", "a: b\r\n"):
        assert plain_yaml_mapping(text) is None, text


@pytest.mark.parametrize("text", [
    "title: Site\ntheme: dark\n", "title: Site\n", "theme: [not, a, string]\n",
    "languages: [en]\ntheme: 'quoted one'\n", '"th\\u0065me": escaped\n', "themes: {a: b}\n",
    "theme: dark\ntheme: light\n", "title: [broken\n", "",
])
def test_config_field_is_what_pyyaml_reads(tmp_path: Path, text: str) -> None:
    import yaml

    from chmgen.noop import config_field

    path = tmp_path / "chmgen.yml"
    path.write_text(text, "utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    expected = data.get("theme") if isinstance(data, dict) else None
    assert config_field(path, "theme") == (expected if isinstance(expected, str) else None)
    assert config_field(tmp_path / "missing.yml", "theme") is None
