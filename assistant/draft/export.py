"""Export a Stellungnahme draft as Markdown or as a Word document (.docx, python-docx)."""

from __future__ import annotations

from pathlib import Path

from assistant.draft.records import Draft, Precedent
from assistant.types import Citation
from ingest.parse.anfrage import german_date

DISCLAIMER = ("Automatisch erstellter Entwurf – vor der Weitergabe fachlich prüfen. Belegte Sätze sind wörtlich "
              "aus den genannten Quellen übernommen; „[offen: …]“ markiert fehlende Angaben.")


def _date(iso: str | None) -> str:
    return german_date(iso) if iso else "ohne Datum"


def source_line(c: Citation) -> str:
    """"2024/0015 – Titel (Stellungnahme Anfrage), 17. Januar 2024, S. 2 – https://…"."""
    parts = [c.reference or "ohne Drucksachennummer", "–", c.title or "ohne Titel"]
    line = " ".join(parts)
    if c.file_name:
        line += f" ({c.file_name})"
    line += f", {_date(c.date)}"
    if c.page:
        line += f", S. {c.page}"
    link = c.file_url or c.paper_url
    if link:
        line += f" – {link}"
    return line


def precedent_row(p: Precedent) -> tuple[str, str, str, str, str]:
    """(Datum, Drucksache, Titel, Art, Hinweis) for tables."""
    return (_date(p.date), p.reference or "–", p.title, p.kind, p.hint or "–")


def title_line(draft: Draft) -> str:
    a = draft.anfrage
    ref = f" ({a.reference})" if a.reference else ""
    return f"Stellungnahme zur Anfrage „{a.title or 'ohne Titel'}“{ref}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(draft: Draft, workspace: bool = True) -> str:
    """The draft in the house format; with `workspace` also precedents and notes (marked as not part of it)."""
    out = [f"# Entwurf: {title_line(draft)}", "", f"> {DISCLAIMER}", "", draft.header, ""]
    for ans in draft.answers:
        out += [f"## Zu Frage {ans.number}:", "", f"*„{ans.question}“*", "", ans.text, ""]
    out += ["## Quellen", ""]
    if draft.sources:
        out += [f"[{c.n}] {source_line(c)}" + "  " for c in draft.sources]
    else:
        out.append("Keine Quellen: alle Antworten sind offen.")
    out.append("")
    if workspace:
        out += ["---", "", "## Arbeitshilfe (nicht Teil der Stellungnahme)", "", "### Frühere Anfragen zum Thema", ""]
        if draft.precedents:
            out += ["| Datum | Drucksache | Titel | Art | Hinweis |", "|---|---|---|---|---|"]
            out += ["| " + " | ".join(_md_cell(x) for x in precedent_row(p)) + " |" for p in draft.precedents]
            out.append("")
            for p in draft.precedents:
                if p.answer_excerpt:
                    out.append(f"- **{p.reference or p.title}** ({p.answer_reference}): „{p.answer_excerpt}“")
        else:
            out.append("Keine früheren Anfragen zum Thema im Index gefunden.")
        out.append("")
        if draft.notes:
            out += ["### Hinweise", ""] + [f"- {n}" for n in draft.notes] + [""]
    return "\n".join(out).rstrip() + "\n"


def to_docx(draft: Draft, path: Path | str, workspace: bool = True) -> Path:
    """Write the draft as .docx: headings, the question in italics, answers, a source list with links as text."""
    from docx import Document as DocxDocument

    path = Path(path)
    doc = DocxDocument()
    doc.add_heading(f"Entwurf: {title_line(draft)}", level=1)
    note = doc.add_paragraph(DISCLAIMER)
    note.runs[0].italic = True
    doc.add_paragraph(draft.header)
    for ans in draft.answers:
        doc.add_heading(f"Zu Frage {ans.number}:", level=2)
        q = doc.add_paragraph()
        q.add_run(f"„{ans.question}“").italic = True
        doc.add_paragraph(ans.text)
    doc.add_heading("Quellen", level=2)
    if draft.sources:
        for c in draft.sources:
            doc.add_paragraph(f"[{c.n}] {source_line(c)}")
    else:
        doc.add_paragraph("Keine Quellen: alle Antworten sind offen.")
    if workspace:
        doc.add_page_break()
        doc.add_heading("Arbeitshilfe (nicht Teil der Stellungnahme)", level=2)
        doc.add_heading("Frühere Anfragen zum Thema", level=3)
        if draft.precedents:
            table = doc.add_table(rows=1, cols=5)
            for cell, label in zip(table.rows[0].cells, ("Datum", "Drucksache", "Titel", "Art", "Hinweis"), strict=True):
                cell.text = label
            for p in draft.precedents:
                for cell, value in zip(table.add_row().cells, precedent_row(p), strict=True):
                    cell.text = value
        else:
            doc.add_paragraph("Keine früheren Anfragen zum Thema im Index gefunden.")
        if draft.notes:
            doc.add_heading("Hinweise", level=3)
            for n in draft.notes:
                doc.add_paragraph(n, style="List Bullet")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
