"""A JSON file of OParl objects: a paper list (an OParl list page, a JSON list) or single objects of any
type, as users save them from an endpoint. Every object is read as what it is; one that yields no
document is reported with its position in the file."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest.records import Access, Document, Page, SourceFile
from ingest.sources.base import ProblemLog
from ingest.sources.city import UNKNOWN_CITY, city_from_url
from ingest.sources.oparl_json import OParlFormatError, load_json_tolerant
from ingest.sources.oparl_model import (
    MeetingInfo,
    PaperContext,
    paper_to_document,
    read_body,
    read_meeting,
)
from ingest.sources.oparl_people import (
    OrganizationInfo,
    PersonInfo,
    group_by_organization,
    organization_document,
    person_document,
    read_organization_info,
    read_person_info,
)

SOURCE = "oparl-json"
UNKNOWN_FORMAT = "Format nicht erkannt"
BROKEN_JSON = "kaputtes JSON"
# Types that describe a paper's surroundings but carry no text of their own.
_NO_DOCUMENT = {
    "System": "die API mit `council ingest URL` einlesen",
    "File": "ohne die Vorlage, zu der sie gehört",
    "Location": "nur ein Ort",
    "LegislativeTerm": "nur eine Wahlperiode",
    "AgendaItem": "ohne die Sitzung, zu der er gehört",
    "Consultation": "ohne die Vorlage, zu der sie gehört",
    "Membership": "ohne Person und Gremium",
}


def list_items(obj: Any) -> list[Any]:
    """The objects of an OParl list file: a JSON list, an OParl list page ({"data": [...]}) or one object."""
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict) and isinstance(obj.get("data"), list):
        return obj["data"]
    return [obj]


def oparl_type(obj: Mapping[str, Any]) -> str:
    """"Paper" for ".../1.1/Paper"; an object without type that looks like a paper counts as one."""
    kind = obj.get("type")
    if isinstance(kind, str) and kind.strip():
        return kind.rstrip("/").rsplit("/", 1)[-1]
    if any(key in obj for key in ("reference", "paperType", "mainFile", "consultation")):
        return "Paper"
    return ""


def is_oparl(obj: Any) -> bool:
    """Whether parsed JSON holds OParl objects (typed objects or untyped papers with an id)."""
    items = list_items(obj)
    return bool(items) and any(
        isinstance(i, dict) and isinstance(i.get("id"), str) and oparl_type(i) for i in items
    )


def meeting_documents(info: MeetingInfo, raw: Mapping[str, Any], names: Mapping[str, str], body: str
                      ) -> list[Document]:
    """A meeting with its public agenda as one document, and its non-public items (OParl `public: false`), if any,
    as a second one that only councillors and staff may read."""
    public = [item for item in info.agenda if item.public]
    docs = [meeting_document(replace(info, agenda=tuple(public)), raw, names, body)]
    if len(public) < len(info.agenda):
        hidden = replace(info, id=f"{info.id}#nichtoeffentlich", name=f"{info.name or 'Sitzung'} (nichtöffentlicher Teil)",
                         agenda=tuple(item for item in info.agenda if not item.public))
        docs.append(replace(meeting_document(hidden, raw, names, body), access=Access.COUNCIL))
    return docs


def meeting_document(info: MeetingInfo, raw: Mapping[str, Any], names: Mapping[str, str], body: str) -> Document:
    """A meeting with its agenda (numbers, titles, results, resolutions) as one document."""
    lines = [info.name or "Sitzung"]
    if info.date:
        lines.append(f"Sitzung am {info.date}")
    organizations = [names.get(o, o) for o in info.organizations]
    if organizations:
        lines.append("Gremium: " + "; ".join(organizations))
    if info.agenda:
        lines.append("Tagesordnung:")
    for item in info.agenda:
        head = f"TOP {item.number}: " if item.number else "- "
        lines.append(head + (item.name or "ohne Titel") + (f" – Ergebnis: {item.result}" if item.result else ""))
        if item.resolution:
            lines.append(f"Beschluss: {item.resolution}")
    web = raw.get("web") if isinstance(raw.get("web"), str) else None
    main = SourceFile(id=f"{info.id}#text", name=info.name or "Sitzung", url=web, mime_type="text/plain",
                      date=info.date, pages=(Page(None, "\n".join(lines)),), role="main")
    return Document(id=info.id, source=SOURCE, body=body, title=info.name or "Sitzung", paper_type="Sitzung",
                    date=info.date, web_url=web, files=(main,))


@dataclass
class _Objects:
    """The objects of one file, sorted by type, with their positions for problem reports."""

    papers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    meetings: list[tuple[MeetingInfo, dict[str, Any]]] = field(default_factory=list)
    organizations: list[OrganizationInfo] = field(default_factory=list)
    persons: list[PersonInfo] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)


class OParlJsonSource:
    """Documents of one OParl JSON file: papers (metadata only), meetings, organizations, persons."""

    name = SOURCE

    def __init__(self, path: Path, body: str | None = None) -> None:
        self.path = Path(path)
        self.body = body
        self.body_names: list[str] = []  # names of OParl Body objects in the file (a folder's city)

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        try:
            parsed = load_json_tolerant(self.path.read_bytes(), str(self.path), problems)
        except OParlFormatError as exc:
            problems.report(str(self.path), f"{BROKEN_JSON}: {exc.reason}")
            return
        except OSError as exc:
            problems.report(str(self.path), f"Datei nicht lesbar: {exc}")
            return
        if isinstance(parsed, dict) and "sources" in parsed:
            problems.report(str(self.path), "Korpus-Manifest, keine Dokumente: mit `council ingest DATEI` einlesen")
            return
        if not is_oparl(parsed):
            problems.report(str(self.path), f"{UNKNOWN_FORMAT} (JSON ohne OParl-Objekte)")
            return
        objects = self._sort(list_items(parsed), problems)
        self.body_names = [b for b in objects.bodies if b]
        body = self.body or (objects.bodies[0] if objects.bodies else "")
        if objects.bodies and not (objects.papers or objects.meetings or objects.organizations or objects.persons):
            problems.report(str(self.path), f"OParl-Body ergibt kein Dokument (nur der Stadtname "
                            f"{objects.bodies[0] or 'ohne Namen'})", stage="parse")
        yield from self._papers(objects, body, problems)
        yield from self._others(objects, body)

    def _sort(self, items: list[Any], problems: ProblemLog) -> _Objects:
        objects = _Objects()
        for index, obj in enumerate(items):
            location = f"{self.path}#{index}" if len(items) > 1 else str(self.path)
            if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
                problems.report(location, "kein OParl-Objekt (id fehlt)")
                continue
            kind = oparl_type(obj)
            if obj.get("deleted"):
                problems.report(location, f"OParl-{kind or 'Objekt'} als gelöscht markiert, nicht eingelesen",
                                fatal=False)
            elif kind == "Paper":
                objects.papers.append((index, obj))
            elif kind == "Meeting":
                objects.meetings.append((read_meeting(obj), obj))
            elif kind == "Organization":
                objects.organizations.append(read_organization_info(obj))
            elif kind == "Person":
                objects.persons.append(read_person_info(obj))
            elif kind == "Body":
                objects.bodies.append(read_body(obj).name)
            else:
                why = _NO_DOCUMENT.get(kind, "Typ nicht unterstützt")
                problems.report(location, f"OParl-{kind or 'Objekt ohne Typ'} ergibt kein Dokument ({why})")
        return objects

    def _papers(self, objects: _Objects, body: str, problems: ProblemLog) -> Iterator[Document]:
        meetings = {info.id: info for info, _ in objects.meetings}
        names = {o.id: o.name for o in objects.organizations}
        persons = {p.id: p.name for p in objects.persons}
        for index, paper in objects.papers:
            city = body or self._city(paper)
            ctx = PaperContext(body=city, source="oparl-mirror", meetings=meetings.get, organizations=names,
                               persons=persons)
            try:
                yield paper_to_document(paper, ctx)
            except (ValueError, TypeError, AttributeError) as exc:
                problems.report(f"{self.path}#{index}", f"Vorlage nicht lesbar: {exc}")

    def _others(self, objects: _Objects, body: str) -> Iterator[Document]:
        names = {o.id: o.name for o in objects.organizations}
        persons = {p.id: p for p in objects.persons}
        members = group_by_organization(m for p in objects.persons for m in p.memberships)
        for info, raw in objects.meetings:
            yield from meeting_documents(info, raw, names, body or self._city(raw))
        for org in objects.organizations:
            yield organization_document(org, members.get(org.id, []), persons, names,
                                        body or self._city({"id": org.id}), source=SOURCE)
        for person in objects.persons:
            yield person_document(person, names, (), body or self._city({"id": person.id}), source=SOURCE)

    @staticmethod
    def _city(obj: Mapping[str, Any]) -> str:
        for key in ("id", "web", "body"):
            value = obj.get(key)
            city = city_from_url(value if isinstance(value, str) else None)
            if city:
                return city
        return UNKNOWN_CITY
