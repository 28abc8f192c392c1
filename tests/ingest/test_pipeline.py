"""Pipeline: idempotent re-ingest, exact replacement of changed documents, deletions, resume."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from index.embedders import HashEmbedder
from index.vectors import ChromaStore
from ingest.pipeline import Pipeline, Summary
from ingest.records import Document, Page, SourceFile
from ingest.sources.base import ProblemLog
from ingest.sources.memory import ListSource


def _docs(corpus: Path, n: int = 6) -> list[Document]:
    texts = sorted((corpus / "karlsruhe" / "file-contents").glob("*.txt"))[:n]
    return [
        Document(
            id=f"doc-{i}", source="test", body="Karlsruhe", title=f"Testvorlage {i}", reference=f"2024/{i:04d}",
            paper_type="Anfrage", date=f"2024-01-{i + 1:02d}",
            files=(SourceFile(id=f"file-{i}", name=p.name, url=f"https://example.org/{p.stem}.pdf",
                              pages=(Page(1, p.read_text(encoding="utf-8")),)),),
        )
        for i, p in enumerate(texts)
    ]


def _pipeline(index: Path) -> Pipeline:
    emb = HashEmbedder()
    return Pipeline(index, emb, lambda: ChromaStore(index, emb.name), workers=1)


def test_reingest_is_idempotent_and_changes_replace_exactly(tmp_path: Path, corpus: Path) -> None:
    docs = _docs(corpus)
    p = _pipeline(tmp_path)
    first = p.run([("list", ListSource(docs))])
    counts = p.catalog.counts()
    assert first.documents_new == len(docs)
    assert counts["chunks"] == counts["embedded"] == p.store.count() > len(docs)

    again = p.run([("list", ListSource(docs))])
    assert again.documents_unchanged == len(docs)
    assert again.chunks_added == again.chunks_removed == again.chunks_embedded == 0
    assert p.catalog.counts() == counts and p.store.count() == counts["chunks"]

    before_other = p.catalog.chunk_ids("doc-1")
    changed = replace(docs[0], title="Geänderter Titel")
    third = p.run([("list", ListSource([changed, *docs[1:]]))])
    assert third.documents_changed == 1 and third.documents_unchanged == len(docs) - 1
    assert p.catalog.chunk_ids("doc-1") == before_other
    assert p.store.count() == p.catalog.counts()["chunks"] == counts["chunks"]
    assert p.catalog.document("doc-0")["title"] == "Geänderter Titel"

    fourth = p.run([("list", ListSource([changed, *docs[2:]]))])  # doc-1 vanished upstream
    assert fourth.documents_deleted == 1
    assert p.catalog.chunk_ids("doc-1") == set()
    assert p.store.count() == p.catalog.counts()["chunks"]
    p.close()


def test_interrupted_embedding_resumes_without_duplicates(tmp_path: Path, corpus: Path) -> None:
    docs = _docs(corpus, 4)
    p = _pipeline(tmp_path)
    p.run([("list", ListSource(docs))], embed_limit=5)  # stops after 5 chunks, like a killed run
    assert p.store.count() == 5
    total = p.catalog.counts()["chunks"]
    p.close()
    p2 = _pipeline(tmp_path)
    summary = p2.run([("list", ListSource(docs))])
    assert summary.documents_unchanged == len(docs)
    assert summary.chunks_embedded == total - 5
    assert p2.store.count() == total == p2.catalog.counts()["embedded"]
    p2.close()


def test_embedding_covers_the_newest_papers_first(tmp_path: Path, corpus: Path) -> None:
    docs = _docs(corpus, 4)  # dated 2024-01-01 .. 2024-01-04, ingested oldest first
    p = _pipeline(tmp_path)
    p.run([("list", ListSource(docs))], embed=False)
    newest, second = (p.catalog.doc_chunks(d.id) for d in (docs[3], docs[2]))
    budget = len(newest) + 1
    assert p.run([("list", ListSource(docs))], embed_limit=budget).chunks_embedded == budget
    # a budgeted run covers the newest paper completely, then goes on with the next newest in paper order
    assert p.store.all_ids() == {cid for cid, _t, _m in newest} | {second[0][0]}
    p.close()


def test_source_failure_is_reported_and_others_go_on(tmp_path: Path, corpus: Path) -> None:
    class Broken:
        name = "broken"

        def documents(self, problems: ProblemLog) -> Iterator[Document]:
            yield _docs(corpus, 1)[0]
            raise OSError("Verbindung abgebrochen")

    p = Pipeline(tmp_path, None, None, workers=1)
    summary = p.run([("kaputt", Broken()), ("list", ListSource(_docs(corpus, 3)[1:]))], embed=False)
    assert [pr.location for pr in summary.skipped] == ["kaputt"]
    assert p.catalog.counts()["documents"] == 3
    p.close()


@pytest.mark.parametrize("workers", [2])
def test_process_pool_gives_same_chunks(tmp_path: Path, corpus: Path, workers: int) -> None:
    docs = _docs(corpus, 5)
    a = Pipeline(tmp_path / "a", None, None, workers=1)
    b = Pipeline(tmp_path / "b", None, None, workers=workers)
    a.run([("list", ListSource(docs))], embed=False)
    b.run([("list", ListSource(docs))], embed=False)
    ids_a = {cid for cid, _d, _t in a.catalog.iter_chunks()}
    ids_b = {cid for cid, _d, _t in b.catalog.iter_chunks()}
    assert ids_a == ids_b and len(ids_a) > len(docs)
    a.close()
    b.close()


def test_metadata_change_reaches_catalog_and_chroma(tmp_path: Path, corpus: Path) -> None:
    docs = _docs(corpus, 2)
    p = _pipeline(tmp_path)
    p.run([("list", ListSource(docs))])
    before = p.catalog.chunk_ids("doc-0")
    redated = replace(docs[0], date="2026-02-03")
    p.run([("list", ListSource([redated, docs[1]]))])
    after = p.catalog.chunk_ids("doc-0")
    assert len(before & after) >= len(before) - 1  # only the overview chunk (it shows the date) is new
    metas = [meta for _cid, _text, meta in p.catalog.doc_chunks("doc-0")]
    assert all(m["date"] == "2026-02-03" for m in metas)
    got = p.store.collection.get(ids=sorted(after), include=["metadatas"])
    assert got["ids"] and all(m["date_int"] == 20260203 for m in got["metadatas"])

    retitled = replace(redated, title="Neuer Titel der Vorlage")
    p.run([("list", ListSource([retitled, docs[1]]))])
    assert not (p.catalog.chunk_ids("doc-0") & after)  # the title is embedded: every vector is new
    assert p.store.count() == p.catalog.counts()["chunks"] == p.catalog.counts()["embedded"]
    p.close()


def test_lead_scope_embeds_overview_and_first_body_chunks(tmp_path: Path, corpus: Path) -> None:
    from ingest.pipeline import LEAD_CHUNKS

    texts = sorted((corpus / "karlsruhe" / "file-contents").glob("*.txt"), key=lambda p: -p.stat().st_size)[:3]
    docs = [
        Document(
            id=f"doc-{i}", source="test", body="Karlsruhe", title=f"Testvorlage {i}", reference=f"2024/{i:04d}",
            paper_type="Beschlussvorlage", date="2024-01-01",
            files=(
                SourceFile(id=f"main-{i}", name="Vorlage", pages=(Page(1, "Kurzfassung: Eigenreinigungsquote " * 3),)),
                SourceFile(id=f"anl-{i}", name="Anlage", pages=(Page(1, p.read_text(encoding="utf-8")),)),
            ),
        )
        for i, p in enumerate(texts)
    ]
    p = _pipeline(tmp_path)
    p.run([("list", ListSource(docs))], embed_scope="overview")
    by_doc = {d.id: p.catalog.doc_chunks(d.id) for d in docs}
    assert all(len(chunks) > LEAD_CHUNKS + 1 for chunks in by_doc.values())  # more body than the lead
    overview = {chunks[0][0] for chunks in by_doc.values()}
    assert p.store.all_ids() == overview and all(c[2]["file_id"] == "overview" for c in by_doc["doc-0"][:1])

    # widening the scope embeds only what is missing: overview + the first LEAD_CHUNKS body chunks in
    # document order (the one-chunk main file first, then the start of the attachment)
    lead = p.run([("list", ListSource(docs))], embed_scope="lead")
    expected = {cid for chunks in by_doc.values() for cid, _t, _m in chunks[:1 + LEAD_CHUNKS]}
    assert lead.documents_unchanged == len(docs) and lead.chunks_embedded == len(expected) - len(overview)
    assert p.store.all_ids() == expected and p.catalog.counts()["embedded"] == len(expected)
    first = by_doc["doc-0"][1:1 + LEAD_CHUNKS]
    assert [m["file_id"] for _c, _t, m in first] == ["main-0", "anl-0"][:LEAD_CHUNKS]
    assert p.run([("list", ListSource(docs))], embed_scope="lead").chunks_embedded == 0

    rest = p.run([("list", ListSource(docs))], embed_scope="all")
    total = p.catalog.counts()["chunks"]
    assert rest.chunks_embedded == total - len(expected) and p.store.count() == total
    p.close()


def test_unknown_embed_scope_is_rejected(tmp_path: Path) -> None:
    p = _pipeline(tmp_path)
    with pytest.raises(ValueError, match="'everything'.*all, lead, overview"):
        p.embed_pending(Summary(), scope="everything")
    p.close()
