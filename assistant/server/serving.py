"""What a running server adds around the Assistant, shared by the chat and the API: who asks (`Authenticator`),
turns for extractive and generative answers (`Gate`), and the optional audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assistant.server.audit import AuditLog
from assistant.server.auth import Authenticator, User
from assistant.server.gate import Gate
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.subscriptions.store import SubscriptionStore
from assistant.types import Answer, Filters


@dataclass(frozen=True)
class Waiting:
    """The answer waits for its turn: `place` in the queue (1: next)."""

    place: int
    generative: bool


@dataclass
class Serving:
    auth: Authenticator
    chat: Gate  # extractive answers at once (the chat and the API together)
    generative: Gate  # generative answers at once
    audit: AuditLog | None = None
    subscriptions: SubscriptionStore | None = None
    public_url: str = "http://127.0.0.1:7860"  # for feed and unsubscribe links

    @staticmethod
    def of(settings: Settings, auth: Authenticator | None = None) -> Serving:
        audit = AuditLog(settings.audit_path, settings.audit_days) if str(settings.audit_path) not in {"", "."} else None
        return Serving(auth or Authenticator(), Gate(settings.chat_slots, tell_every=1.0),
                       Gate(settings.generative_slots), audit,
                       SubscriptionStore.beside(settings.index_dir) if (settings.index_dir / "catalog.sqlite").is_file()
                       else None, settings.public_url)

    def email_of(self, name: str) -> str:
        account = self.auth.accounts.get(name) if self.auth.accounts is not None else None
        return account.email if account else ""

    def user_of(self, request: Any) -> User | None:
        """The user of a FastAPI or Gradio request (None: not signed in)."""
        if request is None:
            return None
        headers = {k.lower(): v for k, v in dict(getattr(request, "headers", None) or {}).items()}
        cookies = dict(getattr(request, "cookies", None) or {})
        return self.auth.user_of(headers, cookies)

    def answer(self, assistant: Assistant, user: User, question: str, history: list[tuple[str, str]] | None,
               filters: Filters | None, mode: str | None, channel: str) -> Iterator[str | Waiting | Answer]:
        """`assistant.ask_stream` for `user` (their role is the clearance), after waiting for a turn: generative
        answers in their own queue, so that they never hold up extractive ones."""
        mode = mode or assistant.settings.mode
        gate = self.generative if mode == "generative" else self.chat
        for place in gate.enter():
            yield Waiting(place, mode == "generative")
        final: Answer | None = None
        try:
            for item in assistant.ask_stream(question, history, filters, mode, clearance=user.role):
                if isinstance(item, Answer):
                    final = item
                yield item
        finally:
            gate.leave()
            if self.audit is not None and final is not None:
                self.audit.record(user.name, user.role.value, question, final.mode, final.refused, channel)
