"""Read a whole site folder into a validated, cross-linked Content model (all problems at once)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from chmgen import reference
from chmgen.config import load_config, read_yaml_file
from chmgen.content import (
    Raw,
    build_action,
    build_indicator,
    list_records,
    read_image_sizes,
    read_markdown_folder,
    read_nbsap,
    read_records,
    read_static,
    unique_records,
)
from chmgen.errors import Problems
from chmgen.filememo import derived, each, other_edits, resorted
from chmgen.items import read_cooperation, read_items
from chmgen.model import Action, Config, Content, GbfLink, Indicator, NationalTarget
from chmgen.schema import Checker
from chmgen.specs import ACTION, INDICATOR, NEWS, PAGE, TARGET
from chmgen.text import EMPTY
from chmgen.yamldoc import KeyPath, YamlDoc

Located = tuple[Raw, YamlDoc, KeyPath]


def read_site(root: Path, problems: Problems) -> Content | None:
    """Read everything under ``root``; None when the configuration itself is unusable."""
    config = load_config(root, problems)
    if config is None:
        return None
    indicators = _unique("indicators", list(
        read_records(root / "indicators", INDICATOR, config, problems)), problems)
    targets = _unique("targets", list(read_records(root / "targets", TARGET, config, problems)),
                      problems)
    actions = _unique("actions", _action_records(root, config, problems), problems)
    indicator_ids = {raw["id"] for raw, _, _ in indicators}
    target_ids = {raw["id"] for raw, _, _ in targets}
    # In a live session an unchanged collection is the very tuple of the previous load
    # (filememo.derived): what is built from it downstream is reused the same way.
    pages = read_markdown_folder(root / "pages", PAGE, config, problems)
    news = read_markdown_folder(root / "news", NEWS, config, problems)
    return Content(
        config=config,
        nbsap=read_nbsap(root, config, problems),
        targets=derived("targets", (targets, indicator_ids, config), problems, lambda p: each(
            "targets", targets, indicator_ids, p,
            lambda raw, doc, kp, found: _target(raw, doc, kp, indicator_ids, found))),
        # an indicator's series may come from a CSV file
        indicators=derived("indicators", (indicators, config, other_edits()), problems,
                           lambda p: each("indicators", indicators, (config, other_edits()), p,
                                          _indicator)),
        actions=derived("actions", (actions, target_ids, config), problems, lambda p: each(
            "actions", actions, target_ids, p,
            lambda raw, doc, kp, found: _action(raw, doc, kp, target_ids, found))),
        pages=derived("pages", (pages,), problems, lambda _: resorted(
            "pages", pages, lambda p: (p.weight, p.slug))),
        news=derived("news", (news,), problems, lambda _: resorted(
            "news", news, lambda n: (n.date is not None, n.date, n.slug), reverse=True)),
        static_files=(static := read_static(root)),
        image_sizes=read_image_sizes(root, static),
        items=read_items(root, config, target_ids, problems),
        needs=read_cooperation(root, config, target_ids, problems, "needs"),
        offers=read_cooperation(root, config, target_ids, problems, "offers"),
    )


def _unique(kind: str, located: list[Located], problems: Problems) -> list[Located]:
    return derived(("unique", kind), (located,), problems,
                   lambda p: unique_records(located, p))


def _action_records(root: Path, config: Config, problems: Problems) -> list[Located]:
    found = list(read_records(root / "actions", ACTION, config, problems, lists=True))
    single = root / "actions.yml"
    if single.is_file():
        doc = read_yaml_file(single, problems)
        if doc is not None:
            checker = Checker(doc, problems, config.languages)
            if not isinstance(doc.data, list):
                checker.error((), "actions.yml holds a list of actions")
            else:
                found.extend(list_records(doc, doc.data, checker, ACTION))
    return found


def _target(
    raw: Raw, doc: YamlDoc, kp: KeyPath, indicator_ids: set[str], problems: Problems
) -> NationalTarget:
    links: list[GbfLink] = []
    for index, link in enumerate(raw["gbf_targets"] or ()):
        if not link or link["target"] is None:
            continue
        found = reference.gbf_target(link["target"])
        if found is None:
            problems.error(doc.loc((*kp, "gbf_targets", index, "target")),
                           f"unknown GBF target '{link['target']}' (known: GBF-TARGET-01 … "
                           "GBF-TARGET-23, or 1 … 23)")
        elif any(existing.target.number == found.number for existing in links):
            problems.error(doc.loc((*kp, "gbf_targets", index, "target")),
                           f"{found.identifier} is listed twice")
        elif link["alignment"]:
            links.append(GbfLink(found, link["alignment"]))
    aichi = []
    for index, number in enumerate(raw["aichi_targets"] or ()):
        if 1 <= number <= 20:
            aichi.append(reference.aichi_targets()[number - 1])
        else:
            problems.error(doc.loc((*kp, "aichi_targets", index)),
                           f"unknown Aichi target {number} (known: 1 … 20)")
    headline = []
    for index, code in enumerate(raw["headline_indicators"] or ()):
        indicator = reference.indicator_by_code(code, ("headline",))
        if indicator is None:
            problems.error(doc.loc((*kp, "headline_indicators", index)),
                           f"unknown GBF headline indicator '{code}' (e.g. A.1, 3.1, D.2)")
        else:
            headline.append(indicator)
    for index, ident in enumerate(raw["indicators"] or ()):
        if ident not in indicator_ids:
            problems.error(doc.loc((*kp, "indicators", index)),
                           f"unknown national indicator '{ident}' (no indicators/{ident}.yml)")
    return NationalTarget(
        id=raw["id"], title=raw["title"] or EMPTY, source=doc.path,
        short_title=raw["short_title"] or EMPTY, description=raw["description"] or EMPTY,
        gbf_targets=tuple(links), gbf_goals=tuple(raw["gbf_goals"] or ()),
        aichi_targets=tuple(aichi), headline_indicators=tuple(headline),
        indicators=tuple(i for i in raw["indicators"] or () if i in indicator_ids),
        lead=raw["lead"] or EMPTY, period=raw["period"], progress=raw["progress"] or "unknown",
        progress_note=raw["progress_note"] or EMPTY,
    )


def _indicator(raw: Raw, doc: YamlDoc, kp: KeyPath, problems: Problems) -> Indicator:
    indicator = build_indicator(raw, doc, kp, problems)
    code = raw.get("gbf_indicator")
    if code is None:
        return indicator
    found = reference.indicator_by_code(code)
    if found is None:
        problems.error(doc.loc((*kp, "gbf_indicator")),
                       f"unknown GBF indicator '{code}' (codes such as A.1, 3.1, A.CT.1)")
        return indicator
    return Indicator(**{**indicator.__dict__, "gbf_indicator": found})


def _when_key(value: dt.date | int, *, last: bool) -> tuple[int, int, int]:
    """Order a year and a date together: a year spans all of its days."""
    if isinstance(value, int):
        return (value, 12, 31) if last else (value, 1, 1)
    return value.year, value.month, value.day


def _action(
    raw: Raw, doc: YamlDoc, kp: KeyPath, target_ids: set[str], problems: Problems
) -> Action:
    action = build_action(raw, doc)
    for index, ident in enumerate(action.targets):
        if ident not in target_ids:
            problems.error(doc.loc((*kp, "targets", index)),
                           f"unknown national target '{ident}' (no targets/{ident}.yml)")
    if action.start is not None and action.end is not None \
            and _when_key(action.end, last=True) < _when_key(action.start, last=False):
        problems.error(doc.loc((*kp, "end")), "the action ends before it starts")
    return Action(**{**action.__dict__,
                     "targets": tuple(t for t in action.targets if t in target_ids)})
