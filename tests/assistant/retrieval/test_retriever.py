"""Retrieval features on real documents: Drucksache lookup, Anfrage/Stellungnahme family, filters,
a city named in the question, "only current" versions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from assistant.question import Question
from assistant.retrieval import dense, priors
from assistant.retrieval.dense import DENSE_K, WINDOW_CHUNKS, exact_neighbours
from assistant.retrieval.papers import DECIDED, PaperTable
from assistant.retrieval.retriever import Retriever
from assistant.types import Filters
from index.catalog import Catalog
from ingest.language import base_reference, find_references, sentence_windows, version_base
from ingest.pipeline import Pipeline
from ingest.sources.allris import AllrisSource
from ingest.sources.memory import ListSource
from ingest.sources.nordstemmen import NordstemmenSource
from ingest.sources.oparl_mirror import OParlListSource
from tests.assistant.conftest import document_from_json

Q = Question.of


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    folder = tmp_path_factory.mktemp("retrieve-index")
    karlsruhe = [document_from_json(corpus, n) for n in ("19165", "17504", "27243", "21229", "23615")]
    old = karlsruhe[0]
    newer = replace(old, id=old.id + "-neu", date="2025-06-30", reference=(old.reference or "") + "/1")
    pipe = Pipeline(folder, None, None, workers=1)
    pipe.run([
        ("bs", AllrisSource([corpus / "braunschweig" / "stellungnahme-25-25182-01.txt"], body="Braunschweig")),
        ("bs-list", OParlListSource(corpus / "braunschweig" / "oparl-papers-2026-09.json")),
        ("ns", NordstemmenSource(corpus / "nordstemmen" / "documents")),
        ("ka", ListSource([*karlsruhe, newer])),
    ], embed=False)
    pipe.close()
    return folder


def test_reference_patterns() -> None:
    assert find_references("Was steht in 25-25182-01 und in 2024/0015?") == ["25-25182-01", "2024/0015"]
    assert find_references("Was beschloss der Rat zu DS 100/2022?") == ["100/2022"]
    # a budget or school year is no Drucksache (Karlsruhe numbered up to 2022/2427, so 2022/2023 could be one)
    assert find_references("Wurde bei den Haushaltsberatungen 2026/2027 der Antrag angenommen?") == []
    assert find_references("Was bringt das Schuljahr 2024/25?") == []
    assert find_references("Was steht in der Vorlage 2022/2023?") == ["2022/2023"]
    assert find_references("2022/2023") == ["2022/2023"]
    assert base_reference("25-25182-01") == "25-25182"


def test_named_drucksache_comes_first_with_its_family(index: Path) -> None:
    r = Retriever(index)
    hits = r.search(Q("Was antwortet die Verwaltung in 25-25182-01?"), k=4)
    assert hits[0].meta.reference == "25-25182-01"
    # the Anfrage number alone brings the administration's Stellungnahme along
    hits = r.search(Q("Worum ging es in der Anfrage 25-25182?"), k=4)
    assert hits[0].meta.reference == "25-25182-01"


def test_filters_restrict_every_hit(index: Path) -> None:
    r = Retriever(index)
    hits = r.search(Q("Haushalt Investitionen Feuerwehr", Filters(body="Nordstemmen")), k=10)
    assert hits and all(h.meta.body == "Nordstemmen" for h in hits)
    hits = r.search(Q("Haushalt Investitionen", Filters(paper_types=("Beschlussvorlage",))), k=10)
    assert hits and all(h.meta.paper_type == "Beschlussvorlage" for h in hits)
    hits = r.search(Q("Haushalt Investitionen", Filters(date_from="2024-01-01", date_to="2024-12-31")), k=10)
    assert hits and all("2024-01-01" <= h.meta.date[:10] <= "2024-12-31" for h in hits)
    assert r.search(Q("Haushalt", Filters(body="Atlantis")), k=5) == []


def test_city_in_question_narrows(index: Path) -> None:
    r = Retriever(index)
    hits = r.search(Q("Welche Fahrzeuge bekommen die Ortsfeuerwehren in Nordstemmen?"), k=5)
    assert hits[0].meta.body == "Nordstemmen"


def test_only_current_prefers_the_newest_version(index: Path, corpus: Path) -> None:
    r = Retriever(index)
    old = document_from_json(corpus, "19165")
    query = old.title
    plain = [h.doc_id for h in r.search(Q(query), k=6, per_paper=1)]
    current = [h.doc_id for h in r.search(Q(query, Filters(only_current=True)), k=6, per_paper=1)]
    assert {old.id, old.id + "-neu"} <= set(plain)
    assert current.index(old.id + "-neu") < current.index(old.id)


def test_metadata_only_papers_are_findable(index: Path) -> None:
    r = Retriever(index)
    hits = r.search(Q("Landes-Raumordnungsprogramm LROP Stellungnahme der Stadt"), k=3)
    assert hits[0].meta.reference == "26-29361"


def test_paper_level_bm25_equals_an_index_of_whole_papers() -> None:
    """`grouped` recovers term frequencies from the chunk weights: same scores as indexing each paper's text."""
    import numpy as np

    from index.lexical import LexicalIndex

    chunks = [
        ("c1", "p1", "Sanierung der Stadthalle Elektrotechnik Vergabe Vergabe"),
        ("c2", "p1", "Nachtragsauftrag Elektrotechnik Stadthalle Kosten"),
        ("c3", "p2", "Radweg entlang der Landesstraße Unfälle Unfälle Radweg"),
        ("c4", "p3", "Kita Bedarfsplanung Versorgungsgrad unter drei Jahren Kita"),
        ("c5", "p3", "Radweg Kita Stadthalle Haushalt Haushalt Haushalt Zuschuss"),
    ]
    chunk_index = LexicalIndex.build(chunks)
    papers = ["p1", "p2", "p3"]
    group = np.array([papers.index(doc) for _c, doc, _t in chunks])
    grouped = chunk_index.grouped(group, papers, k1=2.0, b=0.8)
    import index.lexical as lexical

    k1, b = lexical.K1, lexical.B
    try:
        lexical.K1, lexical.B = 2.0, 0.8
        whole = LexicalIndex.build((p, p, " ".join(t for _c, doc, t in chunks if doc == p)) for p in papers)
    finally:
        lexical.K1, lexical.B = k1, b
    for query in ("Elektrotechnik Stadthalle", "Radweg Unfälle", "Haushalt Kita", "Versorgungsgrad"):
        assert np.allclose(grouped.scores(query), whole.scores(query), rtol=1e-4), query
    assert grouped.chunk_ids == papers


def test_retriever_has_one_paper_row_per_document(index: Path) -> None:
    r = Retriever(index)
    assert r.table is not None and r.table.papers is not None
    assert r.table.papers.chunk_ids == r.table.docs
    assert r.table.papers.matrix.shape[0] == len(r.table.docs)


def _table(metas: list[dict[str, Any]], doc_index: list[int], newest_year: int = 0) -> PaperTable:
    import numpy as np

    return PaperTable(np.array(doc_index, dtype=np.int32), [m["doc_id"] for m in metas], list(metas), {},
                      newest_year=newest_year)


def test_version_base() -> None:
    assert version_base("2025/0891/1") == "2025/0891"
    assert version_base("2025/0891") == "2025/0891"
    assert version_base("25-25182-01") == "25-25182"
    assert version_base("DHH/2025/4125") == "dhh/2025/4125"


@pytest.mark.parametrize(("prefer", "metas", "before", "asking", "after", "neutral"), [
    # a paper type named in the question: the Änderungsantrag leads among the versions of its Drucksache
    (priors.prefer_named_type, [
        {"doc_id": "a", "reference": "2025/0891", "paper_type": "Beschlussvorlage"},
        {"doc_id": "b", "reference": "2025/0891/1", "paper_type": "Änderungs-/Ergänzungsantrag"},
        {"doc_id": "c", "reference": "2025/0100", "paper_type": "Beschlussvorlage"},
    ], {0: 3.0, 1: 2.0, 2: 2.5}, "Was ist aus dem Änderungsantrag zur Zweitwohnungsteuer geworden?",
     {0: 2.0, 1: 3.0, 2: 2.5}, "Was ist aus der Zweitwohnungsteuer geworden?"),
    # the Antrag was referred on; its /1 version carries the council's decision
    (priors.prefer_decided, [
        {"doc_id": "a", "reference": "2026/0158", "decided": False},
        {"doc_id": "b", "reference": "2026/0158/1", "decided": True},
        {"doc_id": "c", "reference": "2026/0100", "decided": False},
    ], {0: 3.8, 1: 3.7, 2: 3.75}, "Was hat der Gemeinderat zum Antrag auf Hygieneprodukte beschlossen?",
     {0: 3.7, 1: 3.8, 2: 3.75}, "Was fordert der Antrag auf Hygieneprodukte?"),
])
def test_a_preference_reorders_only_versions_of_one_drucksache(prefer: Any, metas: list[dict[str, Any]],
                                                               before: dict[int, float], asking: str,
                                                               after: dict[int, float], neutral: str) -> None:
    table = _table(metas, [0, 1, 2])
    scores = dict(before)
    prefer(table, Q(asking), scores, set())
    assert scores == after  # the group's scores are handed out anew; the other paper keeps its own
    scores = dict(before)
    prefer(table, Q(neutral), scores, set())
    assert scores == before
    prefer(table, Q(asking), scores, {0})  # pinned papers stay
    assert scores == before


def test_decided_comes_from_a_deciding_consultation_result(index: Path) -> None:
    assert DECIDED.search("teilweise zugestimmt") and DECIDED.search("mehrheitlich abgelehnt")
    assert not DECIDED.search("verwiesen in den Gemeinderat") and not DECIDED.search("Kenntnisnahme")
    r = Retriever(index)
    assert r.table is not None and all(isinstance(m.get("decided"), bool) for m in r.table.doc_meta)


def test_a_followup_stays_with_the_papers_of_the_previous_answer(index: Path) -> None:
    r = Retriever(index)
    assert r.table is not None
    question = "Und was kostet das?"
    first = r.search(Q(question), k=10, per_paper=1)
    other = first[1]  # the runner-up: the prior is bounded (CONTEXT_WEIGHT), the follow-up's words still count
    context = " ".join(h.text for h in r.search(Q(other.meta.title), k=3, per_paper=3) if h.doc_id == other.doc_id)
    assert context
    hits = r.search(replace(Q(question), context=context), k=10, per_paper=1)
    assert hits[0].doc_id == other.doc_id  # without the conversation it was not first
    assert [h.doc_id for h in r.search(Q(question), k=10, per_paper=1)] == [h.doc_id for h in first]


def test_sparse_dense_only_breaks_near_ties_among_the_best() -> None:
    table = _table([{"doc_id": d} for d in "abc"], [0, 0, 1, 2])
    scores = {0: 2.0, 1: 1.95, 2: 1.0}
    priors.dense_tiebreak(table, scores, {3: 1.0, 2: 0.9}, set())  # rows 2, 3: overview chunks of b and c
    assert scores[1] > scores[0] > scores[2]
    assert scores[1] - 1.95 <= priors.RERANK_W * 2.0 + 1e-9


def test_partly_embedded_bodies_do_not_count_as_dense_evidence(tmp_path: Path, corpus: Path) -> None:
    """Lead vectors complete, a few body chunks embedded (a budgeted run): dense evidence only from lead chunks."""
    from index.embedders import HashEmbedder
    from index.vectors import ChromaStore
    from ingest.pipeline import LEAD_CHUNKS

    emb = HashEmbedder()
    docs = [document_from_json(corpus, n) for n in ("19165", "17504", "27243", "21229", "23615")]
    pipe = Pipeline(tmp_path, emb, lambda: ChromaStore(tmp_path, emb.name), workers=1)
    pipe.run([("ka", ListSource(docs))], embed_scope="lead")
    pipe.run([("ka", ListSource(docs))], embed_scope="all", embed_limit=4)  # the newest paper's next body chunks
    pipe.close()
    position = {cid: pos for cid, pos in Catalog(tmp_path / "catalog.sqlite").db.execute(
        "SELECT chunk_id, position FROM chunks")}
    store = ChromaStore(tmp_path, emb.name)
    r = Retriever(tmp_path, emb, store)
    body_vectors = [cid for cid in store.all_ids() if position[cid] > LEAD_CHUNKS]
    assert len(body_vectors) == 4 and r.dense_ready() and r.dense.coverage < 0.5 <= r.dense.lead_coverage
    body_text = Catalog(tmp_path / "catalog.sqlite").db.execute(
        "SELECT text FROM chunks WHERE chunk_id = ?", (body_vectors[0],)).fetchone()[0]
    query = " ".join(body_text.split()[:40])
    assert body_vectors[0] in {cid for cid, _ in store.query(emb.embed_query(query), k=5)}  # the store would offer it
    hits = r.search(Q(query), k=40, per_paper=40)
    ranked = [h for h in hits if h.dense_rank is not None]
    assert ranked and all(position[h.chunk_id] <= LEAD_CHUNKS for h in ranked)
    # what the dense search can find: the lead chunks here; every chunk with a vector once half of them have one
    assert r.table is not None
    with_vector = set(store.all_ids())
    searched = r.dense.searched_rows(r.table, lead_only=True)
    anywhere = r.dense.searched_rows(r.table, lead_only=False)
    assert searched is not None and anywhere is not None
    for cid, row in r.table.row_of.items():
        assert searched[row] == (cid in with_vector and position[cid] <= LEAD_CHUNKS)
        assert anywhere[row] == (cid in with_vector)
    # and the search hands that mask to the choice of each paper's chunks
    handed: list[Any] = []
    collect = r._collect

    def spy(*args: Any, **kwargs: Any) -> Any:
        handed.append(args[7] if len(args) > 7 else kwargs.get("searched"))
        return collect(*args, **kwargs)

    r._collect = spy  # type: ignore[method-assign]
    r.search(Q(query), k=10)
    assert len(handed) == 1 and handed[0] is not None and (handed[0] == searched).all()
    assert not r.search(Q(query), k=10, mode="bm25") or handed[1] is None


def test_the_lead_depth_is_read_from_the_vectors_an_index_has(tmp_path: Path, corpus: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """An index embedded with another lead depth keeps its own: the retriever finds how deep the vectors reach."""
    import ingest.pipeline
    from index.embedders import HashEmbedder
    from index.vectors import ChromaStore

    emb = HashEmbedder()
    docs = [document_from_json(corpus, n) for n in ("19165", "17504", "27243", "21229", "23615")]
    pipe = Pipeline(tmp_path, emb, lambda: ChromaStore(tmp_path, emb.name), workers=1)
    pipe.run([("ka", ListSource(docs))], embed_scope="overview")
    assert Retriever(tmp_path, emb, ChromaStore(tmp_path, emb.name)).dense.detect_lead_depth() == ingest.pipeline.LEAD_CHUNKS
    monkeypatch.setattr(ingest.pipeline, "LEAD_CHUNKS", 1)
    pipe.run([("ka", ListSource(docs))], embed_scope="lead")
    r = Retriever(tmp_path, emb, ChromaStore(tmp_path, emb.name))
    assert r.dense.detect_lead_depth() == 1
    assert r.dense_ready() and r.dense.lead_depth == 1 and r.dense.lead_coverage == 1.0
    monkeypatch.setattr(ingest.pipeline, "LEAD_CHUNKS", 3)
    pipe.run([("ka", ListSource(docs))], embed_scope="lead")
    pipe.close()
    r = Retriever(tmp_path, emb, ChromaStore(tmp_path, emb.name))
    assert r.dense_ready() and r.dense.lead_depth == 3 and r.table is not None
    positions = dict(Catalog(tmp_path / "catalog.sqlite").db.execute("SELECT chunk_id, position FROM chunks"))
    lead = r.dense.lead_rows(r.table)
    assert all(lead[row] == (positions[cid] <= 3) for cid, row in r.table.row_of.items())


def test_chunks_without_vectors_are_embedded_for_the_closeness(tmp_path: Path, corpus: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """With vectors for some chunks only (an archive embedded for its lead chunks, the demo while it embeds in the
    background), the closeness is what a fully embedded index gives: retrieved chunks without a vector are embedded
    at question time, each once, and no further than the first that clears the floor. The floor refuses then."""
    from assistant.service import Assistant
    from assistant.settings import Settings
    from index.embedders import HashEmbedder
    from index.vectors import ChromaStore

    emb = HashEmbedder()
    docs = [document_from_json(corpus, n) for n in ("19165", "17504", "27243", "21229", "23615")]
    pipe = Pipeline(tmp_path, emb, lambda: ChromaStore(tmp_path, emb.name), workers=1)
    pipe.run([("ka", ListSource(docs))], embed_limit=20)
    pipe.close()
    monkeypatch.setattr(emb, "space", "multilingual-e5-small", raising=False)  # as if e5: the floor applies
    embedded: list[str] = []
    passages = HashEmbedder()
    real = passages.embed_passages
    monkeypatch.setattr(passages, "embed_passages", lambda texts: (embedded.extend(texts), real(texts))[1])
    a = Assistant(Settings().with_(index_dir=tmp_path, min_dense_similarity=0.999), embedder=emb,
                  store=ChromaStore(tmp_path, HashEmbedder.name), passages=lambda: passages)
    # a question in the words of a chunk that has no vector: its closest chunk is one the search has no similarity for
    text = a.catalog.db.execute("SELECT text FROM chunks WHERE embedded = 0 AND position > 2 ORDER BY chunk_id").fetchone()[0]
    question = Q(" ".join(text.split()[:12]))
    assert 0 < a.retriever.dense_coverage() < 0.95
    hits = a.search(question, k=10)
    without = [h for h in hits if not a.catalog.has_vector(h.chunk_id)]
    assert without and len(without) < len(hits)
    texts = a.catalog.index_texts([h.chunk_id for h in hits])
    q = emb.embed_query(question.text)
    chunks_best = max(float(real([texts[h.chunk_id]])[0] @ q) for h in hits)
    windows = [w for h in hits[:WINDOW_CHUNKS] for w in sentence_windows(h.text)]
    everything = max(chunks_best, float(max(real(windows) @ q)))

    assert a.retriever.closeness(question.text, hits) == pytest.approx(everything, abs=1e-5)
    assert len(embedded) == len(without) + len(windows)
    assert a.retriever.closeness(question.text, hits) == pytest.approx(everything, abs=1e-5)
    assert len(embedded) == len(without) + len(windows)  # kept, not embedded again
    # a floor the known similarities clear embeds nothing; one that only an embedded chunk clears stops there
    fresh = Assistant(Settings().with_(index_dir=tmp_path), embedder=emb, store=ChromaStore(tmp_path, HashEmbedder.name),
                      passages=lambda: passages)
    embedded.clear()
    assert fresh.retriever.closeness(question.text, hits, enough=-1.0) is not None
    assert len(embedded) == (0 if any(h.meta.dense_similarity is not None for h in hits) else 1)
    best = max(range(len(without)), key=lambda i: float(real([texts[without[i].chunk_id]])[0] @ q))
    embedded.clear()
    again = Assistant(Settings().with_(index_dir=tmp_path), embedder=emb, store=ChromaStore(tmp_path, HashEmbedder.name),
                      passages=lambda: passages)
    known = max((h.meta.dense_similarity for h in hits if h.meta.dense_similarity is not None), default=-1.0)
    assert known < chunks_best  # the closest chunk is one without a vector
    assert again.retriever.closeness(question.text, hits, enough=chunks_best) == pytest.approx(chunks_best, abs=1e-5)
    assert len(embedded) == best + 1  # no windows: a chunk cleared the floor

    assert a.ask(question.text).refusal_reason == "far_from_question"
    lenient = Assistant(Settings().with_(index_dir=tmp_path, min_dense_similarity=-1.0), embedder=emb,
                        store=ChromaStore(tmp_path, HashEmbedder.name), passages=lambda: passages)
    assert lenient.ask(question.text).refusal_reason != "far_from_question"
    # a server warms the embedder for chunks without vectors at start (not on its first question)
    made: list[int] = []
    warmed = Assistant(Settings().with_(index_dir=tmp_path), embedder=emb, store=ChromaStore(tmp_path, HashEmbedder.name),
                       passages=lambda: (made.append(1), passages)[1])
    warmed.warm()
    warmed.warm()
    assert made == [1]


def test_dense_search_is_exact_and_reads_new_vectors(tmp_path: Path, corpus: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Dense neighbours are the exact nearest chunks (not an approximate graph's), and vectors written
    after the retriever loaded (a background embedding) are searched once their number changed."""
    import threading

    import numpy as np

    from index.embedders import HashEmbedder
    from index.vectors import ChromaStore

    emb = HashEmbedder()
    docs = [document_from_json(corpus, n) for n in ("19165", "17504", "27243", "21229", "23615")]
    pipe = Pipeline(tmp_path, emb, lambda: ChromaStore(tmp_path, emb.name), workers=1)
    pipe.run([("ka", ListSource(docs))], embed_limit=5)
    store = ChromaStore(tmp_path, emb.name)
    r = Retriever(tmp_path, emb, store)
    r.warm()  # `council serve` reads the vectors at start
    stale = r.dense.exact_vectors(r.table)
    assert stale is not None and len(stale[1]) == 5
    pipe.run([("ka", ListSource(docs))])  # the rest is embedded while the retriever runs
    pipe.close()
    monkeypatch.setattr(dense, "RECHECK_S", 0.0)  # the next check (every 30 s) sees the new count
    got: list[Any] = []
    with r.dense.reading:  # another thread is reading the newer vectors: this query goes on with the ones it has
        assert r.dense_ready()
        query_thread = threading.Thread(target=lambda: got.append(r.dense.exact_vectors(r.table)), daemon=True)
        query_thread.start()
        query_thread.join(timeout=5)
    assert got == [stale]  # returned at once, without waiting for the lock
    exact = r.dense.exact_vectors(r.table)
    assert exact is not None and len(exact[1]) == store.count() > 5
    ids, matrix = store.vectors()
    query = "Barrierefreier Umbau der Haltestelle und Kosten der Maßnahme"
    vec = emb.embed_query(query)
    sims = matrix @ (vec / np.linalg.norm(vec))
    truth = np.sort(sims)[::-1][:DENSE_K]
    nearest = exact_neighbours(exact, vec, None, None)
    assert np.allclose([sim for _row, sim in nearest], truth, atol=1e-5)  # the k best similarities, best first
    by_id = dict(zip(ids, sims.tolist(), strict=True))
    assert r.lexical is not None and all(abs(by_id[r.lexical.chunk_ids[row]] - sim) < 1e-5 for row, sim in nearest)
    best = [h for h in r.search(Q(query), k=40, per_paper=40) if h.dense_rank == 1]
    assert best and abs(by_id[best[0].chunk_id] - float(truth[0])) < 1e-5


def test_point_in_time_periods() -> None:
    from ingest.language import point_in_time

    assert point_in_time("Wie hat der Gemeinderat im Dezember 2024 entschieden?") == ("2024-12-01", "2025-01-01")
    assert point_in_time("Welchen Stand hatte das Konzept im Herbst 2023?") == ("2023-09-01", "2023-12-01")
    assert point_in_time("Was war Ende 2025 geplant?") == ("2025-10-01", "2026-01-01")
    assert point_in_time("im Winter 2024") == ("2024-12-01", "2025-03-01")
    assert point_in_time("Wie viele Anträge gab es im Jahr 2024?") is None  # a whole year names no point in time
    # a period that starts then and reaches to now favours nothing ("seit Ende 2023", "ab März 2025")
    assert point_in_time("Wie hat sich der Anteil seit Ende 2023 entwickelt?") is None
    assert point_in_time("Welche Firma übernimmt ab März 2025 die Anzeigen?") is None


def test_bare_years_a_question_names() -> None:
    from ingest.language import years_named

    assert years_named("Wie viele Menschen haben 2023 in Karlsruhe die Einbürgerung beantragt?") == [2023]
    assert years_named("Wie viele Einbürgerungsanträge gingen 2022 und 2023 ein?") == [2022, 2023]
    # ranges, budget pairs, Drucksache numbers and the ends of periods are no year of writing
    assert years_named("Was bringt der Doppelhaushalt 2024/2025?") == []
    assert years_named("Welches Einsparvolumen hatte laut 2023/0777 das Paket?") == []
    assert years_named("Wie viele Anträge gab es seit 2019?") == []
    assert years_named("Wie viele Plätze fehlen bis 2040?") == []
    assert years_named("Was wurde von 2022 bis 2024 gebaut?") == []
    # a point in time has its own prior
    assert years_named("Welchen Stand hatte das Konzept im Herbst 2023?") == []


@pytest.mark.parametrize(("prior", "metas", "favouring", "neutral"), [
    # the Stellplatzsatzung of 2024-10-08, decided on 2024-12-17, against its 2026 successors
    (priors.point_in_time_prior, [
        {"doc_id": "old", "date": "2024-10-08", "meetings": ["2024-11-12", "2024-12-17"]},
        {"doc_id": "new", "date": "2026-01-27", "meetings": ["2026-02-24"]},
        {"doc_id": "draft", "date": "2024-02-23", "meetings": ["2024-03-19"]},
    ], "Wie hat der Gemeinderat im Dezember 2024 über die Stellplatzsatzung entschieden?",
     "Wie hat der Gemeinderat über die Stellplatzsatzung entschieden?"),
    # the 2023 applications were reported in February 2024, not in the 2026 paper on the same topic;
    # a year after the newest paper is a target ("bis 2040", "World Games 2029"), not a time of writing
    (priors.year_prior, [
        {"doc_id": "report", "date": "2024-02-27"},
        {"doc_id": "later", "date": "2026-05-05"},
        {"doc_id": "older", "date": "2009-09-21"},
    ], "Wie viele Menschen haben 2023 in Karlsruhe die Einbürgerung beantragt?",
     "Hat sich der Gemeinderat mit der Bewerbung um die World Games 2029 einverstanden erklärt?"),
])
def test_a_date_the_question_names_favours_the_papers_of_then(prior: Any, metas: list[dict[str, Any]],
                                                               favouring: str, neutral: str) -> None:
    table = _table(metas, [0, 1, 2], newest_year=2026)
    before = {0: 3.50, 1: 3.60, 2: 3.55}
    moved = dict(before)
    prior(table, Q(favouring), moved)
    assert max(moved, key=moved.__getitem__) == 0 and moved[1] == before[1] and moved[2] == before[2]
    unmoved = dict(before)
    prior(table, Q(neutral), unmoved)
    assert unmoved == before


def test_a_paper_is_quoted_by_its_lexically_best_chunk_where_not_all_its_chunks_have_vectors(index: Path) -> None:
    """An archive embedded for its lead chunks (or a demo still embedding): a lead chunk's similarity ranks its
    paper, but the body chunk that matches the question's words is the one quoted from it, not the lead chunk that
    merely has a vector. Where every candidate chunk could be found by the dense search, the fused evidence decides."""
    import numpy as np

    from assistant.retrieval.retriever import LEXICAL_WEIGHT, ChunkEvidence

    r = Retriever(index)
    assert r.table is not None and r.lexical is not None
    rows_of: dict[int, list[int]] = {}
    for row, d in enumerate(r.table.doc_index):
        rows_of.setdefault(int(d), []).append(row)
    d, rows = next((d, rows) for d, rows in rows_of.items() if len(rows) >= 4)
    lead, body = rows[0], rows[3]
    ev = ChunkEvidence()
    ev.lex_part[lead], ev.dense_part[lead] = LEXICAL_WEIGHT * 0.6, (1 - LEXICAL_WEIGHT) * 1.0
    ev.lex_part[body] = LEXICAL_WEIGHT * 1.0
    for row in (lead, body):
        ev.fused[row] = ev.lex_part[row] + ev.dense_part.get(row, 0.0)
    assert ev.fused[lead] > ev.fused[body]
    by_doc = {d: [(ev.fused[row], row) for row in (lead, body)]}
    searched = np.zeros(len(r.table.doc_index), dtype=bool)
    searched[lead] = True
    chosen = r._collect(r.table, "", {d: 1.0}, by_doc, ev, k=1, per_paper=1, searched=searched)
    assert [h.chunk_id for h in chosen] == [r.lexical.chunk_ids[body]]
    searched[body] = True
    both = r._collect(r.table, "", {d: 1.0}, by_doc, ev, k=1, per_paper=1, searched=searched)
    assert [h.chunk_id for h in both] == [r.lexical.chunk_ids[lead]]
    assert [h.chunk_id for h in r._collect(r.table, "", {d: 1.0}, by_doc, ev, k=1, per_paper=1)] == \
        [r.lexical.chunk_ids[lead]]
