"""Stellungnahme drafts end to end on a small real index (Karlsruhe papers, lexical only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.draft.drafting import draft_stellungnahme, make_exclusion
from assistant.draft.export import to_docx, to_markdown
from assistant.draft.inputs import classify_file
from assistant.draft.precedents import Candidate, shipped_model
from assistant.draft.records import OPEN
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.types import ChunkMeta, Hit
from eval.draft_eval import paper_document
from ingest.pipeline import Pipeline
from ingest.sources.memory import ListSource

# the Anfrage to draft, its predecessors on the topic, and unrelated papers
REFERENCES = ("2024/0989", "2024/0919", "2023/0694", "2026/0299", "2024/0015", "2023/0633", "2025/0150",
              "2023/0076", "2024/0696", "2025/0138", "2025/0616", "2021/1077")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Assistant:
    root = corpus / "karlsruhe"
    docs = []
    for path in sorted((root / "papers").glob("*.json")):
        paper = json.loads(path.read_text(encoding="utf-8"))
        if paper.get("reference") in REFERENCES:
            docs.append(paper_document(paper, root / "file-contents"))
    assert len(docs) == len(REFERENCES)
    index = tmp_path_factory.mktemp("draft-index")
    pipeline = Pipeline(index, None, None, workers=1)
    pipeline.run([("list", ListSource(docs))], embed=False)
    pipeline.close()
    return Assistant(Settings().with_(index_dir=index, embedder=""))


def test_draft_by_reference_house_format_and_resolving_citations(assistant: Assistant) -> None:
    draft = draft_stellungnahme(assistant, "2024/0989")
    assert draft.header == ("Zur Anfrage der FDP-OR-Fraktion vom 29. August 2024 nimmt die Verwaltung wie folgt "
                            "Stellung:")
    assert [a.number for a in draft.answers] == [1, 2, 3]
    assert [p.reference for p in draft.precedents][:1] == ["2024/0919"]  # "Status Turmbergbahn", two weeks earlier
    assert draft.precedents[0].answer_excerpt  # the administration's answer to the earlier Anfrage
    catalog = assistant.retriever.catalog
    cited = [c for a in draft.answers for c in a.citations]
    for a in draft.answers:
        assert a.open == (a.text == OPEN)
        for n in map(int, re.findall(r"\[(\d+)\]", a.text)):
            assert n in {c.n for c in a.citations}
    for c in cited:
        doc_id, text, _meta = catalog.chunks([c.chunk_id])[c.chunk_id]
        assert doc_id == c.doc_id != draft.doc_id  # never the Anfrage's own paper
        assert c.reference != "2024/0989"
    assert [c.n for c in draft.sources] == list(range(1, len(draft.sources) + 1))
    md = to_markdown(draft)
    assert draft.header in md and "## Zu Frage 1:" in md and "*„Wurde von der VBK" in md and "## Quellen" in md
    assert "| Datum | Drucksache | Titel | Art | Hinweis |" in md


def test_precedents_are_on_the_topic(assistant: Assistant) -> None:
    # the topic search also finds the Bolzplatz, Breitband and Ganztag Anfragen of the little index (they share
    # "Sachstand", "Karlsruhe", "Umsetzung"); the precedent model learned from the archive's citations admits only
    # the earlier Turmbergbahn paper, and for the Bulach Bolzplatz only the earlier Bolzplatz Anfrage
    assert [p.reference for p in draft_stellungnahme(assistant, "2024/0989").precedents] == ["2024/0919"]
    assert [p.reference for p in draft_stellungnahme(assistant, "2025/0150").precedents] == ["2023/0633"]


def test_precedent_model_uses_the_title_closeness_where_every_candidate_has_one() -> None:
    model = shipped_model()
    meta = ChunkMeta(reference="2024/0919", title="Status Turmbergbahn")
    near = Candidate("a", meta, [], {"overlap": 0.5, "title_overlap": 0.5, "rank": 0.0, "title_closeness": 0.9})
    far = Candidate("b", meta, [], {"overlap": 0.5, "title_overlap": 0.5, "rank": 0.0, "title_closeness": 0.7})
    (p_near, p_far), threshold = model.scores([near, far])
    assert threshold == model.hybrid_threshold and p_near > p_far
    lexical = Candidate("c", meta, [], {"overlap": 0.5, "title_overlap": 0.5, "rank": 0.0})
    assert model.scores([near, lexical])[1] == model.lexical_threshold


def test_answer_quotes_an_earlier_paper_verbatim(assistant: Assistant) -> None:
    draft = draft_stellungnahme(assistant, "2025/0616")  # hausärztliche Versorgung, 2021/1077 is earlier
    answered = [a for a in draft.answers if not a.open]
    assert answered, "at least one question is answered from the index"
    catalog = assistant.retriever.catalog
    for a in answered:
        assert re.search(r"\[\d+\]", a.text)
        for s in a.sentences:
            for n in s.citations:
                c = next(c for c in draft.sources if c.n == n)
                _doc, text, _meta = catalog.chunks([c.chunk_id])[c.chunk_id]
                assert " ".join(s.text.split()[:6]) in " ".join(text.split())  # verbatim from the cited chunk
                assert (c.date or "") <= "2025-06-24" and c.reference != "2025/0616"


def test_unanswerable_questions_stay_open(assistant: Assistant) -> None:
    draft = draft_stellungnahme(assistant, "2024/0015", exclude_refs=["2024/0015"])
    assert len(draft.answers) == 8
    assert draft.answers[7].text == OPEN  # "Anteil der Inanspruchnahme der Wohngeldberechtigten": nowhere else
    assert sum(a.open for a in draft.answers) >= 6
    assert any("offen" in n for n in draft.notes)


def test_exclusion_removes_the_earlier_stellungnahme(assistant: Assistant) -> None:
    draft = draft_stellungnahme(assistant, "2024/0989", exclude_refs=["2024/0919"])
    assert "2024/0919" not in {p.reference for p in draft.precedents}
    assert all(c.reference != "2024/0919" for c in draft.sources)
    hit = Hit("c", "d", "", 0.0, ChunkMeta.of({"reference": "2024/0919", "file_id": "f"}))
    assert make_exclusion(refs=["2024/0919"])(hit) and make_exclusion(file_ids=["f"])(hit)
    assert not make_exclusion(refs=["2024/0918"])(hit)


def test_pasted_text_and_file_and_docx(assistant: Assistant, corpus: Path, tmp_path: Path) -> None:
    text = (corpus / "karlsruhe" / "file-contents" / "660543.txt").read_text(encoding="utf-8")
    pasted = draft_stellungnahme(assistant, text)
    assert pasted.doc_id is not None  # recognised by its Drucksache number, so its own paper is excluded
    assert len(pasted.answers) == 3
    path = tmp_path / "anfrage.txt"
    path.write_text(text, encoding="utf-8")
    from_file = draft_stellungnahme(assistant, str(path))
    assert from_file.header == pasted.header
    out = to_docx(from_file, tmp_path / "entwurf.docx")
    from docx import Document

    reopened = Document(str(out))
    texts = [p.text for p in reopened.paragraphs]
    assert from_file.header in texts
    assert "Zu Frage 3:" in texts and "Quellen" in texts
    assert any(t.startswith("„Liegen bereits Ergebnisse") for t in texts)
    assert reopened.tables and reopened.tables[0].rows[0].cells[0].text == "Datum"


def test_classify_file_names() -> None:
    assert classify_file("Stellungnahme Anfrage") == "stellungnahme"
    assert classify_file("Anfrage Stellungnahme") == "stellungnahme"
    assert classify_file("StN_Antrag_FDP_ITSM") == "stellungnahme"
    assert classify_file("Anfrage Wolfartsweier") == "anfrage"
    assert classify_file("Protokoll GR TOP 27") == "protokoll"
    assert classify_file("Anlage 1, Ergebnisse Umfrage") == "anlage"


def test_drafting_through_the_reader_leaves_what_no_paper_answers_open(assistant: Assistant) -> None:
    by_reader = Assistant(assistant.settings.with_(answerer="reader"))
    draft = draft_stellungnahme(by_reader, "2024/0015", exclude_refs=["2024/0015"])
    assert len(draft.answers) == 8 and draft.answers[7].text == OPEN
    assert sum(a.open for a in draft.answers) >= 6
    for a in draft.answers:
        assert a.open or a.coverage >= by_reader.reader.answer_threshold  # the reader's answerability decides
