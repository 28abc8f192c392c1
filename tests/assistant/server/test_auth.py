"""Accounts, sign-in ways, the host rule, turns for generative answers, the audit log."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from assistant.server.accounts import AccountError, AccountStore
from assistant.server.app import ServeError, build_server, check_host
from assistant.server.audit import AuditLog
from assistant.server.auth import SESSION_COOKIE, Authenticator, TrustedHeader
from assistant.server.gate import Gate
from assistant.server.serving import Serving
from ingest.records import Access
from tests.assistant.conftest import LAND_SALE_QUESTION, assistant_for
from tests.assistant.server.conftest import start


def _basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def test_accounts_are_hashed_checked_and_kept_private(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "konten.json")
    store.add("ratsfrau", Access.COUNCIL, "sehr-geheim")
    raw = (tmp_path / "konten.json").read_text(encoding="utf-8")
    assert "sehr-geheim" not in raw and "$2b$" in raw
    assert stat.S_IMODE(os.stat(tmp_path / "konten.json").st_mode) == 0o600
    reread = AccountStore(tmp_path / "konten.json")
    account = reread.check_password("ratsfrau", "sehr-geheim")
    assert account is not None and account.role is Access.COUNCIL
    assert reread.check_password("ratsfrau", "sehr-geheim!") is None and reread.check_password("x", "y") is None
    token = reread.new_token("ratsfrau")
    assert token not in (tmp_path / "konten.json").read_text(encoding="utf-8")
    assert AccountStore(tmp_path / "konten.json").check_token(token).name == "ratsfrau"  # type: ignore[union-attr]
    for name, password, message in (("a b", "sehr-geheim", "Ungültiger Kontoname"), ("kurz", "1234567", "mindestens"),
                                    ("lang", "ä" * 40, "höchstens 72 Bytes")):
        with pytest.raises(AccountError, match=message):
            store.add(name, Access.PUBLIC, password)
    with pytest.raises(AccountError, match="Kein Konto"):
        store.remove("niemand")
    (tmp_path / "kaputt.json").write_text("{", encoding="utf-8")
    with pytest.raises(AccountError, match="kaputt.json"):
        AccountStore(tmp_path / "kaputt.json")


def test_sign_in_by_session_basic_and_token(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "k.json")
    store.add("kaemmerer", Access.STAFF, "geheim-staff")
    auth = Authenticator(accounts=store)
    assert auth.user_of({}, {}) is None
    assert auth.user_of({"authorization": _basic("kaemmerer", "geheim-staff")}, {}).role is Access.STAFF  # type: ignore[union-attr]
    assert auth.user_of({"authorization": _basic("kaemmerer", "falsch")}, {}) is None
    assert auth.user_of({"authorization": "Basic %%%"}, {}) is None
    sid = auth.sign_in("kaemmerer", "geheim-staff")
    assert sid and auth.user_of({}, {SESSION_COOKIE: sid}).name == "kaemmerer"  # type: ignore[union-attr]
    auth.sessions.close(sid)
    assert auth.user_of({}, {SESSION_COOKIE: sid}) is None and auth.sign_in("kaemmerer", "x") is None
    sid = auth.sign_in("kaemmerer", "geheim-staff")
    AccountStore(tmp_path / "k.json").remove("kaemmerer")  # as `council accounts remove` does beside a running server
    assert auth.user_of({"authorization": _basic("kaemmerer", "geheim-staff")}, {}) is None
    assert auth.user_of({}, {SESSION_COOKIE: sid or ""}) is None  # its session ends at once
    AccountStore(tmp_path / "k.json").add("neu", Access.COUNCIL, "geheim-neu-1")
    assert auth.user_of({"authorization": _basic("neu", "geheim-neu-1")}, {}) is not None  # no restart needed


def test_without_accounts_the_server_stays_on_this_machine(tmp_path: Path) -> None:
    check_host("127.0.0.1", Authenticator())
    with pytest.raises(ServeError, match="ohne Anmeldung"):
        check_host("0.0.0.0", Authenticator())
    check_host("0.0.0.0", Authenticator(header=TrustedHeader("x-remote-user")))
    env = dict(os.environ, COUNCIL_EMBEDDER="hash")
    done = subprocess.run([sys.executable, "-m", "assistant.cli.main", "serve", "--index", str(tmp_path), "--host",
                           "0.0.0.0"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0 and "ohne Anmeldung" in done.stderr


def test_a_trusted_proxy_header_names_the_user_and_role(access_index: Path, tmp_path: Path) -> None:
    roles = tmp_path / "rollen.json"
    roles.write_text(json.dumps({"ratsfrau": "council"}), encoding="utf-8")
    header = TrustedHeader("x-remote-user", "x-remote-role", TrustedHeader.load_roles(roles))
    assert header.user_of({"x-remote-user": "ratsfrau"}).role is Access.COUNCIL  # type: ignore[union-attr]
    assert header.user_of({"x-remote-user": "gast"}).role is Access.PUBLIC  # type: ignore[union-attr]
    assert header.user_of({"x-remote-user": "x", "x-remote-role": "staff"}).role is Access.STAFF  # type: ignore[union-attr]
    assert header.user_of({"x-remote-user": "x", "x-remote-role": "admin"}).role is Access.PUBLIC  # type: ignore[union-attr]
    assert header.user_of({}) is None
    assistant = assistant_for(access_index)
    url, server = start(build_server(assistant, Serving.of(assistant.settings, Authenticator(header=header))))
    try:
        ask = {"question": LAND_SALE_QUESTION}
        assert httpx.post(f"{url}/api/ask", json=ask, timeout=60).status_code == 401
        council = httpx.post(f"{url}/api/ask", json=ask, headers={"X-Remote-User": "ratsfrau"}, timeout=60)
        guest = httpx.post(f"{url}/api/ask", json=ask, headers={"X-Remote-User": "gast"}, timeout=60)
        assert "1.234.567" in council.json()["text"] and "1.234.567" not in guest.text
    finally:
        server.should_exit = True


def test_generative_answers_wait_in_order_and_never_hold_up_extractive_ones() -> None:
    generative, extractive = Gate(1), Gate(8)
    assert list(generative.enter()) == []  # a free slot: no waiting
    places: list[int] = []

    def second() -> None:
        for place in generative.enter():
            places.append(place)
        generative.leave()

    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.6)
    assert places and set(places) == {1} and generative.waiting == 1  # it sees that it is next
    assert list(extractive.enter()) == []  # extractive answers go on meanwhile
    extractive.leave()
    generative.leave()
    waiter.join(5)
    assert not waiter.is_alive() and generative.waiting == 0


def test_a_short_wait_is_not_announced_a_long_one_is() -> None:
    gate = Gate(1, tell_every=0.5)
    assert list(gate.enter()) == []
    places: list[list[int]] = [[], []]

    def waiter(n: int) -> None:
        for place in gate.enter():
            places[n].append(place)
        gate.leave()

    first = threading.Thread(target=waiter, args=(0,))
    first.start()
    time.sleep(0.2)
    gate.leave()  # the slot comes free before the waiter is due to hear its place
    first.join(5)
    assert places[0] == []
    assert list(gate.enter()) == []
    second = threading.Thread(target=waiter, args=(1,))
    second.start()
    time.sleep(0.8)
    assert places[1] == [1]  # told once after half a second, not again while nothing moved
    gate.leave()
    second.join(5)
    assert not second.is_alive() and gate.waiting == 0


def test_the_audit_log_keeps_its_retention(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    old = (datetime.now(UTC) - timedelta(days=100)).isoformat(timespec="seconds")
    path.write_text(json.dumps({"time": old, "user": "alt", "question": "?"}) + "\n", encoding="utf-8")
    log = AuditLog(path, days=90)
    log.record("ratsfrau", "council", "Wie viel kostet der Hafen?", "extractive", False, "chat")
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [e["user"] for e in entries] == ["ratsfrau"] and entries[0]["question"] == "Wie viel kostet der Hafen?"


def test_council_accounts_commands(tmp_path: Path) -> None:
    env = dict(os.environ, COUNCIL_ACCOUNTS=str(tmp_path / "konten.json"))
    cli = [sys.executable, "-m", "assistant.cli.main", "accounts"]

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)

    assert run("add", "ratsfrau", "--role", "council", "--password-stdin", stdin="geheim-council\n").returncode == 0
    listed = run("list")
    assert "ratsfrau\tcouncil\tRatsmitglied" in listed.stdout
    token = run("token", "ratsfrau").stdout.strip()
    assert token.startswith("rat_") and AccountStore(tmp_path / "konten.json").check_token(token) is not None
    short = run("add", "x", "--role", "staff", "--password-stdin", stdin="kurz\n")
    assert short.returncode != 0 and "mindestens 8 Zeichen" in short.stderr
    assert run("remove", "ratsfrau").returncode == 0 and run("list").stdout == ""
