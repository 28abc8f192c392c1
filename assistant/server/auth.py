"""Who is asking: a signed-in account (session cookie, HTTP Basic or an API token), the user an authenticating
reverse proxy names in a trusted header, or, without either, the one local user of a desktop install."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from assistant.server.accounts import AccountStore
from ingest.records import Access

SESSION_COOKIE = "ratsinfo_sitzung"
SESSION_HOURS = 12
LOCAL_USER = "lokal"


@dataclass(frozen=True)
class User:
    name: str
    role: Access  # the highest access level this user may read


ROLE_NAMES = {Access.PUBLIC: "Öffentlichkeit", Access.COUNCIL: "Ratsmitglied", Access.STAFF: "Verwaltung"}


class Sessions:
    """Signed-in browsers: a random session id (the cookie) -> user name, for SESSION_HOURS; in memory, so a
    restart signs everybody out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, tuple[str, float]] = {}

    def open(self, name: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._by_id[sid] = (name, time.time() + SESSION_HOURS * 3600)
        return sid

    def name_of(self, sid: str | None) -> str | None:
        if not sid:
            return None
        with self._lock:
            entry = self._by_id.get(sid)
            if entry is None or entry[1] < time.time():
                self._by_id.pop(sid, None)
                return None
            return entry[0]

    def close(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)


@dataclass(frozen=True)
class TrustedHeader:
    """An authenticating reverse proxy in front of the server sets `user` (and the role in `role`, or the role
    comes from `roles`, a JSON file {"name": "council", …}; a name in neither reads as public)."""

    user: str
    role: str | None = None
    roles: Mapping[str, Access] | None = None

    @staticmethod
    def load_roles(path: Path) -> dict[str, Access]:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            return {str(name): Access.parse(str(role)) for name, role in raw.items()}
        except (OSError, ValueError, AttributeError) as exc:
            raise ValueError(f"Rollen-Datei {path} nicht lesbar: {exc}") from exc

    def user_of(self, headers: Mapping[str, str]) -> User | None:
        name = (headers.get(self.user) or "").strip()
        if not name:
            return None
        role_text = (headers.get(self.role) or "").strip() if self.role else ""
        if role_text:
            try:
                return User(name, Access.parse(role_text))
            except ValueError:
                return User(name, Access.PUBLIC)
        return User(name, (self.roles or {}).get(name, Access.PUBLIC))


class Authenticator:
    """One of three ways to know the user (`mode`): "local", "accounts" or "header"."""

    def __init__(self, accounts: AccountStore | None = None, header: TrustedHeader | None = None) -> None:
        self.accounts = accounts
        self.header = header
        self.sessions = Sessions()

    @property
    def mode(self) -> str:
        return "header" if self.header else "accounts" if self.accounts else "local"

    def user_of(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> User | None:
        """The user of a request, or None (not signed in)."""
        if self.header is not None:
            return self.header.user_of(headers)
        if self.accounts is None:
            return User(LOCAL_USER, Access.STAFF)
        name = self.sessions.name_of(cookies.get(SESSION_COOKIE))
        if name is not None:
            account = self.accounts.get(name)
            return User(account.name, account.role) if account else None
        return self._credentials(headers.get("authorization") or "")

    def _credentials(self, authorization: str) -> User | None:
        """HTTP Basic (name and password) or a bearer token (`council accounts token NAME`)."""
        assert self.accounts is not None
        scheme, _, value = authorization.partition(" ")
        account = None
        if scheme.lower() == "bearer" and value:
            account = self.accounts.check_token(value.strip())
        elif scheme.lower() == "basic" and value:
            try:
                name, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            account = self.accounts.check_password(name, password)
        return User(account.name, account.role) if account else None

    def sign_in(self, name: str, password: str) -> str | None:
        """A session id for a correct name and password (the login form), else None."""
        if self.accounts is None or self.accounts.check_password(name, password) is None:
            return None
        return self.sessions.open(name)
