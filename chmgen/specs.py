"""The content contract: one Schema per kind of file a national CHM site holds."""

from __future__ import annotations

from chmgen.schema import Field, Schema

PROGRESS = ("on-track", "progress-insufficient", "no-change", "moving-away", "unknown")
ALIGNMENT = ("high", "medium", "low")
ACTION_STATUS = ("planned", "in-progress", "completed", "delayed")
NBSAP_STATUS = ("draft", "submitted", "adopted", "under-revision", "superseded")
HOME_BLOCKS = ("hero", "figures", "progress", "news", "events", "cbd", "implementation",
               "capacity", "profile", "data-as-of")
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
        Field("preset", "choice", "Information architecture: `default` (the six areas of a "
              "Bioland site) or `simple` (Biodiversity · Strategy · Implementation · "
              "Information · Participate · About).", choices=("default", "simple"),
              default="default"),
        Field("menu", "list", "Replace the preset's menu: a list of groups, each "
              "`{id, title, items}` where items are section names (`targets`, `news`, …), "
              "`page:<slug>` or `{title, url}` links.", items=Field("group", "any", "")),
        Field("hide", "list", "Sections or pages to leave out of the menu "
              "(e.g. `species`, `page:partners`).", items=Field("item", "string", "")),
        Field("home", "list", "Blocks of the home page, in order.",
              items=Field("block", "choice", "", choices=HOME_BLOCKS), default=HOME_BLOCKS),
        Field("themes", "any", "Labels of thematic areas per language, e.g. "
              "`{marine: {en: Marine, fr: Milieu marin}}` (otherwise the word itself)."),
        Field("land_area_km2", "number", "Land area, for protected-area coverage figures."),
        Field("marine_area_km2", "number", "Marine area under national jurisdiction, for "
              "marine protected-area coverage."),
        Field("biobridge_url", "url", "Where needs link to ask for support through the "
              "Bio-Bridge Initiative.", default="https://www.cbd.int/biobridge/"),
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

# Tags every item of the sections below can carry; tag pages and target pages list them.
TAGS = (
    Field("gbf_targets", "list", "GBF targets it addresses: 1..23 or `GBF-TARGET-NN`.",
          items=Field("target", "any", "")),
    Field("targets", "list", "National target ids it addresses (files in `targets/`).",
          items=Field("target", "id", "")),
    Field("themes", "list", "Thematic areas (free words, e.g. `marine`, `forests`); each gets "
          "a tag page.", items=Field("theme", "string", "")),
)
_ITEM = (
    Field("id", "id", "Identifier; defaults to the file name without `.yml`."),
)
_PLACE = (
    Field("coordinates", "mapping", "A point: latitude and longitude in decimal degrees.",
          fields=(Field("lat", "number", "Latitude (-90..90).", required=True),
                  Field("lon", "number", "Longitude (-180..180).", required=True))),
    Field("bbox", "list", "Bounding box `[west, south, east, north]` in decimal degrees.",
          items=Field("edge", "number", "")),
)
EVENT_STATUS = ("scheduled", "postponed", "cancelled")
DOCUMENT_TYPES = ("law", "policy", "report", "plan", "guideline", "other")
PROJECT_STATUS = ("planned", "ongoing", "completed", "suspended")
IUCN_CATEGORIES = ("Ia", "Ib", "II", "III", "IV", "V", "VI", "not-reported")
THREAT_STATUS = ("EX", "EW", "CR", "EN", "VU", "NT", "LC", "DD", "NE")
ORGANIZATION_TYPES = ("ministry", "agency", "research", "university", "ngo", "iplc",
                      "private-sector", "international", "other")
LEARNING_FORMATS = ("course", "e-learning", "video", "guide", "toolkit", "webinar", "other")

EVENT = Schema("events/*.yml", "One event per file (meeting, workshop, consultation, campaign).", (
    *_ITEM,
    Field("title", "text", "Name of the event.", required=True),
    Field("description", "markdown", "What it is about."),
    Field("start", "datetime", "Start: `2026-05-22` or `2026-05-22 09:00`.", required=True),
    Field("end", "datetime", "End, same forms as `start`."),
    Field("timezone", "timezone", "IANA time zone of the times, e.g. `Pacific/Apia`.",
          default="UTC"),
    Field("location", "text", "Where it takes place."),
    Field("online", "url", "Link to join online."),
    Field("url", "url", "Page with more information."),
    Field("status", "choice", "Whether it goes ahead.", choices=EVENT_STATUS,
          default="scheduled"),
    *TAGS,
))

DOCUMENT = Schema("documents/*.yml", "One document per file: laws, policies, reports, plans.", (
    *_ITEM,
    Field("title", "text", "Title of the document.", required=True),
    Field("type", "choice", "Kind of document.", choices=DOCUMENT_TYPES, required=True),
    Field("date", "date_or_year", "Date (or year) of the document."),
    Field("language", "language", "Language of the document."),
    Field("file", "string", "A file under `static/` (its format and size are shown)."),
    Field("url", "url", "Or: where the document is online."),
    Field("description", "markdown", "What it contains."),
    *TAGS,
))

PROJECT = Schema("projects/*.yml", "One project per file.", (
    *_ITEM,
    Field("title", "text", "Name of the project.", required=True),
    Field("description", "markdown", "Aims and activities."),
    Field("status", "choice", "Where it stands.", choices=PROJECT_STATUS, default="ongoing"),
    Field("period", "period", "Years: `2024-2028`."),
    Field("funding", "mapping", "Who funds it, and how much.", fields=(
        Field("source", "text", "Funder, e.g. GEF, national budget.", required=True),
        Field("amount", "number", "Amount."),
        Field("currency", "string", "ISO 4217 code.", default="USD"),
    )),
    Field("partners", "list", "Implementing partners.", items=Field("partner", "text", "")),
    Field("location", "text", "Where it takes place."),
    Field("url", "url", "Project website."),
    *_PLACE,
    *TAGS,
))

ECOSYSTEM = Schema("ecosystems/*.yml", "One ecosystem type per file.", (
    *_ITEM,
    Field("title", "text", "Name of the ecosystem.", required=True),
    Field("type", "text", "Kind (forest, wetland, coral reef, …)."),
    Field("description", "markdown", "Its state, values and threats."),
    Field("area_km2", "number", "Area in km²."),
    Field("management", "text", "Who manages it."),
    *_PLACE,
    *TAGS,
))

PROTECTED_AREA = Schema("protected-areas/*.yml", "One protected area or OECM per file.", (
    *_ITEM,
    Field("title", "text", "Name.", required=True),
    Field("designation", "text", "National designation, e.g. National Park, Marine Reserve."),
    Field("iucn_category", "choice", "IUCN management category.", choices=IUCN_CATEGORIES),
    Field("realm", "choice", "Terrestrial, marine or both (for coverage figures).",
          choices=("terrestrial", "marine", "mixed"), default="terrestrial"),
    Field("area_km2", "number", "Area in km²."),
    Field("established", "year", "Year established."),
    Field("management_authority", "text", "Who manages it."),
    Field("description", "markdown", "What it protects."),
    *_PLACE,
    *TAGS,
))

SPECIES = Schema("species/*.yml", "One species per file (optional section).", (
    *_ITEM,
    Field("scientific_name", "string", "Scientific name.", required=True),
    Field("common_names", "text", "Common name in each language."),
    Field("group", "text", "Group, e.g. bird, amphibian, tree."),
    Field("threat_status", "choice", "IUCN Red List category.", choices=THREAT_STATUS),
    Field("endemic", "boolean", "Found nowhere else.", default=False),
    Field("description", "markdown", "Notes."),
    *TAGS,
))

ORGANIZATION = Schema("organizations/*.yml", "Ministries, institutes, NGOs and partners.", (
    *_ITEM,
    Field("title", "text", "Name of the organization.", required=True),
    Field("type", "choice", "Kind of organization.", choices=ORGANIZATION_TYPES,
          default="other"),
    Field("role", "text", "Its role in the national CHM."),
    Field("address", "text", "Postal address."),
    Field("website", "url", "Website."),
    Field("description", "markdown", "What it does."),
    *TAGS,
))

LEARNING = Schema("learning/*.yml", "Capacity-building and e-learning resources.", (
    *_ITEM,
    Field("title", "text", "Title.", required=True),
    Field("description", "markdown", "What the learner gets."),
    Field("audience", "text", "Who it is for."),
    Field("language", "list", "Languages it is available in.",
          items=Field("language", "language", "")),
    Field("format", "choice", "Format.", choices=LEARNING_FORMATS, default="other"),
    Field("url", "url", "Where to find it.", required=True),
    *TAGS,
))

_COOPERATION = (
    *_ITEM,
    Field("title", "text", "What is needed or offered.", required=True),
    Field("description", "markdown", "Details."),
    Field("contact_role", "text", "Who to contact (a role, not a person)."),
    *TAGS,
)
NEED = Schema("cooperation/needs.yml", "A list of the Party's technical and scientific "
              "cooperation needs (Article 18).", _COOPERATION)
OFFER = Schema("cooperation/offers.yml", "A list of what the Party can offer to others.",
               _COOPERATION)

ITEM_SCHEMAS = {
    "events": EVENT, "documents": DOCUMENT, "projects": PROJECT, "ecosystems": ECOSYSTEM,
    "protected-areas": PROTECTED_AREA, "species": SPECIES, "organizations": ORGANIZATION,
    "learning": LEARNING,
}

ALL = (CONFIG, NBSAP, CHAPTER, TARGET, INDICATOR, ACTION, PAGE, NEWS, *ITEM_SCHEMAS.values(),
       NEED, OFFER)
