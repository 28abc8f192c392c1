"""Readers for OParl 1.0/1.1 objects and the mapping of a Paper to a Document."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ingest.records import Access, Consultation, Document, Page, SourceFile

_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\r?\n\s*(?=\w)")
_SPACES = re.compile(r"\s+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_BODY_PREFIXES = ("Landeshauptstadt ", "Hansestadt ", "Universitätsstadt ", "Stadt ", "Gemeinde ")
_MIME_ALIASES = {"pdf": "application/pdf", "txt": "text/plain", "html": "text/html", "htm": "text/html"}
# Hosts of council systems we know, mapped to the body (city) name.
KNOWN_HOSTS = {
    "karlsruhe": "Karlsruhe",
    "braunschweig": "Braunschweig",
    "langenhagen": "Langenhagen",
    "peine": "Peine",
    "potsdam": "Potsdam",
    "nordstemmen": "Nordstemmen",
}


@dataclass(frozen=True)
class AgendaInfo:
    """The parts of an OParl AgendaItem a consultation needs."""

    id: str
    number: str | None = None
    name: str | None = None
    consultation: str | None = None
    result: str | None = None
    resolution: str | None = None
    public: bool = True  # OParl `public`: False for an item of the meeting's non-public part


@dataclass(frozen=True)
class MeetingInfo:
    """The parts of an OParl Meeting a consultation needs (files are dropped)."""

    id: str
    name: str | None = None
    date: str | None = None
    organizations: tuple[str, ...] = ()
    agenda: tuple[AgendaInfo, ...] = ()

    def agenda_item_for(self, consultation_id: str | None, agenda_item_id: str | None) -> AgendaInfo | None:
        """The agenda item that discusses a consultation (by consultation id or agenda item id)."""
        for item in self.agenda:
            if consultation_id and item.consultation == consultation_id:
                return item
            if agenda_item_id and item.id == agenda_item_id:
                return item
        return None


@dataclass(frozen=True)
class BodyInfo:
    """An OParl Body: its display name and the URLs of its lists."""

    id: str
    name: str
    paper: str | None = None
    meeting: str | None = None
    organization: str | None = None
    person: str | None = None
    membership: str | None = None


MeetingLookup = Callable[[str], MeetingInfo | None]
PageLookup = Callable[[Mapping[str, Any]], Sequence[Page]]


@dataclass
class PaperContext:
    """What mapping a paper needs besides the paper: body name, lookups for meetings, names and texts."""

    body: str
    source: str = "oparl-mirror"
    pages: PageLookup | None = None
    meetings: MeetingLookup | None = None
    organizations: Mapping[str, str] = field(default_factory=dict)
    persons: Mapping[str, str] = field(default_factory=dict)


def clean_title(text: str | None) -> str:
    """Join words hyphenated across line breaks ("Ort-\\nschaft") and collapse whitespace."""
    if not text:
        return ""
    joined = _HYPHEN_BREAK.sub(lambda m: m.group(1) if _next_is_lower(m) else m.group(1) + "-", text)
    return _SPACES.sub(" ", joined).strip()


def _next_is_lower(match: re.Match[str]) -> bool:
    rest = match.string[match.end() :]
    return bool(rest) and rest[0].islower()


def iso_date(value: Any) -> str | None:
    """The YYYY-MM-DD part of an OParl date or date-time, None when absent or malformed."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value[:10]
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _ids(value: Any) -> tuple[str, ...]:
    """A tuple of ids from a list of URLs or embedded objects (or a single one)."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str) and item:
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            out.append(item["id"])
    return tuple(out)


def normalize_mime(value: Any) -> str | None:
    """Map vendor shorthands like "pdf" to a MIME type."""
    mime = _str(value)
    if mime is None:
        return None
    mime = mime.strip().lower()
    return _MIME_ALIASES.get(mime, mime)


def body_name_from_host(url: str | None) -> str | None:
    """The city name for a known council system host (web1.karlsruhe.de -> Karlsruhe)."""
    if not url:
        return None
    host = urlsplit(url).hostname or url
    for key, name in KNOWN_HOSTS.items():
        if key in host.lower():
            return name
    return None


def display_body_name(name: str) -> str:
    """Shorten an official body name: "Stadt Köln, kreisfreie Stadt" -> "Köln"."""
    short = name.split(",")[0].strip()
    for prefix in _BODY_PREFIXES:
        if short.startswith(prefix) and len(short) > len(prefix):
            short = short[len(prefix) :]
            break
    return short.strip() or name


def read_body(obj: Mapping[str, Any]) -> BodyInfo:
    """Read an OParl Body."""
    name = _str(obj.get("name")) or _str(obj.get("shortName")) or body_name_from_host(obj.get("id")) or ""
    return BodyInfo(
        id=str(obj.get("id", "")),
        name=display_body_name(name) if name else "",
        paper=_str(obj.get("paper")),
        meeting=_str(obj.get("meeting")),
        organization=_str(obj.get("organization")),
        person=_str(obj.get("person")),
        membership=_str(obj.get("membership")),
    )


def read_system_bodies(obj: Mapping[str, Any]) -> tuple[str | None, list[Any]]:
    """Read an OParl System: (URL of the body list, inline bodies); one of the two is empty."""
    body = obj.get("body")
    if isinstance(body, str):
        return body, []
    if isinstance(body, list):
        return None, list(body)
    if isinstance(body, dict):
        return None, [body]
    return None, []


def read_organization(obj: Mapping[str, Any]) -> tuple[str, str]:
    """Read an OParl Organization as (id, name)."""
    return str(obj.get("id", "")), clean_title(obj.get("name") or obj.get("shortName") or obj.get("id"))


def read_person(obj: Mapping[str, Any]) -> tuple[str, str]:
    """Read an OParl Person as (id, name)."""
    name = obj.get("name") or " ".join(
        part for part in (obj.get("givenName"), obj.get("familyName")) if isinstance(part, str)
    )
    return str(obj.get("id", "")), clean_title(name or obj.get("id"))


def read_location(obj: Mapping[str, Any]) -> str:
    """Read an OParl Location as a one-line description."""
    if obj.get("description"):
        return clean_title(obj["description"])
    parts = (obj.get("streetAddress"), obj.get("postalCode"), obj.get("locality"), obj.get("room"))
    return clean_title(" ".join(p for p in parts if isinstance(p, str)))


def read_meeting(obj: Mapping[str, Any]) -> MeetingInfo:
    """Read an OParl Meeting with its agenda items."""
    agenda = []
    for item in obj.get("agendaItem") or []:
        if not isinstance(item, dict) or item.get("deleted"):
            continue
        number = item.get("number")
        agenda.append(
            AgendaInfo(
                id=str(item.get("id", "")),
                number=str(number) if number not in (None, "") else None,
                name=clean_title(item.get("name")) or None,
                consultation=_str(item.get("consultation")),
                result=clean_title(item.get("result")) or None,
                resolution=_str(item.get("resolutionText")),
                public=item.get("public") is not False,
            )
        )
    return MeetingInfo(
        id=str(obj.get("id", "")),
        name=clean_title(obj.get("name")) or None,
        date=iso_date(obj.get("start")),
        organizations=_ids(obj.get("organization")),
        agenda=tuple(agenda),
    )


def read_file(obj: Mapping[str, Any], role: str = "attachment", pages: Sequence[Page] = ()) -> SourceFile:
    """Read an OParl File (its text pages come from the caller)."""
    file_id = str(obj.get("id", ""))
    name = clean_title(obj.get("name")) or _str(obj.get("fileName")) or file_id.rsplit("/", 1)[-1]
    return SourceFile(
        id=file_id,
        name=name,
        url=_str(obj.get("accessUrl")) or _str(obj.get("downloadUrl")),
        mime_type=normalize_mime(obj.get("mimeType")),
        date=iso_date(obj.get("date")) or iso_date(obj.get("created")),
        pages=tuple(pages),
        role=role,
    )


def paper_files(paper: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], str]]:
    """The File objects of a paper with their role: mainFile "main", auxiliaryFile "attachment"."""
    files: list[tuple[Mapping[str, Any], str]] = []
    main = paper.get("mainFile")
    if isinstance(main, dict) and not main.get("deleted"):
        files.append((main, "main"))
    for aux in paper.get("auxiliaryFile") or []:
        if isinstance(aux, dict) and not aux.get("deleted"):
            files.append((aux, "attachment"))
    return files


def _names(ids: Iterable[str], names: Mapping[str, str]) -> list[str]:
    return [names[i] for i in ids if i in names]


def _consultation(obj: Mapping[str, Any], ctx: PaperContext) -> Consultation:
    meeting_id = _str(obj.get("meeting"))
    meeting = ctx.meetings(meeting_id) if (meeting_id and ctx.meetings) else None
    org_ids = _ids(obj.get("organization")) or (meeting.organizations if meeting else ())
    org_names = [ctx.organizations.get(i, i) for i in org_ids]
    item = meeting.agenda_item_for(_str(obj.get("id")), _str(obj.get("agendaItem"))) if meeting else None
    authoritative = obj.get("authoritative")
    return Consultation(
        organization="; ".join(org_names) or None,
        meeting_id=meeting_id,
        meeting_name=meeting.name if meeting else None,
        meeting_date=meeting.date if meeting else None,
        role=_str(obj.get("role")),
        authoritative=authoritative if isinstance(authoritative, bool) else None,
        agenda_number=item.number if item else None,
        # a non-public item's result and resolution stay with the meeting's non-public part (`meeting_documents`)
        result=item.result if item and item.public else None,
        resolution=item.resolution if item and item.public else None,
    )


def _extra(paper: Mapping[str, Any], ctx: PaperContext) -> tuple[tuple[str, str], ...]:
    extra: list[tuple[str, str]] = []
    directing = _names(_ids(paper.get("underDirectionOf")), ctx.organizations)
    if directing:
        extra.append(("under_direction_of", "; ".join(directing)))
    places = [read_location(loc) for loc in paper.get("location") or [] if isinstance(loc, dict)]
    if any(places):
        extra.append(("location", "; ".join(p for p in places if p)))
    keywords = [k for k in paper.get("keyword") or [] if isinstance(k, str)]
    if keywords:
        extra.append(("keywords", ", ".join(keywords)))
    return tuple(extra)


def paper_to_document(paper: Mapping[str, Any], ctx: PaperContext) -> Document:
    """Map an OParl Paper to a Document; unknown meetings/names stay unresolved."""
    paper_id = _str(paper.get("id"))
    if paper_id is None:
        raise ValueError("Vorlage ohne id")
    reference = _str(paper.get("reference"))
    title = clean_title(paper.get("name")) or (f"Vorlage {reference}" if reference else "Ohne Titel")
    files = []
    for obj, role in paper_files(paper):
        pages = ctx.pages(obj) if ctx.pages else ()
        files.append(read_file(obj, role=role, pages=pages))
    consultations = [
        _consultation(c, ctx)
        for c in paper.get("consultation") or []
        if isinstance(c, dict) and not c.get("deleted")
    ]
    submitters = _names(_ids(paper.get("originatorPerson")), ctx.persons) + _names(
        _ids(paper.get("originatorOrganization")), ctx.organizations
    )
    return Document(
        id=paper_id,
        source=ctx.source,
        body=ctx.body,
        title=title,
        reference=reference.strip() if reference else None,
        paper_type=clean_title(paper.get("paperType")) or None,
        date=iso_date(paper.get("date")),
        web_url=_str(paper.get("web")),
        submitter="; ".join(submitters) or None,
        files=tuple(files),
        consultations=tuple(consultations),
        related=_ids(paper.get("relatedPaper")),
        superordinated=_ids(paper.get("superordinatedPaper")),
        subordinated=_ids(paper.get("subordinatedPaper")),
        modified=_str(paper.get("modified")),
        extra=_extra(paper, ctx),
        access=paper_access(paper),
    )


def paper_access(paper: Mapping[str, Any]) -> Access:
    """Council-only when the endpoint marks the paper or one of its files `"public": false`: a paper is indexed as
    one text, and nothing of a non-public file may reach the public."""
    if paper.get("public") is False or any(obj.get("public") is False for obj, _role in paper_files(paper)):
        return Access.COUNCIL
    return Access.PUBLIC


def split_text_pages(text: str) -> tuple[Page, ...]:
    """Split extracted text at form feeds into pages 1..n; without form feeds one page with number None."""
    if "\f" not in text:
        return (Page(None, text.strip()),) if text.strip() else ()
    pages = [Page(n, part.strip()) for n, part in enumerate(text.split("\f"), start=1)]
    return tuple(p for p in pages if p.text)
