"""`council notify`: find what is new for every subscription, then send one digest per address.

Runs after each incremental ingest (`council watch` calls it in its loop). A subscription whose owner's account is
gone is skipped and reported; a lower role than when subscribing is the one that counts. A failed delivery stays
waiting and is sent on the next run; what the SMTP server took is never sent again."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field, replace

from assistant.service import Assistant
from assistant.subscriptions.digest import digest
from assistant.subscriptions.mail import Mailer, MailError
from assistant.subscriptions.match import candidates, new_for
from assistant.subscriptions.records import Found, RoleOf, Subscription
from assistant.subscriptions.store import SubscriptionStore


@dataclass
class NotifyReport:
    found: dict[int, int] = field(default_factory=dict)  # subscription -> papers found this run
    sent: list[str] = field(default_factory=list)  # addresses a digest went to
    failed: list[str] = field(default_factory=list)  # why a digest was not sent (it stays waiting)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Abos geprüft: {len(self.found)}, neue Treffer: {sum(self.found.values())}",
               f"E-Mails versandt: {len(self.sent)}" + (f" ({', '.join(self.sent)})" if self.sent else "")]
        out += [f"Nicht versandt (beim nächsten Lauf erneut): {m}" for m in self.failed]
        out += [f"Übersprungen: {m}" for m in self.skipped]
        return out


def find_new(assistant: Assistant, store: SubscriptionStore, role_of: RoleOf | None, report: NotifyReport) -> None:
    subs = store.all()
    pool = candidates(assistant, min((s.created for s in subs), default=0.0))  # read once, for all subscriptions
    for sub in subs:
        role = sub.role_now(role_of)
        if role is None:
            report.skipped.append(f"Abo {sub.id} von {sub.user}: Konto nicht mehr vorhanden")
            continue
        found = new_for(assistant, replace(sub, role=role), pool, store.versions(sub.id))
        report.found[sub.id] = sum(store.record(f) for f in found)


def deliver(store: SubscriptionStore, mailer: Mailer, base_url: str, role_of: RoleOf | None,
            report: NotifyReport) -> None:
    by_address: dict[str, list[tuple[Subscription, list[Found]]]] = defaultdict(list)
    for sub in store.all():
        role = sub.role_now(role_of)
        if not sub.email or role is None:
            continue
        items = [f for f in store.unsent(sub.id) if role.allows(f.access)]
        if items:
            by_address[sub.email].append((sub, items))
    if by_address and not mailer.configured:
        report.failed.append("kein SMTP-Server eingestellt (COUNCIL_SMTP_HOST)")
        return
    for address, groups in by_address.items():
        try:
            mailer.send(digest(address, mailer.sender, groups, base_url))
        except MailError as exc:
            report.failed.append(str(exc))
            continue
        now = time.time()
        for _sub, items in groups:
            store.mark_sent(items, now)
        report.sent.append(address)


def notify(assistant: Assistant, store: SubscriptionStore, mailer: Mailer, base_url: str, role_of: RoleOf | None
           ) -> NotifyReport:
    """`role_of`: the accounts' name -> role (None without accounts: the roles recorded when subscribing)."""
    report = NotifyReport()
    find_new(assistant, store, role_of, report)
    deliver(store, mailer, base_url, role_of, report)
    store.set_state("last_notify", str(time.time()))
    return report
