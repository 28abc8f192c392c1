"""An ALLRIS web page (paper, agenda or agenda item; classic or net 4) as a Document."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from ingest.parse.clean import clean_text
from ingest.parse.html import decode_html
from ingest.records import Consultation, Document, Page, SourceFile
from ingest.sources.allris.classic import AllrisClassic
from ingest.sources.allris.common import (
    RELATED_REF,
    HtmlVariant,
    access_of,
    agenda_rows,
    attachments_of,
    base_url_of,
    body_name,
    consultations_of,
    doc_id_of,
    field,
    head_fields,
    heading_of,
    inline_text,
    iso_date,
    join_lines,
    page_kind,
)
from ingest.sources.allris.net4 import AllrisNet4

HTML_VARIANTS: tuple[HtmlVariant, ...] = (AllrisNet4(), AllrisClassic())  # net 4 pages may also link .asp pages


def html_variant(head: str) -> HtmlVariant | None:
    """The ALLRIS generation of an HTML page, None for any other HTML (or text)."""
    lowered = head[:200_000].lower()
    if not ("<html" in lowered or "<body" in lowered or "<table" in lowered):
        return None
    return next((v for v in HTML_VARIANTS if v.recognises(lowered)), None)


def self_url(raw: str, soup: BeautifulSoup, kind: str, variant: HtmlVariant, base: str | None) -> str | None:
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
    return variant.page_url(base, raw, kind, key, str(value))


def parse_allris_html(
    data: str | bytes, location: str, body: str | None = None, base_url: str | None = None
) -> Document | None:
    """One ALLRIS page (vo020 / to010 / to020, classic or net 4) as a Document, None if not ALLRIS."""
    raw = decode_html(data)
    variant = html_variant(raw)
    if variant is None:
        return None
    soup = BeautifulSoup(raw, "lxml")
    fields = head_fields(soup)
    heading = heading_of(soup)
    kind = page_kind(soup, fields, heading)
    base = base_url_of(soup, raw, base_url)
    web_url = self_url(raw, soup, kind, variant, base)
    city = body_name(soup, body, base)
    file_key = Path(location).name
    extra: list[tuple[str, str]] = [("allris_variant", variant.name), ("allris_page", kind)]
    if kind == "to010":
        return _agenda_document(soup, fields, heading, city, web_url, file_key, extra)
    if kind == "to020":
        return _item_document(soup, fields, heading, variant, city, web_url, file_key, extra)
    head_parts = [p.strip() for p in heading.split(" - ")]
    reference = head_parts[1] if len(head_parts) > 1 else None
    title = field(fields, "Betreff") or (" - ".join(head_parts[2:]) if len(head_parts) > 2 else heading)
    paper_type = field(fields, "Vorlage-Art", "Vorlageart", "Art") or (head_parts[0] if head_parts else None)
    consultations = consultations_of(soup, base)
    date = iso_date(field(fields, "Datum", "Erstellt", "Vorlagedatum"))
    if date is None:
        dates = sorted(c.meeting_date for c in consultations if c.meeting_date)
        if dates:
            date = dates[0]
            extra.append(("date_source", "Beratungsfolge (erste Sitzung)"))
    for label in ("Status", "Verfasser", "Bearbeiter/-in", "Beteiligte Organisationseinheit", "Beteiligt"):
        if fields.get(label):
            extra.append((label, fields[label]))
    doc_id = doc_id_of(web_url, city, reference or file_key)
    submitter = field(fields, "Federführend", "Federführende Organisationseinheit", "Antragsteller", "Verfasser")
    consult_lines = [
        "; ".join(x for x in (c.organization, c.role, c.meeting_date, c.meeting_name, c.result) if x)
        for c in consultations
    ]
    page_text = join_lines(
        f"{paper_type or 'Vorlage'} {reference or ''}: {title}".strip(),
        f"Federführend: {submitter}" if submitter else None,
        "",
        "Beratungsfolge:" if consult_lines else None,
        "\n".join(f"- {line}" for line in consult_lines) if consult_lines else None,
        "",
        variant.content_text(soup),
    )
    main = SourceFile(id=f"{doc_id}#seite", name=f"ALLRIS-Seite {reference or title}", url=web_url,
                      mime_type="text/html", date=date, pages=(Page(None, clean_text(page_text)),), role="main")
    related = tuple(dict.fromkeys(r for r in RELATED_REF.findall(title) if r != reference))
    return Document(
        id=doc_id, source="allris-html", body=city, title=title, reference=reference, paper_type=paper_type,
        date=date, web_url=web_url, submitter=submitter,
        files=(main, *attachments_of(soup, base, doc_id)), consultations=tuple(consultations),
        related=related, extra=tuple(extra), access=access_of(fields.get("Status")),
    )


def _agenda_document(
    soup: BeautifulSoup, fields: dict[str, str], heading: str, city: str, web_url: str | None,
    file_key: str, extra: list[tuple[str, str]],
) -> Document:
    """A to010 agenda page as a meeting Document with one line per agenda item."""
    gremium = field(fields, "Gremium")
    date = iso_date(field(fields, "Datum"))
    title = field(fields, "Bezeichnung", "Betreff") or heading
    lines = [f"Tagesordnung: {title}"]
    for label in ("Gremium", "Datum", "Zeit", "Uhrzeit", "Raum", "Ort", "Status"):
        if fields.get(label):
            lines.append(f"{label}: {fields[label]}")
            if label != "Datum" and label != "Gremium":
                extra.append((label, fields[label]))
    lines += ["", "Tagesordnung"]
    references: list[str] = []
    for number, item_title, reference, outcome in agenda_rows(soup):
        line = f"{number} {item_title}"
        if reference:
            line += f" (Vorlage {reference})"
            references.append(reference)
        if outcome:
            line += f" – {outcome}"
        lines.append(line)
    doc_id = doc_id_of(web_url, city, f"sitzung:{gremium or title}:{date or file_key}")
    text = clean_text("\n".join(lines))
    main = SourceFile(id=f"{doc_id}#seite", name=f"Tagesordnung {title}", url=web_url, mime_type="text/html",
                      date=date, pages=(Page(None, text),), role="main")
    if gremium:
        extra.append(("gremium", gremium))
    return Document(
        id=doc_id, source="allris-html", body=city, title=title, paper_type="Tagesordnung", date=date,
        web_url=web_url, submitter=None, files=(main,), related=tuple(dict.fromkeys(references)),
        extra=tuple(extra), access=access_of(fields.get("Status")),
    )


def _item_document(
    soup: BeautifulSoup, fields: dict[str, str], heading: str, variant: HtmlVariant, city: str,
    web_url: str | None, file_key: str, extra: list[tuple[str, str]],
) -> Document:
    """A to020 agenda item extract (Auszug) with its resolution and vote."""
    title = heading.split(" - ", 1)[1].strip() if heading.startswith("Auszug") and " - " in heading else heading
    date = iso_date(field(fields, "Datum"))
    gremium = field(fields, "Gremium")
    number = field(fields, "TOP")
    vo_link = soup.find("a", href=re.compile(r"vo020"))
    ref_match = re.match(r"\s*(\S*\d\S*)", inline_text(vo_link)) if vo_link is not None else None
    reference = ref_match.group(1) if ref_match else None
    body_text = variant.content_text(soup)
    resolution = None
    match = re.search(r"^Beschluss:?\n+(.+?)(?:\n\n(?:Abstimmungsergebnis|Wortprotokoll)|\Z)", body_text, re.S | re.M)
    if match:
        resolution = match.group(1).strip()
    meeting_link = soup.find("a", href=re.compile(r"to010"))
    meeting = inline_text(meeting_link) if meeting_link is not None else None
    meeting_id = None
    if meeting_link is not None:
        meeting_id = urljoin(web_url, str(meeting_link["href"])) if web_url else str(meeting_link["href"])
    consultation = Consultation(
        organization=gremium, meeting_name=meeting, meeting_id=meeting_id, meeting_date=date, agenda_number=number,
        result=field(fields, "Beschlussart", "Beschluss"), resolution=resolution,
        role=field(fields, "Vorlage-Art"),
    )
    doc_id = doc_id_of(web_url, city, f"top:{date or ''}:{number or file_key}")
    text = clean_text(join_lines(
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
        date=date, web_url=web_url, submitter=field(fields, "Federführend"),
        files=(main, *attachments_of(soup, None if web_url is None else web_url, doc_id)),
        consultations=(consultation,), related=(reference,) if reference else (), extra=tuple(extra),
        access=access_of(fields.get("Status")),
    )
