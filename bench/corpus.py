"""Deterministic corpus of a national CHM at scale, written for chmgen and for its peers.

    python bench/corpus.py --pages N [--languages en,fr,es] --out DIR [--trees chmgen,hugo]

For N "pages" per language it writes the same content in up to four trees:

* ``DIR/chmgen/``   a chmgen site: 75 % of N free pages (``pages/p00001.md``, translations as
                    ``p00001.fr.md``), N/10 national targets, N/20 indicators, N/10 actions (in
                    list files of 50), N/10 news posts;
* ``DIR/hugo/``     the same texts as one Markdown file per chmgen content page per language
                    (one content tree per language), a ``hugo.toml`` and a small layout;
* ``DIR/mkdocs/``   the same files under ``docs/`` (other languages under ``docs/<lang>/``),
                    ``mkdocs.yml`` (default navigation: every page) and ``mkdocs-nav.yml``
                    (a short explicit ``nav``);
* ``DIR/pelican/``  the same files as Pelican *pages* with ``pelicanconf.py``.

Every Markdown body (pages, news, target and indicator descriptions) has about 600 words of a
fixed pseudo-vocabulary per language, two or three headings, a bulleted list, a pipe table, an
external link and a relative link to another page. Same arguments, byte-identical output: all
randomness comes from ``random.Random`` seeded with strings, nothing depends on the clock.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

TREES = ("chmgen", "hugo", "mkdocs", "pelican")
ACTIONS_PER_FILE = 50
PROGRESS = ("on-track", "progress-insufficient", "no-change", "moving-away", "unknown")
ACTION_STATUS = ("planned", "in-progress", "completed", "delayed")
ALIGNMENT = ("high", "medium", "low")

SITE_TITLE = {"en": "Benchmarkia Biodiversity Clearing-House",
              "fr": "Centre d'échange sur la biodiversité de Benchmarkie",
              "es": "Mecanismo de facilitación de Benchmarkia"}
COUNTRY_NAME = {"en": "Republic of Benchmarkia", "fr": "République de Benchmarkie",
                "es": "República de Benchmarkia"}
ACTION_PLAN = {"en": "Action plan", "fr": "Plan d'action", "es": "Plan de acción"}
UNITS = {"en": "hectares", "fr": "hectares", "es": "hectáreas"}
SYLLABLES = {
    "en": ("ba", "ter", "lin", "mo", "shi", "ran", "cor", "ve", "dal", "nu", "pre", "sto",
           "ing", "wa", "fen", "ly", "gro", "tha", "mar", "ost", "ble", "ow", "kin", "ser"),
    "fr": ("beau", "ré", "lan", "çon", "mé", "tè", "rou", "pli", "eau", "cha", "ver", "gné",
           "ois", "dé", "que", "lle", "mont", "pê", "sou", "tion", "ain", "vé", "gre", "fû"),
    "es": ("ca", "ño", "rí", "mon", "te", "bre", "lá", "ción", "sue", "gua", "ver", "de",
           "pú", "ra", "llo", "mi", "cha", "ná", "fo", "es", "tí", "rre", "zo", "ué"),
}
GENERIC_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "za", "el", "an", "or",
                     "us", "ti", "po", "ge", "da", "fu", "he", "yo", "ba", "ki", "me", "su")
FUNCTION_WORDS = {
    "en": ("the", "of", "and", "to", "in", "for", "with", "on", "by", "a"),
    "fr": ("le", "la", "de", "et", "des", "pour", "dans", "sur", "les", "un"),
    "es": ("el", "la", "de", "y", "los", "para", "en", "con", "las", "un"),
}


@dataclass(frozen=True)
class Counts:
    """How many of each content type a corpus of ``pages`` pages per language holds."""

    pages: int
    targets: int
    indicators: int
    actions: int
    news: int

    @classmethod
    def of(cls, pages: int) -> Counts:
        return cls(pages=max(1, round(pages * 0.75)), targets=max(1, pages // 10),
                   indicators=max(1, pages // 20), actions=max(1, pages // 10),
                   news=max(1, pages // 10))

    @property
    def per_language(self) -> int:
        """Content pages per language: pages, targets, indicators, news, the action plan and
        the home page (what each peer gets one Markdown file for)."""
        return self.pages + self.targets + self.indicators + self.news + 2


@dataclass(frozen=True)
class Doc:
    """One content page in one language, as the peers get it."""

    path: str            # URL path without language prefix: "p00001", "targets/t0001", ""
    lang: str
    title: str
    body: str            # Markdown without the title
    date: str | None = None
    description: str = ""


# --------------------------------------------------------------------------- words

class Words:
    """A fixed pseudo-vocabulary of one language and sentences made of it."""

    def __init__(self, lang: str) -> None:
        rng = random.Random(f"vocabulary:{lang}")
        syllables = SYLLABLES.get(lang, GENERIC_SYLLABLES)
        vocabulary: dict[str, None] = {}
        while len(vocabulary) < 800:
            size = rng.choice((1, 2, 2, 3, 3, 3, 4))
            vocabulary["".join(rng.choice(syllables) for _ in range(size))] = None
        self.vocabulary = list(vocabulary)
        self.function_words = FUNCTION_WORDS.get(lang, tuple(self.vocabulary[:10]))

    def word(self, rng: random.Random) -> str:
        if rng.random() < 0.3:
            return rng.choice(self.function_words)
        # squared: a few words are common, most are rare, as in real text
        return self.vocabulary[int(len(self.vocabulary) * rng.random() ** 2)]

    def words(self, rng: random.Random, count: int) -> str:
        return " ".join(self.word(rng) for _ in range(count))

    def title(self, rng: random.Random, count: int) -> str:
        return self.words(rng, count).capitalize()

    def sentence(self, rng: random.Random) -> str:
        return self.words(rng, rng.randint(6, 16)).capitalize() + "."

    def paragraph(self, rng: random.Random, count: int) -> str:
        sentences: list[str] = []
        while sum(len(s.split()) for s in sentences) < count:
            sentences.append(self.sentence(rng))
        return " ".join(sentences)


def body(words: Words, rng: random.Random, depth: int, other_page: str) -> str:
    """About 600 words of Markdown; ``depth`` is how many folders deep the page's URL is, so
    that the relative link to ``other_page`` works in every tool's output."""
    external = f"https://www.cbd.int/gbf/targets/{rng.randint(1, 23)}/"
    relative = "../" * depth + other_page + "/"
    intro = (f"{words.paragraph(rng, 30)} [{words.words(rng, 3)}]({external}) "
             f"{words.paragraph(rng, 25)} [{words.words(rng, 2)}]({relative}) "
             f"{words.paragraph(rng, 15)}")
    items = "\n".join(f"- {words.words(rng, rng.randint(5, 10))}" for _ in range(5))
    header = [words.title(rng, 1) for _ in range(3)]
    rows = "\n".join(f"| {words.title(rng, 2)} | {words.words(rng, 2)} | "
                     f"{rng.randint(10, 99999):,} |" for _ in range(4))
    table = f"| {' | '.join(header)} |\n| --- | --- | ---: |\n{rows}"
    return "\n\n".join([
        intro,
        f"## {words.title(rng, 4)}",
        words.paragraph(rng, 95), words.paragraph(rng, 85), items,
        f"### {words.title(rng, 3)}",
        words.paragraph(rng, 80), table,
        f"## {words.title(rng, 3)}",
        words.paragraph(rng, 95), words.paragraph(rng, 85),
    ]) + "\n"


# --------------------------------------------------------------------------- the content

@dataclass(frozen=True)
class Target:
    """A national target in every language."""

    id: str
    gbf_targets: tuple[tuple[int, str], ...]   # (GBF target, alignment)
    indicators: tuple[str, ...]
    progress: str
    period: str
    title: dict[str, str]
    description: dict[str, str]
    lead: dict[str, str]


@dataclass(frozen=True)
class Indicator:
    """A national indicator in every language, with a ten-year series."""

    id: str
    data: tuple[tuple[int, float], ...]
    baseline: tuple[int, float]
    goal: tuple[int, float]
    desirable: str
    title: dict[str, str]
    description: dict[str, str]


@dataclass(frozen=True)
class Action:
    """An action of the action plan in every language."""

    id: str
    targets: tuple[str, ...]
    status: str
    start: int
    end: int
    budget: int
    title: dict[str, str]
    description: dict[str, str]
    lead: dict[str, str]


@dataclass(frozen=True)
class Corpus:
    """Generates every text of the corpus from its counts and languages, item by item."""

    counts: Counts
    languages: tuple[str, ...]

    @staticmethod
    def rng(*key: object) -> random.Random:
        return random.Random(":".join(str(part) for part in key))

    def other_page(self, rng: random.Random) -> str:
        return f"p{rng.randint(1, self.counts.pages):05d}"

    def page(self, number: int, lang: str) -> Doc:
        rng, words = self.rng("page", number, lang), vocabulary(lang)
        title, description = words.title(rng, rng.randint(3, 7)), words.sentence(rng)
        return Doc(f"p{number:05d}", lang, title, body(words, rng, 1, self.other_page(rng)),
                   description=description)

    def news(self, number: int, lang: str) -> Doc:
        day = dt.date(2018, 1, 1) + dt.timedelta(days=self.rng("news", number).randrange(2900))
        rng, words = self.rng("news", number, lang), vocabulary(lang)
        title, summary = words.title(rng, rng.randint(5, 9)), words.sentence(rng)
        return Doc(f"news/n{number:05d}", lang, title, body(words, rng, 2, self.other_page(rng)),
                   day.isoformat(), summary)

    def target(self, number: int) -> Target:
        rng = self.rng("target", number)
        gbf = sorted(rng.sample(range(1, 24), rng.randint(1, 3)))
        indicators = sorted(rng.sample(range(1, self.counts.indicators + 1),
                                       min(self.counts.indicators, rng.randint(1, 2))))
        progress, start = rng.choice(PROGRESS), rng.choice((2022, 2023, 2024))
        title, description, lead = {}, {}, {}
        for lang in self.languages:
            rng, words = self.rng("target", number, lang), vocabulary(lang)
            title[lang] = words.title(rng, rng.randint(8, 16))
            description[lang] = body(words, rng, 2, self.other_page(rng))
            lead[lang] = words.title(rng, 4)
        return Target(f"t{number:04d}", tuple((t, rng.choice(ALIGNMENT)) for t in gbf),
                      tuple(f"i{i:04d}" for i in indicators), progress, f"{start}-2030",
                      title, description, lead)

    def indicator(self, number: int) -> Indicator:
        rng = self.rng("indicator", number)
        value, data = rng.uniform(100, 5000), []
        for year in range(2015, 2025):
            value *= rng.uniform(0.95, 1.07)
            data.append((year, round(value, 1)))
        desirable = rng.choice(("increase", "decrease"))
        title, description = {}, {}
        for lang in self.languages:
            rng, words = self.rng("indicator", number, lang), vocabulary(lang)
            title[lang] = words.title(rng, rng.randint(3, 6))
            description[lang] = body(words, rng, 2, self.other_page(rng))
        return Indicator(f"i{number:04d}", tuple(data), data[5], (2030, round(value * 1.2, 1)),
                         desirable, title, description)

    def action(self, number: int) -> Action:
        rng = self.rng("action", number)
        targets = sorted(rng.sample(range(1, self.counts.targets + 1),
                                    min(self.counts.targets, rng.randint(1, 2))))
        status, start = rng.choice(ACTION_STATUS), rng.randint(2022, 2026)
        end, budget = start + rng.randint(1, 5), rng.randrange(10_000, 5_000_000, 1000)
        title, description, lead = {}, {}, {}
        for lang in self.languages:
            rng, words = self.rng("action", number, lang), vocabulary(lang)
            title[lang] = words.title(rng, rng.randint(4, 9))
            description[lang] = words.paragraph(rng, 25)
            lead[lang] = words.title(rng, 3)
        return Action(f"a{number:04d}", tuple(f"t{t:04d}" for t in targets), status, start, end,
                      budget, title, description, lead)

    def site_title(self, lang: str) -> str:
        return SITE_TITLE.get(lang) or vocabulary(lang).title(self.rng("title", lang), 4)

    def country_name(self, lang: str) -> str:
        return COUNTRY_NAME.get(lang) or vocabulary(lang).title(self.rng("country", lang), 2)


_VOCABULARIES: dict[str, Words] = {}


def vocabulary(lang: str) -> Words:
    """The pseudo-vocabulary of ``lang`` (made once per process)."""
    if lang not in _VOCABULARIES:
        _VOCABULARIES[lang] = Words(lang)
    return _VOCABULARIES[lang]


# --------------------------------------------------------------------------- the peers' pages

def table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def section_links(lang: str) -> list[tuple[str, str]]:
    """(label, path) of the few links in every peer's menu and on the home pages."""
    return [("Targets", "targets"), ("Indicators", "indicators"),
            (ACTION_PLAN.get(lang, "Action plan"), "actions"), ("News", "news")]


def home_doc(corpus: Corpus, lang: str) -> Doc:
    rng = corpus.rng("home", lang)
    links = "\n".join(f"- [{label}]({path}/)" for label, path in section_links(lang))
    return Doc("", lang, corpus.site_title(lang),
               f"{vocabulary(lang).paragraph(rng, 80)}\n\n{links}\n")


def news_doc(news: Doc) -> Doc:
    """A news post for the peers: its date and summary above the body."""
    return Doc(news.path, news.lang, news.title,
               f"*{news.date}* — {news.description}\n\n{news.body}", news.date, news.description)


def target_doc(target: Target, lang: str) -> Doc:
    rows = [("GBF targets", ", ".join(f"{t} ({a})" for t, a in target.gbf_targets)),
            ("Indicators", ", ".join(target.indicators)), ("Progress", target.progress),
            ("Period", target.period), ("Lead", target.lead[lang])]
    return Doc(f"targets/{target.id}", lang, target.title[lang],
               f"{target.description[lang]}\n## Fields\n\n{table(('Field', 'Value'), rows)}")


def indicator_doc(indicator: Indicator, lang: str) -> Doc:
    (base_year, base), (goal_year, goal) = indicator.baseline, indicator.goal
    rows = [("Unit", UNITS.get(lang, "units")), ("Baseline", f"{base} ({base_year})"),
            ("Goal", f"{goal} ({goal_year})"), ("Desirable", indicator.desirable)]
    return Doc(f"indicators/{indicator.id}", lang, indicator.title[lang],
               f"{indicator.description[lang]}\n## Fields\n\n{table(('Field', 'Value'), rows)}"
               f"\n## Data\n\n{table(('Year', 'Value'), indicator.data)}")


def actions_doc(actions: list[Action], lang: str) -> Doc:
    header = ("Id", "Action", "Targets", "Lead", "Status", "Start", "End", "Budget")
    rows = [(a.id, a.title[lang], ", ".join(a.targets), a.lead[lang], a.status, a.start, a.end,
             f"{a.budget:,} USD") for a in actions]
    return Doc("actions", lang, ACTION_PLAN.get(lang, "Action plan"), table(header, rows))


# --------------------------------------------------------------------------- writing trees

def q(text: str) -> str:
    """A YAML (and TOML) double-quoted string."""
    return json.dumps(text, ensure_ascii=False)


def text_map(key: str, texts: dict[str, str], indent: str = "") -> str:
    lines = [f"{indent}{key}:"] + [f"{indent}  {lang}: {q(text)}" for lang, text in texts.items()]
    return "\n".join(lines) + "\n"


def markdown_map(key: str, texts: dict[str, str], indent: str = "") -> str:
    """A language mapping of Markdown texts as YAML block scalars."""
    out = [f"{indent}{key}:\n"]
    for lang, text in texts.items():
        block = "".join(f"{indent}    {line}\n" if line else "\n" for line in text.splitlines())
        out.append(f"{indent}  {lang}: |\n{block}")
    return "".join(out)


def front_matter(fields: dict[str, str | bool]) -> str:
    lines = [f"{key}: {'true' if value is True else 'false' if value is False else q(value)}"
             for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8", newline="\n")


class ChmgenTree:
    """Writes the corpus as a chmgen site."""

    def __init__(self, root: Path, corpus: Corpus) -> None:
        self.root, self.corpus = root, corpus
        self.default = corpus.languages[0]

    def suffix(self, lang: str) -> str:
        return "" if lang == self.default else f".{lang}"

    def config(self) -> None:
        langs = self.corpus.languages
        write(self.root / "chmgen.yml",
              text_map("title", {lang: self.corpus.site_title(lang) for lang in langs})
              + "country: xv\n"
              + text_map("country_name", {lang: self.corpus.country_name(lang) for lang in langs})
              + f"languages: [{', '.join(langs)}]\n"
              + "base_url: https://example.org/chm/\n"
              + "central_chm: {enabled: false}\n"
              + "# index pages list thousands of items: lift the page-weight budget\n"
              + "budget: {html_kb: 100000, page_kb: 100000}\n")

    def page(self, doc: Doc) -> None:
        name = f"pages/{doc.path}{self.suffix(doc.lang)}.md"
        write(self.root / name, front_matter(
            {"title": doc.title, "menu": False, "description": doc.description}) + doc.body)

    def news(self, doc: Doc) -> None:
        assert doc.date is not None
        write(self.root / f"{doc.path}{self.suffix(doc.lang)}.md", front_matter(
            {"title": doc.title, "date": doc.date, "summary": doc.description}) + doc.body)

    def target(self, target: Target) -> None:
        gbf = "".join(f"  - {{target: {t}, alignment: {a}}}\n" for t, a in target.gbf_targets)
        write(self.root / f"targets/{target.id}.yml",
              text_map("title", target.title) + markdown_map("description", target.description)
              + f"gbf_targets:\n{gbf}indicators: [{', '.join(target.indicators)}]\n"
              + text_map("lead", target.lead)
              + f"period: {target.period}\nprogress: {target.progress}\n")

    def indicator(self, indicator: Indicator) -> None:
        data = "".join(f"  - {{year: {y}, value: {v}}}\n" for y, v in indicator.data)
        (base_year, base), (goal_year, goal) = indicator.baseline, indicator.goal
        units = {lang: UNITS.get(lang, "units") for lang in self.corpus.languages}
        write(self.root / f"indicators/{indicator.id}.yml",
              text_map("title", indicator.title)
              + markdown_map("description", indicator.description) + text_map("unit", units)
              + f"baseline: {{year: {base_year}, value: {base}}}\n"
              + f"goal: {{year: {goal_year}, value: {goal}}}\n"
              + f"desirable: {indicator.desirable}\ndata:\n{data}")

    def actions(self, actions: list[Action]) -> None:
        """Actions as list files of ACTIONS_PER_FILE, named after their first action."""
        for first in range(0, len(actions), ACTIONS_PER_FILE):
            chunk = actions[first:first + ACTIONS_PER_FILE]
            write(self.root / f"actions/{chunk[0].id}.yml", "\n".join(
                f"- id: {a.id}\n" + text_map("title", a.title, "  ")
                + text_map("description", a.description, "  ")
                + f"  targets: [{', '.join(a.targets)}]\n" + text_map("lead", a.lead, "  ")
                + f"  start: {a.start}\n  end: {a.end}\n"
                + f"  budget: {{amount: {a.budget}, currency: USD}}\n  status: {a.status}\n"
                for a in chunk))


class PeerTree:
    """Writes one Markdown file per content page per language for a peer."""

    def __init__(self, root: Path, corpus: Corpus) -> None:
        self.root, self.corpus = root, corpus
        self.default = corpus.languages[0]

    def url_path(self, doc: Doc) -> str:
        """The page's URL path like chmgen's: ``targets/t0001``, ``fr/targets/t0001``, ``fr``."""
        prefix = "" if doc.lang == self.default else doc.lang
        return "/".join(part for part in (prefix, doc.path) if part)

    def add(self, doc: Doc) -> None:
        raise NotImplementedError

    def config(self) -> None:
        raise NotImplementedError


class HugoTree(PeerTree):
    """One content tree per language (``content/<lang>/``), Hugo's multilingual mode."""

    def add(self, doc: Doc) -> None:
        fields: dict[str, str | bool] = {"title": doc.title}
        if doc.description:
            fields["description"] = doc.description
        if doc.date:
            fields["date"] = doc.date
        name = f"{doc.path}.md" if doc.path else "_index.md"
        write(self.root / "content" / doc.lang / name, front_matter(fields) + doc.body)

    def config(self) -> None:
        languages = "".join(
            f"\n[languages.{lang}]\ncontentDir = \"content/{lang}\"\nweight = {weight}\n"
            f"title = {q(self.corpus.site_title(lang))}\n"
            for weight, lang in enumerate(self.corpus.languages, 1))
        write(self.root / "hugo.toml",
              'baseURL = "https://example.org/chm/"\n'
              f"title = {q(self.corpus.site_title(self.default))}\n"
              f'defaultContentLanguage = "{self.default}"\n'
              "defaultContentLanguageInSubdir = false\n"
              '# no taxonomies and no feeds: the corpus has neither tags nor feeds\n'
              'disableKinds = ["taxonomy", "term", "rss"]\n' + languages)
        for name, text in HUGO_LAYOUTS.items():
            write(self.root / "layouts" / name, text)


HUGO_LAYOUTS = {
    "baseof.html": """\
<!DOCTYPE html>
<html lang="{{ .Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ .Site.Title }}</title>
{{ with .Description }}<meta name="description" content="{{ . }}">{{ end }}
<link rel="canonical" href="{{ .Permalink }}">
{{ range .Translations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" \
href="{{ .Permalink }}">
{{ end }}<style>
body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 0; }
.wrap { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
header, footer { background: #f4f7f4; padding: .5rem 0; }
nav ul { list-style: none; display: flex; gap: 1rem; padding: 0; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2rem .5rem; }
</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header><div class="wrap">
  <a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
  <nav aria-label="Main"><ul>
    <li><a href="{{ "targets/" | relLangURL }}">Targets</a></li>
    <li><a href="{{ "indicators/" | relLangURL }}">Indicators</a></li>
    <li><a href="{{ "actions/" | relLangURL }}">Action plan</a></li>
    <li><a href="{{ "news/" | relLangURL }}">News</a></li>
  </ul></nav>
  {{ with .Translations }}<nav aria-label="Languages"><ul>{{ range . }}
    <li><a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.Lang }}</a></li>
  {{ end }}</ul></nav>{{ end }}
</div></header>
<main id="main" class="wrap">
{{ block "main" . }}{{ end }}
</main>
<footer><div class="wrap"><p>{{ .Site.Title }} · Demo site — fictional country.</p></div></footer>
</body>
</html>
""",
    "single.html": """\
{{ define "main" }}<article>
<h1>{{ .Title }}</h1>
{{ if not .Date.IsZero }}<p><time datetime="{{ .Date.Format "2006-01-02" }}">\
{{ .Date.Format "2 January 2006" }}</time></p>{{ end }}
{{ .Content }}
</article>{{ end }}
""",
    "list.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</ul>{{ end }}
""",
    "home.html": """\
{{ define "main" }}<h1>{{ .Site.Title }}</h1>
{{ .Content }}{{ end }}
""",
}


class MkDocsTree(PeerTree):
    """``docs/`` with other languages under ``docs/<lang>/``; two configurations."""

    def add(self, doc: Doc) -> None:
        path = self.url_path(doc)
        name = f"{path}/index.md" if not doc.path else f"{path}.md"
        write(self.root / "docs" / name.lstrip("/"), f"# {doc.title}\n\n{doc.body}")

    def config(self) -> None:
        common = (f"site_name: {q(self.corpus.site_title(self.default))}\n"
                  "site_url: https://example.org/chm/\ndocs_dir: docs\n"
                  "theme:\n  name: mkdocs\nplugins: []\n")
        nav = ["  - Home: index.md", "  - Targets: targets/t0001.md",
               "  - Indicators: indicators/i0001.md", "  - Action plan: actions.md",
               "  - News: news/n00001.md"]
        nav += [f"  - {lang}: {lang}/index.md" for lang in self.corpus.languages[1:]]
        write(self.root / "mkdocs.yml", common)
        write(self.root / "mkdocs-nav.yml", common + "nav:\n" + "\n".join(nav) + "\n")


class PelicanTree(PeerTree):
    """Every page a Pelican *page* saved at chmgen's path; translations share a slug."""

    def add(self, doc: Doc) -> None:
        path = self.url_path(doc)
        meta = {"Title": doc.title, "Slug": doc.path.replace("/", "-") or "home",
                "Lang": doc.lang, "Save_as": f"{path}/index.html".lstrip("/"),
                "Url": f"{path}/".lstrip("/")}
        header = "".join(f"{key}: {value}\n" for key, value in meta.items())
        write(self.root / "content" / "pages" / doc.lang / f"{doc.path or 'index'}.md",
              f"{header}\n{doc.body}")

    def config(self) -> None:
        menu = "".join(f"    ({q(label)}, {q('/' + path + '/')}),\n"
                       for label, path in section_links(self.default))
        write(self.root / "pelicanconf.py", f'''\
AUTHOR = "Benchmarkia"
SITENAME = {q(self.corpus.site_title(self.default))}
SITEURL = ""
PATH = "content"
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = []
TIMEZONE = "UTC"
DEFAULT_LANG = {q(self.default)}
RELATIVE_URLS = True
DEFAULT_PAGINATION = False
# A fixed menu of a few links, not every page in the menu of every page.
DISPLAY_PAGES_ON_MENU = False
DISPLAY_CATEGORIES_ON_MENU = False
MENUITEMS = (
{menu})
# Pages only: no blog index, archives, tags, categories, authors; no feeds.
DIRECT_TEMPLATES = []
ARCHIVES_SAVE_AS = AUTHOR_SAVE_AS = CATEGORY_SAVE_AS = TAG_SAVE_AS = ""
AUTHORS_SAVE_AS = CATEGORIES_SAVE_AS = TAGS_SAVE_AS = ""
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
''')


PEER_TREES: dict[str, type[PeerTree]] = {
    "hugo": HugoTree, "mkdocs": MkDocsTree, "pelican": PelicanTree}


# --------------------------------------------------------------------------- generate

def generate(pages: int, languages: Iterable[str], out: Path,
             trees: Iterable[str] = TREES) -> dict[str, object]:
    """Write the corpus of ``pages`` pages per language into ``out/<tree>/`` for each tree
    (replacing them) and ``out/corpus.json``; return the counts."""
    corpus = Corpus(Counts.of(pages), tuple(languages))
    trees = sorted(set(trees), key=TREES.index)
    out = Path(out)
    (out / "corpus.json").unlink(missing_ok=True)  # written last: a corpus that is complete
    for tree in trees:
        shutil.rmtree(out / tree, ignore_errors=True)
    chmgen = ChmgenTree(out / "chmgen", corpus) if "chmgen" in trees else None
    peers = [PEER_TREES[name](out / name, corpus) for name in trees if name != "chmgen"]
    words = dict.fromkeys(corpus.languages, 0)

    def publish(doc: Doc) -> None:
        words[doc.lang] += len(doc.body.split())
        for peer in peers:
            peer.add(doc)

    write_content(corpus, chmgen, publish)
    for peer in peers:
        peer.config()
    if chmgen:
        chmgen.config()
    counts = corpus.counts
    summary: dict[str, object] = {
        "pages": pages, "languages": list(corpus.languages), "trees": trees,
        "free_pages": counts.pages, "targets": counts.targets,
        "indicators": counts.indicators, "actions": counts.actions, "news": counts.news,
        "content_pages_per_language": counts.per_language, "words_per_language": words,
        "files": {tree: sum(1 for p in (out / tree).rglob("*") if p.is_file())
                  for tree in trees},
    }
    write(out / "corpus.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def chmgen_target_file(pages: int, languages: Iterable[str], number: int) -> tuple[str, str]:
    """(path in the chmgen site, text) of one national target file as ``generate`` writes it:
    lets a benchmark that edits it restore it."""
    corpus = Corpus(Counts.of(pages), tuple(languages))
    with tempfile.TemporaryDirectory() as scratch:
        ChmgenTree(Path(scratch), corpus).target(corpus.target(number))
        path = next(Path(scratch).rglob("*.yml"))
        return path.relative_to(scratch).as_posix(), path.read_text("utf-8")


def write_content(corpus: Corpus, chmgen: ChmgenTree | None,
                  publish: Callable[[Doc], None]) -> None:
    """Generate each item once and hand it to chmgen's tree and to the peers."""
    counts, langs = corpus.counts, corpus.languages
    for lang in langs:
        publish(home_doc(corpus, lang))
    for number in range(1, counts.pages + 1):
        for lang in langs:
            doc = corpus.page(number, lang)
            if chmgen:
                chmgen.page(doc)
            publish(doc)
    for number in range(1, counts.news + 1):
        for lang in langs:
            doc = corpus.news(number, lang)
            if chmgen:
                chmgen.news(doc)
            publish(news_doc(doc))
    for number in range(1, counts.targets + 1):
        target = corpus.target(number)
        if chmgen:
            chmgen.target(target)
        for lang in langs:
            publish(target_doc(target, lang))
    for number in range(1, counts.indicators + 1):
        indicator = corpus.indicator(number)
        if chmgen:
            chmgen.indicator(indicator)
        for lang in langs:
            publish(indicator_doc(indicator, lang))
    actions = [corpus.action(number) for number in range(1, counts.actions + 1)]
    if chmgen:
        chmgen.actions(actions)
    for lang in langs:
        publish(actions_doc(actions, lang))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, required=True, help="pages per language")
    parser.add_argument("--languages", default="en", help="comma-separated, default first")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the trees in")
    parser.add_argument("--trees", default=",".join(TREES),
                        help=f"which trees to write (default: {','.join(TREES)})")
    args = parser.parse_args(argv)
    languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    trees = [tree.strip() for tree in args.trees.split(",") if tree.strip()]
    unknown = sorted(set(trees) - set(TREES))
    if unknown or not languages or args.pages < 1:
        parser.error(f"unknown tree(s) {', '.join(unknown)}" if unknown else
                     "--pages must be at least 1 and --languages name at least one language")
    summary = generate(args.pages, languages, args.out, trees)
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
