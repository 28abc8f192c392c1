"""Evaluation metrics: pure functions over gold items and `Answer` objects.

Retrieval is scored over DISTINCT papers in retrieved order: `Answer.retrieved` lists chunks (up to
`per_paper` per paper), so the first chunk of each paper fixes that paper's rank. A retrieved paper
matches the gold if its `doc_id` is one of `gold_paper_ids`, its `reference` (Drucksachennummer,
compared case-insensitively and without a leading "DS") is one of `gold_refs`, or, for papers without a
number (minutes, loose PDFs), a gold ref that is a file name ("….pdf") names its file: the file name of
the chunk (`chunk_names`, from the runner) or of a `file:` document id, compared without case and with or
without the extension.

The number of gold papers is `max(len(gold_paper_ids), len(gold_refs))`; recall@k counts matching
distinct retrieved papers in the top k over that number (capped at 1, so two versions of one paper
cannot give more than full recall).

Citation precision/recall is computed on two levels:

* paper level: a citation is correct if its doc_id/reference matches the gold (as above);
* file level: a citation is correct if the file of its chunk is one of `gold_file_ids`. The file of a
  chunk comes from the index catalog (`chunk_files`: chunk_id -> file_id, supplied by the runner).
  Citations of the synthetic overview chunk (file_id "overview") and of chunks whose file is unknown
  are left out of file-level precision (they cite paper metadata, not a file); file-level recall is the
  share of gold files cited at least once.

Everything returns `None` where a metric does not apply (e.g. retrieval metrics of an unanswerable
question, citation validity of an answer without markers); aggregation averages the non-None values.
"""

from __future__ import annotations

import math
import re
import resource
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.types import Answer, Citation
from eval.gold import GoldItem, normalise_for_match
from eval.overlap import evidence_cited, reference_overlap

KS = (1, 3, 5, 10)
NDCG_K = 10
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20240917
HEADLINE = ("hit@1", "hit@5", "mrr", "key_fact_recall", "all_key_facts", "gold_cited", "refusal_rate", "false_refusal_rate")
STAGES = ("lexical", "embed_query", "dense", "fuse", "retrieve", "answer", "generate", "first_token", "total")

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_NOT_SUPPORTED = re.compile(r"\(nicht belegt\)", re.I)


# --- identity of papers and files ----------------------------------------------------------------
def norm_ref(ref: str | None) -> str:
    """'DS 2024/0015 ' -> '2024/0015' (case-insensitive comparison of Drucksachennummern)."""
    if not ref:
        return ""
    return re.sub(r"^ds\s*", "", ref.strip().lower())


def norm_id(value: str | None) -> str:
    return (value or "").strip().rstrip("/")


_FILE_NAME = re.compile(r"\.[A-Za-z0-9]{2,5}$")


def file_keys(name: str | None) -> set[str]:
    """'file:sub/Protokoll 3.PDF' -> {'protokoll 3.pdf', 'protokoll 3'}: a file name with and without extension."""
    if not name:
        return set()
    base = name.removeprefix("file:").replace("\\", "/").rsplit("/", 1)[-1].strip().casefold()
    return {base, _FILE_NAME.sub("", base)} if base else set()


def gold_file_names(item: GoldItem) -> set[str]:
    """The gold refs that are file names (they carry an extension); a Drucksache number never does."""
    return {key for ref in item.gold_refs if _FILE_NAME.search(ref.strip()) for key in file_keys(ref)}


def paper_matches(doc_id: str | None, reference: str | None, item: GoldItem, file_name: str | None = None) -> bool:
    """Whether a paper (retrieved entry or citation) is one of the item's gold papers."""
    if doc_id and norm_id(doc_id) in {norm_id(g) for g in item.gold_paper_ids}:
        return True
    ref = norm_ref(reference)
    if ref and ref in {norm_ref(g) for g in item.gold_refs}:
        return True
    names = gold_file_names(item)
    if not names:
        return False
    candidates = file_keys(file_name) | (file_keys(doc_id) if doc_id and doc_id.startswith("file:") else set())
    return bool(candidates & names)


def gold_paper_count(item: GoldItem) -> int:
    return max(len(item.gold_paper_ids), len(item.gold_refs))


def distinct_papers(retrieved: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The first retrieved chunk of each paper, in retrieved order (a paper's rank = its position)."""
    seen: set[str] = set()
    out: list[Mapping[str, Any]] = []
    for entry in retrieved:
        key = str(entry.get("doc_id") or entry.get("reference") or entry.get("chunk_id"))
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def gold_ranks(item: GoldItem, retrieved: Iterable[Mapping[str, Any]],
               chunk_names: Mapping[str, str] | None = None) -> list[int]:
    """1-based ranks (among distinct papers) of the retrieved papers that match the gold."""
    names = chunk_names or {}
    return [
        rank for rank, e in enumerate(distinct_papers(retrieved), start=1)
        if paper_matches(e.get("doc_id"), e.get("reference"), item, names.get(str(e.get("chunk_id"))))
    ]


# --- retrieval -------------------------------------------------------------------------------------
def hit_at(ranks: Sequence[int], k: int) -> float:
    return 1.0 if any(r <= k for r in ranks) else 0.0


def recall_at(ranks: Sequence[int], k: int, n_gold: int) -> float:
    if n_gold <= 0:
        raise ValueError("recall needs at least one gold paper")
    return min(1.0, sum(1 for r in ranks if r <= k) / n_gold)


def reciprocal_rank(ranks: Sequence[int]) -> float:
    return 1.0 / min(ranks) if ranks else 0.0


def ndcg_at(ranks: Sequence[int], k: int, n_gold: int) -> float:
    """Binary-relevance nDCG: DCG of the gold ranks within k over the DCG of a perfect ranking."""
    if n_gold <= 0:
        raise ValueError("nDCG needs at least one gold paper")
    dcg = sum(1.0 / math.log2(r + 1) for r in ranks if r <= k)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(n_gold, k) + 1))
    return min(1.0, dcg / ideal)


def retrieval_metrics(item: GoldItem, retrieved: Sequence[Mapping[str, Any]],
                      chunk_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """hit@k, recall@k, MRR, nDCG@10 and the first gold rank; all None without gold papers."""
    n_gold = gold_paper_count(item)
    names = [f"hit@{k}" for k in KS] + [f"recall@{k}" for k in KS] + ["mrr", f"ndcg@{NDCG_K}", "gold_rank"]
    if not item.answerable or n_gold == 0:
        return {**dict.fromkeys(names), "papers_retrieved": len(distinct_papers(retrieved))}
    ranks = gold_ranks(item, retrieved, chunk_names)
    out: dict[str, Any] = {}
    for k in KS:
        out[f"hit@{k}"] = hit_at(ranks, k)
    for k in KS:
        out[f"recall@{k}"] = recall_at(ranks, k, n_gold)
    out["mrr"] = reciprocal_rank(ranks)
    out[f"ndcg@{NDCG_K}"] = ndcg_at(ranks, NDCG_K, n_gold)
    out["gold_rank"] = min(ranks) if ranks else None
    out["papers_retrieved"] = len(distinct_papers(retrieved))
    return out


# --- answers -----------------------------------------------------------------------------------------
def strip_markers(text: str) -> str:
    return _NOT_SUPPORTED.sub("", _MARKER.sub("", text))


def markers(text: str) -> list[int]:
    """All source numbers named by [n] / [n, m] markers in an answer text."""
    return [int(x) for group in _MARKER.findall(text) for x in re.split(r"\s*,\s*", group)]


def found_facts(text: str, key_facts: Sequence[str]) -> list[bool]:
    hay = normalise_for_match(strip_markers(text))
    return [normalise_for_match(f) in hay for f in key_facts]


def key_fact_recall(text: str, key_facts: Sequence[str]) -> float | None:
    """Share of key facts that occur (normalised substring) in `text`; None without key facts."""
    if not key_facts:
        return None
    hits = found_facts(text, key_facts)
    return sum(hits) / len(hits)


def quotes_text(citations: Iterable[Citation]) -> str:
    return "\n".join(c.quote for c in citations)


def citation_validity(answer: Answer) -> float | None:
    """Share of [n] markers in the text that resolve to a citation whose chunk was retrieved.

    None when the text has no markers (nothing to validate).
    """
    named = markers(answer.text)
    if not named:
        return None
    retrieved = {str(e.get("chunk_id")) for e in answer.retrieved}
    by_n = {c.n: c for c in answer.citations}
    ok = sum(1 for n in named if n in by_n and by_n[n].chunk_id in retrieved)
    return ok / len(named)


def citation_paper_scores(citations: Sequence[Citation], item: GoldItem) -> tuple[float | None, float | None]:
    """(precision, recall) of the cited papers against the gold papers."""
    n_gold = gold_paper_count(item)
    if not citations:
        return None, (0.0 if n_gold and item.answerable else None)
    correct = [c for c in citations if paper_matches(c.doc_id, c.reference, item, c.file_name)]
    precision = len(correct) / len(citations)
    if not item.answerable or n_gold == 0:
        return precision, None
    cited_papers = {c.doc_id or norm_ref(c.reference) for c in correct}
    return precision, min(1.0, len(cited_papers) / n_gold)


def citation_file_scores(citations: Sequence[Citation], item: GoldItem,
                         chunk_files: Mapping[str, str]) -> tuple[float | None, float | None]:
    """(precision, recall) of the cited files against `gold_file_ids` (see module docstring)."""
    gold = {norm_id(f) for f in item.gold_file_ids}
    files = [norm_id(chunk_files.get(c.chunk_id)) for c in citations]
    files = [f for f in files if f and f != "overview"]
    precision = sum(1 for f in files if f in gold) / len(files) if files else None
    recall = len(gold & set(files)) / len(gold) if gold and item.answerable else None
    return precision, recall


def is_factual_sentence(sentence: Any) -> bool:
    """The checker leaves only factual sentences uncited-and-unsupported, so these two cover them."""
    return bool(sentence.citations) or not sentence.supported


def sentence_metrics(answer: Answer) -> tuple[float | None, float | None]:
    """(share of factual sentences carrying a citation, mean support score of cited sentences)."""
    factual = [s for s in answer.sentences if is_factual_sentence(s)]
    cited = [s for s in factual if s.citations]
    share = len(cited) / len(factual) if factual else None
    support = sum(s.support for s in cited) / len(cited) if cited else None
    return share, support


def answer_metrics(item: GoldItem, answer: Answer, chunk_files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Per-question answer metrics; refusal flags are split by answerability."""
    chunk_files = chunk_files or {}
    answered = item.answerable and not answer.refused
    kf = key_fact_recall(answer.text, item.key_facts) if item.answerable else None
    kf_quotes = key_fact_recall(quotes_text(answer.citations), item.key_facts) if item.answerable else None
    p_prec, p_rec = citation_paper_scores(answer.citations, item) if answered else (None, None)
    f_prec, f_rec = citation_file_scores(answer.citations, item, chunk_files) if answered else (None, None)
    share, support = sentence_metrics(answer)
    missing = [f for f, ok in zip(item.key_facts, found_facts(answer.text, item.key_facts), strict=True) if not ok]
    n_gold = gold_paper_count(item)
    gold_cited = (float(answered and any(paper_matches(c.doc_id, c.reference, item, c.file_name) for c in answer.citations))
                  if item.answerable and n_gold else None)
    return {
        "key_fact_recall": kf,
        # the answer holds every key fact (a refusal holds none)
        "all_key_facts": (float(kf == 1.0) if kf is not None else None),
        # a gold paper is among the citations (a refusal cites none)
        "gold_cited": gold_cited,
        "key_fact_recall_quotes": kf_quotes,
        "missing_key_facts": missing if item.answerable else [],
        "citation_validity": citation_validity(answer),
        "citation_precision_paper": p_prec,
        "citation_recall_paper": p_rec,
        "citation_precision_file": f_prec,
        "citation_recall_file": f_rec,
        "cited_sentence_share": share,
        "support_mean": support,
        "reference_overlap": reference_overlap(answer.text, item.reference_answer) if item.answerable else None,
        "evidence_cited": evidence_cited(answer.citations, item.evidence_quote) if item.answerable else None,
        "refused": answer.refused,
        "refusal_rate": (1.0 if answer.refused else 0.0) if not item.answerable else None,
        "false_refusal_rate": ((1.0 if answer.refused else 0.0) if item.answerable and item.answerable_known
                               else None),
        # how long the answers are that key facts are counted in (markers removed): recall is cheap in long answers
        "answer_chars": len(" ".join(strip_markers(answer.text).split())) if answered else None,
    }


def question_metrics(item: GoldItem, answer: Answer, chunk_files: Mapping[str, str] | None = None,
                     chunk_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {**retrieval_metrics(item, answer.retrieved, chunk_names), **answer_metrics(item, answer, chunk_files)}


# --- aggregation -------------------------------------------------------------------------------------
AGGREGATED = (
    *(f"hit@{k}" for k in KS), *(f"recall@{k}" for k in KS), "mrr", f"ndcg@{NDCG_K}",
    "key_fact_recall", "all_key_facts", "gold_cited", "key_fact_recall_quotes", "citation_validity",
    "citation_precision_paper", "citation_recall_paper", "citation_precision_file", "citation_recall_file",
    "cited_sentence_share", "support_mean", "refusal_rate", "false_refusal_rate", "answer_chars",
    "reference_overlap", "evidence_cited", "refused",
)


def values(rows: Iterable[Mapping[str, Any]], name: str) -> list[float]:
    return [float(r[name]) for r in rows if r.get(name) is not None]


def mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def aggregate(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Mean of each metric over the rows where it applies, plus how many rows that was."""
    out: dict[str, Any] = {"questions": len(rows)}
    for name in AGGREGATED:
        xs = values(rows, name)
        out[name] = mean(xs)
        out[f"n_{name}"] = len(xs)
    return out


def by_type(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        groups.setdefault(str(r.get("type")), []).append(r)
    return {t: aggregate(g) for t, g in sorted(groups.items())}


def bootstrap_ci(xs: Sequence[float], resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED,
                 level: float = 0.95) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean (deterministic for a seed); None for no data."""
    if not xs:
        return None
    data = np.asarray(xs, dtype=float)
    rng = np.random.default_rng(seed)
    means = np.sort(data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1))
    lo_i = int(math.floor((1 - level) / 2 * resamples))
    hi_i = min(resamples - 1, int(math.ceil((1 + level) / 2 * resamples)) - 1)
    return float(means[lo_i]), float(means[hi_i])


def intervals(rows: Sequence[Mapping[str, Any]], names: Sequence[str] = HEADLINE,
              seed: int = BOOTSTRAP_SEED) -> dict[str, list[float] | None]:
    out: dict[str, list[float] | None] = {}
    for name in names:
        ci = bootstrap_ci(values(rows, name), seed=seed)
        out[name] = list(ci) if ci else None
    return out


def paired_delta_ci(a: Sequence[float], b: Sequence[float], resamples: int = BOOTSTRAP_RESAMPLES,
                    seed: int = BOOTSTRAP_SEED) -> tuple[float, tuple[float, float]] | None:
    """Mean of b - a over paired questions and its bootstrap interval (resampling question pairs)."""
    if len(a) != len(b):
        raise ValueError("paired samples must have equal length")
    diffs = [y - x for x, y in zip(a, b, strict=True)]
    ci = bootstrap_ci(diffs, resamples, seed)
    if ci is None:
        return None
    return sum(diffs) / len(diffs), ci


# --- cost ----------------------------------------------------------------------------------------------
def percentile(xs: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), like numpy's default."""
    if not xs:
        return None
    s = sorted(xs)
    pos = (len(s) - 1) * q / 100.0
    lo, hi = int(math.floor(pos)), int(math.ceil(pos))
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def latency(timings: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float | int | None]]:
    """p50/p95/mean seconds per stage over the questions that ran the stage."""
    out: dict[str, dict[str, float | int | None]] = {}
    stages = [s for s in STAGES if any(s in t for t in timings)]
    stages += sorted({s for t in timings for s in t} - set(STAGES))
    for stage in stages:
        xs = [float(t[stage]) for t in timings if stage in t]
        out[stage] = {"p50": percentile(xs, 50), "p95": percentile(xs, 95), "mean": mean(xs), "n": len(xs)}
    return out


def token_usage(usages: Sequence[Mapping[str, int]]) -> dict[str, float | int | None]:
    used = [u for u in usages if u]
    tin = [int(u.get("input_tokens", 0)) for u in used]
    tout = [int(u.get("output_tokens", 0)) for u in used]
    return {"answers_with_usage": len(used), "input_tokens_total": sum(tin), "output_tokens_total": sum(tout),
            "input_tokens_mean": mean(tin), "output_tokens_mean": mean(tout)}


def dir_size_bytes(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def peak_memory_mb() -> float:
    """Peak resident memory of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024
