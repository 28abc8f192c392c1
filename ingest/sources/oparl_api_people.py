"""The crawler's part for persons, organizations and memberships of one OParl body."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ingest.records import Document
from ingest.sources.base import ProblemLog
from ingest.sources.oparl_http import OParlHttp
from ingest.sources.oparl_model import BodyInfo
from ingest.sources.oparl_people import (
    MembershipInfo,
    OrganizationInfo,
    PaperRef,
    PersonInfo,
    group_by_organization,
    organization_document,
    person_document,
    read_membership,
    read_organization_info,
    read_person_info,
)

# Fetching memberships one by one costs a request each; beyond this many the crawl reports and stops.
MAX_SINGLE_MEMBERSHIPS = 5000


class PeopleCrawl:
    """Reads a body's organizations (names for consultations, always) and persons with memberships
    (names for originators, and their own documents); collects each person's papers while papers pass."""

    def __init__(self, http: OParlHttp, body: BodyInfo, city: str, max_pages: int) -> None:
        self.http = http
        self.body = body
        self.city = city
        self.max_pages = max_pages
        self.organizations: dict[str, OrganizationInfo] = {}
        self.persons: dict[str, PersonInfo] = {}
        self.memberships: list[MembershipInfo] = []
        self.papers: dict[str, list[PaperRef]] = {}

    @property
    def organization_names(self) -> dict[str, str]:
        return {org_id: org.name for org_id, org in self.organizations.items()}

    @property
    def person_names(self) -> dict[str, str]:
        return {person_id: person.name for person_id, person in self.persons.items()}

    def read_organizations(self, problems: ProblemLog) -> None:
        if not self.body.organization:
            return
        for obj in self.http.iterate(self.body.organization, problems, max_pages=self.max_pages):
            if not obj.get("deleted"):
                org = read_organization_info(obj)
                self.organizations[org.id] = org

    def read_persons(self, problems: ProblemLog) -> None:
        """Persons with their memberships: embedded (the usual OParl 1.1 form), else from the body's
        membership list, else fetched one by one."""
        if not self.body.person:
            return
        pending: list[tuple[str, str]] = []
        for obj in self.http.iterate(self.body.person, problems, max_pages=self.max_pages):
            if obj.get("deleted"):
                continue
            person = read_person_info(obj)
            self.persons[person.id] = person
            self.memberships += person.memberships
            pending += [(person.id, url) for url in person.membership_urls]
        if pending:
            self.memberships += self._referenced_memberships(pending, problems)

    def _referenced_memberships(self, pending: list[tuple[str, str]], problems: ProblemLog) -> list[MembershipInfo]:
        listed: dict[str, Mapping[str, Any]] = {}
        if self.body.membership:
            listed = {str(o.get("id")): o
                      for o in self.http.iterate(self.body.membership, problems, max_pages=self.max_pages)}
        out = []
        for count, (person_id, url) in enumerate(pending):
            obj = listed.get(url)
            if obj is None and count < MAX_SINGLE_MEMBERSHIPS:
                obj = self.http.get_json(url, problems, fatal=False)
            elif obj is None:
                problems.report(url, f"mehr als {MAX_SINGLE_MEMBERSHIPS} einzeln verlinkte Mitgliedschaften: "
                                "Rest nicht geladen", fatal=False)
                break
            if isinstance(obj, dict) and not obj.get("deleted"):
                out.append(read_membership(obj, person_id))
        return out

    def note_paper(self, paper: Mapping[str, Any], doc: Document) -> None:
        """Remember the paper for each of its originating persons (their documents list it)."""
        originators = paper.get("originatorPerson") or []
        for person in originators if isinstance(originators, list) else [originators]:
            person_id = person.get("id") if isinstance(person, dict) else person
            if isinstance(person_id, str):
                self.papers.setdefault(person_id, []).append(
                    PaperRef(doc.reference, doc.paper_type, doc.title, doc.date))

    def documents(self) -> Iterator[Document]:
        """One document per organization that has members, one per person."""
        names = self.organization_names
        members = group_by_organization(self.memberships)
        for org_id, org in self.organizations.items():
            if members.get(org_id):
                yield organization_document(org, members[org_id], self.persons, names, self.city)
        by_person: dict[str, list[MembershipInfo]] = {}
        for m in self.memberships:
            by_person.setdefault(m.person or "", []).append(m)
        for person in self.persons.values():
            yield person_document(person, names, self.papers.get(person.id, ()), self.city,
                                  memberships=by_person.get(person.id, ()))
