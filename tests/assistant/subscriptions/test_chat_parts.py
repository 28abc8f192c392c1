"""The chat's side of subscriptions: subscribing to the question just answered, the list, "Neu seit Ihrem letzten
Besuch" (only what the user may read), removing one's own subscription only."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.server.auth import Authenticator, User
from assistant.server.gate import Gate
from assistant.server.serving import Serving
from assistant.subscriptions.records import Found
from assistant.subscriptions.store import SubscriptionStore
from assistant.types import Filters
from assistant.web.subscriptions import list_html, new_since_html, subscribe_topic, unsubscribe
from ingest.records import Access


def _found(sub: int, doc: str, access: str = "public", changed: bool = False) -> Found:
    return Found(sub, doc, "v1", changed, f"2026/{doc}", "Antrag", f"Titel {doc}", "2026-06-01", "Karlsruhe",
                 f"https://example.org/{doc}", "", "Ein Satz.", access, time.time())


def test_subscribe_list_news_and_remove(tmp_path: Path) -> None:
    store = SubscriptionStore(tmp_path / "abos.sqlite")
    serving = Serving(Authenticator(), Gate(8), Gate(1), None, store, "https://rat.example.org")
    user, other = User("ratsfrau", Access.COUNCIL), User("buerger", Access.PUBLIC)
    said = subscribe_topic(store, serving, user, "Wie viele Plätze gibt es in der Kurzzeitpflege?", Filters(body="Karlsruhe"))
    assert said.startswith("Abo 1 angelegt") and "Kurzzeitpflege" in said
    sub = store.all("ratsfrau")[0]
    assert sub.role is Access.COUNCIL and '"body": "Karlsruhe"' in sub.filters
    shown = list_html(store, user, serving.public_url)
    assert "Thema: Wie viele Plätze" in shown and f"https://rat.example.org/feeds/1.atom?token={sub.token}" in shown
    assert "<script" not in list_html(store, user, serving.public_url)
    assert new_since_html(store, user) == ""  # the first visit only starts the clock
    store.record(_found(1, "0001"))
    store.record(_found(1, "0002", access="staff"))  # recorded under an earlier, higher role: not shown now
    store.record(_found(1, "0003", changed=True))
    news = new_since_html(store, user)
    assert "Neu seit Ihrem letzten Besuch" in news and "2026/0001" in news and "geändert: " in news
    assert "2026/0002" not in news
    assert new_since_html(store, user) == ""  # seen
    assert unsubscribe(store, other, "1") == "Kein Abo mit der Nummer 1."  # not someone else's
    assert unsubscribe(store, user, "x") == "Kein Abo mit der Nummer x."
    assert unsubscribe(store, user, "1") == "Abo 1 gelöscht." and store.all() == []


def test_the_owners_role_now_decides() -> None:
    from assistant.subscriptions.records import Kind, Subscription

    sub = Subscription(1, "ratsfrau", Access.COUNCIL, "", Kind.TOPIC, "Hafen", "", "t", 0.0)
    assert sub.role_now(None) is Access.COUNCIL  # no accounts: the role recorded when subscribing
    assert sub.role_now({"ratsfrau": Access.PUBLIC}.get) is Access.PUBLIC  # lowered since: the lower one
    assert sub.role_now({"ratsfrau": Access.STAFF}.get) is Access.COUNCIL  # raised: not beyond what was recorded
    assert sub.role_now({}.get) is None  # the account is gone
