"""The papers of an index as retrieval ranks them: which paper each BM25 row belongs to, each paper's metadata,
title and whole-text BM25, and its Drucksache numbers. Built once per index version and replaced whole on
reload, so that a search never sees half of an old and half of a new index."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.types import Filters
from index.catalog import Catalog
from index.lexical import LexicalIndex
from ingest.language import base_reference
from ingest.records import Access

# paper-level BM25 over each paper's whole text (all chunks as one document): long papers (Haushalt, protocols)
# are normalised more strongly than chunks (b), repeated terms saturate later (k1)
PAPER_K1, PAPER_B = 3.0, 0.9
# a consultation result that decides (not "Kenntnisnahme", "verwiesen", "Beratung im Fachgremium")
DECIDED = re.compile(r"beschlossen|zugestimm|abgelehnt|einverstanden|angenommen|einstimmig|mehrheitlich|"
                     r"zurückgezogen|erledigt|genehmigt", re.I)


@dataclass(frozen=True)
class PaperTable:
    """Per-row paper numbers and per-paper data of one lexical index (papers numbered in row order)."""

    doc_index: np.ndarray  # row -> paper number
    docs: list[str]  # paper number -> doc id
    doc_meta: list[dict[str, Any]]  # paper number -> body, reference, paper_type, date, title, committees, ...
    row_of: dict[str, int]  # chunk id -> row
    titles: LexicalIndex | None = None  # BM25 over each paper's title and type
    papers: LexicalIndex | None = None  # BM25 over each paper's whole text
    bodies: tuple[str, ...] = ()  # the cities of the index
    years: np.ndarray | None = None  # paper number -> year written (0: unknown)
    newest_year: int = 0
    ref_docs: dict[str, list[str]] | None = None  # lower-case Drucksache number -> doc ids
    levels: np.ndarray | None = None  # paper number -> rank of its access level (`Access.rank`)

    @staticmethod
    def load(catalog: Catalog, lexical: LexicalIndex) -> PaperTable:
        docs: dict[str, int] = {}
        doc_index = np.empty(len(lexical.doc_ids), dtype=np.int32)
        for row, doc_id in enumerate(lexical.doc_ids):
            doc_index[row] = docs.setdefault(doc_id, len(docs))
        doc_meta: list[dict[str, Any]] = [{} for _ in docs]
        for doc_id, body, reference, paper_type, date, title, rec in catalog.document_rows():
            if doc_id in docs:
                doc_meta[docs[doc_id]] = _paper_meta(doc_id, body, reference, paper_type, date, title, rec)
        ref_docs: dict[str, list[str]] = defaultdict(list)
        for meta in doc_meta:
            if meta.get("reference"):
                ref_docs[meta["reference"].lower()].append(meta["doc_id"])
                ref_docs[re.sub(r"^ds\s*", "", meta["reference"].lower())].append(meta["doc_id"])
        titles = LexicalIndex.build(
            (m.get("doc_id", str(i)), m.get("doc_id", str(i)), f"{m.get('title', '')} {m.get('paper_type', '')}")
            for i, m in enumerate(doc_meta)
        ) if doc_meta else None
        papers = lexical.grouped(doc_index, list(docs), PAPER_K1, PAPER_B) if docs else None
        bodies = sorted({m.get("body", "") for m in doc_meta if m.get("body") and m.get("body") != "unbekannt"})
        years = np.array([int(m["date"][:4]) if str(m.get("date", ""))[:4].isdigit() else 0 for m in doc_meta],
                         dtype=np.int32)
        levels = np.array([_level(m.get("access", Access.STAFF)) for m in doc_meta], dtype=np.int8)
        return PaperTable(doc_index, list(docs), doc_meta, {cid: i for i, cid in enumerate(lexical.chunk_ids)},
                          titles, papers, tuple(bodies), years, int(years.max()) if len(years) else 0, dict(ref_docs),
                          levels)

    def mask(self, filters: Filters | None, clearance: Access = Access.STAFF) -> np.ndarray | None:
        """paper number -> whether the filters let it through and a reader of `clearance` may read it (None: all
        papers). A paper whose level is unknown counts as the staff's."""
        readable = self.readable(clearance)
        if filters is None:
            return readable
        keep = np.ones(len(self.doc_meta), dtype=bool) if readable is None else readable.copy()
        only = set(filters.doc_ids)
        types = {t.lower() for t in filters.paper_types}
        for i, m in enumerate(self.doc_meta):
            if filters.body and m.get("body", "").lower() != filters.body.lower():
                keep[i] = False
            elif types and m.get("paper_type", "").lower() not in types:
                keep[i] = False
            elif filters.date_from and (not m.get("date") or m["date"][:10] < filters.date_from):
                keep[i] = False
            elif filters.date_to and (not m.get("date") or m["date"][:10] > filters.date_to):
                keep[i] = False
            elif filters.committee and filters.committee.lower() not in m.get("committees", ""):
                keep[i] = False
            elif only and m.get("doc_id") not in only:
                keep[i] = False
        return keep

    def readable(self, clearance: Access) -> np.ndarray | None:
        """paper number -> whether a reader of `clearance` may read it (None: every paper)."""
        if self.levels is None:
            return None
        keep = self.levels <= clearance.rank
        return None if keep.all() else keep

    def bodies_in(self, query: str) -> set[str]:
        """Cities named in a question ("in Braunschweig", "die Karlsruher Verwaltung")."""
        q = query.lower()
        return {b for b in self.bodies if re.search(rf"\b{re.escape(b.lower())}(er|s)?\b", q)}

    def pinned(self, references: tuple[str, ...], doc_mask: np.ndarray | None) -> list[int]:
        """The papers of the Drucksache numbers a question names, with their Anfrage/Stellungnahme partners."""
        index = {doc_id: i for i, doc_id in enumerate(self.docs)}
        ref_docs = self.ref_docs or {}
        out: list[int] = []
        for ref in references:
            family = [ref.lower(), base_reference(ref).lower()]
            family += [r for r in ref_docs if r.startswith(base_reference(ref).lower() + "-")]
            for r in family:
                for doc_id in ref_docs.get(r, []):
                    i = index.get(doc_id)
                    if i is not None and i not in out and (doc_mask is None or doc_mask[i]):
                        out.append(i)
        return out

    def family_ids(self, reference: str) -> list[str]:
        """Doc ids of every paper whose Drucksache number is `reference` or one of its "-NN" partners."""
        base = base_reference(reference).lower()
        return [i for r, ids in (self.ref_docs or {}).items() if r == base or r.startswith(base + "-") for i in ids]

    def by_reference(self, reference: str) -> list[str]:
        return list((self.ref_docs or {}).get(reference.lower(), []))


def _level(access: str) -> int:
    try:
        return Access(access).rank
    except ValueError:
        return Access.STAFF.rank


def _paper_meta(doc_id: str, body: str, reference: str, paper_type: str, date: str, title: str,
                rec: dict[str, Any]) -> dict[str, Any]:
    consultations = rec.get("consultations", [])
    return {
        "doc_id": doc_id, "body": body, "reference": reference, "paper_type": paper_type, "date": date,
        "title": title,
        "committees": " | ".join(c.get("organization") or "" for c in consultations).lower(),
        "links": [*rec.get("related", []), *rec.get("superordinated", []), *rec.get("subordinated", [])],
        "meetings": sorted({str(c.get("meeting_date") or "")[:10] for c in consultations} - {""}),
        "decided": any(DECIDED.search(str(c.get("result") or "")) for c in consultations),
        "access": str(rec.get("access") or "public"),
    }
