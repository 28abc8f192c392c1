"""What every ALLRIS web page shares, classic or net 4: its head fields, heading, kind of page (vo020 paper, to010
agenda, to020 agenda item), links, city, Beratungsfolge, agenda rows and attachments."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Protocol
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Tag

from ingest.parse.clean import clean_text
from ingest.records import Access, Consultation, SourceFile

DATE_DE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_DATE_EN = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{1,2}), (\d{4})\b")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_TOP_NUMBER = re.compile(r"^(?:Ö|NÖ|N|ö|nö)\s*\d+(?:\.\d+)*[a-z]?$")
_SIZE_SUFFIX = re.compile(r"\s*\(\d[\d.,]*\s*[KMG]?B\)\s*$", re.I)
_DOC_HREF = re.compile(r"(?:\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|zip|jpe?g|png|tiff?)$)|getfile|___tmp", re.I)
RELATED_REF = re.compile(r"(?:Bezugsdrucksache|zur Vorlage|Bezug(?:svorlage)?:?)\s+(\d{1,4}[-/]\d{1,5}(?:[-/]\d{1,3})?)")
_STATUS_WORDS = frozenset(("Erledigt", "Geplant", "Gestoppt", "Zurückgestellt", "Abgesetzt", "Vertagt"))
_CHROME_LINES = frozenset((
    "zurück Nach oben Seite drucken", "Loading...", "Reduzieren", "Legende", "NA", "Dokument auswählen",
    "Alle Tagesordnungspunkte aufklappen", "+/-",
))
_MIME = {".pdf": "application/pdf", ".doc": "application/msword",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class HtmlVariant(Protocol):
    """One ALLRIS generation's page conventions (`classic.AllrisClassic`, `net4.AllrisNet4`)."""

    name: str

    def recognises(self, lowered_head: str) -> bool: ...

    def page_url(self, base: str, raw: str, kind: str, key: str, value: str) -> str: ...

    def content_text(self, soup: BeautifulSoup) -> str: ...


def iso_date(text: str | None) -> str | None:
    """First German ("31.03.2025") or English ("Jan 29, 2026") date in a text as ISO."""
    if not text:
        return None
    match = DATE_DE.search(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None
    match = _DATE_EN.search(text)
    if match:
        return f"{int(match.group(3)):04d}-{_MONTHS[match.group(1)]:02d}-{int(match.group(2)):02d}"
    return None


def inline_text(node: Tag | None) -> str:
    """Whitespace-normalised inline text of an element."""
    return " ".join(node.get_text(" ").split()) if node is not None else ""


def head_fields(soup: BeautifulSoup) -> dict[str, str]:
    """Label -> value pairs of the page head (classic td.kb1 cells, net 4 dt/dd pairs)."""
    fields: dict[str, str] = {}
    for label in soup.select("td.kb1"):
        value = label.find_next_sibling("td")
        key = inline_text(label).rstrip(":").strip()
        if key and value is not None and key not in fields:
            fields[key] = inline_text(value)
    for label in soup.find_all("dt"):
        value = label.find_next_sibling("dd")
        key = inline_text(label).rstrip(":").strip()
        if key and value is not None and key not in fields:
            fields[key] = inline_text(value)
    return fields


def field(fields: dict[str, str], *names: str) -> str | None:
    """First non-empty field among several label spellings."""
    for name in names:
        if fields.get(name):
            return fields[name]
    return None


def heading_of(soup: BeautifulSoup) -> str:
    """The page heading (h1), e.g. 'Vorlage - 23/224' or 'Schulausschuss - 01.09.2026'."""
    for selector in ("#risname_raw h1", "h1.title", "#risname h1", "h1"):
        node = soup.select_one(selector)
        if node is not None and inline_text(node):
            return inline_text(node)
    return inline_text(soup.title)


def page_kind(soup: BeautifulSoup, fields: dict[str, str], heading: str) -> str:
    """vo020 (paper), to010 (agenda) or to020 (agenda item extract)."""
    if "TOP" in fields or heading.startswith("Auszug"):
        return "to020"
    if agenda_rows(soup) and ("Gremium" in fields or "Datum" in fields):
        return "to010"
    return "vo020"


def base_url_of(soup: BeautifulSoup, raw: str, given: str | None) -> str | None:
    """Base for relative links: the argument, <base href>, Wicket base or the page's own host."""
    if given:
        return given
    base = soup.find("base", href=True)
    if base is not None:
        return str(base["href"])
    canonical = soup.find("link", rel="canonical", href=True)
    if canonical is not None:
        return str(canonical["href"])
    hosts: Counter[str] = Counter()
    for anchor in soup.find_all("a", href=True):
        href = str(anchor["href"])
        if href.startswith("http"):
            parsed = urlparse(href)
            weight = 5 if re.search(r"/(?:vo|to|si|kp)0\d\d|wicket", parsed.path) else 1
            hosts[f"{parsed.scheme}://{parsed.netloc}/"] += weight
    if hosts:
        return hosts.most_common(1)[0][0]
    return None


def body_name(soup: BeautifulSoup, given: str | None, base: str | None = None) -> str:
    """City name: the argument, the page's logo/meta/title, the host name, else 'unbekannt'."""
    if given:
        return given
    host = urlparse(base).netloc if base else ""
    host_match = re.search(r"(?:stadt[.-]|www\.)([a-z]+)\.de$", host)
    candidates = [str(n.get("title", "")) for n in soup.select("#logo[title]")]
    candidates += [str(n.get("content", "")) for n in soup.find_all("meta", attrs={"name": ["geo.placename", "author"]})]
    candidates.append(inline_text(soup.title))
    candidates.append(inline_text(soup.select_one("#risname_raw") or soup.select_one("h1")))
    for candidate in candidates:
        match = re.search(r"(?:Stadt|Gemeinde|Landkreis|Hansestadt)\s+([A-ZÄÖÜ][\w\-]+(?:\s+am\s+\w+)?)", candidate)
        if match:
            return match.group(1)
    for candidate in candidates[:2]:
        if candidate.strip() and " " not in candidate.strip():
            return candidate.strip()
    text = soup.get_text(" ")
    match = re.search(r"Rat(?:es)? der Stadt ([A-ZÄÖÜ][\w\-]+)", text)
    if match:
        return match.group(1)
    return host_match.group(1).capitalize() if host_match else "unbekannt"


def _consultation_table(soup: BeautifulSoup) -> Tag | None:
    """The Beratungsfolge table (classic: after the label cell; net 4: table.bfTable)."""
    table = soup.select_one("table.bfTable")
    if table is not None:
        return table
    for label in soup.select("td.kb1"):
        if inline_text(label).startswith("Beratungsfolge"):
            row = label.find_parent("tr")
            return row.find_next("table") if row is not None else None
    return None


def consultations_of(soup: BeautifulSoup, base: str | None) -> list[Consultation]:
    """Beratungsfolge rows: committee/role rows followed by meeting/date/result rows."""
    table = _consultation_table(soup)
    if table is None:
        return []
    result: list[Consultation] = []
    org: str | None = None
    role: str | None = None
    org_used = True
    for row in table.find_all("tr"):
        if row.find("th") is not None:
            continue
        cells = row.find_all("td", recursive=False)
        texts = [inline_text(c) for c in cells if "colorCol" not in (c.get("class") or [])]
        meeting_link = row.find("a", href=re.compile(r"to010"))
        date = next((iso_date(t) for t in texts if iso_date(t)), None)
        if meeting_link is None and date is None:
            values = [t for t in texts if t and t not in _STATUS_WORDS and t != "NA"]
            if values:
                if not org_used:
                    result.append(Consultation(organization=org, role=role))
                org, role, org_used = values[0], (values[1] if len(values) > 1 else None), False
            continue
        meeting_name = inline_text(meeting_link) if meeting_link is not None else None
        outcome = None
        if meeting_link is not None:
            cell = meeting_link.find_parent("td")
            following = cell.find_next_siblings("td") if cell is not None else []
            outcome = next((inline_text(c) for c in following if inline_text(c) and inline_text(c) != "NA"), None)
        meeting_id = urljoin(base, str(meeting_link["href"])) if meeting_link is not None and base else (
            str(meeting_link["href"]) if meeting_link is not None else None
        )
        result.append(Consultation(
            organization=org, role=role, meeting_id=meeting_id, meeting_name=meeting_name,
            meeting_date=date, result=outcome,
        ))
        org_used = True
    if not org_used:
        result.append(Consultation(organization=org, role=role))
    return result


def attachments_of(soup: BeautifulSoup, base: str | None, doc_id: str) -> list[SourceFile]:
    """Attachment and document links (PDF, DOCX, ...) as SourceFiles without pages."""
    files: dict[str, SourceFile] = {}
    names: set[str] = set()
    for anchor in soup.find_all("a", href=True):
        href = str(anchor["href"])
        classes: list[str] = list(anchor.get("class") or [])
        if href.startswith("#") or not (_DOC_HREF.search(href) or "attlink" in classes):
            continue
        name = _SIZE_SUFFIX.sub("", inline_text(anchor)) or str(anchor.get("data-simpletooltip-text", "")) or href
        url = urljoin(base, href) if base else href
        if url in files or ("attlink" in classes and name in names):
            continue
        names.add(name)
        suffix = Path(urlparse(url).path).suffix.lower()
        files[url] = SourceFile(id=url if base else f"{doc_id}#{href}", name=name, url=url, mime_type=_MIME.get(suffix))
    for form in soup.find_all("form", action=re.compile(r"do027")):
        fields = {str(i.get("name")): str(i.get("value", "")) for i in form.find_all("input") if i.get("name")}
        button = form.find("input", attrs={"type": "submit"})
        if "DOLFDNR" not in fields:
            continue
        query = "&".join(f"{k}={v}" for k, v in fields.items())
        href = f"{form['action']}?{query}"
        url = urljoin(base, href) if base else href
        name = str(button.get("value", "Dokument")) if button is not None else "Dokument"
        files.setdefault(url, SourceFile(id=url if base else f"{doc_id}#{href}", name=name, url=url,
                                         mime_type="application/pdf"))
    return list(files.values())


def agenda_rows(soup: BeautifulSoup) -> list[tuple[str, str, str | None, str | None]]:
    """Agenda rows (number, title, Vorlage reference, result) of a to010 page."""
    rows: list[tuple[str, str, str | None, str | None]] = []
    for row in soup.find_all("tr"):
        cells = row.find_all("td", recursive=False)
        if len(cells) < 2:
            continue
        texts = [inline_text(c) for c in cells]
        number = next((t for t in texts if _TOP_NUMBER.match(t)), None)
        if number is None:
            continue
        vo_link = row.find("a", href=re.compile(r"vo020"))
        reference = inline_text(vo_link) if vo_link is not None else None
        betreff = row.select_one("td.tobetreff")
        if betreff is not None:
            title = inline_text(betreff)
        else:
            title = max((t for t in texts if t not in (number, reference)), key=len, default="")
        outcome_input = row.find("input", attrs={"class": "il1_naz", "title": True})
        outcome = str(outcome_input["title"]) if outcome_input is not None else None
        if outcome in ("Auszug", "") or (outcome and outcome.startswith("(")):
            outcome = None
        rows.append((number, title, reference, outcome))
    return rows


def drop_chrome(text: str) -> str:
    """Remove navigation leftovers and the page footer from extracted text."""
    lines: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped in _CHROME_LINES:
            continue
        if stripped.startswith("zurück") and "Seite drucken" in stripped:
            break
        lines.append(line)
    return clean_text("\n".join(lines))


def join_lines(*lines: str | None) -> str:
    """Join the non-empty lines."""
    return "\n".join(line for line in lines if line)


def doc_id_of(web_url: str | None, body: str, key: str) -> str:
    """Stable id: the page URL when known, else allris:<body>:<reference or file name>."""
    return web_url or f"allris:{body}:{key}"


# a page whose status is "nichtöffentlich" (a copy from the council's own ALLRIS view); "öffentlich/nichtöffentlich"
# is a meeting with both parts, whose public page shows the public part only
_NON_PUBLIC = re.compile(r"^\s*nicht\s*-?\s*öffentlich\s*$", re.IGNORECASE)


def access_of(status: str | None) -> Access:
    """Council-only for an ALLRIS page marked "nichtöffentlich", else public."""
    return Access.COUNCIL if status and _NON_PUBLIC.match(status) else Access.PUBLIC
