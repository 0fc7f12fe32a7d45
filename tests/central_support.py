"""Helpers of the central CHM tests: a small site for the demo Party and one fetch run."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from chmgen.config import load_config
from chmgen.errors import Problems
from chmgen.records.central import FetchOptions, FetchReport, fetch_records
from tests.support.cbd_api import FixtureApi

T0 = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.timezone.utc)
LATER = T0 + dt.timedelta(days=2)  # past max_age (1d)

SITE_CONFIG = """\
title: Test CHM
country: xv
country_name: {en: Republic of Verdania, fr: République de Verdanie}
languages: [en, fr]
central_chm:
  max_age: 1d
  timeout: 0.5
"""

TARGET = """\
title: {en: Spatial planning, fr: Planification spatiale}
gbf_targets:
  - {target: 1, alignment: high}
"""


def make_site(root: Path, extra: str = "", targets: bool = True) -> Path:
    """A site of the demo Party ``xv``; ``extra`` is appended to its chmgen.yml."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "chmgen.yml").write_text(SITE_CONFIG + textwrap.dedent(extra), "utf-8")
    if targets:
        (root / "targets").mkdir(exist_ok=True)
        (root / "targets" / "t01.yml").write_text(TARGET, "utf-8")
    return root


def options(api: FixtureApi, **changes: object) -> FetchOptions:
    """Fetch options against the fixture API with a fixed clock and near-zero backoff."""
    base: dict[str, object] = {"api_url": api.url, "now": T0, "backoff": 0.01}
    base.update(changes)
    return FetchOptions(**base)  # type: ignore[arg-type]


def fetch(root: Path, api: FixtureApi, **changes: object) -> tuple[FetchReport, list[str]]:
    """One fetch run over the site at ``root``: the report and the messages, as printed."""
    problems = Problems()
    config = load_config(root, problems)
    assert config is not None, problems.items
    report = fetch_records(config, problems, options(api, **changes))
    return report, [p.message for p in problems.items]
