"""`council subscribe | subscriptions | unsubscribe | notify | watch`: Themen-Abos on the command line."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict
from typing import Any

from assistant.cli.errors import CliError
from assistant.server.accounts import AccountError, AccountStore
from assistant.settings import Settings
from assistant.subscriptions.digest import links
from assistant.subscriptions.mail import Mailer
from assistant.subscriptions.notify import notify as run_notify
from assistant.subscriptions.records import Kind
from assistant.subscriptions.store import SubscriptionError, SubscriptionStore
from assistant.types import Filters
from ingest.records import Access

_EVERY = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _accounts(args: Any, settings: Settings) -> AccountStore | None:
    path = getattr(args, "accounts", None) or (settings.accounts_path if str(settings.accounts_path) not in {"", "."}
                                                 else None)
    try:
        return AccountStore(path) if path else None
    except AccountError as exc:
        raise CliError(str(exc)) from exc


def _store(settings: Settings) -> SubscriptionStore:
    if not (settings.index_dir / "catalog.sqlite").is_file():
        raise CliError(f"Kein Index unter {settings.index_dir}. Erst `council ingest …` ausführen.")
    return SubscriptionStore.beside(settings.index_dir)


def subscribe(args: Any, settings: Settings) -> int:
    accounts = _accounts(args, settings)
    role = accounts.role_of(args.user) if accounts else Access.STAFF  # without accounts: the one local user
    if role is None:
        raise CliError(f"Kein Konto {args.user!r}: erst `council accounts add {args.user} …`.")
    account = accounts.get(args.user) if accounts else None
    email = args.email or (account.email if account else "")
    if args.topic:
        kind, target = Kind.TOPIC, args.topic
    elif args.drucksache:
        kind, target = Kind.DRUCKSACHE, args.drucksache
    else:
        kind, target = Kind.COMMITTEE, args.committee
    filters = Filters(body=args.body or None, paper_types=tuple(args.paper_types or ()))
    raw = json.dumps({k: v for k, v in asdict(filters).items() if v}, ensure_ascii=False) if filters != Filters() else ""
    try:
        sub = _store(settings).add(args.user, role, kind, target, email, raw)
    except SubscriptionError as exc:
        raise CliError(str(exc)) from exc
    feed, _stop = links(settings.public_url, sub)
    print(f"Abo {sub.id} angelegt: {sub.label} für {sub.user}" + (f" ({sub.email})" if sub.email else ""))
    print(f"Feed: {feed}")
    return 0


def list_subscriptions(args: Any, settings: Settings) -> int:
    for sub in _store(settings).all(args.user):
        print(f"{sub.id}\t{sub.user}\t{sub.label}\t{sub.email or '-'}")
    return 0


def unsubscribe(args: Any, settings: Settings) -> int:
    try:
        _store(settings).remove(args.id)
    except SubscriptionError as exc:
        raise CliError(str(exc)) from exc
    print(f"Abo {args.id} gelöscht.")
    return 0


def notify(args: Any, settings: Settings) -> int:
    from assistant.compose import make_assistant

    accounts = _accounts(args, settings)
    report = run_notify(make_assistant(settings), _store(settings), Mailer(settings), settings.public_url,
                        accounts.role_of if accounts else None)
    print("\n".join(report.lines()))
    return 3 if report.failed else 0


def watch(args: Any, settings: Settings) -> int:
    """Ingest the sources incrementally and notify, every `--every`, `--rounds` times (or until stopped)."""
    from assistant.cli.main import cmd_ingest

    m = _EVERY.match(args.every or "")
    if m is None:
        raise CliError(f"--every {args.every!r}: bitte wie 30m, 1h oder 1d angeben.")
    pause = int(m.group(1)) * _UNIT_S[m.group(2)]
    done = 0
    while True:  # each round is incremental: unchanged papers cost nothing (content hashes)
        cmd_ingest(args)
        code = notify(args, settings)
        done += 1
        if args.rounds is not None and done >= args.rounds:
            return code
        time.sleep(pause)
