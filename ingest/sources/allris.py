"""ALLRIS web pages (classic .asp and ALLRIS net 4) and browser text copies -> Documents."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Tag

from ingest.parse.clean import clean_text
from ingest.parse.html import decode_html, element_text
from ingest.records import Consultation, Document, Page, SourceFile
from ingest.sources.base import ProblemLog

log = logging.getLogger(__name__)

__all__ = ["AllrisSource", "detect_variant", "is_allris_text", "parse_allris_html", "parse_allris_text"]

_DATE_DE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_DATE_EN = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{1,2}), (\d{4})\b")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_TOP_NUMBER = re.compile(r"^(?:Ö|NÖ|N|ö|nö)\s*\d+(?:\.\d+)*[a-z]?$")
_SIZE_SUFFIX = re.compile(r"\s*\(\d[\d.,]*\s*[KMG]?B\)\s*$", re.I)
_DOC_HREF = re.compile(r"(?:\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|zip|jpe?g|png|tiff?)$)|getfile|___tmp", re.I)
_RELATED_REF = re.compile(r"(?:Bezugsdrucksache|zur Vorlage|Bezug(?:svorlage)?:?)\s+(\d{1,4}[-/]\d{1,5}(?:[-/]\d{1,3})?)")
_STATUS_WORDS = frozenset(("Erledigt", "Geplant", "Gestoppt", "Zurückgestellt", "Abgesetzt", "Vertagt"))
_CHROME_LINES = frozenset((
    "zurück Nach oben Seite drucken", "Loading...", "Reduzieren", "Legende", "NA", "Dokument auswählen",
    "Alle Tagesordnungspunkte aufklappen", "+/-",
))
_MIME = {".pdf": "application/pdf", ".doc": "application/msword",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def iso_date(text: str | None) -> str | None:
    """First German ("31.03.2025") or English ("Jan 29, 2026") date in a text as ISO."""
    if not text:
        return None
    match = _DATE_DE.search(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None
    match = _DATE_EN.search(text)
    if match:
        return f"{int(match.group(3)):04d}-{_MONTHS[match.group(1)]:02d}-{int(match.group(2)):02d}"
    return None


def _text(node: Tag | None) -> str:
    """Whitespace-normalised inline text of an element."""
    return " ".join(node.get_text(" ").split()) if node is not None else ""


def detect_variant(data: str | bytes) -> str | None:
    """'classic', 'net4' or 'text' for ALLRIS pages and browser copies; None otherwise."""
    head = data[:200_000] if isinstance(data, str) else decode_html(data[:200_000])
    lowered = head.lower()
    if "<html" in lowered or "<body" in lowered or "<table" in lowered:
        if "allris net" in lowered or "allris 4" in lowered or "wicket" in lowered and "volfdnr" in lowered:
            return "net4"
        if "allris" in lowered and (".asp" in lowered or 'class="kb1"' in lowered):
            return "classic"
        return None
    return "text" if is_allris_text(head) else None


def _fields(soup: BeautifulSoup) -> dict[str, str]:
    """Label -> value pairs of the page head (classic td.kb1 cells, net 4 dt/dd pairs)."""
    fields: dict[str, str] = {}
    for label in soup.select("td.kb1"):
        value = label.find_next_sibling("td")
        key = _text(label).rstrip(":").strip()
        if key and value is not None and key not in fields:
            fields[key] = _text(value)
    for label in soup.find_all("dt"):
        value = label.find_next_sibling("dd")
        key = _text(label).rstrip(":").strip()
        if key and value is not None and key not in fields:
            fields[key] = _text(value)
    return fields


def _field(fields: dict[str, str], *names: str) -> str | None:
    """First non-empty field among several label spellings."""
    for name in names:
        if fields.get(name):
            return fields[name]
    return None


def _heading(soup: BeautifulSoup) -> str:
    """The page heading (h1), e.g. 'Vorlage - 23/224' or 'Schulausschuss - 01.09.2026'."""
    for selector in ("#risname_raw h1", "h1.title", "#risname h1", "h1"):
        node = soup.select_one(selector)
        if node is not None and _text(node):
            return _text(node)
    return _text(soup.title)


def _page_kind(soup: BeautifulSoup, fields: dict[str, str], heading: str) -> str:
    """vo020 (paper), to010 (agenda) or to020 (agenda item extract)."""
    if "TOP" in fields or heading.startswith("Auszug"):
        return "to020"
    if _find_agenda_rows(soup) and ("Gremium" in fields or "Datum" in fields):
        return "to010"
    return "vo020"


def _base_url(soup: BeautifulSoup, raw: str, given: str | None) -> str | None:
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


def _self_url(raw: str, soup: BeautifulSoup, kind: str, variant: str, base: str | None) -> str | None:
    """Public URL of the page itself, rebuilt from its ids (VOLFDNR / SILFDNR / TOLFDNR)."""
    if base is None:
        return None
    wicket = re.search(r'Wicket\.Ajax\.baseUrl="([^"]+)"', raw)
    if wicket:
        path = re.sub(r"&(?:amp;)?refresh=false", "", wicket.group(1).replace("&amp;", "&"))
        return urljoin(base, path)
    key = {"vo020": "VOLFDNR", "to010": "SILFDNR", "to020": "TOLFDNR"}[kind]
    value = None
    hidden = soup.find("input", attrs={"name": key, "value": True})
    if kind == "vo020" and hidden is not None:
        value = hidden["value"]
    pattern = r"topSelected=(\d+)" if kind == "to020" else rf"{key}=(\d+)"
    match = re.search(pattern, raw) if value is None else None
    if match:
        value = match.group(1)
    if value is None:
        return None
    page = f"{kind}.asp" if variant == "classic" else kind
    prefix = "/allris/" if variant == "classic" and "/allris/" in raw and "/allris" not in urlparse(base).path else ""
    return urljoin(base, f"{prefix}{page}?{key}={value}")


def _body_name(soup: BeautifulSoup, given: str | None, base: str | None = None) -> str:
    """City name: the argument, the page's logo/meta/title, the host name, else 'unbekannt'."""
    if given:
        return given
    host = urlparse(base).netloc if base else ""
    host_match = re.search(r"(?:stadt[.-]|www\.)([a-z]+)\.de$", host)
    candidates = [str(n.get("title", "")) for n in soup.select("#logo[title]")]
    candidates += [str(n.get("content", "")) for n in soup.find_all("meta", attrs={"name": ["geo.placename", "author"]})]
    candidates.append(_text(soup.title))
    candidates.append(_text(soup.select_one("#risname_raw") or soup.select_one("h1")))
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
        if _text(label).startswith("Beratungsfolge"):
            row = label.find_parent("tr")
            return row.find_next("table") if row is not None else None
    return None


def _consultations(soup: BeautifulSoup, base: str | None) -> list[Consultation]:
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
        texts = [_text(c) for c in cells if "colorCol" not in (c.get("class") or [])]
        meeting_link = row.find("a", href=re.compile(r"to010"))
        date = next((iso_date(t) for t in texts if iso_date(t)), None)
        if meeting_link is None and date is None:
            values = [t for t in texts if t and t not in _STATUS_WORDS and t != "NA"]
            if values:
                if not org_used:
                    result.append(Consultation(organization=org, role=role))
                org, role, org_used = values[0], (values[1] if len(values) > 1 else None), False
            continue
        meeting_name = _text(meeting_link) if meeting_link is not None else None
        outcome = None
        if meeting_link is not None:
            cell = meeting_link.find_parent("td")
            following = cell.find_next_siblings("td") if cell is not None else []
            outcome = next((_text(c) for c in following if _text(c) and _text(c) != "NA"), None)
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


def _attachments(soup: BeautifulSoup, base: str | None, doc_id: str) -> list[SourceFile]:
    """Attachment and document links (PDF, DOCX, ...) as SourceFiles without pages."""
    files: dict[str, SourceFile] = {}
    names: set[str] = set()
    for anchor in soup.find_all("a", href=True):
        href = str(anchor["href"])
        classes: list[str] = list(anchor.get("class") or [])
        if href.startswith("#") or not (_DOC_HREF.search(href) or "attlink" in classes):
            continue
        name = _SIZE_SUFFIX.sub("", _text(anchor)) or str(anchor.get("data-simpletooltip-text", "")) or href
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


def _find_agenda_rows(soup: BeautifulSoup) -> list[tuple[str, str, str | None, str | None]]:
    """Agenda rows (number, title, Vorlage reference, result) of a to010 page."""
    rows: list[tuple[str, str, str | None, str | None]] = []
    for row in soup.find_all("tr"):
        cells = row.find_all("td", recursive=False)
        if len(cells) < 2:
            continue
        texts = [_text(c) for c in cells]
        number = next((t for t in texts if _TOP_NUMBER.match(t)), None)
        if number is None:
            continue
        vo_link = row.find("a", href=re.compile(r"vo020"))
        reference = _text(vo_link) if vo_link is not None else None
        betreff = row.select_one("td.tobetreff")
        if betreff is not None:
            title = _text(betreff)
        else:
            title = max((t for t in texts if t not in (number, reference)), key=len, default="")
        outcome_input = row.find("input", attrs={"class": "il1_naz", "title": True})
        outcome = str(outcome_input["title"]) if outcome_input is not None else None
        if outcome in ("Auszug", "") or (outcome and outcome.startswith("(")):
            outcome = None
        rows.append((number, title, reference, outcome))
    return rows


def _content_text(soup: BeautifulSoup, variant: str) -> str:
    """Section text of the page (Sachverhalt, Beschluss, Begründung ...) without head and chrome."""
    if variant == "net4":
        parts: list[str] = []
        for doc in soup.select("div.docPart"):
            holder = doc.find_parent("div")
            title = holder.find("h2") if holder is not None else None
            heading = _text(title)
            body = element_text(doc)
            if heading and not body.startswith(heading):
                parts.append(heading)
            parts.append(body)
        return clean_text("\n\n".join(p for p in parts if p))
    container = soup.select_one("#rismain_raw") or soup.select_one(".allriscontent") or soup.body or soup
    copy = BeautifulSoup(str(container), "lxml")
    for label in copy.select("td.kb1"):
        table = label.find_parent("table")
        if table is not None and table.parent is not None:
            outer: Tag = table
            while (parent := outer.find_parent("table")) is not None:
                outer = parent
            outer.decompose()
    text = element_text(copy)
    return _drop_chrome(text)


def _drop_chrome(text: str) -> str:
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


def _join_lines(*lines: str | None) -> str:
    """Join the non-empty lines."""
    return "\n".join(line for line in lines if line)


def _doc_id(web_url: str | None, body: str, key: str) -> str:
    """Stable id: the page URL when known, else allris:<body>:<reference or file name>."""
    return web_url or f"allris:{body}:{key}"


def parse_allris_html(
    data: str | bytes, location: str, body: str | None = None, base_url: str | None = None
) -> Document | None:
    """One ALLRIS page (vo020 / to010 / to020, classic or net 4) as a Document, None if not ALLRIS."""
    raw = decode_html(data)
    variant = detect_variant(raw)
    if variant not in ("classic", "net4"):
        return None
    soup = BeautifulSoup(raw, "lxml")
    fields = _fields(soup)
    heading = _heading(soup)
    kind = _page_kind(soup, fields, heading)
    base = _base_url(soup, raw, base_url)
    web_url = _self_url(raw, soup, kind, variant, base)
    city = _body_name(soup, body, base)
    file_key = Path(location).name
    extra: list[tuple[str, str]] = [("allris_variant", variant), ("allris_page", kind)]
    if kind == "to010":
        return _agenda_document(soup, fields, heading, city, web_url, file_key, extra)
    if kind == "to020":
        return _item_document(soup, fields, heading, variant, city, web_url, file_key, extra)
    head_parts = [p.strip() for p in heading.split(" - ")]
    reference = head_parts[1] if len(head_parts) > 1 else None
    title = _field(fields, "Betreff") or (" - ".join(head_parts[2:]) if len(head_parts) > 2 else heading)
    paper_type = _field(fields, "Vorlage-Art", "Vorlageart", "Art") or (head_parts[0] if head_parts else None)
    consultations = _consultations(soup, base)
    date = iso_date(_field(fields, "Datum", "Erstellt", "Vorlagedatum"))
    if date is None:
        dates = sorted(c.meeting_date for c in consultations if c.meeting_date)
        if dates:
            date = dates[0]
            extra.append(("date_source", "Beratungsfolge (erste Sitzung)"))
    for label in ("Status", "Verfasser", "Bearbeiter/-in", "Beteiligte Organisationseinheit", "Beteiligt"):
        if fields.get(label):
            extra.append((label, fields[label]))
    doc_id = _doc_id(web_url, city, reference or file_key)
    submitter = _field(fields, "Federführend", "Federführende Organisationseinheit", "Antragsteller", "Verfasser")
    consult_lines = [
        "; ".join(x for x in (c.organization, c.role, c.meeting_date, c.meeting_name, c.result) if x)
        for c in consultations
    ]
    page_text = _join_lines(
        f"{paper_type or 'Vorlage'} {reference or ''}: {title}".strip(),
        f"Federführend: {submitter}" if submitter else None,
        "",
        "Beratungsfolge:" if consult_lines else None,
        "\n".join(f"- {line}" for line in consult_lines) if consult_lines else None,
        "",
        _content_text(soup, variant),
    )
    main = SourceFile(id=f"{doc_id}#seite", name=f"ALLRIS-Seite {reference or title}", url=web_url,
                      mime_type="text/html", date=date, pages=(Page(None, clean_text(page_text)),), role="main")
    related = tuple(dict.fromkeys(r for r in _RELATED_REF.findall(title) if r != reference))
    return Document(
        id=doc_id, source="allris-html", body=city, title=title, reference=reference, paper_type=paper_type,
        date=date, web_url=web_url, submitter=submitter,
        files=(main, *_attachments(soup, base, doc_id)), consultations=tuple(consultations),
        related=related, extra=tuple(extra),
    )


def _agenda_document(
    soup: BeautifulSoup, fields: dict[str, str], heading: str, city: str, web_url: str | None,
    file_key: str, extra: list[tuple[str, str]],
) -> Document:
    """A to010 agenda page as a meeting Document with one line per agenda item."""
    gremium = _field(fields, "Gremium")
    date = iso_date(_field(fields, "Datum"))
    title = _field(fields, "Bezeichnung", "Betreff") or heading
    lines = [f"Tagesordnung: {title}"]
    for label in ("Gremium", "Datum", "Zeit", "Uhrzeit", "Raum", "Ort", "Status"):
        if fields.get(label):
            lines.append(f"{label}: {fields[label]}")
            if label != "Datum" and label != "Gremium":
                extra.append((label, fields[label]))
    lines += ["", "Tagesordnung"]
    references: list[str] = []
    for number, item_title, reference, outcome in _find_agenda_rows(soup):
        line = f"{number} {item_title}"
        if reference:
            line += f" (Vorlage {reference})"
            references.append(reference)
        if outcome:
            line += f" – {outcome}"
        lines.append(line)
    doc_id = _doc_id(web_url, city, f"sitzung:{gremium or title}:{date or file_key}")
    text = clean_text("\n".join(lines))
    main = SourceFile(id=f"{doc_id}#seite", name=f"Tagesordnung {title}", url=web_url, mime_type="text/html",
                      date=date, pages=(Page(None, text),), role="main")
    if gremium:
        extra.append(("gremium", gremium))
    return Document(
        id=doc_id, source="allris-html", body=city, title=title, paper_type="Tagesordnung", date=date,
        web_url=web_url, submitter=None, files=(main,), related=tuple(dict.fromkeys(references)),
        extra=tuple(extra),
    )


def _item_document(
    soup: BeautifulSoup, fields: dict[str, str], heading: str, variant: str, city: str,
    web_url: str | None, file_key: str, extra: list[tuple[str, str]],
) -> Document:
    """A to020 agenda item extract (Auszug) with its resolution and vote."""
    title = heading.split(" - ", 1)[1].strip() if heading.startswith("Auszug") and " - " in heading else heading
    date = iso_date(_field(fields, "Datum"))
    gremium = _field(fields, "Gremium")
    number = _field(fields, "TOP")
    vo_link = soup.find("a", href=re.compile(r"vo020"))
    ref_match = re.match(r"\s*(\S*\d\S*)", _text(vo_link)) if vo_link is not None else None
    reference = ref_match.group(1) if ref_match else None
    body_text = _content_text(soup, variant)
    resolution = None
    match = re.search(r"^Beschluss:?\n+(.+?)(?:\n\n(?:Abstimmungsergebnis|Wortprotokoll)|\Z)", body_text, re.S | re.M)
    if match:
        resolution = match.group(1).strip()
    meeting_link = soup.find("a", href=re.compile(r"to010"))
    meeting = _text(meeting_link) if meeting_link is not None else None
    meeting_id = None
    if meeting_link is not None:
        meeting_id = urljoin(web_url, str(meeting_link["href"])) if web_url else str(meeting_link["href"])
    consultation = Consultation(
        organization=gremium, meeting_name=meeting, meeting_id=meeting_id, meeting_date=date, agenda_number=number,
        result=_field(fields, "Beschlussart", "Beschluss"), resolution=resolution,
        role=_field(fields, "Vorlage-Art"),
    )
    doc_id = _doc_id(web_url, city, f"top:{date or ''}:{number or file_key}")
    text = clean_text(_join_lines(
        f"Tagesordnungspunkt {number or ''}: {title}".strip(),
        f"Sitzung: {meeting or gremium or ''}, {fields.get('Datum', '')}".strip(" ,"),
        f"Vorlage: {reference}" if reference else None,
        f"Beschlussart: {consultation.result}" if consultation.result else None,
        "",
        body_text,
    ))
    main = SourceFile(id=f"{doc_id}#seite", name=f"Auszug {title}", url=web_url, mime_type="text/html",
                      date=date, pages=(Page(None, text),), role="main")
    return Document(
        id=doc_id, source="allris-html", body=city, title=title, reference=None, paper_type="Tagesordnungspunkt",
        date=date, web_url=web_url, submitter=_field(fields, "Federführend"),
        files=(main, *_attachments(soup, None if web_url is None else web_url, doc_id)),
        consultations=(consultation,), related=(reference,) if reference else (), extra=tuple(extra),
    )


_TEXT_CHROME = frozenset((
    "Reduzieren", "Loading...", "Erläuterungen und Hinweise", "ALLRIS - Vorlage", "ALLRIS - Sitzung",
    "Rat und Stadtbezirksräte", "Grunddaten", "Dokumente", "Legende",
))
_TEXT_TYPE_REF = re.compile(
    r"^(?P<type>[A-ZÄÖÜ][\w\-/ ]{2,60}?) - (?P<ref>[A-Z]{0,3} ?\d{1,4}[-/]\d{1,5}(?:[-/]\d{1,3})?)$", re.M
)
_TEXT_HEADING = re.compile(
    r"^(?:Sachverhalt|Beschluss(?:vorschlag)?|Begründung|Beratungsfolge|Anfrage|Antrag|Stellungnahme|"
    r"Finanzielle Auswirkungen|Anlagen?|Zu Frage \d+|Frage \d+|Tagesordnung|Protokoll|Öffentlicher Teil|"
    r"Nichtöffentlicher Teil|Abstimmungsergebnis):?$"
)
# A browser copy can lose "Fü" at a paragraph start: "r die Umsetzung" -> "Für die Umsetzung".
_LOST_FUE = re.compile(
    r"^r (die|den|das|der|dem|des|eine[nmrs]?|ein|alle[nms]?|diese[nmrs]?|Sie|uns|mich|ihn|jede[nmrs]?)\b", re.M
)
_BS_REFERENCE = re.compile(r"\b(\d{2}-\d{5}(?:-\d{2})?)\b")
_LABEL_LINE = re.compile(r"^(Betreff|Datum|Federführend|Organisationseinheit|Federführende Organisationseinheit|"
                         r"Vorlageart|Status):\s*(.*)$")


def is_allris_text(text: str) -> bool:
    """True for a browser copy of an ALLRIS page or a council protocol text."""
    head = text[:3000]
    lines = {line.strip() for line in head.splitlines()}
    if "ALLRIS - Vorlage" in lines or "ALLRIS - Sitzung" in lines:
        return True
    if "Reduzieren" in lines and _TEXT_TYPE_REF.search(head):
        return True
    return "Protokoll" in lines and "Tagesordnung" in lines


def _text_body(text: str, given: str | None) -> str:
    """City of a text copy: the argument, a 'Stadt X' line, else 'unbekannt'."""
    if given:
        return given
    match = re.search(r"^(?:Stadt|Gemeinde|Hansestadt) ([A-ZÄÖÜ][\w\-]+)\s*$", text, re.M)
    if match:
        return match.group(1)
    match = re.search(r"Rat(?:es)? der Stadt ([A-ZÄÖÜ][\w\-]+)", text)
    return match.group(1) if match else "unbekannt"


def _text_lines(text: str, drop_page_numbers: bool) -> list[str]:
    """Lines without page chrome; a heading repeated with a colon is kept once."""
    lines: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped in _TEXT_CHROME or (drop_page_numbers and re.fullmatch(r"\d{1,3}", stripped)):
            continue
        if lines and stripped.endswith(":") and stripped[:-1] == _last_filled(lines):
            _drop_last_filled(lines)
        lines.append(stripped)
    return lines


def _last_filled(lines: list[str]) -> str | None:
    """Last non-empty line."""
    return next((line for line in reversed(lines) if line), None)


def _drop_last_filled(lines: list[str]) -> None:
    """Remove the last non-empty line (and blank lines after it)."""
    while lines and not lines[-1]:
        lines.pop()
    if lines:
        lines.pop()


def parse_allris_text(text: str, location: str, body: str | None = None) -> Document | None:
    """A browser copy of an ALLRIS paper page, or a protocol text, as a Document."""
    text = clean_text(text)
    if not is_allris_text(text):
        return None
    city = _text_body(text, body)
    file_key = Path(location).stem
    match = _TEXT_TYPE_REF.search(text[:3000])
    is_protocol = match is None and "Protokoll" in {line.strip() for line in text[:3000].splitlines()}
    text = _LOST_FUE.sub(r"Für \1", text)
    lines = _text_lines(text, drop_page_numbers=is_protocol)
    labels = {m.group(1): m.group(2).strip() for m in map(_LABEL_LINE.match, lines) if m and m.group(2).strip()}
    if is_protocol:
        return _protocol_document(lines, city, file_key, labels)
    paper_type = match.group("type").strip() if match else None
    reference = match.group("ref").strip() if match else None
    related: list[str] = []
    if reference:
        parent = re.fullmatch(r"(\d{2}-\d{5})-\d{2}", reference)
        if parent:
            related.append(parent.group(1))
    related += [r for r in _BS_REFERENCE.findall(text) if r != reference]
    title = labels.get("Betreff") or " ".join(x for x in (paper_type, reference) if x) or file_key
    if "Betreff" not in labels and related and paper_type == "Stellungnahme":
        title += f" zur Anfrage {related[0]}"
    consultations = _text_consultations(lines)
    body_lines = [line for line in lines if not (match and line == match.group(0).strip())]
    page_text = clean_text("\n".join([title, *body_lines]))
    date = iso_date(labels.get("Datum"))
    doc_id = f"allris:{city}:{reference or file_key}"
    submitter = labels.get("Federführend") or labels.get("Federführende Organisationseinheit") or labels.get(
        "Organisationseinheit")
    main = SourceFile(id=f"{doc_id}#text", name=f"ALLRIS-Seite {reference or file_key}", mime_type="text/plain",
                      date=date, pages=(Page(None, page_text),), role="main")
    return Document(
        id=doc_id, source="allris-text", body=city, title=title, reference=reference, paper_type=paper_type,
        date=date, web_url=None, submitter=submitter, files=(main,), consultations=tuple(consultations),
        related=tuple(dict.fromkeys(related)), extra=(("allris_variant", "text"),),
    )


def _text_consultations(lines: list[str]) -> list[Consultation]:
    """Beratungsfolge lines of a text copy ('Gremium ... dd.mm.yyyy ... Ergebnis')."""
    result: list[Consultation] = []
    inside = False
    for line in lines:
        if line.rstrip(":") == "Beratungsfolge":
            inside = True
            continue
        if inside and _TEXT_HEADING.match(line):
            break
        if inside and line:
            date = iso_date(line)
            organization = _DATE_DE.split(line)[0].strip(" ;,|") if date else line
            result.append(Consultation(organization=organization or None, meeting_date=date))
    return result


def _protocol_document(lines: list[str], city: str, file_key: str, labels: dict[str, str]) -> Document:
    """A protocol text (e.g. a committee protocol excerpt) as a 'Protokoll' Document."""
    text = clean_text("\n".join(lines))
    gremium = next((line for line in lines if re.match(r"^(?:Sitzung des |Ausschuss|Rat der|Stadtbezirksrat)", line)),
                   None)
    date = iso_date(labels.get("Datum")) or iso_date(
        next((line for line in lines if "Sitzung" in line and _DATE_DE.search(line)), None))
    title = "Protokoll" + (f" {gremium}" if gremium else f" ({file_key})")
    references = list(dict.fromkeys(_BS_REFERENCE.findall(text)))
    doc_id = f"allris:{city}:{file_key}"
    main = SourceFile(id=f"{doc_id}#text", name=title, mime_type="text/plain", date=date,
                      pages=(Page(None, text),), role="main")
    return Document(
        id=doc_id, source="allris-text", body=city, title=title, paper_type="Protokoll", date=date,
        files=(main,), related=tuple(references), extra=(("allris_variant", "text"),),
    )


class AllrisSource:
    """ALLRIS pages and browser copies from files; the variant is detected per file."""

    name = "allris"

    def __init__(self, paths: list[Path], body: str | None = None, base_url: str | None = None) -> None:
        self.paths = [Path(p) for p in paths]
        self.body = body
        self.base_url = base_url

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        """Parse each file; unreadable or unrecognised files are reported and skipped."""
        for path in self.paths:
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.report(str(path), f"Datei nicht lesbar: {exc}", stage="source")
                continue
            if not data.strip():
                problems.report(str(path), "leere Datei (0 Byte)", stage="source")
                continue
            try:
                doc = parse_allris_file(data, str(path), self.body, self.base_url)
            except Exception as exc:  # noqa: BLE001 - one broken page must not stop the batch
                log.exception("ALLRIS parse failed for %s", path)
                problems.report(str(path), f"ALLRIS-Seite nicht auswertbar: {type(exc).__name__}: {exc}", stage="parse")
                continue
            if doc is None:
                problems.report(str(path), "keine ALLRIS-Seite erkannt", stage="parse")
                continue
            yield doc


def parse_allris_file(data: bytes, location: str, body: str | None = None, base_url: str | None = None) -> Document | None:
    """Parse one file's bytes as ALLRIS HTML or ALLRIS browser text."""
    text = decode_html(data)
    variant = detect_variant(text)
    if variant in ("classic", "net4"):
        return parse_allris_html(text, location, body, base_url)
    if variant == "text":
        return parse_allris_text(text, location, body)
    return None
