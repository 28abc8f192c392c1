"""The e-mail digest: one message per address with everything new for its subscriptions, in German, as text and as
HTML, with the fields of a citation card, deep links and an unsubscribe link per subscription."""

from __future__ import annotations

import html
from email.message import EmailMessage

from assistant.subscriptions.records import Found, Subscription
from ingest.sources.city import UNKNOWN_CITY


def links(base_url: str, sub: Subscription) -> tuple[str, str]:
    """(Atom feed, unsubscribe) URLs of a subscription, with its secret token."""
    base = base_url.rstrip("/")
    return f"{base}/feeds/{sub.id}.atom?token={sub.token}", f"{base}/abo/{sub.id}/abbestellen?token={sub.token}"


def _item_lines(f: Found) -> list[str]:
    status = "geändert" if f.changed else "neu"
    meta = ", ".join(x for x in (f.date[:10], f.body) if x and x != UNKNOWN_CITY)
    lines = [f"- [{status}] {f.label}" + (f" ({meta})" if meta else "")]
    if f.access != "public":
        lines.append("  nicht öffentlich – nur für Ratsmitglieder und Verwaltung")
    if f.quote:
        lines.append(f"  „{f.quote}“")
    if f.paper_url:
        lines.append(f"  Vorlage: {f.paper_url}")
    if f.file_url:
        lines.append(f"  Datei: {f.file_url}")
    return lines


def digest(to: str, sender: str, groups: list[tuple[Subscription, list[Found]]], base_url: str) -> EmailMessage:
    count = sum(len(items) for _sub, items in groups)
    msg = EmailMessage()
    msg["Subject"] = (f"Ratsinfo-Assistent: {count} neue Einträge zu Ihren Abos" if count != 1
                      else "Ratsinfo-Assistent: ein neuer Eintrag zu Ihren Abos")
    msg["From"] = sender
    msg["To"] = to
    text = ["Guten Tag,", "", "zu Ihren Abos gibt es Neues im Ratsinformationssystem:", ""]
    parts = ["<p>Guten Tag,</p><p>zu Ihren Abos gibt es Neues im Ratsinformationssystem:</p>"]
    for sub, items in groups:
        feed, stop = links(base_url, sub)
        text.append(f"{sub.label} ({len(items)})")
        parts.append(f"<h3>{html.escape(sub.label)} ({len(items)})</h3><ul>")
        for f in items:
            text += _item_lines(f)
            parts.append(_item_html(f))
        text += [f"  Abo abbestellen: {stop}", f"  Feed: {feed}", ""]
        parts.append(f'</ul><p><small><a href="{html.escape(stop)}">Abo abbestellen</a> · '
                     f'<a href="{html.escape(feed)}">Feed</a></small></p>')
    text += ["Diese Nachricht wurde automatisch versandt.", ""]
    parts.append("<p><small>Diese Nachricht wurde automatisch versandt.</small></p>")
    msg.set_content("\n".join(text))
    msg.add_alternative("<html><body>" + "".join(parts) + "</body></html>", subtype="html")
    return msg


def _item_html(f: Found) -> str:
    status = "geändert" if f.changed else "neu"
    meta = ", ".join(x for x in (f.date[:10], f.body) if x and x != UNKNOWN_CITY)
    out = f"<li><b>[{status}]</b> {html.escape(f.label)}" + (f" ({html.escape(meta)})" if meta else "")
    if f.access != "public":
        out += " <b>nicht öffentlich</b>"
    if f.quote:
        out += f"<br><q>{html.escape(f.quote)}</q>"
    for label, url in (("Vorlage", f.paper_url), ("Datei", f.file_url)):
        if url.startswith(("http://", "https://")):
            out += f'<br><a href="{html.escape(url)}">{label}</a>'
    return out + "</li>"
