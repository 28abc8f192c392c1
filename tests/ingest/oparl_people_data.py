"""Persons and memberships for the OParl test server (the shared corpus has no Person objects).

Derived, not captured: the councillors Sabine Zürn and Niko Fostiropoulos as the Karlsruhe papers'
titles and texts name them ("Anfrage StRn Zürn, StR Fostiropoulos (Die Linke): ..."), members of the
real Karlsruhe Gemeinderat; the OParl specification's example person (Person-01.json) and a second
placeholder person as members of the real Karlsruhe "Bauausschuss", one of them linked by URL only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ORIGIN = "https://web1.karlsruhe.de/oparl"
BAUAUSSCHUSS = f"{ORIGIN}/bodies/0001/organizations/gr/31180"
GEMEINDERAT = f"{ORIGIN}/bodies/0001/organizations/gr/32130"
# The councillors as the papers name them ("Anfrage StRn Zürn, StR Fostiropoulos (Die Linke): ...").
COUNCILLORS = {
    "Sabine Zürn": ("female", "Stadträtin", "Zürn"),
    "Niko Fostiropoulos": ("male", "Stadtrat", "Fostiropoulos"),
}


def _membership(person: str, number: int, organization: str, role: str, start: str) -> dict[str, Any]:
    return {"id": f"{ORIGIN}/bodies/0001/memberships/{person}-{number}",
            "type": "https://schema.oparl.org/1.1/Membership", "organization": organization, "role": role,
            "votingRight": True, "startDate": start}


def derived_persons(corpus: Path, papers: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Persons for the crawler tests (see the module docstring) and the papers each one originated."""
    persons: list[dict[str, Any]] = []
    originators: dict[str, list[str]] = {}
    for number, (name, (gender, role, family)) in enumerate(COUNCILLORS.items(), start=1):
        person_id = f"{ORIGIN}/bodies/0001/persons/{number}"
        persons.append({"id": person_id, "type": "https://schema.oparl.org/1.1/Person", "name": name,
                        "familyName": family, "gender": gender, "status": [role],
                        "membership": [_membership(str(number), 1, GEMEINDERAT, role, "2019-07-01")]})
        for paper in papers:
            if family in paper["name"]:
                originators.setdefault(paper["id"], []).append(person_id)
    example = json.loads((corpus / "oparl-spec-examples" / "Person-01.json").read_text(encoding="utf-8"))
    example["id"] = f"{ORIGIN}/bodies/0001/persons/29"
    example["membership"] = [_membership("29", 1, BAUAUSSCHUSS, "Vorsitzende", "2019-07-01"),
                             {**_membership("29", 2, GEMEINDERAT, "Stadtrat", "2014-07-01"), "endDate": "2019-06-30"}]
    second = {"id": f"{ORIGIN}/bodies/0001/persons/30", "type": "https://schema.oparl.org/1.1/Person",
              "name": "Erika Mustermann", "familyName": "Mustermann", "gender": "female",
              "membership": [f"{ORIGIN}/bodies/0001/memberships/30-1"]}  # linked, not embedded
    return [*persons, example, second], originators


def linked_memberships() -> list[dict[str, Any]]:
    """The memberships persons only link to (served by the body's membership list)."""
    return [_membership("30", 1, BAUAUSSCHUSS, "Mitglied", "2024-07-01") | {"person": f"{ORIGIN}/bodies/0001/persons/30"}]
