"""Which metrics a question file allows: a foreign file may lack gold references, key facts or the
answerability of its questions; the run then says which metrics it could not compute and why."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eval.gold import GoldItem
from eval.metrics import KS, NDCG_K, gold_paper_count


@dataclass(frozen=True)
class MetricNeed:
    """A group of metrics and what a question must carry for them (a foreign file may lack it)."""

    label: str
    names: tuple[str, ...]
    applies: Callable[[GoldItem], bool]
    missing: str  # why nothing could be computed, naming the fields (with aliases) that would allow it


_REFS = "keine Gold-Referenzen (Felder gold_refs, refs, references oder gold_paper_ids)"
NEEDS = (
    MetricNeed("Treffer (hit@k, recall@k, MRR, nDCG)", (*(f"hit@{k}" for k in KS), *(f"recall@{k}" for k in KS),
               "mrr", f"ndcg@{NDCG_K}"), lambda it: it.answerable and gold_paper_count(it) > 0, _REFS),
    MetricNeed("Quellen je Vorlage (Präzision, Recall)", ("citation_precision_paper", "citation_recall_paper"),
               lambda it: it.answerable and gold_paper_count(it) > 0, _REFS),
    MetricNeed("Quellen je Datei (Präzision, Recall)", ("citation_precision_file", "citation_recall_file"),
               lambda it: it.answerable and bool(it.gold_file_ids), "keine Gold-Dateien (Feld gold_file_ids)"),
    MetricNeed("Schlüsselfakten", ("key_fact_recall", "key_fact_recall_quotes"),
               lambda it: it.answerable and bool(it.key_facts), "keine Schlüsselfakten (Felder facts, key_facts)"),
    MetricNeed("Ablehnung unbeantwortbarer Fragen", ("refusal_rate",), lambda it: not it.answerable,
               "keine Frage als unbeantwortbar markiert (answerable: false oder type: unanswerable)"),
    MetricNeed("Fehlablehnung beantwortbarer Fragen", ("false_refusal_rate",),
               lambda it: it.answerable and it.answerable_known,
               "von keiner Frage bekannt, dass sie beantwortbar ist (Feld answerable, oder Gold-Referenzen, "
               "Schlüsselfakten, Beleg)"),
    MetricNeed("Überdeckung der Referenzantwort", ("reference_overlap",),
               lambda it: it.answerable and bool(it.reference_answer.strip()),
               "keine Referenzantworten (Felder answer, reference_answer)"),
    MetricNeed("Beleg zitiert", ("evidence_cited",), lambda it: it.answerable and bool(it.evidence_quote.strip()),
               "keine Belegstellen (Felder evidence, evidence_quote)"),
)


def not_computable(items: Sequence[GoldItem]) -> dict[str, str]:
    """Metric groups no question of the file allows, with the reason (label -> reason)."""
    return {need.label: need.missing for need in NEEDS if not any(need.applies(it) for it in items)}
