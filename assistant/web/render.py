"""HTML for the web chat: answers with [n] links, source cards, status line.

Everything that comes from documents (answer sentences are quoted from them, titles, file names,
quotes, URLs) is untrusted. Text is HTML-escaped; text shown inside the chat (which Gradio renders
as Markdown) additionally has every ASCII punctuation character turned into a numeric entity, so
neither HTML nor Markdown, autolinks or LaTeX in a document can render. Only http(s) URLs become
links, and those open in a new tab.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from assistant.types import Answer, Citation, Sentence

NOT_SUPPORTED = "(nicht belegt)"
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# Markdown/HTML syntax characters (inline); "." "," "-" etc. stay readable for screen readers.
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "\\`*_[](){}#$|~!<>&:@\"'"}
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")


# --- escaping and links --------------------------------------------------------------------------
def esc(text: object) -> str:
    """HTML-escape for element content and quoted attribute values."""
    return html.escape("" if text is None else str(text), quote=True)


def esc_md(text: object) -> str:
    """Escape for the Markdown-rendering chat: Markdown/HTML syntax characters become entities.

    `<`, `&`, `[`, `(`, `*`, `_`, `#`, `$`, `:` (autolinks), `@` (mail autolinks) and list or
    heading starts render literally; newlines become <br> so no later line starts a block.
    """
    raw = "" if text is None else str(text)
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = []
    for line in lines:
        line = line.lstrip().translate(_ENTITIES)  # no indented code blocks
        line = re.sub(r"(?i)\bwww\.", lambda m: m.group(0)[:-1] + "&#46;", line)
        line = _LINE_START.sub(lambda m: m.group(1) + "".join(f"&#{ord(c)};" for c in m.group(2)), line)
        out.append(line)
    return "<br>".join(out)


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) URL with a host, else None (javascript:, data:, relative ...)."""
    if not url:
        return None
    url = url.strip()
    if _URL_FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return url


def external_link(url: str | None, label: str, css_class: str = "") -> str:
    """<a> opening in a new tab for http(s) URLs; just the label (escaped) otherwise."""
    target = safe_url(url)
    if target is None:
        return ""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f'<a href="{esc(target)}" target="_blank" rel="noopener noreferrer"{cls}>{esc(label)}</a>'


def anchor_id(n: int) -> str:
    return f"quelle-{int(n)}"


def marker_link(n: int) -> str:
    return f'<a href="#{anchor_id(n)}" class="cite" title="Quelle {int(n)} anzeigen">[{int(n)}]</a>'


def link_markers(escaped: str, known: Iterable[int] | None = None) -> str:
    """Turn entity-escaped "[n]" / "[n, m]" markers into links to the source cards.

    Works on `esc_md` output ("&#91;3&#93;"); markers to unknown sources stay plain text.
    """
    allowed = set(known) if known is not None else None
    pattern = re.compile(r"&#91;(\d+(?:,\s*\d+)*)&#93;")

    def repl(m: re.Match[str]) -> str:
        numbers = [int(x) for x in re.split(r",\s*", m.group(1))]
        if allowed is not None and not all(n in allowed for n in numbers):
            return m.group(0)
        return "".join(marker_link(n) for n in numbers)

    return pattern.sub(repl, escaped)


# --- answers ---------------------------------------------------------------------------------------
def _render_sentence(s: Sentence) -> str:
    text = esc_md(s.text)
    if s.citations:
        return text + " " + "".join(marker_link(n) for n in s.citations)
    if not s.supported:
        return f'<span class="unbelegt"><em>{text}</em> <small>{esc_md(NOT_SUPPORTED)}</small></span>'
    return text


def _unsupported_start(body: str) -> int:
    """Where the last sentence of `body` starts (after a marker, a line break or a sentence end)."""
    core = body.rstrip()
    cut = 0
    for m in re.finditer(r"\]|\n|[.!?](?=\s)", core[:-1]):
        cut = m.end()
    return cut


def _render_plain(text: str, known: Iterable[int]) -> str:
    """Answer text without usable sentence records: link markers, style "(nicht belegt)" sentences."""
    known = list(known)
    out: list[str] = []
    for part in re.split(r"(?<=\(nicht belegt\))", text):
        if not part.rstrip().endswith(NOT_SUPPORTED):
            out.append(link_markers(esc_md(part), known))
            continue
        body = part.rstrip()[: -len(NOT_SUPPORTED)]
        cut = _unsupported_start(body)
        head, sentence = body[:cut], body[cut:]
        bullet = re.match(r"\s*(?:[-•▪–]\s+|\d{1,2}[.)]\s+)?", sentence)  # keep list bullets unstyled
        lead = bullet.group(0) if bullet else ""
        sentence = sentence[len(lead):]
        out.append(link_markers(esc_md(head + lead), known)
                   + f'<span class="unbelegt"><em>{esc_md(sentence.strip())}</em> <small>{esc_md(NOT_SUPPORTED)}</small></span>')
    return "".join(out)


def _sentences_match(answer: Answer) -> bool:
    from assistant.answer.citations import render

    return bool(answer.sentences) and render(list(answer.sentences)) == answer.text


def answer_html(answer: Answer) -> str:
    """The final answer as chat content (markers link to #quelle-n)."""
    if answer.refused:
        body = esc_md(answer.text)
        if answer.maybe_relevant:
            body += '<br><small class="hinweis">Siehe „Möglicherweise relevant“ bei den Quellen.</small>'
        return f'<span class="verweigert">{body}</span>'
    if _sentences_match(answer):
        return " ".join(_render_sentence(s) for s in answer.sentences)
    known = [c.n for c in answer.citations]
    lines = [ln for ln in answer.text.split("\n") if ln.strip()]
    if len(lines) > 1 and all(ln.startswith("- ") for ln in lines):  # extractive: one passage per line
        return '<ul class="antwort">' + "".join(f"<li>{_render_plain(ln[2:], known)}</li>" for ln in lines) + "</ul>"
    return _render_plain(answer.text, known)


def streaming_html(pieces: str) -> str:
    """Intermediate chat content while the answer streams in."""
    return esc_md(pieces) + ' <span class="tippt">▍</span>'


NON_PUBLIC_BADGE = ' <span class="nichtoeffentlich" title="Nur für Ratsmitglieder und Verwaltung">nicht öffentlich</span>'


def waiting_html(place: int, generative: bool) -> str:
    """The answer waits for its turn (many users at once; generative answers one after another)."""
    kind = "generative Antworten" if generative else "Antworten"
    return f'<span class="warteschlange">In der Warteschlange für {kind}: Platz {int(place)} …</span>'


def user_html(question: str) -> str:
    return esc_md(question)


def error_html(message: str) -> str:
    return f'<span class="fehler">⚠️ {esc_md(message)}</span>'


def query_html(answer: Answer | None) -> str:
    """"Gesucht wurde: …" for rewritten follow-up questions, else nothing."""
    if answer is None or not answer.standalone_query:
        return ""
    return f'<div class="gesucht">Gesucht wurde: „{esc(answer.standalone_query)}“</div>'


# --- source cards ------------------------------------------------------------------------------------
def german_date(value: str | None) -> str:
    """"2024-03-05" -> "05.03.2024"; anything else unchanged."""
    if not value:
        return ""
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    return f"{m.group(3)}.{m.group(2)}.{m.group(1)}" if m else value


def citation_card(c: Citation) -> str:
    head = " ".join(x for x in (c.paper_type, c.reference and f"Drucksache {c.reference}") if x) or "Dokument"
    meta = [x for x in (german_date(c.date), c.body) if x]
    file_part = ""
    if c.file_name:
        file_part = esc(c.file_name) + (f", S. {int(c.page)}" if c.page else "")
    links = [external_link(c.paper_url, "Vorlage öffnen ↗", "link-vorlage"),
             external_link(c.file_url, f"Datei öffnen{f' (S. {int(c.page)})' if c.page else ''} ↗", "link-datei")]
    links_html = " ".join(x for x in links if x) or '<span class="kein-link">kein Link verfügbar</span>'
    quote = f'<blockquote class="zitat"><mark>{esc(c.quote)}</mark></blockquote>' if c.quote else ""
    return (
        f'<article class="quelle" id="{anchor_id(c.n)}" data-doc-id="{esc(c.doc_id)}">'
        f'<div class="kopf"><span class="nr">[{int(c.n)}]</span> <span class="art">{esc(head)}</span>'
        f'{NON_PUBLIC_BADGE if c.access != "public" else ""}</div>'
        f'<div class="titel">{esc(c.title)}</div>'
        f'<div class="meta">{esc(" · ".join(meta))}</div>'
        + (f'<div class="datei">Datei: {file_part}</div>' if file_part else "")
        + quote
        + f'<div class="links">{links_html}</div>'
        "</article>"
    )


def sources_html(answer: Answer | None) -> str:
    """Cards of the cited sources; for refusals the "Möglicherweise relevant" cards."""
    if answer is None:
        return '<div class="quellen-leer">Quellen erscheinen hier, sobald eine Frage beantwortet ist.</div>'
    if answer.citations:
        cards = "".join(citation_card(c) for c in answer.citations)
        return f'<div class="quellen"><h3>Quellen</h3>{cards}</div>'
    if answer.refused and answer.maybe_relevant:
        cards = "".join(citation_card(c) for c in answer.maybe_relevant)
        return f'<div class="quellen vielleicht"><h3>Möglicherweise relevant:</h3>{cards}</div>'
    return '<div class="quellen-leer">Keine Quellen zu dieser Antwort.</div>'


# --- status, copy text, feedback payload --------------------------------------------------------------
def _sync_time(value: Any) -> str:
    if not value:
        return "unbekannt"
    text = str(value)
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).strftime("%d.%m.%Y %H:%M")
        except ValueError:
            continue
    return text


def index_is_empty(status: dict[str, Any]) -> bool:
    return not status.get("exists") or not status.get("chunks")


def status_html(status: dict[str, Any]) -> str:
    """"Stand: <last_sync> · N Dokumente · M Abschnitte", or the empty-index notice."""
    if index_is_empty(status):
        return ('<div class="stand leer">Der Index ist leer – bitte zuerst Dokumente einlesen '
                "(<code>council ingest demo</code>).</div>")
    docs = int(status.get("documents") or 0)
    chunks = int(status.get("chunks") or 0)
    text = f"Stand: {_sync_time(status.get('last_sync'))} · {docs} Dokumente · {chunks} Abschnitte"
    if status.get("dense_available") is False:
        text += " · nur Stichwortsuche (Vektorsuche nicht verfügbar)"
    return f'<div class="stand">{esc(text)}</div>'


def plain_text(answer: Answer) -> str:
    """Answer with its sources as plain text (for the copy button)."""
    out = [answer.text]
    if answer.citations:
        out += ["", "Quellen:", *(c.as_text() for c in answer.citations)]
    elif answer.refused and answer.maybe_relevant:
        out += ["", "Möglicherweise relevant:", *(c.as_text() for c in answer.maybe_relevant)]
    return "\n".join(out)


def citations_json(answer: Answer) -> str:
    items = answer.citations or answer.maybe_relevant
    return json.dumps([asdict(c) for c in items], ensure_ascii=False)
