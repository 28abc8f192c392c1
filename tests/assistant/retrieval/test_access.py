"""Non-public papers never reach a reader without the right: not in answers, citations, "möglicherweise relevant",
the retrieved list, linked papers or drafts, and not through a Drucksache number typed into the question."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.draft.drafting import draft_stellungnahme
from assistant.draft.records import DraftError
from assistant.types import Answer
from index.catalog import index_status
from ingest.records import Access
from tests.assistant.conftest import LAND_SALE_QUESTION, PERSONNEL_QUESTION, assistant_for

SECRETS = {"council": ("1.234.567", "test:verkauf", "2026/9001"), "staff": ("Musterfrau", "test:personal", "2026/9002")}


def _everything(answer: Answer) -> str:
    """All text and ids an answer hands out."""
    parts = [answer.text, *(c.quote + c.title + (c.reference or "") for c in answer.citations),
             *(c.quote + c.title + (c.reference or "") for c in answer.maybe_relevant),
             *(str(r.get("doc_id")) + str(r.get("reference")) + str(r.get("title")) for r in answer.retrieved)]
    return "\n".join(parts)


@pytest.mark.parametrize("role", list(Access))
@pytest.mark.parametrize("level", ["council", "staff"])
def test_each_role_reads_exactly_the_levels_it_may(access_index: Path, role: Access, level: str) -> None:
    assistant = assistant_for(access_index)
    secret, doc_id, reference = SECRETS[level]
    question = LAND_SALE_QUESTION if level == "council" else PERSONNEL_QUESTION
    for asked in (question, f"Was steht in der Drucksache {reference}?"):
        answer = assistant.ask(asked, clearance=role)
        shown = _everything(answer)
        if role.allows(level):
            assert doc_id in shown and reference in shown, (role, level, asked)
        else:
            assert secret not in shown and doc_id not in shown and reference not in shown, (role, level, asked)


def test_a_public_papers_links_to_a_non_public_one_are_hidden(access_index: Path) -> None:
    assistant = assistant_for(access_index)
    assert [d["id"] for d in assistant.linked_documents("test:hafen", Access.PUBLIC)] == []
    assert [d["id"] for d in assistant.linked_documents("test:hafen", Access.COUNCIL)] == ["test:verkauf"]
    assert assistant.linked_documents("test:verkauf", Access.PUBLIC) == []


def test_drafting_finds_no_paper_beyond_the_users_level(access_index: Path, tmp_path: Path) -> None:
    assistant = assistant_for(access_index)
    with pytest.raises(DraftError, match="2026/9002 ist nicht im Index"):
        draft_stellungnahme(assistant, "2026/9002", clearance=Access.COUNCIL)
    draft = draft_stellungnahme(assistant, "2026/9002", clearance=Access.STAFF)
    assert draft.doc_id == "test:personal"
    # what a web user types is never read as a path on the server
    secret_file = tmp_path / "anfrage.txt"
    secret_file.write_text("Wie viele Parkplätze hat der Rheinhafen?", encoding="utf-8")
    typed = draft_stellungnahme(assistant, str(secret_file), clearance=Access.PUBLIC, files=False)
    read = " ".join([*typed.anfrage.questions, typed.anfrage.title or ""])
    assert "Parkplätze" not in read and str(secret_file) in read  # the path itself was taken as the Anfrage's text
    assert "Parkplätze" in " ".join(draft_stellungnahme(assistant, str(secret_file)).anfrage.questions)


def test_status_counts_documents_per_level(access_index: Path) -> None:
    counts = index_status(access_index)["access"]
    assert counts["council"] == 1 and counts["staff"] == 1 and counts["public"] >= 6
