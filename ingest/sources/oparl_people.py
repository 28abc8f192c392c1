"""OParl persons, organizations and memberships as searchable documents.

A council member's question "Wer sitzt im Bauausschuss?" needs the members as text: each organization
with members becomes one document listing them (role, voting right, faction, since/until), each person
one document listing memberships and the papers the person originated. Ids are the OParl ids, so a
later crawl replaces exactly these documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ingest.records import Document, Page, SourceFile
from ingest.sources.oparl_model import clean_title, iso_date

ORGANIZATION_TYPE = "Gremium"
PERSON_TYPE = "Person"
_ADDRESS = {"female": "Frau", "male": "Herr"}


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _strings(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(s for s in (_str(v) for v in items) if s)


@dataclass(frozen=True)
class MembershipInfo:
    """An OParl Membership: who sits where, in which role, since and until when."""

    id: str
    person: str | None
    organization: str | None
    role: str | None = None
    voting_right: bool | None = None
    start: str | None = None
    end: str | None = None
    on_behalf_of: str | None = None

    def current(self, today: str) -> bool:
        return self.end is None or self.end >= today


@dataclass(frozen=True)
class PersonInfo:
    """An OParl Person with the name as it is shown and the memberships it embeds."""

    id: str
    name: str
    status: tuple[str, ...] = ()
    memberships: tuple[MembershipInfo, ...] = ()
    membership_urls: tuple[str, ...] = ()
    web: str | None = None


@dataclass(frozen=True)
class OrganizationInfo:
    """An OParl Organization (committee, faction, council, office)."""

    id: str
    name: str
    short_name: str | None = None
    kind: str | None = None  # classification or organizationType
    start: str | None = None
    end: str | None = None
    web: str | None = None


def read_membership(obj: Mapping[str, Any], person: str | None = None) -> MembershipInfo:
    """Read an OParl Membership; `person` is the embedding person (the object itself may omit it)."""
    voting = obj.get("votingRight")
    return MembershipInfo(
        id=str(obj.get("id", "")),
        person=_str(obj.get("person")) or person,
        organization=_str(obj.get("organization")),
        role=clean_title(obj.get("role")) or None,
        voting_right=voting if isinstance(voting, bool) else None,
        start=iso_date(obj.get("startDate")),
        end=iso_date(obj.get("endDate")),
        on_behalf_of=_str(obj.get("onBehalfOf")),
    )


def person_display_name(obj: Mapping[str, Any]) -> str:
    """"Frau Dr. Anna Schmidt": the OParl name (or given and family name), with Frau/Herr when the
    gender is known, so that a question about "Frau Schmidt" finds the person's papers."""
    name = _str(obj.get("name")) or " ".join(
        p for p in (_str(obj.get("givenName")), _str(obj.get("familyName"))) if p
    )
    name = clean_title(name) or str(obj.get("id", ""))
    address = _ADDRESS.get(str(obj.get("gender") or "").lower())
    if address and not name.startswith(("Frau ", "Herr ")):
        return f"{address} {name}"
    return name


def plain_name(display: str) -> str:
    """The name without Frau/Herr, for use inside a sentence ("von Niko Fostiropoulos", not "von Herr")."""
    for address in _ADDRESS.values():
        if display.startswith(address + " "):
            return display[len(address) + 1:]
    return display


def read_person_info(obj: Mapping[str, Any]) -> PersonInfo:
    """Read an OParl Person with its embedded memberships (URLs are kept for the caller to fetch)."""
    person_id = str(obj.get("id", ""))
    embedded, urls = [], []
    for item in obj.get("membership") or []:
        if isinstance(item, dict) and not item.get("deleted"):
            embedded.append(read_membership(item, person_id))
        elif isinstance(item, str):
            urls.append(item)
    return PersonInfo(
        id=person_id,
        name=person_display_name(obj),
        status=_strings(obj.get("status")),
        memberships=tuple(embedded),
        membership_urls=tuple(urls),
        web=_str(obj.get("web")),
    )


def read_organization_info(obj: Mapping[str, Any]) -> OrganizationInfo:
    return OrganizationInfo(
        id=str(obj.get("id", "")),
        name=clean_title(obj.get("name") or obj.get("shortName") or obj.get("id")),
        short_name=clean_title(obj.get("shortName")) or None,
        kind=clean_title(obj.get("classification") or obj.get("organizationType")) or None,
        start=iso_date(obj.get("startDate")),
        end=iso_date(obj.get("endDate")),
        web=_str(obj.get("web")),
    )


@dataclass(frozen=True)
class PaperRef:
    """A paper a person originated, as listed on the person's document."""

    reference: str | None
    paper_type: str | None
    title: str
    date: str | None


def _period(m: MembershipInfo) -> str:
    parts = [f"seit {m.start}" if m.start and not m.end else f"vom {m.start}" if m.start else ""]
    if m.end:
        parts.append(f"bis {m.end}")
    return " ".join(p for p in parts if p)


def _membership_details(m: MembershipInfo, names: Mapping[str, str]) -> str:
    details = [m.role] if m.role and m.role != "Mitglied" else []
    if m.voting_right is not None:
        details.append("stimmberechtigt" if m.voting_right else "nicht stimmberechtigt")
    if m.on_behalf_of and m.on_behalf_of in names:
        details.append(f"für {names[m.on_behalf_of]}")
    if _period(m):
        details.append(_period(m))
    return ", ".join(details)


def _member_line(person: str, verb: str, organization: str, m: MembershipInfo, names: Mapping[str, str]) -> str:
    details = _membership_details(m, names)
    return f"{person} {verb} Mitglied des Gremiums {organization}" + (f": {details}" if details else "")


def _sentence(text: str) -> str:
    """Each line is one sentence an extractive answer can quote on its own (hence the full stop)."""
    return text if text.endswith((".", "!", "?", "“", '"')) else f"{text}."


def _text_document(doc_id: str, body: str, title: str, kind: str, lines: Sequence[str], web: str | None,
                   source: str, extra: tuple[tuple[str, str], ...] = ()) -> Document:
    text = "\n".join([lines[0], *(_sentence(line) for line in lines[1:])])
    main = SourceFile(id=f"{doc_id}#text", name=title, url=web, mime_type="text/plain",
                      pages=(Page(None, text),), role="main")
    return Document(id=doc_id, source=source, body=body, title=title, paper_type=kind, web_url=web,
                    files=(main,), extra=extra)


def organization_document(org: OrganizationInfo, memberships: Sequence[MembershipInfo],
                          persons: Mapping[str, PersonInfo], names: Mapping[str, str], body: str,
                          today: str | None = None, source: str = "oparl-api") -> Document:
    """One document per organization: a sentence naming all current members (the answer to "who sits
    on it?"), then one sentence per member with role, voting right, faction and period."""
    today = today or date.today().isoformat()
    kind = f" ({org.kind})" if org.kind else ""
    head = f"Gremium der Stadt {body}: {org.name}" if body else f"Gremium: {org.name}"
    if org.short_name and org.short_name != org.name:
        head += f", Kurzname {org.short_name}"
    lines = [f"{org.name}{kind}", head]
    current = [m for m in memberships if m.current(today)]
    former = [m for m in memberships if not m.current(today)]
    if current:
        roster = ", ".join(_person_name(m, persons) + (f" ({m.role})" if m.role and m.role != "Mitglied" else "")
                           for m in current)
        lines.append(f"Im Gremium {org.name} sitzen derzeit {len(current)} Mitglieder: {roster}")
        lines += [_member_line(_person_name(m, persons), "ist", org.name, m, names) for m in current]
    if former:
        lines.append(f"Früher im Gremium {org.name}: " + ", ".join(_person_name(m, persons) for m in former))
        lines += [_member_line(_person_name(m, persons), "war", org.name, m, names) for m in former]
    extra = (("members", "; ".join(_person_name(m, persons) for m in current)),) if current else ()
    return _text_document(org.id, body, org.name, ORGANIZATION_TYPE, lines, org.web, source, extra)


def _person_name(m: MembershipInfo, persons: Mapping[str, PersonInfo]) -> str:
    person = persons.get(m.person or "")
    return person.name if person else (m.person or "unbekannte Person")


def person_document(person: PersonInfo, names: Mapping[str, str], papers: Iterable[PaperRef], body: str,
                    memberships: Sequence[MembershipInfo] = (), source: str = "oparl-api") -> Document:
    """One document per person: status, memberships, and the papers the person originated (a sentence
    listing their numbers answers "which motions did she file?", then one sentence per paper)."""
    name = plain_name(person.name)
    lines = [person.name]
    if person.status:
        lines.append(f"{name}: " + ", ".join(person.status))
    all_memberships = list(person.memberships) + [m for m in memberships if m not in person.memberships]
    for m in all_memberships:
        where = names.get(m.organization or "", m.organization or "unbekannt")
        verb = "ist" if m.current(date.today().isoformat()) else "war"
        lines.append(_member_line(name, verb, where, m, names))
    listed = sorted(papers, key=lambda p: p.date or "", reverse=True)
    if listed:
        numbers = ", ".join(p.reference or p.title for p in listed)
        lines.append(f"Anträge und Vorlagen von {name} ({len(listed)}): {numbers}")
        for p in listed:
            head = " ".join(x for x in (p.paper_type, p.reference) if x) or "Vorlage"
            when = f" vom {p.date}" if p.date else ""
            lines.append(f"{head}{when} von {name}: {p.title}")
    return _text_document(person.id, body, person.name, PERSON_TYPE, lines, person.web, source)


def group_by_organization(memberships: Iterable[MembershipInfo]) -> dict[str, list[MembershipInfo]]:
    out: dict[str, list[MembershipInfo]] = {}
    for m in memberships:
        if m.organization:
            out.setdefault(m.organization, []).append(m)
    return out
