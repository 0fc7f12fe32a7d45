"""Re-record a site's cache of central CHM responses from the demo fixtures (sample_site).

    .venv/bin/python -m tests.support.record_demo sample_site
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sys
from pathlib import Path

from chmgen.config import load_config
from chmgen.errors import Problems
from chmgen.records.cache import cache_dir, read_entry, write_entry
from chmgen.records.central import FetchOptions, fetch_records
from tests.support.cbd_api import DEMO, serve_cbd_api

RECORDED_AT = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.timezone.utc)
NOTE = ("Demo data for the fictional Republic of Verdania (xv), recorded by chmgen from "
        "tests/fixtures/cbd_api/demo in the shape of the central CHM API: not real CBD records.")


def record(site: Path, at: dt.datetime = RECORDED_AT, data: Path = DEMO) -> list[Path]:
    """Replace ``site``'s cache with responses of the fixture API, as if fetched at ``at``
    from the site's configured API; returns the cache files written."""
    problems = Problems()
    config = load_config(site, problems)
    if config is None:
        raise SystemExit("\n".join(str(p) for p in problems.items))
    shutil.rmtree(cache_dir(site), ignore_errors=True)
    with serve_cbd_api(data) as api:
        fetch_records(config, problems, FetchOptions(mode="refresh", api_url=api.url, now=at))
    if problems.items:
        raise SystemExit("\n".join(str(p) for p in problems.items))
    written = []
    for path in sorted(cache_dir(site).glob("*.json")):
        entry = read_entry(site, path.stem)
        assert entry is not None
        write_entry(site, path.stem, dataclasses.replace(entry, api=config.central_chm.url,
                                                         note=NOTE))
        written.append(path)
    return written


if __name__ == "__main__":
    for written in record(Path(sys.argv[1] if len(sys.argv) > 1 else "sample_site")):
        print(written)
