"""Persons, organizations and memberships crawled from the local OParl HTTP server become searchable
documents, so that "Wer sitzt im Bauausschuss?" and "Welche Anträge hat Frau Zürn gestellt?" find
their sources (persons: see tests/ingest/oparl_people_data.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.catalog import Catalog
from index.lexical import LexicalIndex
from ingest.chunk import overview_text
from ingest.pipeline import Pipeline
from ingest.records import Document
from ingest.sources.oparl_api import OParlApiSource
from tests.ingest.oparl_server import OParlTestServer
from tests.ingest.test_oparl_api import crawl

pytestmark = pytest.mark.server
ZUERN_PAPERS = {"23400", "23615", "27944"}  # the papers whose titles name "StRn Zürn" / "Stadträtin Zürn"


def _by_title(docs: list[Document], kind: str) -> dict[str, Document]:
    return {d.title: d for d in docs if d.paper_type == kind}


def test_organizations_list_their_members(oparl_server: OParlTestServer) -> None:
    oparl_server.faults.people = True
    _, docs, problems = crawl(oparl_server.system_url, download_files=False)
    assert not problems.items
    committees = _by_title(docs, "Gremium")
    assert set(committees) == {"Bauausschuss", "Gemeinderat"}  # organizations without members stay names only
    bau = committees["Bauausschuss"].files[0].text.splitlines()
    assert ("Im Gremium Bauausschuss sitzen derzeit 2 Mitglieder: Herr Prof. Dr. Max Mustermann (Vorsitzende), "
            "Frau Erika Mustermann.") in bau
    assert ("Herr Prof. Dr. Max Mustermann ist Mitglied des Gremiums Bauausschuss: Vorsitzende, stimmberechtigt, "
            "seit 2019-07-01.") in bau
    # linked by URL only, resolved from the body's membership list
    assert "Frau Erika Mustermann ist Mitglied des Gremiums Bauausschuss: stimmberechtigt, seit 2024-07-01." in bau
    council = committees["Gemeinderat"].files[0].text
    assert "Frau Sabine Zürn ist Mitglied des Gremiums Gemeinderat: Stadträtin" in council
    assert ("Herr Prof. Dr. Max Mustermann war Mitglied des Gremiums Gemeinderat: Stadtrat, stimmberechtigt, "
            "vom 2014-07-01 bis 2019-06-30.") in council
    assert {d.body for d in committees.values()} == {"Karlsruhe"}
    assert committees["Bauausschuss"].id.endswith("/organizations/gr/31180")


def test_persons_list_memberships_and_their_papers(oparl_server: OParlTestServer) -> None:
    oparl_server.faults.people = True
    _, docs, _ = crawl(oparl_server.body_url, download_files=False)
    persons = _by_title(docs, "Person")
    assert set(persons) == {"Frau Sabine Zürn", "Herr Niko Fostiropoulos", "Herr Prof. Dr. Max Mustermann",
                            "Frau Erika Mustermann"}
    zuern = persons["Frau Sabine Zürn"].files[0].text
    assert "Anträge und Vorlagen von Sabine Zürn (3): 27944, 23615, 23400." in zuern
    assert {ref for ref in ZUERN_PAPERS if f" {ref} vom " in zuern} == ZUERN_PAPERS
    assert "Sabine Zürn ist Mitglied des Gremiums Gemeinderat: Stadträtin, stimmberechtigt, seit 2019-07-01." in zuern
    papers = {d.reference: d for d in docs if d.paper_type not in ("Gremium", "Person")}
    assert papers["23400"].submitter == "Frau Sabine Zürn; Herr Niko Fostiropoulos"
    assert "Eingereicht von: Frau Sabine Zürn; Herr Niko Fostiropoulos" in overview_text(papers["23400"])


@pytest.mark.parametrize("option", [{"since": "2026-01-01"}, {"people": False}])
def test_no_people_documents_in_incremental_or_opted_out_runs(oparl_server: OParlTestServer,
                                                              option: dict[str, object]) -> None:
    """An incremental run sees only changed papers: a person's paper list would shrink."""
    oparl_server.faults.people = True
    _, docs, _ = crawl(oparl_server.body_url, download_files=False, **option)
    assert docs and not [d for d in docs if d.paper_type in ("Gremium", "Person")]


@pytest.fixture()
def people_index(oparl_server: OParlTestServer, tmp_path: Path) -> Path:
    oparl_server.faults.people = True
    pipeline = Pipeline(tmp_path, None, None, workers=1)
    source = OParlApiSource(oparl_server.system_url, min_interval=0, download_files=False)
    summary = pipeline.run([(oparl_server.system_url, source)], embed=False)
    pipeline.close()
    assert not summary.problems
    return tmp_path


def _top_documents(index: Path, question: str, n: int = 3) -> list[dict[str, object]]:
    lexical = LexicalIndex.load(index / "lexical")
    catalog = Catalog(index / "catalog.sqlite")
    try:
        doc_ids = list(dict.fromkeys(lexical.doc_ids[row] for row, _ in lexical.search(question, k=20)))
        return [d for d in (catalog.document(i) for i in doc_ids[:n]) if d is not None]
    finally:
        catalog.close()


def test_questions_about_members_and_originators_find_them(people_index: Path) -> None:
    committee = _top_documents(people_index, "Wer sitzt im Bauausschuss?")[0]
    assert (committee["title"], committee["paper_type"]) == ("Bauausschuss", "Gremium")
    found = _top_documents(people_index, "Welche Anträge hat Frau Zürn gestellt?")
    assert found[0]["title"] == "Frau Sabine Zürn"
    assert all(d["reference"] in ZUERN_PAPERS for d in found[1:] if d["paper_type"] != "Person")


def test_the_assistant_answers_them_with_sources(people_index: Path) -> None:
    from assistant.service import Assistant
    from assistant.settings import Settings

    assistant = Assistant(Settings().with_(index_dir=people_index, embedder=""), embedder=None, store=None)
    answer = assistant.ask("Wer sitzt im Bauausschuss?")
    assert not answer.refused, answer.text
    assert "Mustermann" in answer.text
    assert any(c.title == "Bauausschuss" for c in answer.citations)
    answer = assistant.ask("Welche Anträge hat Frau Zürn gestellt?")
    assert not answer.refused, answer.text
    cited = {c.title for c in answer.citations} | {c.reference for c in answer.citations}
    assert "Frau Sabine Zürn" in cited or cited & ZUERN_PAPERS
