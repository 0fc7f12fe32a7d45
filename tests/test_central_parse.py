"""Reading central CHM JSON: the language fallback chain, term fields, codes and dates."""

from __future__ import annotations

import json

from chmgen.records.model import Html, pick
from chmgen.records.parse import lang_text, parse_country, parse_record, term_fields
from chmgen.text import Text


def test_language_chain_page_language_then_english_then_neutral_then_any() -> None:
    doc = {"title_FR_t": "Titre", "title_EN_t": "Title", "title_t": "Neutral"}
    text = lang_text(doc, "title")
    assert pick(text, "fr").text == "Titre" and pick(text, "fr").lang is None
    assert (pick(text, "es").text, pick(text, "es").lang) == ("Title", "en")
    neutral = lang_text({"title_t": "Neutral", "title_ES_t": "Título"}, "title")
    assert pick(neutral, "fr").text == "Neutral"
    assert (pick(Text((("es", "Título"),)), "fr").text, pick(Text((("es", "x"),)), "fr").lang) \
        == ("Título", "es")
    assert pick(Text(()), "fr").text == ""


def test_term_fields_merge_languages_and_lstrings() -> None:
    doc = {"reportType_CEN_s": json.dumps({"identifier": "NR-5", "title": {"en": "Fifth",
                                                                           "fr": "Cinquième"},
                                           "symbol": "NR5"}),
           "reportType_CES_s": json.dumps({"identifier": "NR-5", "title": "Quinto"}),
           "type_CEN_ss": [json.dumps({"identifier": "CBD-FP1", "name": "CBD NFP"}), "{bad"]}
    (term,) = term_fields(doc, "reportType")
    assert term.identifier == "NR-5" and term.symbol == "NR5"
    assert dict(term.title.values) == {"en": "Fifth", "fr": "Cinquième", "es": "Quinto"}
    (role,) = term_fields(doc, "type")
    assert dict(role.title.values) == {"": "CBD NFP"}


def test_records_are_cleaned_and_normalised() -> None:
    record = parse_record({"identifier_s": "ABC-123", "schema_s": "resource",
                           "title_EN_t": "<b>Bold</b> &amp; <script>x()</script>fine",
                           "summary_EN_t": "<p onclick='x()'>Hi <a href='javascript:x()'>a</a>"
                                           "</p>",
                           "url_ss": ["javascript:alert(1)", "https://chm.cbd.int/r/1"],
                           "publicationDate_dt": "2024-05-02T00:00:00Z"},
                          "resource", {}, False)
    assert record is not None
    assert record.title.values == (("en", "Bold & fine"),)
    assert record.summary == Html(Text((("en", '<p>Hi <a rel="noopener noreferrer nofollow">'
                                               'a</a></p>'),)))
    assert record.url == "https://chm.cbd.int/r/1"
    assert str(record.date) == "2024-05-02"
    assert parse_record({"identifier_s": "../x", "id": "a/b"}, "resource", {}, False) is None


def test_country_codes_are_lower_case_and_treaties_dated() -> None:
    country = parse_country({"code": "XV", "name": {"EN": "Verdania"}, "treaties": {
        "XXVII8": {"instrument": "ratification", "party": "1995-03-13T00:00:00Z"}}})
    assert country is not None and country.code == "xv"
    assert country.name.values == (("en", "Verdania"),)
    assert str(country.treaties[0].party) == "1995-03-13"
    assert parse_country(["not", "an", "object"]) is None


def test_focal_point_email_is_kept_only_when_shown() -> None:
    doc = {"identifier_s": "FP-0001", "type_ss": ["CBD-FP1"], "function_EN_s": "Director",
           "email_ss": ["nfp@example.org", "<script>@x"], "title_EN_t": "Ms. Person"}
    hidden = parse_record(doc, "focalPoint", {}, False)
    shown = parse_record(doc, "focalPoint", {}, True)
    assert hidden is not None and shown is not None
    assert hidden.emails == () and shown.emails == ("nfp@example.org",)
    assert hidden.title.values == (("en", "Director"),)  # never the person's name
