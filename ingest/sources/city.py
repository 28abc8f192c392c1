"""The city (body) of a document: from its own metadata or text, from a URL's host, or from the other
documents of the folder it was found in."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from ingest.records import Document
from ingest.sources.oparl_model import body_name_from_host

UNKNOWN_CITY = "unbekannt"
# "Stadt Erlangen Erlangen, 27. Januar 2020" (a letterhead) or "Gemeinde Nordstemmen" at a line start
_LETTERHEAD = re.compile(
    r"^(?:Landeshauptstadt|Universitätsstadt|Hansestadt|Stadt|Gemeinde|Kreisstadt|Samtgemeinde)\s+"
    r"([A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?(?:\s+(?:am|an der|im|in der)\s+[A-ZÄÖÜ]\w+)?)",
    re.M,
)
# "STADT KARLSRUHE\nDer Oberbürgermeister": Karlsruhe's letterhead in capitals
_LETTERHEAD_CAPS = re.compile(r"^(?:LANDESHAUPTSTADT|HANSESTADT|STADT|GEMEINDE)\s+([A-ZÄÖÜ]{3,}(?:-[A-ZÄÖÜ]{3,})?)\s*$", re.M)
_COUNCIL = re.compile(r"\bRat(?:es)? der (?:Stadt|Gemeinde) ([A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?)")
_HEAD_LINES = 15  # a letterhead sits in the first lines of the first page
_HEAD_CHARS = 3000
# Host labels that name the software, the portal or the country, never the city.
_GENERIC_LABELS = frozenset((
    "www", "ratsinfo", "ris", "bi", "buergerinfo", "bürgerinfo", "sessionnet", "sitzung-online", "oparl",
    "allris", "egov", "web", "web1", "api", "public", "de", "com", "org", "net", "info", "eu", "example",
    "localhost", "gemeinde", "stadt", "kreis", "ratsinformation", "sdnet", "more-rubin1", "somacos",
))


def is_unknown(city: str | None) -> bool:
    return not city or city == UNKNOWN_CITY


def city_from_text(text: str) -> str | None:
    """A city named by a letterhead ("Stadt Erlangen") in the first lines, or "Rat der Stadt X"."""
    head = "\n".join(line.strip() for line in text[:_HEAD_CHARS].split("\n")[:_HEAD_LINES])
    match = _LETTERHEAD.search(head) or _COUNCIL.search(text[:_HEAD_CHARS])
    if match:
        return match.group(1)
    caps = _LETTERHEAD_CAPS.search(head)
    return "-".join(part.capitalize() for part in caps.group(1).split("-")) if caps else None


def city_from_url(url: str | None) -> str | None:
    """The city of a council system's host: a known host, else the one host label that is not generic
    ("ratsinfo.stadt-peine.de" -> "Peine"); None for bare IP addresses and unclear hosts."""
    if not url:
        return None
    known = body_name_from_host(url)
    if known:
        return known
    host = (urlsplit(url).hostname or "").lower()
    if not host or re.fullmatch(r"[\d.:]+", host):
        return None
    labels = [re.sub(r"^(?:stadt|gemeinde)[-.]", "", label) for label in host.split(".")]
    names = [label for label in labels if label not in _GENERIC_LABELS and label.isalpha() and len(label) > 2]
    return names[0].capitalize() if len(names) == 1 else None


def with_city(doc: Document, city: str) -> Document:
    """The document with `city` as its body; ALLRIS documents without a page URL carry the city in
    their id (allris:<city>:<reference>), so those ids move with it."""
    prefix = f"allris:{doc.body}:"
    if not doc.id.startswith(prefix):
        return replace(doc, body=city)
    new_prefix = f"allris:{city}:"
    files = tuple(
        replace(f, id=new_prefix + f.id[len(prefix):]) if f.id.startswith(prefix) else f for f in doc.files
    )
    return replace(doc, body=city, id=new_prefix + doc.id[len(prefix):], files=files)


@dataclass(frozen=True)
class CityChoice:
    """The city chosen for a document without its own, and where it came from (for the summary)."""

    city: str
    origin: str  # "--body", "Ordner", or "" when no city could be found
    candidates: tuple[str, ...] = ()


class FolderCities:
    """Cities the documents of a folder name themselves, by directory; a document without its own city
    takes the one city of its directory, else of the whole folder. Several cities give no answer:
    guessing between them would file a paper under the wrong council."""

    def __init__(self, root: Path, fallback: str | None = None) -> None:
        self.root = root
        self.fallback = fallback
        self._by_dir: dict[Path, Counter[str]] = {}
        self._all: Counter[str] = Counter()

    def vote(self, path: Path, city: str) -> None:
        if is_unknown(city):
            return
        self._by_dir.setdefault(path.parent, Counter())[city] += 1
        self._all[city] += 1

    def choose(self, path: Path) -> CityChoice:
        if self.fallback:
            return CityChoice(self.fallback, "--body")
        for votes in (self._by_dir.get(path.parent), self._all):
            if votes and len(votes) == 1:
                return CityChoice(next(iter(votes)), "Ordner")
            if votes:
                return CityChoice(UNKNOWN_CITY, "", tuple(sorted(votes)))
        return CityChoice(UNKNOWN_CITY, "")
