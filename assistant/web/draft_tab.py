"""Gradio tab "Stellungnahme entwerfen": Anfrage in, precedents + editable draft + downloads out.

`build_draft_tab(assistant)` is called by the main UI inside `with gr.Tab("Stellungnahme entwerfen"):`.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.draft.drafting import draft_stellungnahme
from assistant.draft.export import precedent_row, to_docx, to_markdown
from assistant.draft.records import Draft, DraftError
from assistant.server.serving import Serving
from assistant.service import Assistant
from ingest.records import Access

PRECEDENT_HEADERS = ["Datum", "Drucksache", "Titel", "Art", "Hinweis"]


def _source_of(text: str, upload: Any, reference: str) -> str:
    """Which input wins: an uploaded file, then a Drucksache number, then pasted text."""
    if upload:
        return str(upload if isinstance(upload, str) else getattr(upload, "name", upload))
    if reference and reference.strip():
        return reference.strip()
    return text or ""


def summary_html(draft: Draft) -> str:
    """A short, escaped summary of what the draft is based on."""
    a = draft.anfrage
    answered = sum(not x.open for x in draft.answers)
    items = [
        f"<b>Anfrage:</b> {html.escape(a.reference or '–')} „{html.escape(a.title or '–')}“",
        f"<b>Fragen:</b> {len(a.questions)}, davon mit Quellen beantwortet: {answered}",
        f"<b>Quellen:</b> {len(draft.sources)}, frühere Anfragen: {len(draft.precedents)}",
    ]
    items += [f"<b>Hinweis:</b> {html.escape(n)}" for n in draft.notes]
    return "<div class='draft-summary'>" + "<br>".join(items) + "</div>"


def make_draft(assistant: Assistant, text: str, upload: Any, reference: str, exclude: str = "",
               clearance: Access = Access.STAFF) -> tuple[str, list[list[str]], str, str | None, str | None]:
    """(summary HTML, precedent rows, Markdown, .md path, .docx path) for the UI, from the papers `clearance` may
    read. Only an upload is read as a file: typed text never names a path on the server."""
    source = _source_of(text, upload, reference)
    if not source.strip():
        return ("<p>Bitte eine Anfrage einfügen, eine Datei hochladen oder eine Drucksachennummer angeben.</p>",
                [], "", None, None)
    refs = [r.strip() for r in (exclude or "").replace(";", ",").split(",") if r.strip()]
    try:
        draft = draft_stellungnahme(assistant, source, exclude_refs=refs, clearance=clearance, files=bool(upload))
    except DraftError as exc:
        return f"<p><b>Fehler:</b> {html.escape(str(exc))}</p>", [], "", None, None
    markdown = to_markdown(draft)
    folder = Path(tempfile.mkdtemp(prefix="entwurf-"))
    name = (draft.anfrage.reference or "anfrage").replace("/", "-")
    md_path = folder / f"stellungnahme-{name}.md"
    md_path.write_text(markdown, encoding="utf-8")
    docx_path = to_docx(draft, folder / f"stellungnahme-{name}.docx")
    rows = [list(precedent_row(p)) for p in draft.precedents]
    return summary_html(draft), rows, markdown, str(md_path), str(docx_path)


def save_edited(markdown: str) -> str | None:
    """The (possibly edited) Markdown as a download."""
    if not markdown.strip():
        return None
    path = Path(tempfile.mkdtemp(prefix="entwurf-")) / "stellungnahme-bearbeitet.md"
    path.write_text(markdown, encoding="utf-8")
    return str(path)


def build_draft_tab(assistant: Assistant, serving: Serving) -> None:
    """Components of the drafting tab (must run inside a gr.Blocks/gr.Tab context)."""
    gr.Markdown("Anfrage einfügen, als PDF/TXT hochladen oder eine Drucksachennummer aus dem Index angeben. "
                "Der Entwurf übernimmt nur belegte Sätze aus den Quellen; fehlende Angaben sind als "
                "„[offen: Angabe der Fachabteilung]“ markiert.")
    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label="Text der Anfrage", lines=10, placeholder="Anfrage hier einfügen …")
        with gr.Column(scale=2):
            upload = gr.File(label="Anfrage als Datei (PDF oder TXT)", file_types=[".pdf", ".txt"], type="filepath")
            reference = gr.Textbox(label="oder Drucksachennummer", placeholder="z. B. 2024/0015")
            exclude = gr.Textbox(label="Drucksachen ausschließen (kommagetrennt, optional)")
            button = gr.Button("Entwurf erstellen", variant="primary")
    summary = gr.HTML()
    precedents = gr.Dataframe(headers=PRECEDENT_HEADERS, label="Frühere Anfragen zum Thema", interactive=False,
                              wrap=True)
    draft_box = gr.Textbox(label="Entwurf (bearbeitbar, Markdown)", lines=24)
    with gr.Row():
        md_file = gr.File(label="Entwurf als Markdown (.md)")
        docx_file = gr.File(label="Entwurf als Word-Datei (.docx)")
        edited_file = gr.File(label="Bearbeiteter Entwurf (.md)")
    save = gr.Button("Bearbeiteten Entwurf speichern")

    def run(t: str, u: Any, r: str, e: str, request: gr.Request) -> tuple[Any, ...]:
        user = serving.user_of(request)
        if user is None or user.role is not Access.STAFF:  # the tab is hidden from others; the handler checks too
            return "<p><b>Fehler:</b> Entwürfe sind der Verwaltung vorbehalten.</p>", [], "", None, None
        return make_draft(assistant, t, u, r, e, user.role)

    button.click(run, [text, upload, reference, exclude], [summary, precedents, draft_box, md_file, docx_file])
    save.click(save_edited, [draft_box], [edited_file])
