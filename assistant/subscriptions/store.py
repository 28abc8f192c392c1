"""Subscriptions and what was found for them, in SQLite beside the index (subscriptions.sqlite).

A paper is recorded once per subscription and version: found again unchanged, it is not reported again; changed,
it is reported as changed. E-mail delivery marks what it sent only after the SMTP server took it, so a failed
run sends it on the next run, and nothing twice."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from assistant.subscriptions.records import Found, Kind, Subscription
from ingest.records import Access

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, role TEXT NOT NULL, email TEXT NOT NULL,
    kind TEXT NOT NULL, target TEXT NOT NULL, filters TEXT NOT NULL, token TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS found (
    subscription INTEGER NOT NULL, doc_id TEXT NOT NULL, version TEXT NOT NULL, changed INTEGER NOT NULL,
    reference TEXT, paper_type TEXT, title TEXT, date TEXT, body TEXT, paper_url TEXT, file_url TEXT, quote TEXT,
    access TEXT NOT NULL, found_at REAL NOT NULL, sent_at REAL,
    PRIMARY KEY (subscription, doc_id, version)
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
FOUND_COLUMNS = [f.name for f in fields(Found)]


class SubscriptionError(ValueError):
    """A wrong subscription operation, in German."""


class SubscriptionStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    @staticmethod
    def beside(index_dir: Path) -> SubscriptionStore:
        return SubscriptionStore(Path(index_dir) / "subscriptions.sqlite")

    def close(self) -> None:
        self.db.close()

    # --- subscriptions -------------------------------------------------------------------------------------
    def add(self, user: str, role: Access, kind: Kind, target: str, email: str = "", filters: str = "") -> Subscription:
        target = " ".join(target.split())
        if not target:
            raise SubscriptionError("Kein Thema, keine Drucksache oder kein Gremium angegeben.")
        if len(target) > 500:
            raise SubscriptionError("Das Thema ist zu lang (höchstens 500 Zeichen).")
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO subscriptions(user, role, email, kind, target, filters, token, created) VALUES (?,?,?,?,?,?,?,?)",
                (user, role.value, email.strip(), kind.value, target, filters, secrets.token_urlsafe(24), time.time()))
            new_id = int(cur.lastrowid or 0)
        found = self.get(new_id)
        assert found is not None
        return found

    def remove(self, sub_id: int, user: str | None = None) -> None:
        """Delete a subscription (of `user`, when given) and what was found for it."""
        with self._lock:
            sub = self.get(sub_id)
            if sub is None or (user is not None and sub.user != user):
                raise SubscriptionError(f"Kein Abo mit der Nummer {sub_id}.")
            self.db.execute("DELETE FROM found WHERE subscription=?", (sub_id,))
            self.db.execute("DELETE FROM subscriptions WHERE id=?", (sub_id,))

    def get(self, sub_id: int) -> Subscription | None:
        row = self.db.execute("SELECT * FROM subscriptions WHERE id=?", (sub_id,)).fetchone()
        return _subscription(row) if row else None

    def all(self, user: str | None = None) -> list[Subscription]:
        if user is None:
            rows = self.db.execute("SELECT * FROM subscriptions ORDER BY id")
        else:
            rows = self.db.execute("SELECT * FROM subscriptions WHERE user=? ORDER BY id", (user,))
        return [_subscription(r) for r in rows]

    # --- what was found ----------------------------------------------------------------------------------
    def versions(self, sub_id: int) -> dict[str, set[str]]:
        """doc id -> the versions already recorded for the subscription."""
        out: dict[str, set[str]] = {}
        for doc_id, version in self.db.execute("SELECT doc_id, version FROM found WHERE subscription=?", (sub_id,)):
            out.setdefault(doc_id, set()).add(version)
        return out

    def record(self, found: Found) -> bool:
        """Keep `found` unless that version is already recorded; True when it is new."""
        values = [getattr(found, c) for c in FOUND_COLUMNS]
        with self._lock:
            cur = self.db.execute(f"INSERT OR IGNORE INTO found({', '.join(FOUND_COLUMNS)}) VALUES "
                                  f"({', '.join('?' * len(FOUND_COLUMNS))})", values)
        return cur.rowcount == 1

    def found(self, sub_id: int, limit: int = 50) -> list[Found]:
        rows = self.db.execute(f"SELECT {', '.join(FOUND_COLUMNS)} FROM found WHERE subscription=? "
                               "ORDER BY found_at DESC, date DESC LIMIT ?", (sub_id, limit))
        return [_found(r) for r in rows]

    def unsent(self, sub_id: int) -> list[Found]:
        rows = self.db.execute(f"SELECT {', '.join(FOUND_COLUMNS)} FROM found WHERE subscription=? AND sent_at IS "
                               "NULL ORDER BY date DESC", (sub_id,))
        return [_found(r) for r in rows]

    def mark_sent(self, items: list[Found], when: float) -> None:
        with self._lock:
            self.db.executemany("UPDATE found SET sent_at=? WHERE subscription=? AND doc_id=? AND version=?",
                                [(when, f.subscription, f.doc_id, f.version) for f in items])

    def found_since(self, user: str, since: float) -> list[tuple[Subscription, Found]]:
        """What the user's subscriptions found after `since` (the chat's "Neu seit Ihrem letzten Besuch")."""
        out = []
        for sub in self.all(user):
            out += [(sub, f) for f in self.found(sub.id) if f.found_at > since]
        return sorted(out, key=lambda pair: -pair[1].found_at)

    # --- small state: the last check, a user's last visit ----------------------------------------------------
    def get_state(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_state(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO state VALUES (?,?)", (key, value))


def _subscription(row: Any) -> Subscription:
    sub_id, user, role, email, kind, target, filters, token, created = row
    return Subscription(int(sub_id), user, Access(role), email, Kind(kind), target, filters, token, float(created))


def _found(row: Any) -> Found:
    values = dict(zip(FOUND_COLUMNS, row, strict=True))
    values["changed"] = bool(values["changed"])
    return Found(**values)
