"""CBD reference data shipped with chmgen: GBF goals, targets and indicators, Aichi targets."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent / "data"
_PREFIX = re.compile(r"^(GBF-T\d+\.|GBF-G-[A-D]\.|Aichi-T\d+\.)\s*")

# chmgen's grouping of GBF targets under the four goals, following the GBF's Section H
# headings (targets 1-8 reduce threats, 9-13 meet people's needs, 14-23 are means of
# implementation); target 13 is the benefit-sharing target of goal C. A national target can
# override it with `gbf_goals`.
_GOAL_OF_TARGET = {**{n: "A" for n in range(1, 9)}, **{n: "B" for n in range(9, 13)}, 13: "C"}


@dataclass(frozen=True)
class GbfGoal:
    letter: str
    identifier: str
    short_title: str
    title: str
    description: str


@dataclass(frozen=True)
class GbfTarget:
    number: int
    identifier: str
    short_title: str
    title: str
    description: str

    @property
    def goal(self) -> str:
        return _GOAL_OF_TARGET.get(self.number, "D")

    @property
    def url(self) -> str:
        """The target's page on www.cbd.int."""
        return f"https://www.cbd.int/gbf/targets/{self.number}"


@dataclass(frozen=True)
class GbfIndicator:
    identifier: str
    code: str
    title: str
    kind: str  # headline, binary, component, complementary


@dataclass(frozen=True)
class AichiTarget:
    number: int
    identifier: str
    strategic_goal: str
    short_title: str
    text: str


def _load(name: str) -> Any:
    # (beside this module: chmgen is installed as files, its themes too; importlib.resources
    # would import its zip readers for nothing)
    return json.loads((_DATA / name).read_text("utf-8"))


def _strip(value: str) -> str:
    return _PREFIX.sub("", value).strip()


@cache
def gbf_goals() -> tuple[GbfGoal, ...]:
    return tuple(
        GbfGoal(
            letter=term["identifier"][-1],
            identifier=term["identifier"],
            short_title=_strip(term["shortTitle"].get("en") or term["name"]),
            title=_strip(term["name"]),
            description=term["description"],
        )
        for term in sorted(_load("gbf-goals.thesaurus-snapshot.json"),
                           key=lambda t: t["identifier"])
    )


@cache
def gbf_targets() -> tuple[GbfTarget, ...]:
    return tuple(
        GbfTarget(
            number=int(term["identifier"].rsplit("-", 1)[1]),
            identifier=term["identifier"],
            short_title=_strip(term["shortTitle"].get("en") or term["name"]),
            title=_strip(term["name"]),
            description=term["description"],
        )
        for term in sorted(_load("gbf-targets.thesaurus-snapshot.json"),
                           key=lambda t: t["identifier"])
    )


@cache
def gbf_indicators() -> tuple[GbfIndicator, ...]:
    return tuple(
        GbfIndicator(t["identifier"], t["code"], t["title"], t["kind"])
        for t in _load("gbf-indicators.ort-mapping.json")
    )


@cache
def aichi_targets() -> tuple[AichiTarget, ...]:
    return tuple(
        AichiTarget(t["number"], t["identifier"], t["strategicGoal"], t["shortTitle"], t["text"])
        for t in _load("aichi-targets.json")
    )


def gbf_target(value: object) -> GbfTarget | None:
    """Resolve ``3``, ``"3"``, ``"T3"`` or ``"GBF-TARGET-03"`` to a GBF target, else None."""
    text = str(value).strip().upper()
    match = re.fullmatch(r"(?:GBF-TARGET-|GBF-T|T)?0*(\d{1,2})", text)
    if not match or isinstance(value, bool):
        return None
    number = int(match.group(1))
    return gbf_targets()[number - 1] if 1 <= number <= 23 else None


def indicator_by_code(code: str, kinds: tuple[str, ...] | None = None) -> GbfIndicator | None:
    """Look a GBF monitoring-framework indicator up by code (``A.1``) or identifier."""
    wanted = code.strip()
    for indicator in gbf_indicators():
        if kinds and indicator.kind not in kinds:
            continue
        if wanted in (indicator.code, indicator.identifier):
            return indicator
    return None
