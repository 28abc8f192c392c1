"""The crawler against real-endpoint misbehaviour on the local OParl HTTP server: Retry-After on 429
and 503, files far larger than the limit, files that drip, and all faults at once."""

from __future__ import annotations

import email.utils
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.sources.base import ProblemLog
from ingest.sources.oparl_http import HttpLimits, OParlHttp, retry_after_seconds
from tests.ingest.oparl_server import BODY_PATH, OParlTestServer
from tests.ingest.test_oparl_api import crawl

pytestmark = pytest.mark.server
MB = 1024 * 1024


def _gap_after(server: OParlTestServer, path: str) -> float:
    """Seconds between the first request for `path` (answered with the fault) and the next one for it."""
    times = [t for t, p in server.request_times if p == path]
    assert len(times) >= 2, times
    return times[1] - times[0]


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(email.utils.format_datetime(now + timedelta(seconds=30)), now) == 30.0
    assert retry_after_seconds(email.utils.format_datetime(now - timedelta(seconds=30)), now) == 0.0
    assert retry_after_seconds("bald") is None and retry_after_seconds(None) is None


def test_429_on_a_list_page_waits_as_long_as_the_server_says(oparl_server: OParlTestServer) -> None:
    page = f"{BODY_PATH}/papers?page=2"
    oparl_server.faults.retry_after[page] = (429, "1", 1)
    _, docs, problems = crawl(oparl_server.body_url, download_files=False, backoff=0.01)
    assert [d.id for d in docs] == oparl_server.paper_ids()
    assert not problems.items
    assert _gap_after(oparl_server, page) >= 0.95  # the backoff alone would have waited 0.01 s


def test_503_with_an_http_date_on_a_file(oparl_server: OParlTestServer) -> None:
    path = oparl_server.file_path(2)
    when = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0)  # an HTTP date has whole seconds
    oparl_server.faults.retry_after[path] = (503, email.utils.format_datetime(when, usegmt=True), 1)
    _, docs, problems = crawl(oparl_server.body_url, backoff=0.01)
    assert not problems.items
    assert docs[2].files[0].pages  # fetched on the second attempt
    wall = time.time() - time.monotonic()  # server times are monotonic
    retry = [t for t, p in oparl_server.request_times if p == path][1] + wall
    assert retry >= when.timestamp() - 0.05  # not before the date the server named (backoff: 0.01 s)


def test_retry_after_beyond_the_limit_gives_up_at_once(oparl_server: OParlTestServer) -> None:
    path = oparl_server.file_path(1)
    oparl_server.faults.retry_after[path] = (429, "3600", 5)
    started = time.monotonic()
    _, docs, problems = crawl(oparl_server.body_url, max_retry_after=60)
    assert time.monotonic() - started < 15
    assert [d.id for d in docs] == oparl_server.paper_ids()
    (problem,) = problems.items
    assert problem.location == oparl_server.base + path and problem.fatal
    assert "HTTP 429" in problem.reason and "3600 s Pause (Retry-After)" in problem.reason


def test_announced_2_gb_file_is_not_downloaded(oparl_server: OParlTestServer) -> None:
    path = oparl_server.file_path(3)
    oparl_server.faults.huge.add(path)
    started = time.monotonic()
    _, docs, problems = crawl(oparl_server.body_url, max_file_bytes=5 * MB)
    assert time.monotonic() - started < 20
    assert [d.id for d in docs] == oparl_server.paper_ids()
    (problem,) = problems.items
    assert problem.location == oparl_server.base + path and problem.fatal
    assert "zu groß (2.048 MB angekündigt, Grenze 5 MB)" in problem.reason


def test_endless_file_is_cut_at_the_limit_without_filling_memory(oparl_server: OParlTestServer,
                                                                   tmp_path: Path) -> None:
    path = oparl_server.file_path(3)
    oparl_server.faults.endless.add(path)
    limits = HttpLimits(timeout=5, retries=0, min_interval=0, max_file_bytes=64 * MB)
    problems = ProblemLog()
    tracemalloc.start()
    try:
        with OParlHttp(limits) as http:
            result = http.download(oparl_server.base + path, tmp_path, problems)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result is None
    assert peak < 8 * MB, f"{peak / MB:.1f} MB held while streaming 64 MB"  # streamed to disk, not kept
    assert list(tmp_path.iterdir()) == []  # the partial file is removed
    (problem,) = problems.items
    assert "zu groß (mehr als 64 MB, Download abgebrochen)" in problem.reason


def test_dripping_file_hits_the_per_file_timeout(oparl_server: OParlTestServer) -> None:
    path = oparl_server.file_path(2)
    oparl_server.faults.drip.add(path)
    started = time.monotonic()
    _, docs, problems = crawl(oparl_server.body_url, file_timeout=1.0, timeout=5.0)
    assert time.monotonic() - started < 20  # each read came in time: only the per-file limit stops it
    assert [d.id for d in docs] == oparl_server.paper_ids()
    (problem,) = problems.items
    assert problem.location == oparl_server.base + path and problem.fatal
    assert "Download dauerte länger als 1 s" in problem.reason


def test_all_faults_at_once(oparl_server: OParlTestServer) -> None:
    faults = oparl_server.faults
    faults.control_char_paper = faults.deleted_paper = faults.people = True
    faults.retry_after[f"{BODY_PATH}/papers?page=2"] = (429, "1", 1)
    faults.retry_after[oparl_server.file_path(1)] = (503, "1", 1)
    faults.huge.add(oparl_server.file_path(2))
    faults.fail_always.add(oparl_server.file_path(4))
    faults.fail_times[f"{BODY_PATH}/meetings?page=1"] = 1
    source, docs, problems = crawl(oparl_server.system_url, max_file_bytes=5 * MB, backoff=0.01)
    papers = [d for d in docs if d.paper_type not in ("Gremium", "Person")]
    assert [d.id for d in papers if d.reference != "1664/99"] == oparl_server.paper_ids()
    assert any(d.reference == "1664/99" for d in papers)
    assert list(source.deleted_ids()) == [oparl_server.deleted_id()]
    given_up = sorted(p.location for p in problems.skipped)
    assert given_up == sorted(oparl_server.base + oparl_server.file_path(i) for i in (2, 4))
    assert {p.stage for p in problems.skipped} == {"download"}
    assert [p for p in problems.items if not p.fatal and p.stage != "quirk"] == []
    assert {d.title for d in docs if d.paper_type == "Gremium"} == {"Bauausschuss", "Gemeinderat"}
