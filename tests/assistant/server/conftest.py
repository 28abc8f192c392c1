"""A real server (uvicorn on 127.0.0.1) over the access index, with three accounts, started once per module."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from assistant.server.accounts import AccountStore
from assistant.server.auth import Authenticator
from assistant.server.serving import Serving
from ingest.records import Access
from tests.assistant.conftest import assistant_for

PASSWORDS = {"buergerin": ("geheim-public-1", Access.PUBLIC), "ratsfrau": ("geheim-council-1", Access.COUNCIL),
             "kaemmerer": ("geheim-staff-1", Access.STAFF)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    url: str
    accounts: AccountStore
    serving: Serving
    audit: Path


def start(app: Any) -> tuple[str, Any]:
    """Serve `app` in a thread; (base URL, the uvicorn server to stop)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("Server startet nicht")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


@pytest.fixture(scope="module")
def running(access_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from assistant.server.app import build_server

    folder = tmp_path_factory.mktemp("server")
    store = AccountStore(folder / "konten.json")
    for name, (password, role) in PASSWORDS.items():
        store.add(name, role, password)
    assistant = assistant_for(access_index)
    settings = assistant.settings.with_(audit_path=folder / "audit.jsonl")
    serving = Serving.of(settings, Authenticator(accounts=store))
    url, server = start(build_server(assistant, serving))
    try:
        yield Running(url, store, serving, folder / "audit.jsonl")
    finally:
        server.should_exit = True


def basic(name: str) -> httpx.BasicAuth:
    return httpx.BasicAuth(name, PASSWORDS[name][0])
