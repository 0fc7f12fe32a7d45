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
from chmgen.records.cache import cache_dir  # noqa: E402
from chmgen.records.central import FetchOptions  # noqa: E402
from tests.support.cbd_api import serve_cbd_api  # noqa: E402


def timed_build(site: Path, out: Path, options: FetchOptions) -> tuple[float, tuple[str, ...]]:
    started = time.perf_counter()
    result = build(site, out, records=options)
    return time.perf_counter() - started, tuple(str(w) for w in result.warnings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds added to every answer of the fixture API")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chmgen-bench-"))
    try:
        site = work / "site"
        shutil.copytree(ROOT / "sample_site", site)
        shutil.rmtree(cache_dir(site))
        with serve_cbd_api() as api:
            if args.latency:
                api.fault("delay", seconds=args.latency)
            options = FetchOptions(api_url=api.url)
            cold, _ = timed_build(site, work / "cold", options)
            cold_requests = api.count()
            warm, _ = timed_build(site, work / "warm", options)
            warm_requests = api.count() - cold_requests
            offline, _ = timed_build(site, work / "offline", FetchOptions(mode="offline"))
            api.clear()
            if args.latency:
                api.fault("delay", seconds=args.latency)
            later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
            stale, _ = timed_build(site, work / "stale", FetchOptions(api_url=api.url,
                                                                     now=later))
            revalidated = api.count()
            api.clear()
            api.fault("status", match="schema_s:focalPoint", status=503, retry_after="1")
            _, warnings = timed_build(site, work / "faulted",
                                      FetchOptions(api_url=api.url, now=later))
        print(f"fixture API latency per answer: {args.latency * 1000:.0f} ms")
        print(f"{'build':<28}{'requests':>9}{'seconds':>9}")
        print(f"{'cold (empty cache)':<28}{cold_requests:>9}{cold:>9.2f}")
        print(f"{'warm (within max_age)':<28}{warm_requests:>9}{warm:>9.2f}")
        print(f"{'offline':<28}{0:>9}{offline:>9.2f}")
        print(f"{'stale (conditional, 304)':<28}{revalidated:>9}{stale:>9.2f}")
        print(f"warm/cold time ratio: {warm / cold:.2f}; requests saved: "
              f"{cold_requests - warm_requests} of {cold_requests}")
        print("warning of a faulted run (503 on focal points, cache 2 days old):")
        for warning in warnings:
            print("  " + warning)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
