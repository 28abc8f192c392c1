"""The records of subscriptions: what a user follows, and what was found for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ingest.records import Access


class Kind(StrEnum):
    TOPIC = "topic"  # a question or keywords, with the chat's filters
    DRUCKSACHE = "drucksache"  # a paper: its versions, Stellungnahmen, consultations and decisions
    COMMITTEE = "committee"  # a committee: new meetings, agendas and papers on its agenda


KIND_NAMES = {Kind.TOPIC: "Thema", Kind.DRUCKSACHE: "Drucksache", Kind.COMMITTEE: "Gremium"}


@dataclass(frozen=True)
class Subscription:
    id: int
    user: str
    role: Access  # the owner's level when subscribing; delivery re-checks it against the accounts
    email: str  # "" : no e-mail, feed and chat only
    kind: Kind
    target: str  # the topic's text, the Drucksache number or the committee's name
    filters: str  # the chat's filters as JSON ("" : none)
    token: str  # secret of the feed and of the unsubscribe link
    created: float

    @property
    def label(self) -> str:
        return f"{KIND_NAMES[self.kind]}: {self.target}"

    def role_now(self, role_of: RoleOf | None) -> Access | None:
        """The owner's level now: the lower of the recorded role and the account's (`role_of`: name -> role, None
        for a removed account); without accounts (one local user, or a proxy naming users per request) the
        recorded role."""
        if role_of is None:
            return self.role
        current = role_of(self.user)
        return None if current is None else min(current, self.role, key=lambda r: r.rank)


RoleOf = Callable[[str], Access | None]


@dataclass(frozen=True)
class Found:
    """A paper found for a subscription: new, or changed since it was reported."""

    subscription: int
    doc_id: str
    version: str  # the paper's content hash when found
    changed: bool  # reported before in another version
    reference: str
    paper_type: str
    title: str
    date: str
    body: str
    paper_url: str
    file_url: str
    quote: str  # the passage that made it match
    access: str
    found_at: float
    sent_at: float | None = None  # e-mailed (None: waiting, or the owner has no address)

    @property
    def label(self) -> str:
        head = " ".join(x for x in (self.paper_type, self.reference) if x)
        return f"{head} „{self.title}“" if head else self.title
