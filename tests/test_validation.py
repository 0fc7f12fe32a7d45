"""Every content mistake is reported as one exact, located line: ``path:line:col: key: message``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chmgen.build import load_and_plan
from chmgen.errors import ContentErrors

MakeSite = Callable[..., Path]
LoadProblems = Callable[[Path], list[str]]


def page(title: str, body: str = "Text.\n", extra: str = "") -> str:
    return f"---\ntitle: {title}\n{extra}---\n{body}"


def news(title: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: 2024-05-22\n{extra}---\nText.\n"


# -- the minimal site itself ------------------------------------------------------------------


def test_minimal_site_is_valid(make_site: MakeSite, load_problems: LoadProblems) -> None:
    assert load_problems(make_site({})) == []


def test_a_full_small_site_is_valid(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "targets/t1.yml": """\
            title: {en: Protected areas, fr: Aires protégées}
            gbf_targets:
              - {target: 3, alignment: high}
              - {target: GBF-TARGET-02, alignment: low}
            aichi_targets: [11]
            headline_indicators: [A.1]
            indicators: [forest]
            period: 2024-2030
            progress: on-track
            """,
        "indicators/forest.yml": """\
            title: Forest cover
            data_file: forest.csv
            """,
        "indicators/forest.csv": "year,value\n2020,30.5\n2021,31\n",
        "actions/a1.yml": "title: Map forests\ntargets: [t1]\nstart: 2024\nend: 2026\n",
        "pages/about.md": page("About"),
        "pages/about.fr.md": page("À propos"),
        "news/launch.md": news("Launch"),
        "news/launch.fr.md": news("Lancement"),
    })
    assert load_problems(root) == []


# -- syntax -----------------------------------------------------------------------------------


def test_yaml_syntax_error(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"targets/t1.yml": "title: Protected areas\n  lead: Ministry\n"})
    assert load_problems(root) == [
        "targets/t1.yml:2:7: YAML syntax error: mapping values are not allowed here"
    ]


def test_yaml_syntax_error_in_config(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"chmgen.yml": "title: Test\ncountry: ke\nlanguages: [en, fr\n"})
    assert load_problems(root) == [
        "chmgen.yml:4:1: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence)"
    ]


def test_front_matter_syntax_error_in_a_page(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "pages/about.md": "---\ntitle: About\nweight: [1\n---\nText.\n",
    })
    assert load_problems(root) == [
        "pages/about.md:4:1: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence)"
    ]


def test_unclosed_front_matter_in_a_news_post(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"news/launch.md": "---\ntitle: Launch\ndate: 2024-05-22\nText.\n"})
    assert load_problems(root) == [
        "news/launch.md:1:1: front matter starts with '---' but has no closing '---' line"
    ]


def test_duplicate_key(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"targets/t1.yml": "title: A\nprogress: on-track\ntitle: B\n"})
    assert load_problems(root) == [
        "targets/t1.yml:3:1: title: duplicate key 'title' in the same mapping"
    ]


# -- shape ------------------------------------------------------------------------------------


def test_missing_required_field(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"targets/t1.yml": "short_title: Protected areas\nprogress: on-track\n"})
    assert load_problems(root) == ["targets/t1.yml:1:1: missing required key 'title'"]


def test_missing_required_field_in_a_list_item(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "targets/t1.yml": "title: A\ngbf_targets:\n  - target: 3\n  - {alignment: low}\n"
    })
    assert load_problems(root) == [
        "targets/t1.yml:3:5: gbf_targets[0]: missing required key 'alignment'",
        "targets/t1.yml:4:5: gbf_targets[1]: missing required key 'target'",
    ]


def test_missing_required_field_in_front_matter(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"news/launch.md": "---\ntitle: Launch\n---\nText.\n",
                      "news/launch.fr.md": news("Lancement")})
    assert load_problems(root) == ["news/launch.md:2:1: missing required key 'date'"]


def test_wrong_type_list_got_mapping(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "targets/t1.yml": "title: A\ngbf_targets:\n  target: 3\n  alignment: high\n"
    })
    assert load_problems(root) == [
        "targets/t1.yml:3:3: gbf_targets: expected a list, got a mapping"
    ]


def test_wrong_type_in_front_matter(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"pages/about.md": page("About", extra="menu: maybe\nweight: [1]\n"),
                      "pages/about.fr.md": page("À propos")})
    assert load_problems(root) == [
        "pages/about.md:3:7: menu: expected true or false, got a string",
        "pages/about.md:4:9: weight: expected a whole number, got a list",
    ]


def test_file_that_is_not_a_mapping(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"targets/t1.yml": "- title: A\n"})
    assert load_problems(root) == ["targets/t1.yml:1:1: expected a mapping, got a list"]


def test_unknown_key_with_did_you_mean(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"targets/t1.yml": "titel: Protected areas\nprogress: on-track\n"})
    assert load_problems(root) == [
        "targets/t1.yml:1:1: missing required key 'title'",
        "targets/t1.yml:1:1: titel: unknown key 'titel' (did you mean 'title'?)",
    ]


def test_unknown_nested_key_with_did_you_mean(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "targets/t1.yml": "title: A\ngbf_targets:\n  - target: 3\n    alignmnet: high\n"
    })
    assert load_problems(root) == [
        "targets/t1.yml:3:5: gbf_targets[0]: missing required key 'alignment'",
        "targets/t1.yml:4:5: gbf_targets[0].alignmnet: unknown key 'alignmnet' "
        "(did you mean 'alignment'?)",
    ]


def test_unknown_key_without_a_close_match(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"targets/t1.yml": "title: A\nzzz: 1\n"})
    assert load_problems(root) == ["targets/t1.yml:2:1: zzz: unknown key 'zzz'"]


def test_unknown_choice_with_did_you_mean(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"targets/t1.yml": "title: A\nprogress: on-trak\n"})
    assert load_problems(root) == [
        "targets/t1.yml:2:11: progress: 'on-trak' is not one of on-track, "
        "progress-insufficient, no-change, moving-away, unknown (did you mean 'on-track'?)"
    ]


# -- ids and references -----------------------------------------------------------------------


def test_duplicate_ids_across_two_target_files(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "targets/t1.yml": "title: A\n",
        "targets/t2.yml": "title: B\nid: t1\n",
    })
    assert load_problems(root) == [
        "targets/t2.yml:2:5: id: duplicate id 't1' (also used by targets/t1.yml:1)"
    ]


def test_duplicate_explicit_ids_name_the_first_line(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "indicators/a.yml": "title: A\n\nid: forest\n",
        "indicators/b.yml": "id: forest\ntitle: B\n",
    })
    assert load_problems(root) == [
        "indicators/b.yml:1:5: id: duplicate id 'forest' (also used by indicators/a.yml:3)"
    ]


def test_unknown_national_indicator_from_a_target(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "indicators/forest.yml": "title: Forest cover\n",
        "targets/t1.yml": "title: A\nindicators:\n  - forest\n  - wetlands\n",
    })
    assert load_problems(root) == [
        "targets/t1.yml:4:5: indicators[1]: unknown national indicator 'wetlands' "
        "(no indicators/wetlands.yml)"
    ]


def test_unknown_national_target_from_an_action(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "targets/t1.yml": "title: A\n",
        "actions/a1.yml": "title: Act\ntargets: [t1, t9]\n",
    })
    assert load_problems(root) == [
        "actions/a1.yml:2:15: targets[1]: unknown national target 't9' (no targets/t9.yml)"
    ]


def test_unknown_national_target_from_actions_yml_list(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "actions.yml": "- id: a1\n  title: Act\n  targets: [t9]\n",
    })
    assert load_problems(root) == [
        "actions.yml:3:13: [0].targets[0]: unknown national target 't9' (no targets/t9.yml)"
    ]


@pytest.mark.parametrize(("value", "column"), [("24", 13), ("GBF-TARGET-24", 13)])
def test_unknown_gbf_target(
    make_site: MakeSite, load_problems: LoadProblems, value: str, column: int
) -> None:
    root = make_site({
        "targets/t1.yml": f"title: A\ngbf_targets:\n  - target: {value}\n    alignment: high\n"
    })
    assert load_problems(root) == [
        f"targets/t1.yml:3:{column}: gbf_targets[0].target: unknown GBF target '{value}' "
        "(known: GBF-TARGET-01 … GBF-TARGET-23, or 1 … 23)"
    ]


def test_gbf_target_listed_twice(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "targets/t1.yml": """\
            title: A
            gbf_targets:
              - {target: 3, alignment: high}
              - {target: GBF-TARGET-03, alignment: low}
            """
    })
    assert load_problems(root) == [
        "targets/t1.yml:4:14: gbf_targets[1].target: GBF-TARGET-03 is listed twice"
    ]


def test_unknown_aichi_target(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"targets/t1.yml": "title: A\naichi_targets: [11, 21]\n"})
    assert load_problems(root) == [
        "targets/t1.yml:2:21: aichi_targets[1]: unknown Aichi target 21 (known: 1 … 20)"
    ]


def test_unknown_headline_indicator(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"targets/t1.yml": "title: A\nheadline_indicators: [A.1, Z.9]\n"})
    assert load_problems(root) == [
        "targets/t1.yml:2:28: headline_indicators[1]: unknown GBF headline indicator 'Z.9' "
        "(e.g. A.1, 3.1, D.2)"
    ]


def test_unknown_gbf_indicator_of_an_indicator(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"indicators/i1.yml": "title: I\ngbf_indicator: Q.42\n"})
    assert load_problems(root) == [
        "indicators/i1.yml:2:16: gbf_indicator: unknown GBF indicator 'Q.42' "
        "(codes such as A.1, 3.1, A.CT.1)"
    ]


# -- dates, years, periods --------------------------------------------------------------------


def test_malformed_date(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"nbsap/nbsap.yml": "title: NBSAP\nperiod: 2024-2030\nadopted: 15/10/2024\n"})
    assert load_problems(root) == [
        "nbsap/nbsap.yml:3:10: adopted: expected a date as YYYY-MM-DD, got '15/10/2024'"
    ]


def test_malformed_date_in_a_news_post(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "news/launch.md": "---\ntitle: Launch\ndate: May 22, 2024\n---\nText.\n",
        "news/launch.fr.md": news("Lancement"),
    })
    assert load_problems(root) == [
        "news/launch.md:3:7: date: expected a date as YYYY-MM-DD, got 'May 22, 2024'"
    ]


def test_impossible_date_in_a_news_post(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "news/launch.md": "---\ntitle: Launch\ndate: 2024-02-30\n---\nText.\n",
    })
    assert load_problems(root) == [
        "news/launch.md:3:7: date: invalid value '2024-02-30': day is out of range for month"
    ]


def test_malformed_year(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "indicators/i1.yml": """\
            title: I
            data:
              - {year: 2020, value: 1}
              - {year: twenty-one, value: 2}
              - {year: 21, value: 3}
            """,
    })
    assert load_problems(root) == [
        "indicators/i1.yml:4:12: data[1].year: expected a year such as 2030, got 'twenty-one'",
        "indicators/i1.yml:5:12: data[2].year: expected a year such as 2030, got a number",
    ]


def test_malformed_number(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"indicators/i1.yml": "title: I\nbaseline: {year: 2020, value: lots}\n"})
    assert load_problems(root) == [
        "indicators/i1.yml:2:31: baseline.value: expected a number, got a string"
    ]


def test_year_appearing_twice_in_the_data(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "indicators/i1.yml": "title: I\ndata:\n  - {year: 2020, value: 1}\n"
                             "  - {year: 2020, value: 2}\n",
    })
    assert load_problems(root) == [
        "indicators/i1.yml:4:5: data[1]: year 2020 appears twice in the data"
    ]


def test_period_ending_before_it_starts(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "targets/t1.yml": "title: A\nperiod: 2030-2024\n",
        "targets/t2.yml": "title: B\nperiod: {start: 2030, end: 2024}\n",
    })
    assert load_problems(root) == [
        "targets/t1.yml:2:9: period: the period ends (2024) before it starts (2030)",
        "targets/t2.yml:2:9: period: the period ends (2024) before it starts (2030)",
    ]


def test_malformed_period(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"nbsap/nbsap.yml": "title: NBSAP\nperiod: until 2030\n"})
    assert load_problems(root) == [
        "nbsap/nbsap.yml:2:9: period: expected a period such as 2024-2030 or "
        "{start: 2024, end: 2030}, got 'until 2030'"
    ]


def test_action_ending_before_it_starts(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"actions/a1.yml": "title: Act\nstart: 2026-03-01\nend: 2025-12-31\n"})
    assert load_problems(root) == ["actions/a1.yml:3:6: end: the action ends before it starts"]


# -- indicator data files ---------------------------------------------------------------------


def test_csv_data_file_missing(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"indicators/forest.yml": "title: Forest\ndata_file: data/forest.csv\n"})
    assert load_problems(root) == [
        "indicators/forest.yml:2:12: data_file: cannot read data file 'forest.csv': "
        "No such file or directory"
    ]


def test_csv_bad_header(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "indicators/forest.yml": "title: Forest\ndata_file: forest.csv\n",
        "indicators/forest.csv": "annee,valeur\n2020,1\n",
    })
    assert load_problems(root) == [
        "indicators/forest.csv:1:1: header: a data file starts with the header line 'year,value'"
    ]


def test_csv_empty_file(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "indicators/forest.yml": "title: Forest\ndata_file: forest.csv\n",
        "indicators/forest.csv": "",
    })
    assert load_problems(root) == [
        "indicators/forest.csv:1:1: header: a data file starts with the header line 'year,value'"
    ]


def test_csv_bad_value_names_the_csv_line(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "indicators/forest.yml": "title: Forest\ndata_file: forest.csv\n",
        "indicators/forest.csv": "year,value\n2019,1.5\n\n2020,lots\n2021,2\n",
    })
    assert load_problems(root) == [
        "indicators/forest.csv:4:6: value: expected a number, got 'lots'"
    ]


def test_csv_bad_year_and_short_row(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "indicators/forest.yml": "title: Forest\ndata_file: forest.csv\n",
        "indicators/forest.csv": "Year, Value\n20x0,1\n2021\n2022,3\n",
    })
    assert load_problems(root) == [
        "indicators/forest.csv:2:1: year: expected a year such as 2030, got '20x0'",
        "indicators/forest.csv:3:1: expected 'year,value', got '2021'",
    ]


def test_csv_in_a_subfolder_and_duplicate_year(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "indicators/forest.yml": "title: Forest\ndata_file: data/forest.csv\n",
        "indicators/data/forest.csv": "year,value\n2020,1\n2020,2\n",
    })
    assert load_problems(root) == [
        "indicators/forest.yml:2:12: data_file: year 2020 appears twice in the data"
    ]


def test_data_and_data_file_both_given(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "indicators/forest.yml": """\
            title: Forest
            data:
              - {year: 2020, value: 1}
            data_file: forest.csv
            """,
        "indicators/forest.csv": "year,value\n2020,1\n",
    })
    assert load_problems(root) == [
        "indicators/forest.yml:4:12: data_file: give either 'data' or 'data_file', not both"
    ]


# -- languages and translations ---------------------------------------------------------------


def test_undeclared_language_in_a_text_is_a_warning(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"targets/t1.yml": "title: {en: Forests, fr: Forêts, de: Wälder}\n"})
    assert load_problems(root) == [
        "targets/t1.yml:1:38: title.de: warning: language 'de' is not declared in chmgen.yml "
        "languages"
    ]


def test_undeclared_language_of_a_markdown_file_is_a_warning(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "pages/about.md": page("About"),
        "pages/about.fr.md": page("À propos"),
        "pages/about.de.md": page("Über uns"),
    })
    assert load_problems(root) == [
        "pages/about.de.md:1:1: warning: language 'de' is not declared in chmgen.yml languages"
    ]


def test_missing_translation_of_a_text_is_a_warning(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"targets/t1.yml": "title:\n  en: Forests\nlead: Ministry\n"})
    assert load_problems(root) == [
        "targets/t1.yml:2:3: title: warning: no translation for fr; the en text is shown instead"
    ]


def test_plain_string_needs_no_translation(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"targets/t1.yml": "title: Forests\nlead: Ministry\n"})
    assert load_problems(root) == []


def test_missing_translation_of_a_page_is_a_warning(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"pages/about.md": page("About")})
    assert load_problems(root) == [
        "pages/about.md:1:1: warning: no fr translation (about.fr.md); the en version is shown "
        "instead"
    ]


def test_missing_default_language_page_is_a_warning(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"news/launch.fr.md": news("Lancement")})
    assert load_problems(root) == [
        "news/launch.fr.md:1:1: warning: no en translation (launch.md); the fr version is shown "
        "instead"
    ]


def test_bad_language_code_in_a_text(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"targets/t1.yml": "title: {en: Forests, fr: Forêts, French: Forêts}\n"})
    assert load_problems(root) == [
        "targets/t1.yml:1:42: title.French: 'French' is not a language code (use BCP 47, e.g. "
        "en, fr, pt-BR)"
    ]


# -- configuration ----------------------------------------------------------------------------


def test_invalid_country_code(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"chmgen.yml": "title: Test\ncountry: kenya\nlanguages: [en, fr]\n"})
    assert load_problems(root) == [
        "chmgen.yml:2:10: country: 'kenya' is not an ISO 3166-1 alpha-2 country code "
        "(e.g. 'fr', 'ke', 'ws')"
    ]


def test_user_assigned_country_needs_a_name(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"chmgen.yml": "title: Test\ncountry: XF\n"})
    assert load_problems(root) == [
        "chmgen.yml:2:10: country: 'xf' is a user-assigned code: set country_name too"
    ]


def test_user_assigned_country_with_a_name_is_valid(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"chmgen.yml": "title: Test\ncountry: XF\ncountry_name: Freedonia\n"})
    assert load_problems(root) == []


def test_config_problems(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "chmgen.yml": """\
            titel: Test
            country: ke
            languages: [en, fr, en, English]
            central_chm: {max_age: soon}
            """
    })
    assert load_problems(root) == [
        "chmgen.yml:1:1: missing required key 'title'",
        "chmgen.yml:1:1: titel: unknown key 'titel' (did you mean 'title'?)",
        "chmgen.yml:3:21: languages[2]: language 'en' is listed twice",
        "chmgen.yml:3:25: languages[3]: 'English' is not a language code (use BCP 47, e.g. en, "
        "fr, pt-BR)",
    ]


def test_bad_max_age(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"chmgen.yml": "title: T\ncountry: ke\ncentral_chm:\n  max_age: soon\n"})
    assert load_problems(root) == [
        "chmgen.yml:4:12: central_chm.max_age: 'soon' is not a duration: use seconds or e.g. "
        "30m, 12h, 1d"
    ]


def test_missing_config(tmp_path: Path, load_problems: LoadProblems) -> None:
    assert load_problems(tmp_path) == [
        "chmgen.yml: no chmgen.yml here: is this a chmgen site? (create one with `chmgen init`)"
    ]


def test_nbsap_folder_without_nbsap_yml(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({"nbsap/vision.md": page("Vision"), "nbsap/vision.fr.md": page("Vision")})
    assert load_problems(root) == [
        "nbsap/nbsap.yml: the nbsap/ folder needs an nbsap.yml file"
    ]


# -- news -------------------------------------------------------------------------------------


def test_news_image_without_alt_is_a_warning(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "news/launch.md": news("Launch", "image: launch.jpg\n"),
        "news/launch.fr.md": news("Lancement", "image: launch.jpg\nimage_alt: Ruban coupé\n"),
    })
    assert load_problems(root) == [
        "news/launch.md:4:8: image: warning: a picture needs a text alternative: set image_alt"
    ]


# -- item sections and cooperation lists ------------------------------------------------------


def test_item_sections(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "targets/t1.yml": "title: T\n",
        "events/e1.yml": """\
            title: Workshop
            start: 2026-05-22 09:00
            end: 2026-05-21
            timezone: Africa/Nairobbi
            gbf_targets: [3, 24]
            """,
        "documents/d1.yml": "title: Act\ntype: law\n",
        "documents/d2.yml": "title: Act\ntype: statute\nfile: docs/act.pdf\n",
        "projects/p1.yml": "title: P\ncoordinates: {lat: 95, lon: 37}\nbbox: [1, 2, 3]\n"
                           "targets: [t1, t2]\n",
        "species/s.yml": "common_names: Elephant\n",
    })
    assert load_problems(root) == [
        "documents/d1.yml:1:1: a document needs either 'file' (under static/) or 'url'",
        "documents/d2.yml:2:7: type: 'statute' is not one of law, policy, report, plan, "
        "guideline, other",
        "documents/d2.yml:3:7: file: no file static/docs/act.pdf (put the document under "
        "static/)",
        "events/e1.yml:3:6: end: the event ends before it starts",
        "events/e1.yml:4:11: timezone: 'Africa/Nairobbi' is not an IANA time zone "
        "(e.g. Africa/Nairobi, Pacific/Apia, UTC)",
        "events/e1.yml:5:18: gbf_targets[1]: unknown GBF target '24' (known: GBF-TARGET-01 … "
        "GBF-TARGET-23, or 1 … 23)",
        "projects/p1.yml:2:14: coordinates: latitude must be within -90..90 and longitude "
        "within -180..180",
        "projects/p1.yml:3:7: bbox: expected 4 numbers: [west, south, east, north]",
        "projects/p1.yml:4:15: targets[1]: unknown national target 't2' (no targets/t2.yml)",
        "species/s.yml:1:1: missing required key 'scientific_name'",
    ]


def test_cooperation_lists(make_site: MakeSite, load_problems: LoadProblems) -> None:
    root = make_site({
        "cooperation/needs.yml": "title: Training\n",
        "cooperation/offers.yml": "- title: Know-how\n  themes: marine\n- 3\n",
    })
    assert load_problems(root) == [
        "cooperation/needs.yml:1:1: needs.yml holds a list of needs",
        "cooperation/offers.yml:2:11: [0].themes: expected a list, got a string",
        "cooperation/offers.yml:3:3: [1]: expected a mapping, got a number",
    ]


def test_unknown_menu_item_with_did_you_mean(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({"chmgen.yml": "title: T\ncountry: ke\nlanguages: [en, fr]\nmenu:\n"
                                    "  - id: main\n    items: [targets, nbsapp]\n"})
    assert load_problems(root) == [
        "chmgen.yml:6:22: menu[0].items[1]: unknown menu item 'nbsapp': use a section name "
        "(convention, focal-points, organizations, country-profile, …), page:<slug> or "
        "{title, url} (did you mean 'nbsap'?)"
    ]


# -- output paths -----------------------------------------------------------------------------


def test_page_and_news_list_writing_the_same_path(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site({
        "pages/news.md": page("News"),
        "pages/news.fr.md": page("Actualités"),
        "news/launch.md": news("Launch"),
        "news/launch.fr.md": news("Lancement"),
    })
    monkeypatch.chdir(root)
    with pytest.raises(ContentErrors) as caught:
        load_and_plan(root)
    assert [str(p) for p in caught.value.problems] == [
        "pages/news.md: writes fr/news/index.html, which a built-in page of chmgen also writes: "
        "rename one of them",
        "pages/news.md: writes news/index.html, which a built-in page of chmgen also writes: "
        "rename one of them",
    ]


def test_page_without_news_owns_its_path(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site({"pages/news.md": page("News"), "pages/news.fr.md": page("Actualités")})
    monkeypatch.chdir(root)
    site, problems = load_and_plan(root)
    assert problems.items == []
    assert "news/index.html" in {p.path("en") for p in site.pages}


def test_static_file_and_page_writing_the_same_path(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site({
        "pages/about.md": page("About"),
        "pages/about.fr.md": page("À propos"),
        "static/about/index.html": "<p>old about page</p>\n",
    })
    monkeypatch.chdir(root)
    with pytest.raises(ContentErrors) as caught:
        load_and_plan(root)
    assert [str(p) for p in caught.value.problems] == [
        "static/about/index.html: writes about/index.html, which pages/about.md also writes: "
        "rename one of them"
    ]


# -- everything at once -----------------------------------------------------------------------


def test_all_problems_are_collected_in_one_run(
    make_site: MakeSite, load_problems: LoadProblems
) -> None:
    root = make_site({
        "targets/t1.yml": "title: A\nprogress: on-trak\n",
        "targets/t2.yml": "title: B\n  lead: x\n",
        "indicators/i1.yml": "title: I\ndata_file: missing.csv\n",
        "actions/a1.yml": "title: Act\ntargets: [t1, t3]\n",
        "pages/about.md": page("About", extra="weight: heavy\n"),
    })
    assert load_problems(root) == [
        "actions/a1.yml:2:15: targets[1]: unknown national target 't3' (no targets/t3.yml)",
        "indicators/i1.yml:2:12: data_file: cannot read data file 'missing.csv': "
        "No such file or directory",
        "pages/about.md:1:1: warning: no fr translation (about.fr.md); the en version is shown "
        "instead",
        "pages/about.md:3:9: weight: expected a whole number, got a string",
        "targets/t1.yml:2:11: progress: 'on-trak' is not one of on-track, "
        "progress-insufficient, no-change, moving-away, unknown (did you mean 'on-track'?)",
        "targets/t2.yml:2:7: YAML syntax error: mapping values are not allowed here",
    ]


def test_content_errors_lists_every_error_sorted(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site({
        "targets/t1.yml": "title: A\nprogress: on-trak\n",
        "targets/t2.yml": "title: B\nperiod: 2030-2020\n",
        "actions/a1.yml": "title: Act\nstatus: done\n",
    })
    monkeypatch.chdir(root)
    with pytest.raises(ContentErrors) as caught:
        load_and_plan(root)
    assert str(caught.value).splitlines() == [
        "actions/a1.yml:2:9: status: 'done' is not one of planned, in-progress, completed, "
        "delayed",
        "targets/t1.yml:2:11: progress: 'on-trak' is not one of on-track, "
        "progress-insufficient, no-change, moving-away, unknown (did you mean 'on-track'?)",
        "targets/t2.yml:2:9: period: the period ends (2020) before it starts (2030)",
    ]


def test_warnings_do_not_fail_unless_strict(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site({"targets/t1.yml": "title: {en: Forests}\n"})
    monkeypatch.chdir(root)
    _, problems = load_and_plan(root)
    assert [str(p) for p in problems.warnings()] == [
        "targets/t1.yml:1:8: title: warning: no translation for fr; the en text is shown instead"
    ]
    with pytest.raises(ContentErrors) as caught:
        load_and_plan(root, strict=True)
    assert [p.warning for p in caught.value.problems] == [True]


def test_base_url_must_be_absolute(make_site, load_problems) -> None:  # type: ignore[no-untyped-def]
    root = make_site({"chmgen.yml": "title: T\ncountry: ke\nbase_url: example.org/chm\n"})
    assert load_problems(root) == [
        "chmgen.yml:3:11: base_url: 'example.org/chm' is not an absolute address: write it in "
        "full, e.g. https://example.github.io/chm/"]
