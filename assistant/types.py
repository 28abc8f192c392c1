"""Records crossing the assistant boundary: filters, hits, citations, answers.

`Answer.to_json()` is the stable, documented JSON of `council ask --json` that the batch
evaluation and scripts consume (see README, "JSON-Ausgabe").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

JSON_SCHEMA_VERSION = 1
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RefusalReason(StrEnum):
    """Why the assistant says that the documents do not answer (`Answer.refusal_reason`; its JSON value is the
    member's value, documented in README, "JSON-Ausgabe")."""

    EMPTY_INDEX = "empty_index"  # nothing is indexed yet
    NO_SOURCES = "no_sources"  # no passage to cite
    LOW_COVERAGE = "low_coverage"  # rules: the question's topic terms are not in the best hits
    FAR_FROM_QUESTION = "far_from_question"  # no retrieved chunk is close in meaning (e5 vectors, dense search)
    YEAR_MISSING = "year_missing"  # rules: a year the question names is not in the best sentences
    FOLLOWUP_UNCOVERED = "followup_uncovered"  # rules: a follow-up's own words appear nowhere in what was found
    NO_TEXT = "no_text"  # the best paper has title and dates only, and the question asks about its content
    UNANSWERED = "unanswered"  # reader, BM25 alone: its answerability is below the threshold chosen on the mined validation split


@dataclass(frozen=True)
class Filters:
    """Metadata filters for retrieval; all optional."""

    body: str | None = None  # city/body name, e.g. "Karlsruhe"
    paper_types: tuple[str, ...] = ()
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None
    committee: str | None = None  # substring of a consultation's organization
    only_current: bool = False  # prefer the newest version of amended/superseded papers
    doc_ids: tuple[str, ...] = ()  # only these papers (a subscription looks at the new ones); not a chat control


def parse_filters(body: str | None, paper_types: list[str] | None, date_from: str | None, date_to: str | None,
                  committee: str | None, only_current: bool) -> Filters | None:
    """Filters from the controls; raises ValueError with a German message for bad dates."""
    dates: list[str | None] = []
    for label, value in (("Datum von", date_from), ("Datum bis", date_to)):
        value = (value or "").strip()
        if value and not _DATE.match(value):
            raise ValueError(f"{label}: bitte im Format JJJJ-MM-TT angeben (z. B. 2024-01-31).")
        if value:
            try:
                date.fromisoformat(value)
            except ValueError as exc:
                raise ValueError(f"{label}: „{value}“ ist kein gültiges Datum (JJJJ-MM-TT).") from exc
        dates.append(value or None)
    if dates[0] and dates[1] and dates[0] > dates[1]:
        raise ValueError("„Datum von“ liegt nach „Datum bis“.")
    f = Filters(body=body or None, paper_types=tuple(paper_types or ()), date_from=dates[0], date_to=dates[1],
                committee=(committee or "").strip() or None, only_current=bool(only_current))
    return None if f == Filters() else f


@dataclass(frozen=True)
class ChunkMeta:
    """What a chunk carries about its paper and file (`ingest.chunk.document_meta` and `chunk_document` write it to
    the catalog; "" or 0 where unknown), and what retrieval adds to a hit."""

    doc_id: str = ""
    source: str = ""
    body: str = ""
    reference: str = ""
    paper_type: str = ""
    title: str = ""
    date: str = ""
    date_int: int = 0
    paper_url: str = ""
    submitter: str = ""
    committees: str = ""
    related: str = ""
    file_id: str = ""  # "overview" for the synthetic chunk of the paper's metadata and consultations
    file_name: str = ""
    file_url: str = ""
    page_start: int = 0
    page_end: int = 0
    section: str = ""
    position: int = 0
    dense_similarity: float | None = None  # cosine similarity to the question, for chunks dense retrieval found
    context: bool = False  # a further chunk of the best paper (`Retriever.context_hits`), not a search result
    access: str = "public"  # who may read the paper (`ingest.records.Access`)

    @staticmethod
    def of(values: Mapping[str, Any]) -> ChunkMeta:
        """From the catalog's stored metadata; keys it does not know are left out, None counts as unknown."""
        known: dict[str, Any] = {f.name: f.default for f in fields(ChunkMeta)}
        return ChunkMeta(**{k: (known[k] if v is None else v) for k, v in values.items() if k in known})

    @property
    def overview(self) -> bool:
        return self.file_id == "overview"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and per-retriever ranks."""

    chunk_id: str
    doc_id: str
    text: str
    score: float
    meta: ChunkMeta = field(default_factory=ChunkMeta)
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
    access: str = "public"  # "council" or "staff": a non-public paper, not to be quoted in public

    def as_text(self) -> str:
        """The source as plain text lines: what `council ask` prints and the chat's copy button copies."""
        head = " ".join(x for x in (self.paper_type, self.reference) if x) or self.title
        parts = [f"[{self.n}] {head}"]
        if self.title and self.title != head:
            parts.append(f"„{self.title}“")
        if self.date:
            parts.append(self.date[:10])
        if self.file_name:
            parts.append(self.file_name + (f", S. {self.page}" if self.page else ""))
        if self.access != "public":
            parts.append("nicht öffentlich")
        lines = [", ".join(parts)]
        if self.quote:
            lines.append(f"    „{self.quote[:300]}“")
        for label, url in (("Vorlage", self.paper_url), ("Datei", self.file_url)):
            if url:
                lines.append(f"    {label}: {url}")
        return "\n".join(lines)


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
    refusal_reason: RefusalReason | None = None
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
