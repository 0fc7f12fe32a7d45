"""Benchmark: cold vs warm build of sample_site against the fixture central CHM API.

    .venv/bin/python bench/central_records.py [--latency 0.15]

Prints the requests each build sent and its time; a warm build (cache within max_age) sends
none. ``--latency`` delays every answer of the fixture API, as a far-away api.cbd.int would.
Finally one faulted run (HTTP 503 for focal points, cache past max_age) prints its warning.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chmgen.build import build  # noqa: E402
from chmgen.config import load_config  # noqa: E402
from chmgen.errors import Problems  # noqa: E402
from chmgen.records.cache import cache_dir  # noqa: E402
from chmgen.records.central import FetchOptions, fetch_records  # noqa: E402
from tests.support.cbd_api import FixtureApi, serve_cbd_api  # noqa: E402


def timed_build(site: Path, out: Path, options: FetchOptions) -> tuple[float, tuple[str, ...]]:
    started = time.perf_counter()
    result = build(site, out, records=options)
    return time.perf_counter() - started, tuple(str(w) for w in result.warnings)


def timed_fetch(site: Path, options: FetchOptions) -> float:
    """The fetch stage alone (config, cache, requests, parsing), without rendering."""
    problems = Problems()
    config = load_config(site, problems)
    assert config is not None
    started = time.perf_counter()
    fetch_records(config, problems, options)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds added to every answer of the fixture API")
    parser.add_argument("--runs", type=int, default=3, help="runs per measure (best kept)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chmgen-bench-"))
    try:
        site = work / "site"
        shutil.copytree(ROOT / "sample_site", site)
        timed_build(site, work / "warmup", FetchOptions(mode="offline"))  # imports, caches
        with serve_cbd_api() as api:
            rows = measure(site, work, api, args.latency, args.runs)
            later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=4 * args.runs + 2)
            api.clear()
            api.fault("status", match="schema_s:focalPoint", status=503, retry_after="1")
            _, warnings = timed_build(site, work / "faulted",
                                      FetchOptions(api_url=api.url, now=later))
        print(f"fixture API latency per answer: {args.latency * 1000:.0f} ms; best of "
              f"{args.runs} runs")
        print(f"{'':<26}{'requests':>9}{'build s':>9}{'fetch s':>9}")
        for name, (requests, seconds, fetch) in rows.items():
            print(f"{name:<26}{requests:>9}{seconds:>9.2f}{fetch:>9.3f}")
        cold, warm = rows["cold (empty cache)"], rows["warm (within max_age)"]
        print(f"warm/cold: build time {warm[1] / cold[1]:.2f}, fetch stage time "
              f"{warm[2] / cold[2]:.3f}, requests {warm[0]}/{cold[0]}")
        print("warning of a faulted run (503 on focal points, cache past max_age):")
        for warning in warnings:
            print("  " + warning)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(site: Path, work: Path, api: FixtureApi, latency: float,
            runs: int) -> dict[str, tuple[int, float, float]]:
    """Best time of ``runs`` cold, warm, offline and stale builds (and fetch stages)."""
    best: dict[str, tuple[int, float, float]] = {}

    def keep(name: str, requests: int, seconds: float, fetch: float) -> None:
        old = best.get(name)
        best[name] = (requests, min(seconds, old[1]) if old else seconds,
                      min(fetch, old[2]) if old else fetch)

    online = FetchOptions(api_url=api.url)
    now = dt.datetime.now(dt.timezone.utc)
    for run in range(runs):
        # Each stale measure happens two more days later than anything cached before.
        stale = [FetchOptions(api_url=api.url, now=now + dt.timedelta(days=4 * run + k))
                 for k in (2, 4)]
        for name, options, empty in (("cold (empty cache)", [online, online], True),
                                     ("warm (within max_age)", [online, online], False),
                                     ("offline", [FetchOptions(mode="offline")] * 2, False),
                                     ("stale (conditional, 304)", stale, False)):
            if empty:
                shutil.rmtree(cache_dir(site), ignore_errors=True)
            start_requests(api, latency)
            seconds, _ = timed_build(site, work / "out", options[0])
            requests = api.count()
            if empty:
                shutil.rmtree(cache_dir(site), ignore_errors=True)
            start_requests(api, latency)
            keep(name, requests, seconds, timed_fetch(site, options[1]))
    return best


def start_requests(api: FixtureApi, latency: float) -> None:
    api.clear()
    if latency:
        api.fault("delay", seconds=latency)


if __name__ == "__main__":
    main()
