"""Browser copies of ALLRIS pages (the text a councillor selects and saves) and council protocol texts."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.parse.clean import clean_text
from ingest.records import Consultation, Document, Page, SourceFile
from ingest.sources.allris.common import DATE_DE, access_of, iso_date

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
        access=access_of(labels.get("Status")),
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
            organization = DATE_DE.split(line)[0].strip(" ;,|") if date else line
            result.append(Consultation(organization=organization or None, meeting_date=date))
    return result


def _protocol_document(lines: list[str], city: str, file_key: str, labels: dict[str, str]) -> Document:
    """A protocol text (e.g. a committee protocol excerpt) as a 'Protokoll' Document."""
    text = clean_text("\n".join(lines))
    gremium = next((line for line in lines if re.match(r"^(?:Sitzung des |Ausschuss|Rat der|Stadtbezirksrat)", line)),
                   None)
    date = iso_date(labels.get("Datum")) or iso_date(
        next((line for line in lines if "Sitzung" in line and DATE_DE.search(line)), None))
    title = "Protokoll" + (f" {gremium}" if gremium else f" ({file_key})")
    references = list(dict.fromkeys(_BS_REFERENCE.findall(text)))
    doc_id = f"allris:{city}:{file_key}"
    main = SourceFile(id=f"{doc_id}#text", name=title, mime_type="text/plain", date=date,
                      pages=(Page(None, text),), role="main")
    return Document(
        id=doc_id, source="allris-text", body=city, title=title, paper_type="Protokoll", date=date,
        files=(main,), related=tuple(references), extra=(("allris_variant", "text"),),
    )


class AllrisBrowserCopy:
    """The plain-text variant: no markup, recognised by ALLRIS's own chrome lines."""

    name = "text"

    def recognises(self, head: str) -> bool:
        return is_allris_text(head)

    def parse(self, text: str, location: str, body: str | None = None) -> Document | None:
        return parse_allris_text(text, location, body)
