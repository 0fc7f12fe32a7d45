"""The cached, fault-tolerant client of the central CHM, against a real fixture HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chmgen.records.cache import entry_path
from tests.central_support import LATER, T0, fetch, make_site
from tests.support.cbd_api import FixtureApi, serve_cbd_api

FP = "national focal points (focalPoint)"
SOURCES = 15  # 10 record types of the Party, notifications, meetings, 2 vocabularies, country


@pytest.fixture
def api() -> Iterator[FixtureApi]:
    with serve_cbd_api() as running:
        yield running


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


def test_cold_fetch_reads_every_source_and_caches_readable_json(site: Path,
                                                                 api: FixtureApi) -> None:
    report, messages = fetch(site, api)
    assert messages == []
    assert api.count() == SOURCES and report.requests == SOURCES
    records = report.records
    assert {k: len(v) for k, v in records.records.items()} == {
        "nationalTarget7": 15, "nbsap": 1, "nationalReport": 5, "nationalReport6": 1,
        "nationalReport7": 1, "focalPoint": 6, "resource": 5, "capacityBuildingInitiative": 3,
        "capacityBuildingResource": 2, "organization": 3, "notification": 5, "meeting": 5}
    assert {s.state for s in records.statuses.values()} == {"updated"}
    cached = json.loads(entry_path(site, "focalPoint").read_text("utf-8"))
    assert cached["api"] == api.url and cached["downloaded"] == "2026-11-20T06:00:00Z"
    assert cached["pages"][0]["etag"] and "\n \"pages\": [\n" in \
        entry_path(site, "focalPoint").read_text("utf-8")
    assert records.country is not None and records.country.code == "xv"
    assert records.treaties is not None and records.treaties["XXVII8"].party is not None
    assert records.gbf_label("GBF-TARGET-01").pick("fr", "en").text.startswith("Planifier")


def test_within_max_age_a_build_makes_zero_requests(site: Path, api: FixtureApi) -> None:
    fetch(site, api)
    api.clear()
    report, messages = fetch(site, api, now=T0.replace(hour=20))
    assert api.count() == 0 and report.requests == 0 and messages == []
    assert {s.state for s in report.records.statuses.values()} == {"fresh"}
    assert report.records.notes == ("central CHM: 0 requests (15 sources: 15 fresh)",)


def test_after_max_age_requests_are_conditional(site: Path, api: FixtureApi) -> None:
    fetch(site, api)
    api.clear()
    report, _ = fetch(site, api, now=LATER)
    assert api.count() == SOURCES
    assert all(s.headers.get("If-None-Match", "").startswith('"') for s in api.seen)
    assert all(s.headers.get("If-Modified-Since") for s in api.seen)
    assert {s.state for s in report.records.statuses.values()} == {"unchanged"}
    cached = json.loads(entry_path(site, "focalPoint").read_text("utf-8"))
    assert cached["downloaded"] == "2026-11-20T06:00:00Z"  # data unchanged ...
    assert cached["checked"] == "2026-11-22T06:00:00Z"  # ... but confirmed


def test_refresh_revalidates_everything_within_max_age(site: Path, api: FixtureApi) -> None:
    fetch(site, api)
    api.clear()
    report, _ = fetch(site, api, mode="refresh")
    assert api.count() == SOURCES
    assert {s.state for s in report.records.statuses.values()} == {"unchanged"}


def test_pagination_follows_start_and_rows_to_numfound(site: Path, api: FixtureApi) -> None:
    report, messages = fetch(site, api, page_size=2)
    assert messages == []
    assert api.count("schema_s:focalPoint") == 3  # 6 records, 2 per page
    assert [s.param("start") for s in api.seen if "schema_s:focalPoint" in s.target] == \
        ["0", "2", "4"]
    assert api.count("schema_s:nationalTarget7") == 8
    assert len(report.records.of("focalPoint")) == 6
    assert len(report.records.of("nationalTarget7")) == 15


def test_offline_never_touches_the_network(site: Path, api: FixtureApi) -> None:
    fetch(site, api)
    api.clear()
    report, messages = fetch(site, api, mode="offline", now=LATER)
    assert api.count() == 0 and messages == []
    assert len(report.records.of("focalPoint")) == 6
    assert report.records.notes == ("central CHM: offline, data as of 2026-11-20 06:00 UTC "
                                    "(2 days old; 15 offline)",)


def test_offline_without_cache_says_how_to_get_it(site: Path, api: FixtureApi) -> None:
    report, messages = fetch(site, api, mode="offline")
    assert api.count() == 0 and messages == []
    assert report.records.notes == (f"central CHM: offline and nothing cached yet (15 "
                                    f"sources); run `chmgen fetch {site}` while online to get "
                                    "the records",)
    assert report.records.sections()["focal-points"] is False  # nothing tried: no notice


def test_offline_names_a_missing_cached_response(site: Path, api: FixtureApi,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fetch(site, api)
    entry_path(site, "focalPoint").unlink()
    monkeypatch.chdir(site)
    report, messages = fetch(site, api, mode="offline")
    assert messages == [f"{FP}: not in the cache (.chmgen/cache/focalPoint.json); run `chmgen "
                        f"fetch {site}` (or build without --offline) while online to get it"]
    assert report.records.sections()["focal-points"] is False


# Each fault, served to every request for focal points: the message of its warning.
FAULTS = {
    "timeout": (dict(kind="delay", seconds=1.5), "no answer within 0.5 s (after 3 attempts)"),
    "reset": (dict(kind="reset"), "connection failed"),
    "500": (dict(kind="status", status=500), "HTTP 500 Internal Server Error (after 3 attempts)"),
    "503": (dict(kind="status", status=503, retry_after="0"),
            "HTTP 503 Service Unavailable (after 3 attempts)"),
    "429": (dict(kind="status", status=429, retry_after="0"),
            "HTTP 429 Too Many Requests (after 3 attempts)"),
    "invalid-json": (dict(kind="invalid-json"), "the answer is not valid JSON ("),
    "truncated": (dict(kind="truncated"), "the answer was cut off after"),
    "html": (dict(kind="html"), "an HTML page came back instead of JSON"),
    "numfound": (dict(kind="numfound"), "incomplete results: 6 of 11 records delivered"),
    "duplicates": (dict(kind="duplicates", pages_after_first=True),
                   "the results changed while paging: 6 records announced, 5 distinct ones "
                   "delivered (duplicates across pages)"),
    "shape": (dict(kind="shape", pages_after_first=True),
              "unexpected answer at start=2: no 'response' object"),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_with_warm_cache_falls_back_to_the_cached_copy(site: Path, api: FixtureApi,
                                                             name: str) -> None:
    fetch(site, api, page_size=2)
    before = entry_path(site, "focalPoint").read_bytes()
    fault, expected = FAULTS[name]
    api.fault(match="schema_s:focalPoint", **fault)  # type: ignore[arg-type]
    report, messages = fetch(site, api, now=LATER, page_size=2)
    warnings = [m for m in messages if m.startswith(FP)]
    assert len(warnings) == 1, messages
    assert expected in warnings[0]
    assert warnings[0].endswith("; using the cached copy downloaded 2026-11-20 06:00 UTC "
                                "(2 days old)")
    assert report.records.status("focalPoint").state == "fallback"  # type: ignore[union-attr]
    assert len(report.records.of("focalPoint")) == 6
    assert entry_path(site, "focalPoint").read_bytes() == before  # never overwritten


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_without_cache_leaves_an_honest_notice(site: Path, api: FixtureApi,
                                                     name: str) -> None:
    fault, expected = FAULTS[name]
    api.fault(match="schema_s:focalPoint", **fault)  # type: ignore[arg-type]
    report, messages = fetch(site, api, page_size=2)
    warnings = [m for m in messages if m.startswith(FP)]
    assert len(warnings) == 1, messages
    assert expected in warnings[0]
    assert warnings[0].endswith("; nothing cached yet, so its page says the records are not "
                                "available right now")
    assert report.records.status("focalPoint").state == "missing"  # type: ignore[union-attr]
    assert report.records.sections()["focal-points"] is True
    assert not entry_path(site, "focalPoint").exists()


def test_retry_after_is_honoured_then_the_answer_used(site: Path, api: FixtureApi) -> None:
    api.fault("status", match="schema_s:focalPoint", times=1, status=503, retry_after="1")
    report, messages = fetch(site, api)
    assert messages == []
    tries = [s for s in api.seen if "schema_s:focalPoint" in s.target]
    assert len(tries) == 2 and tries[1].at - tries[0].at >= 0.9
    assert report.records.status("focalPoint").state == "updated"  # type: ignore[union-attr]


def test_a_long_retry_after_ends_the_attempts(site: Path, api: FixtureApi) -> None:
    api.fault("status", match="schema_s:focalPoint", status=429, retry_after="120")
    _, messages = fetch(site, api)
    assert f"{FP}: HTTP 429 Too Many Requests, retry asked after 120 s (after 1 attempt); " \
        "nothing cached yet, so its page says the records are not available right now" \
        in messages
    assert api.count("schema_s:focalPoint") == 1


def test_an_unreachable_api_is_not_stormed(site: Path, api: FixtureApi) -> None:
    """Once requests fail at the connection level, the rest of the run stops trying."""
    api.fault("reset")
    report, messages = fetch(site, api)
    assert len(messages) == SOURCES
    assert api.count() <= 3 * 3  # at most the attempts of the 3 sources in flight
    assert sum("not tried: the central CHM did not answer" in m for m in messages) >= 10
    assert all(s.state == "missing" for s in report.records.statuses.values())


def test_a_failed_fetch_keeps_the_previous_good_records_in_every_source(
        site: Path, api: FixtureApi) -> None:
    fetch(site, api)
    api.fault("status", status=500)
    report, messages = fetch(site, api, now=LATER)
    assert len(messages) == SOURCES
    assert all(s.state == "fallback" for s in report.records.statuses.values())
    assert len(report.records.of("nationalTarget7")) == 15
