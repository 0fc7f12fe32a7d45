"""The content contract: one Schema per kind of file a national CHM site holds."""

from __future__ import annotations

from chmgen.schema import Field, Schema

PROGRESS = ("on-track", "progress-insufficient", "no-change", "moving-away", "unknown")
ALIGNMENT = ("high", "medium", "low")
ACTION_STATUS = ("planned", "in-progress", "completed", "delayed")
NBSAP_STATUS = ("draft", "submitted", "adopted", "under-revision", "superseded")
# Record types of the central CHM (schema_s) pulled for the Party; see shared/cbd-api.md §1.6.
CENTRAL_SCHEMAS = ("nationalTarget7", "nbsap", "nationalReport", "nationalReport6",
                   "nationalReport7", "focalPoint", "resource", "capacityBuildingInitiative",
                   "capacityBuildingResource", "organization")

_YEAR_VALUE = (
    Field("year", "year", "The year of the value.", required=True, example=2030),
    Field("value", "number", "The value, in the indicator's unit.", required=True, example=30),
)

CONFIG = Schema(
    "chmgen.yml",
    "Site configuration, at the root of the site folder.",
    (
        Field("title", "text", "The site's name, shown in every page header.", required=True,
              example={"en": "Clearing-House Mechanism of Freedonia"}),
        Field("country", "string", "The Party: ISO 3166-1 alpha-2 code, as the central CHM's "
              "`government_s` (lower or upper case).", required=True, example="fd"),
        Field("country_name", "text", "The Party's name; defaults to the name of `country` in "
              "each language (required for the user-assigned codes used by demo sites)."),
        Field("languages", "list", "Site languages; the first is the default and lives at the "
              "site root, the others under `/<code>/`.", items=Field("language", "language", ""),
              default=("en",), example=["en", "fr"]),
        Field("base_url", "url", "Public address of the site, e.g. "
              "`https://example.github.io/chm/`; needed for sitemap.xml and canonical links."),
        Field("theme", "string", "Theme name (a folder of `themes/`) or path.", default="default"),
        Field("description", "text", "One or two sentences about the site (search engines, "
              "home page)."),
        Field("organization", "text", "The institution that runs the national CHM."),
        Field("footer", "markdown", "Extra Markdown shown in every page footer."),
        Field("central_chm", "mapping", "Where and how often to read the central CHM "
              "(api.cbd.int), and what to pull from it.", fields=(
                  Field("url", "url", "API base URL (the environment variable CHMGEN_API_URL "
                        "and `--api-url` override it).", default="https://api.cbd.int"),
                  Field("max_age", "string", "How long cached records stay fresh: seconds or "
                        "a duration such as `30m`, `12h`, `1d`.", default="1d"),
                  Field("enabled", "boolean", "Pull records from the central CHM at all.",
                        default=True),
                  Field("records", "list", "Record types pulled for the Party (schema names "
                        "of the central CHM).", items=Field("schema", "choice", "",
                                                            choices=CENTRAL_SCHEMAS),
                        default=CENTRAL_SCHEMAS),
                  Field("notifications", "integer", "How many recent SCBD notifications to "
                        "show (0 = none).", default=5),
                  Field("meetings", "integer", "How many recent CBD meetings to show "
                        "(0 = none).", default=5),
                  Field("target_mapping", "any", "Mapping of central national-target "
                        "identifiers to local target ids, where they differ."),
                  Field("timeout", "number", "Seconds before one request is given up.",
                        default=20),
              ), default={}),
        Field("budget", "mapping", "Page-weight budget checked by `chmgen check` on the "
              "rendered site (low-bandwidth readers).", fields=(
                  Field("html_kb", "number", "Maximum HTML size of one page, in kB.",
                        default=30),
                  Field("page_kb", "number", "Maximum first-load transfer of one text page "
                        "(HTML, stylesheet, scripts and images it loads), in kB.", default=100),
              ), default={}),
        Field("search", "boolean", "Build a static search index (Pagefind) and a search page.",
              default=True),
        Field("focal_points", "mapping", "How national focal points are shown.", fields=(
            Field("show_email", "boolean", "Show focal points' e-mail addresses (personal "
                  "data: off by default).", default=False),
        ), default={}),
    ),
)

NBSAP = Schema(
    "nbsap/nbsap.yml",
    "The National Biodiversity Strategy and Action Plan: its metadata and documents. Its "
    "chapters (vision, mission, principles, …) are Markdown files beside it.",
    (
        Field("title", "text", "The NBSAP's title.", required=True),
        Field("period", "period", "Years the NBSAP covers: `2024-2030` or `{start, end}`.",
              required=True, example="2024-2030"),
        Field("adopted", "date", "Date of adoption (YYYY-MM-DD).", example="2024-10-15"),
        Field("status", "choice", "Where the NBSAP stands.", choices=NBSAP_STATUS,
              default="adopted"),
        Field("summary", "markdown", "A short introduction shown on the NBSAP page."),
        Field("documents", "list", "Downloadable NBSAP documents.", items=Field(
            "document", "mapping", "", fields=(
                Field("title", "text", "Link text.", required=True),
                Field("url", "url", "Address, or a path of a file under `static/`.",
                      required=True),
                Field("language", "language", "Language of the document."),
            ))),
    ),
)

CHAPTER = Schema(
    "nbsap/*.md",
    "One chapter of the NBSAP (front matter, then Markdown). Translations: `vision.fr.md`.",
    (
        Field("title", "string", "Chapter title.", required=True),
        Field("weight", "integer", "Order among chapters (smaller first).", default=0),
        Field("description", "string", "One-sentence summary for lists and search engines."),
    ),
)

TARGET = Schema(
    "targets/*.yml",
    "One national target per file.",
    (
        Field("id", "id", "Identifier; defaults to the file name without `.yml`.", example="t03"),
        Field("title", "text", "The target's full title.", required=True),
        Field("short_title", "text", "A short title for lists and menus."),
        Field("description", "markdown", "What the target means and how it is pursued."),
        Field("gbf_targets", "list", "GBF targets this national target contributes to.",
              items=Field("link", "mapping", "", fields=(
                  Field("target", "any", "GBF target: 1..23 or `GBF-TARGET-NN`.", required=True,
                        example=3),
                  Field("alignment", "choice", "Degree of alignment.", choices=ALIGNMENT,
                        required=True),
              ))),
        Field("gbf_goals", "list", "GBF goals (A-D); by default derived from the GBF targets.",
              items=Field("goal", "choice", "", choices=("A", "B", "C", "D"))),
        Field("aichi_targets", "list", "Legacy mapping to Aichi Biodiversity Targets (1..20).",
              items=Field("target", "integer", "")),
        Field("headline_indicators", "list", "GBF headline indicator codes such as `A.1`, `3.1`.",
              items=Field("code", "string", "")),
        Field("indicators", "list", "Ids of national indicators (files in `indicators/`).",
              items=Field("indicator", "id", "")),
        Field("lead", "text", "Responsible institution."),
        Field("period", "period", "Years the target covers, e.g. `2024-2030`."),
        Field("progress", "choice", "Latest assessment, on the national report's scale.",
              choices=PROGRESS, default="unknown"),
        Field("progress_note", "markdown", "Explanation of the assessment."),
    ),
)

INDICATOR = Schema(
    "indicators/*.yml",
    "One national indicator per file, with its data series inline or in a CSV file.",
    (
        Field("id", "id", "Identifier; defaults to the file name without `.yml`."),
        Field("title", "text", "The indicator's name.", required=True),
        Field("description", "markdown", "What it measures."),
        Field("unit", "text", "Unit of the values, e.g. `% of land area`."),
        Field("source", "text", "Who produces the data."),
        Field("methodology", "markdown", "How it is computed."),
        Field("gbf_indicator", "string", "Code of the GBF monitoring-framework indicator it "
              "reports (`A.1`, `3.1`, `A.CT.1`, …)."),
        Field("data", "list", "The series.", items=Field("point", "mapping", "",
              fields=_YEAR_VALUE)),
        Field("data_file", "string", "A CSV file (`year,value` header) relative to this file, "
              "instead of `data`."),
        Field("baseline", "mapping", "Reference value the target is measured against.",
              fields=_YEAR_VALUE),
        Field("goal", "mapping", "Value to reach by a year.", fields=_YEAR_VALUE),
        Field("desirable", "choice", "Which direction is good.",
              choices=("increase", "decrease"), default="increase"),
    ),
)

ACTION = Schema(
    "actions/*.yml",
    "One action of the action plan per file (or an `actions.yml` list of them).",
    (
        Field("id", "id", "Identifier; defaults to the file name.", required=False),
        Field("title", "text", "What is done.", required=True),
        Field("description", "markdown", "Details."),
        Field("targets", "list", "National target ids this action serves.",
              items=Field("target", "id", "")),
        Field("lead", "text", "Leading institution."),
        Field("partners", "list", "Partner institutions.", items=Field("partner", "text", "")),
        Field("start", "date_or_year", "Start: a year or a date."),
        Field("end", "date_or_year", "End: a year or a date."),
        Field("budget", "mapping", "Budget.", fields=(
            Field("amount", "number", "Amount.", required=True, example=250000),
            Field("currency", "string", "ISO 4217 currency code.", required=True, example="USD"),
        )),
        Field("status", "choice", "Where it stands.", choices=ACTION_STATUS, default="planned"),
    ),
)

PAGE = Schema(
    "pages/*.md",
    "A free page (front matter, then Markdown). Translations: `about.fr.md`.",
    (
        Field("title", "string", "Page title.", required=True),
        Field("menu", "boolean", "Show the page in the main menu.", default=True),
        Field("weight", "integer", "Order in the menu (smaller first).", default=0),
        Field("description", "string", "One-sentence summary for search engines."),
    ),
)

NEWS = Schema(
    "news/*.md",
    "A news post (front matter, then Markdown). Translations: `launch.fr.md`.",
    (
        Field("title", "string", "Headline.", required=True),
        Field("date", "date", "Publication date (YYYY-MM-DD).", required=True),
        Field("summary", "string", "One or two sentences for lists and feeds."),
        Field("image", "string", "Picture path under `static/`."),
        Field("image_alt", "string", "Text alternative of the picture (required with `image`)."),
    ),
)

ALL = (CONFIG, NBSAP, CHAPTER, TARGET, INDICATOR, ACTION, PAGE, NEWS)
