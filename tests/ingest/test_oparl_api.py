"""OParlApiSource against a real local HTTP server: paging, incremental runs, deletions and faults."""

from __future__ import annotations

import time

import pytest

from ingest.records import Document
from ingest.sources.base import ProblemLog
from ingest.sources.oparl_api import OParlApiSource
from tests.ingest.oparl_server import BODY_PATH, OParlTestServer

pytestmark = pytest.mark.server


def crawl(url: str, **kwargs: object) -> tuple[OParlApiSource, list[Document], ProblemLog]:
    options: dict[str, object] = {"min_interval": 0, "timeout": 2.0, "retries": 2, "backoff": 0.01}
    options.update(kwargs)
    source = OParlApiSource(url, **options)  # type: ignore[arg-type]
    problems = ProblemLog()
    docs = list(source.documents(problems))
    return source, docs, problems


def test_paging_collects_all_papers_from_system_url(oparl_server: OParlTestServer) -> None:
    source, docs, problems = crawl(oparl_server.system_url)
    assert [d.id for d in docs] == oparl_server.paper_ids()
    assert len(docs) > 20  # more than two pages of ten
    page_requests = [r for r in oparl_server.requests if r.startswith(f"{BODY_PATH}/papers")]
    assert len(page_requests) == 3
    assert not problems.items, [str(p) for p in problems.items]
    assert {d.body for d in docs} == {"Karlsruhe"}
    assert {d.source for d in docs} == {"oparl-api"}


def test_consultations_files_and_pdf_resolved(oparl_server: OParlTestServer) -> None:
    _, docs, _ = crawl(oparl_server.body_url)
    paper = oparl_server.data.papers[0]
    doc = docs[0]
    assert doc.reference == paper["reference"]
    cons = doc.consultations[0]
    meeting = oparl_server.data.meetings[paper["consultation"][0]["meeting"].rsplit("/", 1)[-1]]
    assert cons.meeting_name == meeting["name"]
    assert cons.meeting_date == meeting["start"][:10]
    pdf_file = doc.files[0]
    assert [p.number for p in pdf_file.pages] == list(range(1, len(pdf_file.pages) + 1))
    assert "Büchenbach" in pdf_file.text  # the served PDF, parsed by ingest.parse.pdf
    text_files = [f for d in docs[1:] for f in d.files if f.pages]
    assert text_files and all(f.url and f.url.startswith(oparl_server.base) for f in text_files)


def test_paper_list_url_and_max_papers(oparl_server: OParlTestServer) -> None:
    _, docs, problems = crawl(oparl_server.papers_url, max_papers=12, download_files=False)
    assert [d.id for d in docs] == oparl_server.paper_ids()[:12]
    assert docs[0].body == "Karlsruhe"
    assert all(not f.pages for d in docs for f in d.files)
    assert not problems.items


@pytest.mark.parametrize("start", ["body_url", "papers_url"])
def test_modified_since_returns_only_newer_and_deleted(oparl_server: OParlTestServer, start: str) -> None:
    oparl_server.faults.deleted_paper = True
    source, docs, problems = crawl(getattr(oparl_server, start), since="2026-01-01")
    assert [d.id for d in docs] == [oparl_server.local(i) for i in oparl_server.data.new_ids]
    assert any("modified_since=" in r for r in oparl_server.requests if "/papers" in r)
    assert list(source.deleted_ids()) == [oparl_server.deleted_id()]
    assert not problems.items


def test_deleted_ids_reported_in_full_run(oparl_server: OParlTestServer) -> None:
    oparl_server.faults.deleted_paper = True
    source, docs, _ = crawl(oparl_server.body_url, download_files=False)
    assert oparl_server.deleted_id() in list(source.deleted_ids())
    assert oparl_server.deleted_id() not in {d.id for d in docs}


def test_control_char_paper_parsed(oparl_server: OParlTestServer) -> None:
    oparl_server.faults.control_char_paper = True
    _, docs, problems = crawl(oparl_server.papers_url, download_files=False)
    bad = [d for d in docs if d.reference == "1664/99"]
    assert len(bad) == 1
    assert bad[0].title.startswith("Volkshochschule Braunschweig e. V. Umwandlung in eine Gesellschaft")
    assert not any(ord(c) < 32 for c in bad[0].title)
    assert len(docs) == len(oparl_server.paper_ids()) + 1
    assert not problems.skipped
    notes = {p.reason for p in problems.items if p.location.startswith(oparl_server.papers_url)}
    assert any("rohe Steuerzeichen" in n and "CC e-gov ALLRIS" in n for n in notes), notes
    assert any("CP850" in n for n in notes) and any("Binärreste" in n for n in notes)


def test_file_500_reported_and_rest_indexed(oparl_server: OParlTestServer) -> None:
    broken = oparl_server.file_path(3)
    oparl_server.faults.fail_always.add(broken)
    _, docs, problems = crawl(oparl_server.body_url)
    assert [d.id for d in docs] == oparl_server.paper_ids()
    assert len(problems.items) == 1
    problem = problems.items[0]
    assert problem.location == oparl_server.base + broken
    reference = oparl_server.data.papers[3]["reference"]
    assert problem.reason == f"Datei der Vorlage {reference} aufgegeben: HTTP 500 nach 3 Versuchen"
    assert problem.fatal  # the file is missing from the index: the exit code says so
    doc = docs[3]
    assert not doc.files[0].pages
    assert all(f.pages for f in doc.files[1:])


def test_transient_500_retried(oparl_server: OParlTestServer) -> None:
    oparl_server.faults.fail_times[oparl_server.file_path(2)] = 2
    oparl_server.faults.fail_times[f"{BODY_PATH}/papers?page=2"] = 1
    _, docs, problems = crawl(oparl_server.body_url, retries=2)
    assert not problems.items
    assert [d.id for d in docs] == oparl_server.paper_ids()
    assert docs[2].files[0].pages


def test_paging_loop_detected(oparl_server: OParlTestServer) -> None:
    oparl_server.faults.loop = True
    _, docs, problems = crawl(oparl_server.papers_url, download_files=False)
    assert [d.id for d in docs] == oparl_server.paper_ids()
    loops = [p for p in problems.items if "Endlosschleife" in p.reason]
    assert any(f"{BODY_PATH}/papers" in p.location for p in loops)


def test_timeout_reported(oparl_server: OParlTestServer) -> None:
    slow = oparl_server.file_path(1)
    oparl_server.faults.slow.add(slow)
    oparl_server.faults.slow_seconds = 1.0
    started = time.monotonic()
    _, docs, problems = crawl(oparl_server.body_url, timeout=0.3, retries=1)
    assert time.monotonic() - started < 10
    assert [d.id for d in docs] == oparl_server.paper_ids()
    assert [(p.location, p.fatal) for p in problems.items] == [(oparl_server.base + slow, True)]
    assert "Zeitüberschreitung" in problems.items[0].reason


def test_unreachable_server_reported() -> None:
    _, docs, problems = crawl("http://127.0.0.1:9/oparl/system", retries=1, timeout=0.5)
    assert docs == []
    assert len(problems.items) == 1 and problems.items[0].location == "http://127.0.0.1:9/oparl/system"


def test_html_file_text_extracted(oparl_server: OParlTestServer) -> None:
    path = oparl_server.file_path(4)
    oparl_server.faults.as_html.add(path)
    _, docs, problems = crawl(oparl_server.body_url)
    assert not problems.items
    file = docs[4].files[0]
    assert file.pages and "<p>" not in file.text and "p{}" not in file.text
    number = path.rsplit("/", 1)[-1].split(".")[0].lstrip("0")
    lines = oparl_server.data.texts[number].decode("utf-8").splitlines()
    assert next(line.strip() for line in lines if len(line.strip()) > 10) in file.text
