"""Fetch a site's central CHM records: plan the sources, refresh the cache, parse, report."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from chmgen.errors import Problems, SourceLocation
from chmgen.model import Config
from chmgen.records.cache import entry_path
from chmgen.records.client import Client, Policy
from chmgen.records.download import Outcome, refresh_sources
from chmgen.records.model import CentralRecords, CountryProfile, Record, SourceStatus, Term
from chmgen.records.options import MODES as MODES
from chmgen.records.options import FetchOptions as FetchOptions
from chmgen.records.parse import parse_country, parse_records, parse_terms
from chmgen.records.sources import Source, plan_sources
from chmgen.records.transport import UrllibTransport

ENV_API_URL = "CHMGEN_API_URL"


@dataclass(frozen=True)
class FetchReport:
    """The records for the site, how many requests were sent and lines for the summary."""

    records: CentralRecords
    requests: int = 0
    notes: tuple[str, ...] = ()


def api_base(config: Config, options: FetchOptions) -> str:
    """The API base URL in use: --api-url, else $CHMGEN_API_URL, else chmgen.yml."""
    url = options.api_url or os.environ.get(ENV_API_URL) or config.central_chm.url
    return url.rstrip("/")


def fetch_records(config: Config, problems: Problems,
                  options: FetchOptions | None = None) -> FetchReport:
    """Read every planned source through the cache; problems get one warning per source."""
    options = options or FetchOptions()
    if options.mode not in MODES:
        raise ValueError(f"unknown fetch mode {options.mode!r}")
    sources = plan_sources(config, options.page_size)
    if not sources:
        return FetchReport(CentralRecords())
    now = options.now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    client = make_client(config, options)
    outcomes = refresh_sources(config.root, client, api_base(config, options), sources,
                               now=now, max_age=config.central_chm.max_age,
                               force=options.mode == "refresh", workers=options.workers)
    sent = client.sent if client else 0
    if options.mode == "cache":
        return FetchReport(assemble(config, outcomes, now), sent)
    report_problems(config, outcomes, now, problems)
    notes = summary(config, outcomes, now, sent, client is None)
    return FetchReport(assemble(config, outcomes, now, notes), sent, notes)


def make_client(config: Config, options: FetchOptions) -> Client | None:
    if options.mode in ("offline", "cache"):
        return None
    policy = Policy(config.central_chm.timeout, options.attempts, options.backoff)
    return Client(options.transport or UrllibTransport(), api_base(config, options), policy,
                  options.sleep)


def assemble(config: Config, outcomes: list[Outcome], now: dt.datetime,
             notes: tuple[str, ...] = ()) -> CentralRecords:
    """Parse the data in use into the model the templates see."""
    records: dict[str, tuple[Record, ...]] = {}
    statuses: dict[str, SourceStatus] = {}
    terms: dict[str, Term] = {}
    country: CountryProfile | None = None
    for outcome in outcomes:
        source, entry, state, problem = outcome.source, outcome.entry, outcome.state, \
            outcome.problem
        bodies = [page.body for page in entry.pages] if entry else []
        try:
            if source.kind in ("solr", "recent") and entry:
                records[source.key] = parse_records(source.key, bodies,
                                                    config.central_chm.target_mapping,
                                                    config.show_focal_point_email)
            elif source.kind == "terms" and entry:
                terms.update(parse_terms(bodies[0]))
            elif source.key == "country" and entry:
                country = parse_country(bodies[0])
        except (KeyError, TypeError, AttributeError, IndexError):
            entry, state, problem = None, "missing", "the cached copy is unreadable"
        statuses[source.key] = SourceStatus(source.key, source.label, state, now,
                                            entry.downloaded if entry else None, problem)
    return CentralRecords(True, records, statuses, terms, country, notes)


def report_problems(config: Config, outcomes: list[Outcome], now: dt.datetime,
                    problems: Problems) -> None:
    """One warning per source that failed or is missing (``--strict`` makes them errors).
    An offline run with nothing cached at all is not warned about: the summary says it."""
    if all(o.state == "absent" for o in outcomes):
        return
    where = config_location(config.root / "chmgen.yml", "central_chm")
    for outcome in outcomes:  # one warning per record type, as the issue asks
        message = describe(config.root, outcome, now)
        if message:
            problems.warn(where, message)


def config_location(path: Path, key: str) -> SourceLocation:
    """Where ``key`` is written in chmgen.yml (line 1 when it is not written at all)."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"{key}:"):
            return SourceLocation(path, number, 1, key)
    return SourceLocation(path, 1, 1, key)


def describe(root: Path, outcome: Outcome, now: dt.datetime) -> str:
    """The warning for one source, or "" when all is well."""
    label, entry, problem = outcome.source.label, outcome.entry, outcome.problem
    if outcome.state == "fallback" and entry:
        return (f"{label}: {problem}; using the cached copy downloaded "
                f"{stamp(entry.downloaded)} ({age(now - entry.downloaded)} old)")
    if outcome.state == "missing" and problem:
        return (f"{label}: {problem}; nothing cached yet, so its page says the records are "
                "not available right now")
    if outcome.state == "absent":
        return (f"{label}: not in the cache ({cache_file(root, outcome.source)}); run "
                f"`chmgen fetch {root}` (or build without --offline) while online to get it")
    return f"{label}: {problem}" if problem else ""


def summary(config: Config, outcomes: list[Outcome], now: dt.datetime, sent: int,
            offline: bool) -> tuple[str, ...]:
    """Informational lines: requests made, or the age of the data an offline build used."""
    states = Counter(o.state for o in outcomes)
    counts = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    if offline:
        dates = [o.entry.downloaded for o in outcomes if o.entry]
        if not dates:
            return (f"central CHM: offline and nothing cached yet ({len(outcomes)} sources); "
                    f"run `chmgen fetch {config.root}` while online to get the records",)
        oldest = min(dates)
        return (f"central CHM: offline, data as of {stamp(oldest)} "
                f"({age(now - oldest)} old; {counts})",)
    return (f"central CHM: {sent} request{'s' if sent != 1 else ''} "
            f"({len(outcomes)} sources: {counts})",)


def cache_file(root: Path, source: Source) -> str:
    path = entry_path(root, source.key)
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def age(delta: dt.timedelta) -> str:
    """``3 days``, ``5 hours``, ``12 minutes``: how old a cached copy is, roughly."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "less than a minute"


def fetch_site(root: Path, options: FetchOptions) -> tuple[FetchReport, Problems]:
    """``chmgen fetch``: bring the cache of the site at ``root`` up to date, build nothing."""
    from chmgen.config import load_config
    from chmgen.errors import ContentErrors

    problems = Problems()
    config = load_config(root, problems)
    if config is None:
        raise ContentErrors(problems.items)
    return fetch_records(config, problems, options), problems


def status_line(status: SourceStatus, count: int) -> str:
    """``focalPoint: 6 records, updated``: one line per source for ``chmgen fetch``."""
    words = {"updated": "downloaded", "unchanged": "not modified since the last download",
             "fresh": "fresh in the cache", "fallback": "FAILED, cached copy kept",
             "missing": "FAILED, nothing cached", "offline": "from the cache",
             "absent": "not cached"}
    return f"{status.label}: {count} record{'s' if count != 1 else ''}, " \
        f"{words.get(status.state, status.state)}"
