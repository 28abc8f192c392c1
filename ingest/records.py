"""Frozen records passed between ingestion stages (one record type per boundary)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Access(StrEnum):
    """Who may read a document: everyone, councillors (and staff), or the administration's staff alone. A user's
    role is the highest level they may read."""

    PUBLIC = "public"
    COUNCIL = "council"
    STAFF = "staff"

    @property
    def rank(self) -> int:
        return ACCESS_ORDER.index(self)

    def allows(self, level: str) -> bool:
        """A user of this role may read a document of `level` (an unknown level reads as the strictest)."""
        try:
            return Access(level).rank <= self.rank
        except ValueError:
            return self is Access.STAFF

    @staticmethod
    def parse(text: str) -> Access:
        try:
            return Access(text.strip().lower())
        except ValueError:
            raise ValueError(f"unbekannte Zugriffsstufe {text!r} (erlaubt: public, council, staff)") from None


ACCESS_ORDER = (Access.PUBLIC, Access.COUNCIL, Access.STAFF)


@dataclass(frozen=True)
class Page:
    """Text of one page of a file; `number` is 1-based, None when the source has no pages."""

    number: int | None
    text: str


@dataclass(frozen=True)
class SourceFile:
    """One file (attachment) of a document with its extracted text per page."""

    id: str
    name: str
    url: str | None = None  # public URL of the file (downloadUrl / accessUrl / path)
    mime_type: str | None = None
    date: str | None = None
    pages: tuple[Page, ...] = ()
    role: str = "attachment"  # "main" or "attachment"

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)


@dataclass(frozen=True)
class Consultation:
    """Which body discusses a paper, when, in which role, with which result."""

    organization: str | None = None  # body/committee name (or id when the name is unknown)
    meeting_id: str | None = None
    meeting_name: str | None = None
    meeting_date: str | None = None  # ISO date
    role: str | None = None
    authoritative: bool | None = None
    agenda_number: str | None = None
    result: str | None = None
    resolution: str | None = None


@dataclass(frozen=True)
class Document:
    """A paper (Vorlage, Anfrage, Antrag, Stellungnahme, minutes, ...) with its files.

    `id` is stable across runs (the OParl id, the page URL, or `file:<relative path>`).
    """

    id: str
    source: str  # "oparl-mirror", "oparl-api", "allris-html", "allris-text", "files"
    body: str  # city / council name, e.g. "Karlsruhe"
    title: str
    reference: str | None = None  # Drucksache number
    paper_type: str | None = None
    date: str | None = None  # ISO date (YYYY-MM-DD)
    web_url: str | None = None  # public page of the paper
    submitter: str | None = None
    files: tuple[SourceFile, ...] = ()
    consultations: tuple[Consultation, ...] = ()
    related: tuple[str, ...] = ()  # ids or references of related papers
    superordinated: tuple[str, ...] = ()
    subordinated: tuple[str, ...] = ()
    modified: str | None = None
    extra: tuple[tuple[str, str], ...] = ()  # small extra key/value metadata
    access: str = Access.PUBLIC  # who may read it (`Access`): from the source's markers or `ingest --access`

    def content_hash(self) -> str:
        """Hash of everything that ends up in the index; decides re-processing. A public document hashes as before
        access levels existed, so that indexes built then are not processed again."""
        data = asdict(self)
        if data["access"] == Access.PUBLIC:
            del data["access"]
        payload = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Problem:
    """A skipped or degraded input: where (file path or URL) and why."""

    location: str
    reason: str
    stage: str = "source"  # source, parse, ocr, chunk, embed, store
    fatal: bool = True  # True: the item was skipped; False: processed with a degradation

    def __str__(self) -> str:
        kind = "übersprungen" if self.fatal else "Hinweis"
        return f"{kind}: {self.location}: {self.reason}"


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage with all metadata a citation needs."""

    id: str
    doc_id: str
    file_id: str
    position: int  # index of the chunk within its document
    text: str
    page_start: int | None = None
    page_end: int | None = None
    section: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @staticmethod
    def make_id(doc_id: str, file_id: str, position: int, text: str) -> str:
        digest = hashlib.sha256(f"{doc_id}\x1f{file_id}\x1f{position}\x1f{text}".encode()).hexdigest()
        return digest[:24]
