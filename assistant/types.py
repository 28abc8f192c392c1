"""Records crossing the assistant boundary: filters, hits, citations, answers.

`Answer.to_json()` is the stable, documented JSON of `council ask --json` that the batch
evaluation and scripts consume (see README, "JSON-Ausgabe").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

JSON_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Filters:
    """Metadata filters for retrieval; all optional."""

    body: str | None = None  # city/body name, e.g. "Karlsruhe"
    paper_types: tuple[str, ...] = ()
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None
    committee: str | None = None  # substring of a consultation's organization
    only_current: bool = False  # prefer the newest version of amended/superseded papers


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and per-retriever ranks."""

    chunk_id: str
    doc_id: str
    text: str
    score: float
    meta: dict[str, Any] = field(default_factory=dict)
    lexical_rank: int | None = None
    dense_rank: int | None = None


@dataclass(frozen=True)
class Citation:
    """A numbered source that the answer actually cites; everything resolves from chunk metadata."""

    n: int
    chunk_id: str
    doc_id: str
    reference: str | None
    paper_type: str | None
    title: str
    date: str | None
    body: str | None
    file_name: str | None
    page: int | None
    quote: str  # the passage from the chunk that supports the cited sentence(s)
    paper_url: str | None
    file_url: str | None  # with #page=N for PDFs when the page is known


@dataclass(frozen=True)
class Sentence:
    """One answer sentence, the source numbers it cites and whether the check supported it."""

    text: str
    citations: tuple[int, ...] = ()
    supported: bool = True
    support: float = 1.0


@dataclass(frozen=True)
class Answer:
    """What `ask` returns: German answer text with [n] markers, citations, refusal flag, timings."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    refused: bool = False
    maybe_relevant: tuple[Citation, ...] = ()  # shown when refused
    retrieved: tuple[dict[str, Any], ...] = ()  # {chunk_id, doc_id, reference, score, lexical_rank, dense_rank}
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    mode: str = "extractive"
    standalone_query: str | None = None  # rewritten follow-up question
    usage: dict[str, int] = field(default_factory=dict)  # tokens in/out for generative mode
    # why the assistant refused: "no_sources", "low_coverage", "far_from_question" (dense), "value_missing"
    # (the asked amount/date/company is not in the best sentences), "year_missing", "followup_uncovered", "no_text",
    # "empty_index"; with the learned reader (settings.answerer "reader"): "unanswered", "no_text", "no_sources"
    refusal_reason: str | None = None
    answerability: float | None = None  # the reader's probability that the retrieved documents answer the question

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema_version"] = JSON_SCHEMA_VERSION
        return data


class AssistantService(Protocol):
    """What the UI, the CLI, the drafting tool and the evaluation talk to."""

    def ask(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
    ) -> Answer: ...

    def ask_stream(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
    ) -> Iterator[str | Answer]:
        """Yields text pieces as they are produced, then the final checked Answer."""
        ...

    def status(self) -> dict[str, Any]: ...
