"""Local feedback storage: 👍/👎 with an optional comment per answer, in one SQLite file."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    question TEXT NOT NULL,
    answer_text TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    citations_json TEXT NOT NULL DEFAULT '[]'
)
"""

MAX_COMMENT = 4000


@dataclass(frozen=True)
class FeedbackEntry:
    """One stored rating."""

    id: int
    created: float
    question: str
    answer_text: str
    rating: int
    comment: str
    citations_json: str


def normalise_rating(rating: int | str) -> int:
    """+1 for 👍 ("up", "gut", 1), -1 for 👎 ("down", "schlecht", -1)."""
    if isinstance(rating, str):
        key = rating.strip().lower()
        if key in {"up", "+1", "1", "gut", "👍", "like"}:
            return 1
        if key in {"down", "-1", "schlecht", "👎", "dislike"}:
            return -1
        raise ValueError(f"Unbekannte Bewertung: {rating!r}")
    if rating in (1, -1):
        return int(rating)
    raise ValueError(f"Bewertung muss +1 oder -1 sein, nicht {rating!r}")


class FeedbackStore:
    """Append-only feedback table; one short-lived connection per call (safe across UI threads)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10)
        con.execute("PRAGMA journal_mode=WAL")
        return con

    def add(self, question: str, answer_text: str, rating: int | str, comment: str = "",
            citations_json: str = "[]") -> int:
        """Store one rating and return its row id."""
        value = normalise_rating(rating)
        con = self._connect()
        try:
            with con:
                cur = con.execute(
                    "INSERT INTO feedback (created, question, answer_text, rating, comment, citations_json) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (time.time(), question, answer_text, value, (comment or "").strip()[:MAX_COMMENT],
                     citations_json or "[]"),
                )
            return int(cur.lastrowid or 0)
        finally:
            con.close()

    def entries(self) -> list[FeedbackEntry]:
        con = self._connect()
        try:
            rows = con.execute(
                "SELECT id, created, question, answer_text, rating, comment, citations_json FROM feedback ORDER BY id"
            ).fetchall()
        finally:
            con.close()
        return [FeedbackEntry(*row) for row in rows]

    def counts(self) -> dict[str, int]:
        con = self._connect()
        try:
            up, down = con.execute(
                "SELECT COALESCE(SUM(rating = 1), 0), COALESCE(SUM(rating = -1), 0) FROM feedback"
            ).fetchone()
        finally:
            con.close()
        return {"up": int(up), "down": int(down)}
