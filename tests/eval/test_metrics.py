"""Every evaluation metric on hand-made answers whose right value is known by construction."""

from __future__ import annotations

import math
from typing import Any

import pytest

from assistant.types import Answer, Citation, Sentence
from eval import metrics as m
from eval.gold import GoldItem

GOLD_DOC = "https://example.org/papers/7"
GOLD_FILE = "https://example.org/files/70"


def item(answerable: bool = True, refs: tuple[str, ...] = ("2024/0007",), papers: tuple[str, ...] = (GOLD_DOC,),
         files: tuple[str, ...] = (GOLD_FILE,), facts: tuple[str, ...] = ("12,5 Mio. Euro", "Gemeinderat"),
         type_: str = "fact") -> GoldItem:
    if not answerable:
        refs, papers, files, facts, type_ = (), (), (), (), "unanswerable"
    return GoldItem(id="q1", question="Was kostet es?", type=type_, answerable=answerable, city="Karlsruhe",
                    gold_refs=refs, gold_paper_ids=papers, gold_file_ids=files, key_facts=facts,
                    reference_answer="", evidence_quote="x" if answerable else "",
                    evidence_path="p" if answerable else None)


def entry(doc: str, ref: str | None = None, chunk: str | None = None) -> dict[str, Any]:
    return {"chunk_id": chunk or f"{doc}#c", "doc_id": doc, "reference": ref, "score": 1.0,
            "lexical_rank": None, "dense_rank": None, "title": f"Titel {doc}"}


def cite(n: int, chunk: str, doc: str, ref: str | None = None, quote: str = "") -> Citation:
    return Citation(n=n, chunk_id=chunk, doc_id=doc, reference=ref, paper_type=None, title="", date=None, body=None,
                    file_name=None, page=None, quote=quote, paper_url=None, file_url=None)


# --- retrieval ----------------------------------------------------------------------------------------
def test_gold_at_rank_two_counts_distinct_papers() -> None:
    # two chunks of paper A come first: the gold paper is the SECOND distinct paper, not the third chunk
    retrieved = [entry("A", chunk="a1"), entry("A", chunk="a2"), entry(GOLD_DOC), entry("B"), entry("C")]
    r = m.retrieval_metrics(item(), retrieved)
    assert r["gold_rank"] == 2
    assert (r["hit@1"], r["hit@3"], r["hit@5"], r["hit@10"]) == (0.0, 1.0, 1.0, 1.0)
    assert r["mrr"] == 0.5
    assert r["recall@1"] == 0.0 and r["recall@3"] == 1.0
    assert r["ndcg@10"] == pytest.approx(1 / math.log2(3))
    assert r["papers_retrieved"] == 4


def test_reference_match_is_case_and_prefix_insensitive() -> None:
    it = item(papers=())
    assert m.paper_matches("other-id", "DS 2024/0007", it)
    assert not m.paper_matches("other-id", "2024/0008", it)
    assert m.retrieval_metrics(it, [entry("X", "ds 2024/0007")])["hit@1"] == 1.0


def test_gold_not_retrieved_scores_zero() -> None:
    r = m.retrieval_metrics(item(), [entry("A"), entry("B")])
    assert r["mrr"] == 0.0 and r["hit@10"] == 0.0 and r["ndcg@10"] == 0.0 and r["gold_rank"] is None


def test_recall_and_ndcg_with_two_gold_papers() -> None:
    it = item(papers=("P1", "P2"), refs=())
    r = m.retrieval_metrics(it, [entry("P1"), entry("X"), entry("Y"), entry("P2")])
    assert r["recall@1"] == 0.5 and r["recall@3"] == 0.5 and r["recall@5"] == 1.0
    ideal = 1 + 1 / math.log2(3)
    assert r["ndcg@10"] == pytest.approx((1 + 1 / math.log2(5)) / ideal)


def test_recall_is_capped_when_versions_of_one_paper_match() -> None:
    it = item(papers=(), refs=("2024/0007",))
    r = m.retrieval_metrics(it, [entry("v1", "2024/0007"), entry("v2", "2024/0007")])
    assert r["recall@5"] == 1.0 and r["ndcg@10"] == 1.0


def test_unanswerable_has_no_retrieval_metrics() -> None:
    r = m.retrieval_metrics(item(answerable=False), [entry("A")])
    assert r["hit@1"] is None and r["mrr"] is None and r["papers_retrieved"] == 1


# --- answers ------------------------------------------------------------------------------------------
def answer(text: str, citations: tuple[Citation, ...] = (), retrieved: tuple[dict[str, Any], ...] = (),
           sentences: tuple[Sentence, ...] = (), refused: bool = False) -> Answer:
    return Answer(question="?", text=text, citations=citations, retrieved=retrieved, sentences=sentences,
                  refused=refused)


def test_key_fact_recall_normalises_and_ignores_markers() -> None:
    text = "Die Kosten betragen 12,5\u00a0Mio. Euro [1]. Der GEMEINDERAT stimmte zu [2]."
    assert m.key_fact_recall(text, ["12,5 Mio. Euro", "Gemeinderat"]) == 1.0
    assert m.key_fact_recall("Nur 12,5 Mio. Euro.", ["12,5 Mio. Euro", "Gemeinderat"]) == 0.5
    assert m.key_fact_recall("x", []) is None
    # a marker between words must not hide a fact
    assert m.key_fact_recall("12,5 Mio. [1] Euro", ["12,5 Mio. Euro"]) == 1.0
    # q011: "140.000 €" in the answer is the key fact "140.000€"; "10 %" is "10%"
    assert m.key_fact_recall("Mittel in Höhe von 140.000 € [2]", ["140.000€"]) == 1.0
    assert m.key_fact_recall("rund 10 % weniger", ["10%"]) == 1.0
    assert m.key_fact_recall("140.000 Euro", ["140.000€"]) == 0.0


def test_key_fact_recall_over_quotes_and_missing_facts() -> None:
    c = cite(1, "c1", GOLD_DOC, quote="Beschluss im Gemeinderat")
    res = m.answer_metrics(item(), answer("Der Gemeinderat beschloss es [1].", (c,), (entry(GOLD_DOC, chunk="c1"),)))
    assert res["key_fact_recall"] == 0.5
    assert res["key_fact_recall_quotes"] == 0.5
    assert res["missing_key_facts"] == ["12,5 Mio. Euro"]


def test_citation_validity_counts_markers_that_resolve_to_retrieved_chunks() -> None:
    cites = (cite(1, "c1", "A"), cite(2, "c-gone", "B"))
    a = answer("Eins [1]. Zwei [2]. Drei [3]. Vier [1, 2].", cites, (entry("A", chunk="c1"),))
    # markers: 1 ok, 2 not retrieved, 3 unknown, 1 ok, 2 not retrieved -> 2/5
    assert m.citation_validity(a) == pytest.approx(2 / 5)
    assert m.citation_validity(answer("Ohne Quellen.")) is None


def test_citation_precision_recall_paper_and_file_level() -> None:
    it = item(papers=(GOLD_DOC,), refs=("2024/0007",), files=(GOLD_FILE, "https://example.org/files/71"))
    cites = (cite(1, "c-gold", GOLD_DOC), cite(2, "c-ref", "other-version", "2024/0007"),
             cite(3, "c-wrong", "X"), cite(4, "c-overview", GOLD_DOC))
    p, r = m.citation_paper_scores(cites, it)
    assert p == 0.75 and r == 1.0
    files = {"c-gold": GOLD_FILE, "c-ref": "https://example.org/files/99", "c-wrong": "f-x", "c-overview": "overview"}
    fp, fr = m.citation_file_scores(cites, it, files)
    assert fp == pytest.approx(1 / 3)  # overview citation is left out of file precision
    assert fr == 0.5  # one of two gold files cited
    assert m.citation_file_scores(cites, it, {}) == (None, 0.0)


def test_citation_scores_without_citations() -> None:
    assert m.citation_paper_scores((), item()) == (None, 0.0)
    assert m.citation_paper_scores((cite(1, "c", "A"),), item(answerable=False)) == (0.0, None)


def test_sentence_share_and_support() -> None:
    sentences = (Sentence("Kosten 5 Mio.", (1,), True, 0.8), Sentence("Beschluss 2024", (2,), True, 0.6),
                 Sentence("Ungeprüfte Zahl 7", (), False, 0.1), Sentence("Hallo.", (), True, 1.0))
    share, support = m.sentence_metrics(answer("t", sentences=sentences))
    assert share == pytest.approx(2 / 3)  # the neutral sentence is not factual
    assert support == pytest.approx(0.7)
    assert m.sentence_metrics(answer("t")) == (None, None)


def test_refusal_rates_split_by_answerability() -> None:
    refused = answer("Die Dokumente beantworten diese Frage nicht.", refused=True)
    un = m.answer_metrics(item(answerable=False), refused)
    assert un["refusal_rate"] == 1.0 and un["false_refusal_rate"] is None and un["key_fact_recall"] is None
    ans = m.answer_metrics(item(), refused)
    assert ans["false_refusal_rate"] == 1.0 and ans["refusal_rate"] is None and ans["key_fact_recall"] == 0.0
    assert ans["citation_precision_paper"] is None  # a refusal has no citations to judge
    ok = m.answer_metrics(item(answerable=False), answer("Irgendwas."))
    assert ok["refusal_rate"] == 0.0


# --- aggregation, intervals, cost -----------------------------------------------------------------------
def test_aggregate_skips_none_and_groups_by_type() -> None:
    rows = [{"type": "fact", "hit@1": 1.0, "refusal_rate": None}, {"type": "fact", "hit@1": 0.0, "refusal_rate": None},
            {"type": "unanswerable", "hit@1": None, "refusal_rate": 1.0}]
    agg = m.aggregate(rows)
    assert agg["hit@1"] == 0.5 and agg["n_hit@1"] == 2 and agg["refusal_rate"] == 1.0 and agg["questions"] == 3
    assert agg["mrr"] is None and agg["n_mrr"] == 0
    types = m.by_type(rows)
    assert types["fact"]["hit@1"] == 0.5 and types["unanswerable"]["refusal_rate"] == 1.0


def test_bootstrap_contains_estimate_and_is_deterministic() -> None:
    xs = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5, 0.25, 1.0, 0.0]
    ci = m.bootstrap_ci(xs)
    assert ci is not None
    lo, hi = ci
    assert lo <= sum(xs) / len(xs) <= hi and 0.0 <= lo < hi <= 1.0
    assert m.bootstrap_ci(xs) == ci
    assert m.bootstrap_ci(xs, seed=1) == m.bootstrap_ci(xs, seed=1)
    assert m.bootstrap_ci([]) is None
    assert m.bootstrap_ci([0.5, 0.5, 0.5]) == (0.5, 0.5)


def test_paired_delta() -> None:
    res = m.paired_delta_ci([0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0])
    assert res is not None
    delta, (lo, hi) = res
    assert delta == 0.5 and lo <= 0.5 <= hi
    with pytest.raises(ValueError):
        m.paired_delta_ci([1.0], [1.0, 0.0])


def test_latency_percentiles_and_tokens() -> None:
    timings = [{"total": float(i), "lexical": 0.1} for i in range(1, 101)]
    timings[0] = {"total": 1.0}
    lat = m.latency(timings)
    assert lat["total"]["p50"] == pytest.approx(50.5) and lat["total"]["p95"] == pytest.approx(95.05)
    assert lat["lexical"]["n"] == 99
    assert list(lat)[:2] == ["lexical", "total"]
    usage = m.token_usage([{"input_tokens": 100, "output_tokens": 20}, {}, {"input_tokens": 50, "output_tokens": 10}])
    assert usage == {"answers_with_usage": 2, "input_tokens_total": 150, "output_tokens_total": 30,
                     "input_tokens_mean": 75, "output_tokens_mean": 15}


def test_dir_size_and_peak_memory(tmp_path: Any) -> None:
    (tmp_path / "a").write_bytes(b"x" * 100)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"y" * 50)
    assert m.dir_size_bytes(tmp_path) == 150
    assert m.dir_size_bytes(tmp_path / "missing") == 0
    assert m.peak_memory_mb() > 1.0
