"""The index's source of truth: documents, chunks and sync state in one SQLite file."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ingest.records import Chunk, Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    source TEXT, body TEXT, reference TEXT, paper_type TEXT, title TEXT, date TEXT,
    web_url TEXT,
    record TEXT NOT NULL,          -- the Document as JSON (files without page texts)
    origin TEXT,                   -- which source spec ingested it (for deletions per source)
    ingested_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_reference ON documents(reference);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    header TEXT NOT NULL,          -- index text = header || text (title line etc.)
    meta TEXT NOT NULL,
    embedded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_pending ON chunks(embedded);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _record_json(doc: Document) -> str:
    data = asdict(doc)
    for f in data["files"]:
        f["pages"] = [{"number": p["number"], "chars": len(p["text"])} for p in f["pages"]]
    return json.dumps(data, ensure_ascii=False)


class Catalog:
    """Documents and chunks with content hashes.

    A document and its chunks are written atomically (a savepoint); commits are grouped every
    BATCH documents for speed. A crash loses at most the uncommitted documents, whose old hashes
    remain, so the next run simply processes them again: no duplicates, nothing half-written.
    """

    BATCH = 200

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._pending = 0
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()
        self.db.executescript(SCHEMA)

    def _migrate(self) -> None:
        """Version 1 stored the whole index text; version 2 stores only its header."""
        cols = {r[1] for r in self.db.execute("PRAGMA table_info(chunks)")}
        if "index_text" in cols and "header" not in cols:
            self.db.executescript(
                "BEGIN; ALTER TABLE chunks ADD COLUMN header TEXT NOT NULL DEFAULT '';"
                "UPDATE chunks SET header = substr(index_text, 1, length(index_text) - length(text));"
                "ALTER TABLE chunks DROP COLUMN index_text; COMMIT;"
            )

    def close(self) -> None:
        self.flush()
        self.db.close()

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """Group document writes: one document's rows are atomic, commits come every BATCH documents."""
        if not self.db.in_transaction:
            self.db.execute("BEGIN")
        self.db.execute("SAVEPOINT doc")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO doc")
            self.db.execute("RELEASE doc")
            raise
        self.db.execute("RELEASE doc")
        self._pending += 1
        if self._pending >= self.BATCH:
            self.flush()

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """A small transaction of its own (state, embedded flags), after pending documents."""
        self.flush()
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        self.db.commit()

    def flush(self) -> None:
        """Commit pending document writes."""
        if self.db.in_transaction:
            self.db.commit()
        self._pending = 0

    # --- documents -------------------------------------------------------------------------
    def document_hash(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def chunk_ids(self, doc_id: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM chunks WHERE doc_id=?", (doc_id,))}

    def replace_document(
        self, doc: Document, content_hash: str, chunks: list[Chunk], index_texts: list[str], origin: str
    ) -> tuple[set[str], set[str]]:
        """Store `doc` and exactly its chunks; returns (added chunk ids, removed chunk ids)."""
        old = self.chunk_ids(doc.id)
        new = {c.id for c in chunks}
        removed, added = old - new, new - old
        rows = []
        for c, t in zip(chunks, index_texts, strict=True):
            if c.id in added:
                if not t.endswith(c.text):
                    raise ValueError(f"index text of chunk {c.id} must end with its text")
                rows.append((c.id, c.doc_id, c.position, c.text, t[: len(t) - len(c.text)],
                             json.dumps(c.meta, ensure_ascii=False)))
        kept = [(json.dumps(c.meta, ensure_ascii=False), c.position, c.id) for c in chunks if c.id not in added]
        with self._batch():
            if kept:  # same text and header, but other metadata (dates, committees, links) may have changed
                self.db.executemany("UPDATE chunks SET meta=?, position=? WHERE chunk_id=?", kept)
            if removed:
                self.db.executemany("DELETE FROM chunks WHERE chunk_id=?", [(i,) for i in removed])
            self.db.executemany(
                "INSERT OR IGNORE INTO chunks(chunk_id, doc_id, position, text, header, meta, embedded)"
                " VALUES (?,?,?,?,?,?,0)",
                rows,
            )
            self.db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    doc.id, content_hash, doc.source, doc.body, doc.reference, doc.paper_type,
                    doc.title, doc.date, doc.web_url, _record_json(doc), origin, time.time(),
                ),
            )
        return added, removed

    def delete_document(self, doc_id: str) -> set[str]:
        """Remove a document and its chunks; returns the removed chunk ids."""
        old = self.chunk_ids(doc_id)
        with self._batch():
            self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
        return old

    def doc_ids(self, origin: str | None = None) -> set[str]:
        if origin is None:
            return {r[0] for r in self.db.execute("SELECT doc_id FROM documents")}
        return {r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE origin=?", (origin,))}

    def document(self, doc_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT record FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def changed_since(self, when: float) -> list[tuple[str, str, dict[str, Any], float]]:
        """(doc id, version, record, when stored) of the documents stored (new or changed) after `when`; the version
        is the document's own content hash, without the processing version (a new chunker changes no paper)."""
        rows = self.db.execute("SELECT doc_id, content_hash, record, ingested_at FROM documents WHERE ingested_at > ? "
                               "ORDER BY ingested_at", (when,))
        return [(doc_id, str(h).split(":")[0], json.loads(record), float(at)) for doc_id, h, record, at in rows]

    def documents_by_reference(self, reference: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT record FROM documents WHERE reference=?", (reference,))
        return [json.loads(r[0]) for r in rows]

    def references(self) -> Iterator[tuple[str, str, str, str | None, str | None]]:
        """(doc_id, reference, body, paper_type, date) of every document with a reference."""
        yield from self.db.execute(
            "SELECT doc_id, reference, body, paper_type, date FROM documents WHERE reference IS NOT NULL"
            " AND reference != ''"
        )

    def document_rows(self) -> Iterator[tuple[str, str, str, str, str, str, dict[str, Any]]]:
        """(doc_id, body, reference, paper_type, date, title, record) of every document; absent values as ""."""
        for doc_id, body, reference, paper_type, date, title, record in self.db.execute(
                "SELECT doc_id, body, reference, paper_type, date, title, record FROM documents"):
            yield (doc_id, body or "", reference or "", paper_type or "", date or "", title or "", json.loads(record))

    # --- chunks ----------------------------------------------------------------------------
    def lead_chunk_ids(self, max_position: int) -> Iterator[str]:
        """The chunks at positions 0..max_position of their papers (the overview and the first body chunks)."""
        for (chunk_id,) in self.db.execute("SELECT chunk_id FROM chunks WHERE position <= ?", (max_position,)):
            yield chunk_id

    def embedded_by_position(self, max_position: int) -> list[tuple[int, int, int]]:
        """(position, chunks, chunks with a vector) for positions 0..max_position, in order."""
        return [(int(position), int(total), int(embedded or 0)) for position, total, embedded in self.db.execute(
            "SELECT position, COUNT(*), SUM(embedded) FROM chunks WHERE position <= ? GROUP BY position "
            "ORDER BY position", (max_position,))]

    def any_embedded(self) -> bool:
        """Whether any chunk has a vector."""
        return self.db.execute("SELECT 1 FROM chunks WHERE embedded=1 LIMIT 1").fetchone() is not None

    def embedded_up_to(self, max_position: int) -> int:
        """How many chunks at positions 0..max_position have a vector."""
        return int(self.db.execute("SELECT COUNT(*) FROM chunks WHERE embedded=1 AND position <= ?",
                                   (max_position,)).fetchone()[0])

    def iter_chunks(self, batch: int = 5000) -> Iterator[tuple[str, str, str]]:
        """(chunk_id, doc_id, index_text) of every chunk in a stable order."""
        cur = self.db.execute("SELECT chunk_id, doc_id, header || text FROM chunks ORDER BY rowid")
        while rows := cur.fetchmany(batch):
            yield from rows

    def iter_chunk_texts(self, batch: int = 5000) -> Iterator[tuple[str, str, str]]:
        """(chunk_id, doc_id, text) of every file chunk (text without header), grouped by document.

        The synthetic overview chunk (position 0: title, dates, Beratungsfolge) is left out.
        """
        cur = self.db.execute("SELECT chunk_id, doc_id, text FROM chunks WHERE position > 0 ORDER BY doc_id")
        while rows := cur.fetchmany(batch):
            yield from rows

    def pending_order(self, max_position: int | None = None) -> list[int]:
        """Rowids of chunks not yet embedded, at most `max_position` into their paper (0 = overview),
        newest paper first (then in paper order): a budgeted or interrupted embedding run has covered
        the current papers completely, where councils ask most."""
        scope = "" if max_position is None else " AND c.position <= ?"
        args = () if max_position is None else (max_position,)
        return [r[0] for r in self.db.execute(
            "SELECT c.rowid FROM chunks c LEFT JOIN documents d ON d.doc_id = c.doc_id"
            f" WHERE c.embedded=0{scope} ORDER BY COALESCE(d.date, '') DESC, c.rowid", args)]

    def pending_rows(self, rowids: list[int]) -> list[tuple[int, str, str, str]]:
        """(rowid, chunk_id, index_text, meta json) of the given chunks that are still not embedded, in the given order."""
        marks = ",".join("?" * len(rowids))
        rows = {r[0]: r for r in self.db.execute(
            f"SELECT rowid, chunk_id, header || text, meta FROM chunks WHERE embedded=0 AND rowid IN ({marks})", rowids)}
        return [rows[i] for i in rowids if i in rows]

    def mark_embedded(self, chunk_ids: Iterable[str]) -> None:
        with self._tx():
            self.db.executemany("UPDATE chunks SET embedded=1 WHERE chunk_id=?", [(i,) for i in chunk_ids])

    def reset_embedded(self) -> None:
        with self._tx():
            self.db.execute("UPDATE chunks SET embedded=0")

    def chunks(self, chunk_ids: list[str]) -> dict[str, tuple[str, str, dict[str, Any]]]:
        """chunk_id -> (doc_id, text, meta) for the given ids."""
        out: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for start in range(0, len(chunk_ids), 500):
            part = chunk_ids[start:start + 500]
            marks = ",".join("?" * len(part))
            for cid, doc_id, text, meta in self.db.execute(
                f"SELECT chunk_id, doc_id, text, meta FROM chunks WHERE chunk_id IN ({marks})", part
            ):
                out[cid] = (doc_id, text, json.loads(meta))
        return out

    def has_vector(self, chunk_id: str) -> bool:
        """The chunk's vector is in the store."""
        row = self.db.execute("SELECT embedded FROM chunks WHERE chunk_id=?", (chunk_id,)).fetchone()
        return bool(row and row[0])

    def index_texts(self, chunk_ids: list[str]) -> dict[str, str]:
        """chunk_id -> the text the index embeds (header || text) for the given ids."""
        out: dict[str, str] = {}
        for start in range(0, len(chunk_ids), 500):
            part = chunk_ids[start:start + 500]
            marks = ",".join("?" * len(part))
            out.update(self.db.execute(f"SELECT chunk_id, header || text FROM chunks WHERE chunk_id IN ({marks})", part))
        return out

    def doc_chunks(self, doc_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        rows = self.db.execute(
            "SELECT chunk_id, text, meta FROM chunks WHERE doc_id=? ORDER BY position", (doc_id,)
        )
        return [(cid, text, json.loads(meta)) for cid, text, meta in rows]

    # --- state -----------------------------------------------------------------------------
    def set_state(self, key: str, value: Any) -> None:
        with self._tx():
            self.db.execute("INSERT OR REPLACE INTO state VALUES (?,?)", (key, json.dumps(value)))

    def get_state(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def counts(self) -> dict[str, int]:
        q = self.db.execute
        return {
            "documents": q("SELECT COUNT(*) FROM documents").fetchone()[0],
            "chunks": q("SELECT COUNT(*) FROM chunks").fetchone()[0],
            "embedded": q("SELECT COUNT(*) FROM chunks WHERE embedded=1").fetchone()[0],
        }

    def counts_by(self, column: str) -> dict[str, int]:
        if column not in {"body", "paper_type", "source", "origin"}:
            raise ValueError(column)
        rows = self.db.execute(f"SELECT COALESCE({column}, ''), COUNT(*) FROM documents GROUP BY 1 ORDER BY 2 DESC")
        return {k: v for k, v in rows}

    def counts_by_access(self) -> dict[str, int]:
        """Documents per access level (public, council, staff), from the stored records."""
        rows = self.db.execute("SELECT COALESCE(json_extract(record, '$.access'), 'public'), COUNT(*) FROM documents "
                               "GROUP BY 1")
        counts = {"public": 0, "council": 0, "staff": 0}
        for level, n in rows:
            counts[str(level)] = counts.get(str(level), 0) + int(n)
        return counts


def index_status(index_dir: Path) -> dict[str, Any]:
    """What an index holds and when it was last synced."""
    path = index_dir / "catalog.sqlite"
    if not path.is_file():
        return {"index": str(index_dir), "exists": False}
    cat = Catalog(path)
    try:
        return {
            "index": str(index_dir),
            "exists": True,
            **cat.counts(),
            "bodies": cat.counts_by("body"),
            "paper_types": cat.counts_by("paper_type"),
            "access": cat.counts_by_access(),
            "sources": cat.get_state("sources", []),
            "last_sync": cat.get_state("last_sync"),
            "last_embed": cat.get_state("last_embed"),
            "embedder": cat.get_state("embedder"),
            "lexical_chunks": cat.get_state("lexical_chunks"),
        }
    finally:
        cat.close()
