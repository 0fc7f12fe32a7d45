"""Regression tests: each one pins a bug found by the property and validation tests, now fixed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from chmgen.cli import cli
from chmgen.errors import Problems
from chmgen.yamldoc import parse_yaml, split_front_matter
from tests.conftest import problems_of

MakeSite = Callable[..., Path]
LoadProblems = Callable[[Path], list[str]]


def parse(text: str) -> tuple[object, list[str]]:
    problems = Problems()
    doc = parse_yaml(text, Path("f.yml"), problems)
    return doc, [str(p) for p in problems.items]


# -- 1. a character YAML does not allow escapes parse_yaml as yaml.reader.ReaderError ---------

def test_bug01_control_character_is_a_located_problem_not_a_crash() -> None:
    doc, problems = parse("title: a\nlead: b\x07c\n")  # raises ReaderError today
    assert doc is None
    assert len(problems) == 1 and problems[0].startswith("f.yml:2:8: ")


def test_bug01_control_character_in_front_matter() -> None:
    problems = Problems()
    split_front_matter("---\ntitle: a\x1f\n---\nbody\n", Path("p.md"), problems)
    assert [str(p)[:10] for p in problems.items] == ["p.md:2:9: "]


def test_bug01_control_character_in_a_site(make_site: MakeSite,
                                            load_problems: LoadProblems) -> None:
    root = make_site({"targets/t1.yml": "title: Forests\x00\n"})
    assert load_problems(root)[0].startswith("targets/t1.yml:1:15: ")


# -- 2. a recursive alias recurses forever ---------------------------------------------------

def test_bug02_recursive_alias_is_a_problem_not_recursion_error() -> None:
    doc, problems = parse("title: T\nlead: &x [*x]\n")  # RecursionError today
    assert doc is None
    assert len(problems) == 1 and problems[0].startswith("f.yml:2:")


# -- 3. aliases are expanded node by node: a 7-line file takes minutes -----------------------

def test_bug03_alias_expansion_is_not_exponential() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
    doc, problems = parse("\n".join(lines) + "\n")  # 10**7 values once expanded
    assert doc is None
    assert problems == ["f.yml:6:5: YAML error: aliases expand this file to more than "
                        "200,000 values"]


# -- 4. overriding a merged key is legal YAML but reported as a duplicate key -----------------

def test_bug04_merge_key_override_is_not_a_duplicate() -> None:
    doc, problems = parse("base: &b {amount: 1, currency: USD}\n"
                          "budget:\n  <<: *b\n  amount: 2\n")
    assert problems == []  # today: "f.yml:4:3: budget.amount: duplicate key 'amount' ..."
    assert doc.data["budget"] == {"amount": 2, "currency": "USD"}


# -- 5. constructor errors embed PyYAML's multi-line report (front-matter-relative line) -------

def test_bug05_unknown_tag_message_is_one_line() -> None:
    problems = Problems()
    split_front_matter("---\ntitle: x\nweight: !custom 3\n---\n", Path("p.md"), problems)
    [message] = [str(p) for p in problems.items]
    assert "\n" not in message            # today: '...\n  in "<unicode string>", line 2, ...'
    assert "<unicode string>" not in message
    assert "line 2" not in message        # the tag is on line 3 of p.md


# -- 6. a blank country crashes the config loader ------------------------------------------

@pytest.mark.parametrize("country", ['""', '" "'])
def test_bug06_blank_country_is_an_error_not_a_crash(
    make_site: MakeSite, load_problems: LoadProblems, country: str
) -> None:
    root = make_site({"chmgen.yml": f"title: T\ncountry: {country}\n"})
    problems = load_problems(root)  # AttributeError: 'NoneType' object has no attribute 'strip'
    assert problems and problems[0].startswith("chmgen.yml:2:10: country: ")


# -- 7. a NUL character in data_file crashes the loader ------------------------------------

def test_bug07_nul_in_data_file_is_an_error_not_a_crash(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"indicators/i1.yml": 'title: I\ndata_file: "forest\\0.csv"\n'})
    problems = load_problems(root)  # ValueError: embedded null byte
    assert problems and problems[0].startswith("indicators/i1.yml:2:12: data_file: ")


# -- 8. a whole number longer than 4300 digits crashes the loader --------------------------

def test_bug08_huge_quoted_integer_is_an_error_not_a_crash(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "pages/about.md": '---\ntitle: About\nweight: "' + "9" * 5000 + '"\n---\n',
        "pages/about.fr.md": "---\ntitle: À propos\n---\n",
    })
    problems = load_problems(root)  # ValueError: Exceeds the limit (4300 digits)
    assert problems and problems[0].startswith("pages/about.md:3:9: weight: ")


# -- 9. "nan"/"inf" strings pass as numbers, then `chmgen check`/`build` crash ---------------

@pytest.mark.parametrize("value", ['"nan"', '"inf"', '"-Infinity"'])
def test_bug09_non_finite_number_strings_are_rejected(
    make_site: MakeSite, load_problems: LoadProblems, value: str
) -> None:
    root = make_site(
        {"indicators/i1.yml": f"title: I\ndata:\n  - {{year: 2020, value: {value}}}\n"})
    assert load_problems(root) == [
        "indicators/i1.yml:3:25: data[0].value: expected a finite number"  # like `.nan` is
    ]


def test_bug09_check_does_not_crash_on_nan(make_site: MakeSite, monkeypatch) -> None:
    root = make_site({"indicators/i1.yml": 'title: I\ndata:\n  - {year: 2020, value: "nan"}\n'})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["check", "."])
    # today: ValueError: cannot convert float NaN to integer (chart.nice_ticks), a traceback
    assert result.exit_code == 1 and not isinstance(result.exception, ValueError)


# -- 10. a blank required title: Markdown files vanish silently; targets accept it -----------

def test_bug10_blank_page_title_is_an_error(make_site: MakeSite,
                                            load_problems: LoadProblems) -> None:
    root = make_site({"pages/about.md": '---\ntitle: " "\n---\nText\n'})
    # today: no problem at all and no page: the file is silently dropped
    assert any(p.startswith("pages/about.md:2:8: title: ") for p in load_problems(root))


def test_bug10_blank_page_title_does_not_vanish(make_site: MakeSite) -> None:
    root = make_site({"pages/about.md": '---\ntitle: ""\n---\nText\n'})
    content, problems = problems_of(root)
    assert problems.errors() or [p.slug for p in content.pages] == ["about"]


def test_bug10_blank_target_title_is_an_error(make_site: MakeSite) -> None:
    root = make_site({"targets/t1.yml": 'title: ""\n'})
    _, problems = problems_of(root)
    assert problems.errors()  # today: accepted, the target has an empty title


# -- 11. a broken default-language file yields a misleading warning on its translation --------

def test_bug11_no_translation_warning_for_a_file_that_exists(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "pages/about.md": "---\ntitle: About\nweight: [1\n---\nText.\n",
        "pages/about.fr.md": "---\ntitle: À propos\n---\nTexte.\n",
    })
    # today also: "pages/about.fr.md: warning: no en translation (about.en.md); the fr version
    # is shown instead" although about.md exists (and is the documented name, not about.en.md)
    assert load_problems(root) == [
        "pages/about.md:4:1: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence)"
    ]


def test_bug11_missing_default_language_file_is_named_as_documented(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"news/launch.fr.md": "---\ntitle: L\ndate: 2024-05-22\n---\n"})
    [warning] = load_problems(root)
    assert "(launch.md)" in warning  # today: "(launch.en.md)"


# -- 12. `languages: en` is reported twice ----------------------------------------------------

def test_bug12_languages_not_a_list_is_reported_once(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"chmgen.yml": "title: T\ncountry: ke\nlanguages: en\n"})
    assert load_problems(root) == ["chmgen.yml:3:12: languages: expected a list, got a string"]


# -- 13. CSV locations: quoted multi-line cells shift lines; quoted years shift columns -------

def test_bug13_csv_line_after_a_multiline_cell(make_site: MakeSite,
                                               load_problems: LoadProblems) -> None:
    root = make_site({
        "indicators/i1.yml": "title: I\ndata_file: d.csv\n",
        "indicators/d.csv": 'year,value,note\n2020,1,"two\nlines"\n2021,x,\n',
    })
    assert load_problems(root) == ["indicators/d.csv:4:6: value: expected a number, got 'x'"]


def test_bug13_csv_column_after_a_quoted_year(make_site: MakeSite,
                                              load_problems: LoadProblems) -> None:
    root = make_site({
        "indicators/i1.yml": "title: I\ndata_file: d.csv\n",
        "indicators/d.csv": 'year,value\n"2020",x\n',
    })
    assert load_problems(root) == ["indicators/d.csv:2:8: value: expected a number, got 'x'"]


# -- 14. the string form of a period skips the year range the mapping form checks ------------

def test_bug14_period_string_checks_year_range(make_site: MakeSite) -> None:
    root = make_site({"nbsap/nbsap.yml": "title: N\nperiod: 2024-3000\n"})
    _, problems = problems_of(root)
    # {start: 2024, end: 3000} -> "expected a year such as 2030, got a number"; this: accepted
    assert problems.errors()


# -- 15. problems without line/column (errors.py: every failure names file, line, column) ----

@pytest.mark.parametrize(
    ("files", "path"),
    [
        ({"targets/t1.yml": b"title: T\nlead: caf\xe9\n"}, "targets/t1.yml"),  # byte 15: 2:7
        ({"pages/about.md": b"---\ntitle: caf\xe9\n---\n"}, "pages/about.md"),
        ({"pages/about.md": "---\ntitle: About\n---\n"}, "pages/about.md"),  # no fr translation
        ({"pages/a b.md": "---\ntitle: About\n---\n"}, "pages/a b.md"),
        ({"pages/about.md": "---\ntitle: A\n---\n", "pages/about.fr.md": "---\ntitle: A\n---\n",
          "pages/about.de.md": "---\ntitle: A\n---\n"}, "pages/about.de.md"),
    ],
)
def test_bug15_every_problem_has_a_line(make_site: MakeSite, files: dict, path: str) -> None:
    root = make_site(files)
    _, problems = problems_of(root)
    assert problems.items
    for problem in problems.items:
        assert problem.location.line >= 1, str(problem)


# -- 16. not ISO 3166-1 codes accepted as the Party's country ---------------------------------

@pytest.mark.parametrize("code", ["UN", "EZ"])
def test_bug16_cldr_pseudo_territories_are_not_countries(make_site: MakeSite, code: str) -> None:
    root = make_site({"chmgen.yml": f"title: T\ncountry: {code}\n"})
    _, problems = problems_of(root)
    assert problems.errors()  # today: UN -> "United Nations", EZ -> "Eurozone" accepted


# -- 18. a NUL character in a document's file crashes the loader -------------------------------

def test_bug18_nul_in_document_file_is_an_error_not_a_crash(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"documents/d1.yml": 'title: Act\ntype: law\nfile: "act\\0.pdf"\n'})
    problems = load_problems(root)  # ValueError: embedded null byte
    assert problems and problems[0].startswith("documents/d1.yml:3:7: file: ")


# -- 19. a 5000-digit max_age crashes the config loader (like bug 8) ------------------------

def test_bug19_huge_max_age_is_an_error_not_a_crash(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"chmgen.yml": "title: T\ncountry: ke\ncentral_chm:\n  max_age: "
                                    + "9" * 5000 + "s\n"})
    problems = load_problems(root)  # ValueError: Exceeds the limit (4300 digits)
    assert problems and problems[0].startswith("chmgen.yml:4:12: central_chm.max_age: ")


# -- 20. a blank scientific_name drops the species silently (like bug 10) -----------------

def test_bug20_blank_scientific_name_is_an_error(make_site: MakeSite) -> None:
    root = make_site({"species/s.yml": 'scientific_name: " "\n'})
    content, problems = problems_of(root)
    assert problems.errors() or content.section_items("species")


# -- 21. a duplicate item id names only the other file's name ------------------------------

def test_bug21_duplicate_item_id_names_path_and_line(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"projects/a.yml": "title: A\nid: x\n", "projects/x.yml": "title: B\n"})
    # today: "projects/x.yml:1:1: duplicate id 'x' (also used by a.yml)"; targets, indicators
    # and actions say "(also used by targets/t1.yml:1)"
    assert load_problems(root) == [
        "projects/x.yml:1:1: duplicate id 'x' (also used by projects/a.yml:2)"
    ]


# -- 22. docs/content.md is not what `chmgen docs content` generates from specs.py -----------

def test_bug22_content_reference_is_up_to_date() -> None:
    from chmgen.docgen import content_reference

    docs = Path("/work/main/docs/content.md").read_text(encoding="utf-8")
    assert docs == content_reference()  # missing: preset, menu, hide, home, themes, …, events,
    #                                     documents, projects, … sections

