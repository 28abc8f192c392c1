"""Themen-Abos end to end: the evaluation corpus without its newest months is indexed, two councillors' and a
citizen's subscriptions are made (two topics, a Drucksache, a committee), `council watch` ingests the rest (and a
council-only paper) and notifies while the SMTP server is down, `council notify` delivers once it is up; the right
papers, and only those, arrive by mail (a real local SMTP server) and in the Atom feeds (a real server)."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from aiosmtpd.controller import Controller

from assistant.server.accounts import AccountStore
from assistant.subscriptions.store import SubscriptionStore
from ingest.pipeline import Pipeline
from ingest.records import Access, Document
from ingest.sources.base import ProblemLog, Source
from ingest.specs import detect
from tests.assistant.server.conftest import free_port, start

pytestmark = pytest.mark.slow

HELD_BACK = "2026-06-01"  # the corpus's newest papers: ingested only after the subscriptions exist
SECRET_FILE = "2026-06-15_Verhandlung Kurzzeitpflege Beispielstift.txt"
SECRET_TEXT = ("Vertrauliche Verhandlung über Kurzzeitpflege: Das Beispielstift bietet der Stadt 24 zusätzliche "
               "Plätze für Kurzzeitpflege an. Die Kurzzeitpflege-Plätze sollen 2027 öffnen.")
# what each subscription must find among the held-back papers (Drucksache numbers; the council-only file by title)
EXPECTED = {
    ("ratsfrau", "topic", "Kurzzeitpflege"): {"2026/0528", "2026-06-15_Verhandlung Kurzzeitpflege Beispielstift"},
    ("ratsfrau", "topic", "Rückbau von Spielplätzen"): {"2026/0222/2"},
    ("ratsfrau", "drucksache", "2026/0241"): {"2026/0241/1"},
    ("ratsfrau", "committee", "Integrationsausschuss"): {"2026/0367", "2026/0368"},
    ("buerger", "topic", "Kurzzeitpflege"): {"2026/0528"},  # not the council-only paper
}


class Before:
    """The corpus as it was before `HELD_BACK`: its newer papers left out (for the first ingest only)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.name = source.name

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        for doc in self.source.documents(problems):
            if not (doc.date or "") >= HELD_BACK:
                yield doc


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@dataclass
class World:
    index: Path
    env: dict[str, str]
    inbox: Inbox
    runs: dict[str, subprocess.CompletedProcess[str]]
    subs: dict[tuple[str, str, str], int]


def council(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=900)


def _text(message: Message) -> str:
    body = message.get_body(("plain",))  # type: ignore[attr-defined]
    return str(body.get_content())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("abos")
    index = root / "index"
    pipe = Pipeline(index, None, None, workers=1)
    try:
        pipe.run([(origin, Before(source)) for origin, source in detect("eval")], embed=False)
    finally:
        pipe.close()
    accounts = AccountStore(root / "konten.json")
    accounts.add("ratsfrau", Access.COUNCIL, "geheim-council", "ratsfrau@example.org")
    accounts.add("buerger", Access.PUBLIC, "geheim-public", "buerger@example.org")
    closed = free_port()  # nothing listens here: the first delivery fails
    env = dict(os.environ, COUNCIL_INDEX=str(index), COUNCIL_EMBEDDER="hash", COUNCIL_ACCOUNTS=str(root / "konten.json"),
               COUNCIL_SMTP_HOST="127.0.0.1", COUNCIL_SMTP_PORT=str(closed), COUNCIL_SMTP_TLS="none",
               COUNCIL_MAIL_FROM="ratsinfo@example.org", COUNCIL_PUBLIC_URL="http://rat.example.org",
               ANONYMIZED_TELEMETRY="False")
    subs: dict[tuple[str, str, str], int] = {}
    for user, kind, target in EXPECTED:
        done = council(env, "subscribe", "--user", user, f"--{kind}", target)
        assert done.returncode == 0, done.stderr
        subs[(user, kind, target)] = int(done.stdout.split()[1])
    extranet = root / "extranet"
    extranet.mkdir()
    (extranet / SECRET_FILE).write_text(SECRET_TEXT, encoding="utf-8")
    runs = {"secret": council(env, "ingest", str(extranet), "--access", "council", "--no-embed"),
            "watch": council(env, "watch", "eval", "--no-embed", "--rounds", "1")}
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        env["COUNCIL_SMTP_PORT"] = str(controller.port)
        runs["notify"] = council(env, "notify")
        runs["again"] = council(env, "notify")
        yield World(index, env, inbox, runs, subs)
    finally:
        controller.stop()


def _sent_to(world: World, address: str) -> list[Message]:
    return [m for m in world.inbox.messages if m["To"] == address]


def test_a_failed_delivery_is_reported_and_sent_on_the_next_run_once(world: World) -> None:
    watch = world.runs["watch"]
    assert watch.returncode == 3, watch.stdout + watch.stderr  # the SMTP server was down
    assert "Nicht versandt (beim nächsten Lauf erneut)" in watch.stdout and "127.0.0.1" in watch.stdout
    assert world.runs["notify"].returncode == 0, world.runs["notify"].stdout + world.runs["notify"].stderr
    assert "E-Mails versandt: 2" in world.runs["notify"].stdout
    assert "E-Mails versandt: 0" in world.runs["again"].stdout  # nothing twice
    assert len(_sent_to(world, "ratsfrau@example.org")) == 1 and len(_sent_to(world, "buerger@example.org")) == 1


def _labels_in(text: str, sub_label: str) -> str:
    """The digest's block of one subscription."""
    start = text.index(sub_label)
    end = text.find("Abo abbestellen:", start)
    return text[start:end]


def test_the_right_papers_and_only_those_arrive_by_mail(world: World) -> None:
    store = SubscriptionStore.beside(world.index)
    for (user, kind, target), sub_id in world.subs.items():
        found = {f.reference or f.title for f in store.found(sub_id)}
        assert found == EXPECTED[(user, kind, target)], (user, kind, target, found)
    mail = _text(_sent_to(world, "ratsfrau@example.org")[0])
    assert "neue Einträge zu Ihren Abos" in _sent_to(world, "ratsfrau@example.org")[0]["Subject"]
    topic = _labels_in(mail, "Thema: Kurzzeitpflege")
    assert "2026/0528" in topic and "Beispielstift" in topic and "nicht öffentlich" in topic
    assert "Vorlage: https://" in topic and "/abo/" in mail and "/feeds/" in mail
    committee = _labels_in(mail, "Gremium: Integrationsausschuss")
    assert "2026/0367" in committee and "2026/0368" in committee and "2026/0528" not in committee
    citizen = _text(_sent_to(world, "buerger@example.org")[0])
    assert "2026/0528" in citizen and "Beispielstift" not in citizen and "24 zusätzliche" not in citizen


def test_feeds_and_the_unsubscribe_link(world: World) -> None:
    from assistant.compose import make_assistant
    from assistant.server.app import build_server
    from assistant.server.auth import Authenticator
    from assistant.server.serving import Serving
    from assistant.settings import Settings

    settings = Settings().with_(index_dir=world.index, embedder="hash", accounts_path=Path(world.env["COUNCIL_ACCOUNTS"]))
    serving = Serving.of(settings, Authenticator(accounts=AccountStore(settings.accounts_path)))
    url, server = start(build_server(make_assistant(settings), serving))
    try:
        store = SubscriptionStore.beside(world.index)
        for key, sub_id in world.subs.items():
            sub = store.get(sub_id)
            assert sub is not None
            r = httpx.get(f"{url}/feeds/{sub_id}.atom", params={"token": sub.token}, timeout=30)
            assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
            feed = feedparser.parse(r.content)
            assert not feed.bozo, feed.bozo_exception
            titles = " ".join(e.title for e in feed.entries)
            assert len(feed.entries) == len(EXPECTED[key])
            assert all(ref in titles for ref in EXPECTED[key]), (key, titles)
        assert httpx.get(f"{url}/feeds/{sub_id}.atom", params={"token": "falsch"}, timeout=30).status_code == 404
        target = world.subs[("buerger", "topic", "Kurzzeitpflege")]
        token = store.get(target).token  # type: ignore[union-attr]
        page = httpx.get(f"{url}/abo/{target}/abbestellen", params={"token": token}, timeout=30)
        assert page.status_code == 200 and "abbestellen?" in page.text and store.get(target) is not None
        done = httpx.post(f"{url}/abo/{target}/abbestellen", data={"token": token}, timeout=30)
        assert "ist abbestellt" in done.text and store.get(target) is None
    finally:
        server.should_exit = True


def test_subscriptions_on_the_command_line(world: World) -> None:
    listed = council(world.env, "subscriptions", "--user", "ratsfrau")
    assert listed.returncode == 0 and "Gremium: Integrationsausschuss" in listed.stdout
    bad = council(world.env, "subscribe", "--user", "niemand", "--topic", "Haushalt")
    assert bad.returncode != 0 and "Kein Konto" in bad.stderr
    assert council(world.env, "unsubscribe", "9999").returncode != 0
    assert json.dumps(sorted(world.subs.values())) == json.dumps(list(range(1, len(EXPECTED) + 1)))
