"""Feedback storage in SQLite and the UI handler that writes it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from assistant.web.feedback import FeedbackStore, normalise_rating


def test_add_and_read_back(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "sub" / "feedback.sqlite")
    cites = json.dumps([{"n": 1, "reference": "2024/0015"}])
    first = store.add("Frage?", "Antwort [1]", 1, "  hilfreich  ", cites)
    second = store.add("Frage 2?", "Antwort", "down", "", "[]")
    assert second > first
    rows = store.entries()
    assert [(r.question, r.rating, r.comment) for r in rows] == [("Frage?", 1, "hilfreich"), ("Frage 2?", -1, "")]
    assert json.loads(rows[0].citations_json)[0]["reference"] == "2024/0015"
    assert store.counts() == {"up": 1, "down": 1}
    # a second store on the same file sees the same rows (persisted, plain SQLite)
    assert len(FeedbackStore(tmp_path / "sub" / "feedback.sqlite").entries()) == 2
    with sqlite3.connect(tmp_path / "sub" / "feedback.sqlite") as con:
        assert con.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 2


def test_rating_values() -> None:
    assert normalise_rating("👍") == 1 and normalise_rating(-1) == -1 and normalise_rating("schlecht") == -1
    for bad in (0, 2, "meh"):
        with pytest.raises(ValueError):
            normalise_rating(bad)  # type: ignore[arg-type]


def test_ui_feedback_handler(tmp_path: Path) -> None:
    from assistant.web.app import ChatState, Turn, store_feedback

    store = FeedbackStore(tmp_path / "f.sqlite")
    msg, box = store_feedback(store, ChatState(), 1, "x")
    assert "Noch keine Antwort" in msg and box == "x" and store.entries() == []
    state = ChatState(history=[("F?", "A")], last=Turn("F?", "A [1]", '[{"n": 1}]', "A [1]"))
    msg, box = store_feedback(store, state, -1, "Quelle falsch")
    assert msg.startswith("Danke") and box == ""
    (row,) = store.entries()
    assert (row.question, row.answer_text, row.rating, row.comment) == ("F?", "A [1]", -1, "Quelle falsch")
