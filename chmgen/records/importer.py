"""``chmgen import``: write a site's ``targets/*.yml`` from the Party's central national
targets (nationalTarget7 records and their bodies), never overwriting without ``force``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nh3
import yaml

from chmgen import reference
from chmgen.config import load_config
from chmgen.errors import ChmgenError, ContentErrors, Problems
from chmgen.model import Config
from chmgen.records.central import FetchOptions, api_base, describe, make_client
from chmgen.records.download import Outcome, refresh_sources
from chmgen.records.parse import lang_text, local_target_id
from chmgen.records.sanitize import plain_text, safe_identifier
from chmgen.records.sources import country_sources, document_source
from chmgen.text import Text

# GBF-DEGREE-OF-ALIGNMENT thesaurus terms (shared/cbd-api.md §2.2).
DEGREES = {"AABF237C-F906-40D2-9595-5226C8B18A58": "high",
           "68197B76-67B4-40AD-BB14-A8C340E1320B": "medium",
           "9668759B-3653-4994-A917-3F039B0BAA5C": "low"}
_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*"}


@dataclass(frozen=True)
class Imported:
    """One national target: the file, whether it was written, and a line for the user."""

    path: Path
    written: bool
    message: str


def import_targets(root: Path, *, force: bool = False,
                   options: FetchOptions | None = None) -> tuple[list[Imported], Problems]:
    """Write ``targets/<id>.yml`` for each central national target of the Party."""
    options = options or FetchOptions()
    problems = Problems()
    config = load_config(root, problems)
    if config is None:
        raise ContentErrors(problems.items)
    now = options.now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    listing = _refresh(config, options, country_sources(config.country, ("nationalTarget7",),
                                                        options.page_size), now)[0]
    if listing.entry is None:
        raise ChmgenError(f"cannot import national targets: {describe(root, listing, now)}")
    docs = [d for page in listing.entry.pages for d in page.body["response"]["docs"]]
    idents = [i for i in (safe_identifier(d.get("identifier_s")) for d in docs) if i]
    bodies = {o.source.key.split(".", 1)[1]: o for o in
              _refresh(config, options, [document_source(i) for i in idents], now)}
    results = []
    for doc in docs:
        ident = safe_identifier(doc.get("identifier_s"))
        if ident is not None:
            results.append(_write(root, config, doc, bodies[ident], force, now))
    return results, problems


def _refresh(config: Config, options: FetchOptions, sources: Any,
             now: dt.datetime) -> list[Outcome]:
    return refresh_sources(config.root, make_client(config, options),
                           api_base(config, options), sources, now=now,
                           max_age=config.central_chm.max_age,
                           force=options.mode == "refresh", workers=options.workers)


def _write(root: Path, config: Config, doc: Mapping[str, Any], outcome: Outcome, force: bool,
           now: dt.datetime) -> Imported:
    ident = str(doc["identifier_s"])
    body = outcome.entry.pages[0].body if outcome.entry else None
    sequence = body.get("sequence") if isinstance(body, dict) else doc.get("sequence_i")
    local = local_target_id(ident, sequence, config.central_chm.target_mapping)
    if local is None:
        return Imported(root / "targets", False, f"skipped {ident}: no safe local id "
                        "(set one in central_chm.target_mapping)")
    path = root / "targets" / f"{local}.yml"
    if path.exists() and not force:
        return Imported(path, False, f"kept {_show(root, path)}: it exists (--force "
                        "overwrites it)")
    data = target_data(body, doc, config.languages)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(target_yaml(ident, data, now), "utf-8")
    langs = " ".join(sorted(data["title"]))
    note = "" if body else " (record body unavailable: degree of alignment to check)"
    return Imported(path, True, f"created {_show(root, path)} from {ident} [{langs}]{note}")


def target_data(body: Any, doc: Mapping[str, Any], languages: tuple[str, ...]) -> dict[str, Any]:
    """The target file's content from a record body (preferred) or its Solr document."""
    if isinstance(body, dict):
        title = _lstring(body.get("title"), languages, markdown=False)
        description = _lstring(body.get("description"), languages, markdown=True)
        links = [(a.get("identifier"), DEGREES.get(str((a.get("degreeOfAlignment") or {})
                                                       .get("identifier", "")).upper()))
                 for a in body.get("globalTargetAlignment") or () if isinstance(a, dict)]
        heads = [h.get("identifier") for h in body.get("headlineIndicators") or ()
                 if isinstance(h, dict)]
    else:
        title = _from_text(lang_text(doc, "title"), languages, markdown=False)
        description = _from_text(lang_text(doc, "description", html=True), languages, True)
        links = [(t, None) for t in doc.get("globalTargetAlignment_ss") or ()]
        heads = list(doc.get("headlineIndicators_ss") or ())
    data: dict[str, Any] = {"title": title or {languages[0]: str(doc.get("identifier_s"))}}
    if description:
        data["description"] = description
    gbf = [{"target": t.number, "alignment": degree or "medium"}
           for ident, degree in links if (t := reference.gbf_target(ident)) is not None]
    if gbf:
        data["gbf_targets"] = gbf
    codes = [i.code for h in heads if isinstance(h, str)
             and (i := reference.indicator_by_code(h, ("headline",))) is not None]
    if codes:
        data["headline_indicators"] = codes
    return data


def target_yaml(identifier: str, data: dict[str, Any], now: dt.datetime) -> str:
    header = (f"# Imported by `chmgen import` on {now:%Y-%m-%d} from the central CHM record "
              f"{identifier}\n# (nationalTarget7). Edit freely: the site's copy is yours.\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def html_to_markdown(value: str) -> str:
    """Record HTML as Markdown that cannot carry a link, image or raw HTML of its own."""
    cleaned = nh3.clean(value, tags={"p", "br", "ul", "ol", "li", *_INLINE},
                        attributes={}, clean_content_tags={"script", "style"})
    cleaned = re.sub(r"([\\\[\]`])", r"\\\1", cleaned)
    cleaned = re.sub(r"</?(strong|b|em|i)>", lambda m: _INLINE[m.group(1)], cleaned)
    cleaned = re.sub(r"<li>", "- ", cleaned)
    cleaned = re.sub(r"</li>|<br>", "\n", cleaned)
    cleaned = re.sub(r"</p>", "\n\n", cleaned)
    cleaned = re.sub(r"</?(p|ul|ol)>", "", cleaned)
    for entity, char in (("&amp;", "&"), ("&quot;", '"'), ("&#39;", "'"), ("&nbsp;", " ")):
        cleaned = cleaned.replace(entity, char)
    lines = [line.strip() for line in cleaned.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _lstring(value: Any, languages: tuple[str, ...], markdown: bool) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for lang in languages:
        text = value.get(lang)
        if isinstance(text, str) and text.strip():
            out[lang] = html_to_markdown(text) if markdown else plain_text(text)
    return out


def _from_text(text: Text, languages: tuple[str, ...], markdown: bool) -> dict[str, str]:
    table = dict(text.values)
    return _lstring({lang: table[lang] for lang in languages if lang in table}, languages,
                    markdown)


def _show(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
