"""`council accounts add|remove|list|token`: the server's local accounts."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from assistant.cli.errors import CliError
from assistant.server.accounts import AccountError, AccountStore
from assistant.server.auth import ROLE_NAMES
from assistant.settings import Settings
from ingest.records import Access


def run(args: Any, settings: Settings) -> int:
    path = args.accounts or (settings.accounts_path if str(settings.accounts_path) not in {"", "."} else None)
    if not path:
        raise CliError("Keine Konten-Datei: --accounts DATEI angeben oder COUNCIL_ACCOUNTS setzen.")
    try:
        store = AccountStore(path)
        if args.action == "add":
            account = store.add(args.name, Access.parse(args.role), _password(args.password_stdin), args.email or "")
            print(f"Konto {account.name} ({ROLE_NAMES[account.role]}) gespeichert in {path}.")
        elif args.action == "remove":
            store.remove(args.name)
            print(f"Konto {args.name} gelöscht.")
        elif args.action == "token":
            print(store.new_token(args.name))
            print(f"(API-Token für {args.name}: nur jetzt sichtbar; Aufruf mit „Authorization: Bearer …“)",
                  file=sys.stderr)
        else:
            for account in store.accounts():
                tokens = f", {len(account.token_hashes)} Token" if account.token_hashes else ""
                email = f", {account.email}" if account.email else ""
                print(f"{account.name}\t{account.role.value}\t{ROLE_NAMES[account.role]}{email}{tokens}")
    except AccountError as exc:
        raise CliError(str(exc)) from exc
    return 0


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Passwort: ")
    if getpass.getpass("Passwort wiederholen: ") != first:
        raise CliError("Die Passwörter stimmen nicht überein.")
    return first
