"""Ingest pipeline: sources -> clean -> chunk -> catalog -> BM25 -> embeddings in Chroma.

Idempotent and resumable: content hashes decide what is re-chunked, each document is
committed on its own, and chunks wait in the catalog with `embedded=0` until their vectors
are in Chroma, so an interrupted run simply continues.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from index.boilerplate import build_boilerplate
from index.catalog import Catalog
from index.embedders import Embedder
from index.lexical import LexicalIndex
from ingest.chunk import chunk_document, index_text
from ingest.parse.clean import clean_text, remove_repeated_lines
from ingest.progress import ProgressLog
from ingest.records import Chunk, Document, Page, Problem
from ingest.sources.base import ProblemLog, Source

log = logging.getLogger(__name__)

# Bump when cleaning or chunking changes: documents are then re-chunked on the next ingest
# (chunks whose position and text stay the same keep their ids and their vectors).
PROCESSING_VERSION = "3"

# Embed scopes: "all" chunks; "overview": the synthetic overview chunk of each paper only (an
# affordable dense part for very large archives); "lead": the overview chunk plus the first
# LEAD_CHUNKS body chunks of each paper (document order: first file, lowest position; Karlsruhe
# papers open with "Kurzfassung"/"Erläuterungen"). The scope only chooses which pending chunks are
# embedded, so widening it later (overview -> lead -> all) embeds just what is missing.
EMBED_SCOPES = ("all", "lead", "overview")
LEAD_CHUNKS = 2


def scope_max_position(scope: str) -> int | None:
    """Highest chunk position a scope embeds (positions are per paper: 0 = overview); None: all."""
    if scope not in EMBED_SCOPES:
        raise ValueError(f"unbekannter Embed-Scope {scope!r} (erlaubt: {', '.join(EMBED_SCOPES)})")
    return {"all": None, "overview": 0, "lead": LEAD_CHUNKS}[scope]


@dataclass
class Summary:
    """What an ingest run did, with time per stage (seconds)."""

    documents_seen: int = 0
    documents_new: int = 0
    documents_changed: int = 0
    documents_unchanged: int = 0
    documents_deleted: int = 0
    files: int = 0
    pages: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_embedded: int = 0
    embed_tokens: int = 0
    problems: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.problems if p.fatal]

    def add_time(self, stage: str, seconds: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + seconds

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "problems"}
        data["problems"] = [p.__dict__ for p in self.problems]
        return data


def clean_document(doc: Document) -> Document:
    """Clean every page's text (German PDF defects, headers/footers, control characters)."""

    files = []
    for f in doc.files:
        if not f.pages:
            files.append(f)
            continue
        texts = [clean_text(p.text) for p in f.pages]
        if len(texts) >= 3:
            texts = remove_repeated_lines(texts)
        files.append(replace(f, pages=tuple(Page(p.number, t) for p, t in zip(f.pages, texts, strict=True))))
    return replace(doc, files=tuple(files), title=clean_text(doc.title).replace("\n", " "))


def prepare(doc: Document) -> tuple[Document, list[Chunk], list[str]]:
    """Worker step: clean and chunk one document (runs in a process pool)."""
    cleaned = clean_document(doc)
    chunks = chunk_document(cleaned)
    return cleaned, chunks, [index_text(c) for c in chunks]


def _progress(total: int | None, desc: str, unit: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not sys.stderr.isatty() and not os.environ.get("COUNCIL_PROGRESS"),
                dynamic_ncols=True, leave=False)


class Pipeline:
    """Runs sources into an index folder; `embedder`/`store_factory` may be None for a lexical-only run."""

    def __init__(self, index_dir: Path, embedder: Embedder | None = None,
                 store_factory: Callable[[], Any] | None = None, workers: int = 2) -> None:
        self.index_dir = index_dir
        self.catalog = Catalog(index_dir / "catalog.sqlite")
        self.embedder = embedder
        self._store_factory = store_factory
        self._store: Any = None
        self.workers = max(1, workers)
        self._progress: ProgressLog | None = None

    @property
    def store(self) -> Any:
        if self._store is None and self._store_factory is not None:
            self._store = self._store_factory()
        return self._store

    def close(self) -> None:
        self.catalog.close()

    # --- stage 1: documents into the catalog ----------------------------------------------
    def _changed_documents(self, source: Source, origin: str, problems: ProblemLog, summary: Summary,
                           seen: set[str]) -> Iterator[tuple[Document, str]]:
        t0 = time.perf_counter()
        for doc in source.documents(problems):
            summary.add_time("read+parse", time.perf_counter() - t0)
            summary.documents_seen += 1
            seen.add(doc.id)
            content_hash = f"{doc.content_hash()}:{PROCESSING_VERSION}"
            old = self.catalog.document_hash(doc.id)
            if old == content_hash:
                summary.documents_unchanged += 1
            else:
                if old is None:
                    summary.documents_new += 1
                else:
                    summary.documents_changed += 1
                yield doc, content_hash
            t0 = time.perf_counter()

    def _store_prepared(self, doc: Document, content_hash: str, chunks: list[Chunk], texts: list[str],
                        origin: str, summary: Summary) -> None:
        t0 = time.perf_counter()
        added, removed = self.catalog.replace_document(doc, content_hash, chunks, texts, origin)
        summary.chunks_added += len(added)
        summary.chunks_removed += len(removed)
        summary.files += len(doc.files)
        summary.pages += sum(len(f.pages) for f in doc.files)
        if removed and self.store is not None:
            self.store.delete(removed)
        kept = [c for c in chunks if c.id not in added]
        if kept and self.store is not None:
            self.store.update_metadata([c.id for c in kept], [_vector_meta(c.meta) for c in kept])
        summary.add_time("catalog", time.perf_counter() - t0)

    def ingest_source(self, source: Source, origin: str, summary: Summary, problems: ProblemLog) -> None:
        """Bring the catalog in line with one source (new, changed, deleted documents)."""
        seen: set[str] = set()
        bar = _progress(None, f"Einlesen {origin[-40:]}", "Dok.")
        changed = self._changed_documents(source, origin, problems, summary, seen)
        if self.workers > 1:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(self.workers) as pool:
                for (_doc, content_hash), (cleaned, chunks, texts) in _zip_pool(pool, changed, summary):
                    self._store_prepared(cleaned, content_hash, chunks, texts, origin, summary)
                    bar.update(1)
        else:
            for doc, content_hash in changed:
                t0 = time.perf_counter()
                cleaned, chunks, texts = prepare(doc)
                summary.add_time("clean+chunk", time.perf_counter() - t0)
                self._store_prepared(cleaned, content_hash, chunks, texts, origin, summary)
                bar.update(1)
        bar.close()
        self.catalog.flush()
        deleted: set[str] = set()
        if hasattr(source, "deleted_ids"):
            deleted |= set(source.deleted_ids())
        if getattr(source, "complete_listing", False):
            deleted |= self.catalog.doc_ids(origin) - seen
        for doc_id in deleted:
            removed = self.catalog.delete_document(doc_id)
            if removed or doc_id in seen:
                summary.documents_deleted += 1
            summary.chunks_removed += len(removed)
            if removed and self.store is not None:
                self.store.delete(removed)
        self.catalog.flush()

    # --- stage 2: lexical index --------------------------------------------------------------
    def build_lexical(self, summary: Summary) -> None:
        t0 = time.perf_counter()
        index = LexicalIndex.build(self.catalog.iter_chunks())
        index.save(self.index_dir / "lexical")
        self.catalog.set_state("lexical_built_at", time.time())
        self.catalog.set_state("lexical_chunks", len(index.chunk_ids))
        summary.add_time("lexical", time.perf_counter() - t0)
        t0 = time.perf_counter()
        del index
        build_boilerplate(self.catalog.iter_chunk_texts()).save(self.index_dir / "lexical")
        summary.add_time("boilerplate", time.perf_counter() - t0)

    # --- stage 3: embeddings -------------------------------------------------------------------
    def embed_pending(self, summary: Summary, batch: int = 32, limit: int | None = None,
                      scope: str = "all") -> None:
        """Embed chunks without vectors within `scope` (see EMBED_SCOPES)."""
        max_position = scope_max_position(scope)
        if self.embedder is None or self.store is None:
            return
        space = str(getattr(self.embedder, "space", self.embedder.name))
        previous = self.catalog.get_state("vector_space", self.catalog.get_state("embedder"))
        if previous and previous != space:
            log.warning("Vektorraum gewechselt (%s -> %s): alle Abschnitte werden neu eingebettet", previous, space)
            self.catalog.reset_embedded()
        self.catalog.set_state("vector_space", space)
        self.catalog.set_state("embedder", self.embedder.name)
        self.catalog.set_state("embed_scope", scope)
        order = self.catalog.pending_order(max_position)  # newest papers first
        if limit is not None:
            order = order[:limit]
        bar = _progress(len(order), "Einbetten", "Abschn.")
        if self._progress is not None:
            self._progress.embedding(len(order))
        for start in range(0, len(order), batch):
            rows = self.catalog.pending_rows(order[start:start + batch])
            if not rows:
                continue
            t0 = time.perf_counter()
            vectors = self.embedder.embed_passages([r[2] for r in rows])
            summary.add_time("embed", time.perf_counter() - t0)
            summary.embed_tokens += sum(len(r[2]) for r in rows) // 4  # rough; the bench counts real tokens
            t0 = time.perf_counter()
            metas = [_vector_meta(json.loads(r[3])) for r in rows]
            self.store.upsert([r[1] for r in rows], vectors, metas)
            self.catalog.mark_embedded(r[1] for r in rows)
            summary.add_time("chroma", time.perf_counter() - t0)
            summary.chunks_embedded += len(rows)
            bar.update(len(rows))
        bar.close()
        self._reconcile()

    def _reconcile(self) -> None:
        """Remove vectors whose chunks vanished (a crash between catalog and Chroma deletes)."""
        if self.store is None:
            return
        embedded = self.catalog.counts()["embedded"]
        if self.store.count() > embedded:
            known = {cid for cid, _d, _t in self.catalog.iter_chunks()}
            stale = self.store.all_ids() - known
            if stale:
                self.store.delete(stale)

    # --- whole run ---------------------------------------------------------------------------
    def run(self, sources: list[tuple[str, Source]], embed: bool = True, embed_limit: int | None = None,
            embed_scope: str = "all") -> Summary:
        summary = Summary()
        problems = ProblemLog()
        start = time.perf_counter()
        with ProgressLog(summary) as progress:
            self._progress = progress
            progress.expected_documents = _expected_documents(sources)
            for origin, source in sources:
                try:
                    self.ingest_source(source, origin, summary, problems)
                except Exception as exc:  # a source that dies entirely is reported, the others go on
                    log.exception("Quelle %s abgebrochen", origin)
                    problems.report(origin, f"Quelle abgebrochen: {exc}", stage="source")
            changed = summary.chunks_added or summary.chunks_removed
            if changed or not LexicalIndex.exists(self.index_dir / "lexical"):
                progress.stage("Suchindex")
                self.build_lexical(summary)
            self.catalog.set_state("last_sync", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
            self.catalog.set_state("sources", sorted({o for o, _ in sources} | set(self.catalog.get_state("sources", []))))
            if embed:
                self.embed_pending(summary, limit=embed_limit, scope=embed_scope)
                self.catalog.set_state("last_embed", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        self._progress = None
        summary.problems = problems.items
        summary.timings["total"] = time.perf_counter() - start
        return summary


def _expected_documents(sources: list[tuple[str, Source]]) -> int | None:
    """How many documents the sources will yield, where each knows (for the time left); else None."""
    total = 0
    for _, source in sources:
        expected = getattr(source, "expected_documents", None)
        if not isinstance(expected, int):
            return None
        total += expected
    return total


def _vector_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The metadata Chroma filters on (the rest stays in the catalog)."""
    keys = ("doc_id", "body", "reference", "paper_type", "date_int", "committees")
    return {k: meta.get(k, "") for k in keys}


def _zip_pool(pool: Any, changed: Iterator[tuple[Document, str]], summary: Summary) -> Iterator[Any]:
    """Feed documents to the pool lazily (bounded queue) and yield (input, output) in order."""
    from collections import deque

    pending: deque[tuple[tuple[Document, str], Any]] = deque()
    for item in changed:
        pending.append((item, pool.apply_async(prepare, (item[0],))))
        while len(pending) >= 16:
            head, res = pending.popleft()
            t0 = time.perf_counter()
            out = res.get()
            summary.add_time("clean+chunk (wait)", time.perf_counter() - t0)
            yield head, out
    while pending:
        head, res = pending.popleft()
        yield head, res.get()
