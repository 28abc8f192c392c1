"""Local accounts: a name, a role (the highest access level its owner may read), a bcrypt password hash and the
hashes of API tokens, in one JSON file beside the index (`council accounts …`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import bcrypt

from ingest.records import Access

MAX_PASSWORD_BYTES = 72  # what bcrypt reads of a password; a longer one is refused, not silently cut
MIN_PASSWORD_CHARS = 8


class AccountError(ValueError):
    """A wrong account operation, in German for the command line."""


@dataclass(frozen=True)
class Account:
    name: str
    role: Access
    password_hash: str = ""  # bcrypt; empty: signs in with API tokens only
    token_hashes: tuple[str, ...] = field(default_factory=tuple)  # sha256 of each token (tokens are random)
    email: str = ""  # where subscription digests go


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccountStore:
    """The accounts file, written atomically on every change (0600: it holds password hashes) and read again when
    it changed on disk: `council accounts …` takes effect in a running server without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        self._checked: dict[str, str] = {}  # sha256(name, password) -> name: bcrypt once per password, not per request
        self._stamp: tuple[int, int] | None = None
        self._fresh()

    def _fresh(self) -> None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return
        if (st.st_mtime_ns, st.st_size) != self._stamp:
            self._accounts = self._read()
            self._checked = {}
            self._stamp = (st.st_mtime_ns, st.st_size)

    def _read(self) -> dict[str, Account]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {a["name"]: Account(a["name"], Access.parse(a["role"]), a.get("password_hash", ""),
                                       tuple(a.get("token_hashes", ())), a.get("email", "")) for a in raw["accounts"]}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AccountError(f"Konten-Datei {self.path} nicht lesbar: {exc}") from exc

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        data = {"accounts": [asdict(a) for a in sorted(self._accounts.values(), key=lambda a: a.name)]}
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)
        st = self.path.stat()
        self._stamp = (st.st_mtime_ns, st.st_size)

    # --- management (`council accounts …`) ---------------------------------------------------------------
    def add(self, name: str, role: Access, password: str, email: str = "") -> Account:
        name = name.strip()
        if not name or any(c.isspace() or c in ":/" for c in name):
            raise AccountError(f"Ungültiger Kontoname {name!r}: keine Leerzeichen, kein „:“ oder „/“.")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"Das Passwort braucht mindestens {MIN_PASSWORD_CHARS} Zeichen.")
        if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
            raise AccountError(f"Das Passwort darf höchstens {MAX_PASSWORD_BYTES} Bytes lang sein.")
        hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")
        with self._lock:
            old = self._accounts.get(name)
            account = Account(name, role, hashed, old.token_hashes if old else (), email.strip() or (old.email if old else ""))
            self._accounts[name] = account
            self._checked.clear()
            self._write()
        return account

    def remove(self, name: str) -> None:
        with self._lock:
            if name not in self._accounts:
                raise AccountError(f"Kein Konto {name!r} in {self.path}.")
            del self._accounts[name]
            self._checked.clear()
            self._write()

    def new_token(self, name: str) -> str:
        """A new API token for `name` (shown once; only its hash is kept)."""
        token = "rat_" + secrets.token_urlsafe(32)
        with self._lock:
            account = self._accounts.get(name)
            if account is None:
                raise AccountError(f"Kein Konto {name!r} in {self.path}.")
            self._accounts[name] = replace(account, token_hashes=(*account.token_hashes, _token_hash(token)))
            self._write()
        return token

    def accounts(self) -> list[Account]:
        self._fresh()
        return sorted(self._accounts.values(), key=lambda a: a.name)

    def role_of(self, name: str) -> Access | None:
        """The account's role now (None: no such account)."""
        account = self.get(name)
        return account.role if account else None

    # --- sign-in ---------------------------------------------------------------------------------------------
    def get(self, name: str) -> Account | None:
        self._fresh()
        return self._accounts.get(name)

    def check_password(self, name: str, password: str) -> Account | None:
        self._fresh()
        account = self._accounts.get(name)
        if account is None or not account.password_hash or len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
            return None
        key = hashlib.sha256(f"{name}\0{password}".encode()).hexdigest()
        if self._checked.get(key) == name:
            return account
        if not bcrypt.checkpw(password.encode("utf-8"), account.password_hash.encode("ascii")):
            return None
        self._checked[key] = name
        return account

    def check_token(self, token: str) -> Account | None:
        self._fresh()
        digest = _token_hash(token)
        for account in self._accounts.values():
            if any(hmac.compare_digest(digest, h) for h in account.token_hashes):
                return account
        return None
