"""The Atom feed of one subscription (RFC 4287): what it found, newest first."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from assistant.subscriptions.digest import links
from assistant.subscriptions.records import Found, Subscription

ATOM = "http://www.w3.org/2005/Atom"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom(sub: Subscription, items: list[Found], base_url: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    own, _stop = links(base_url, sub)

    def child(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    child(feed, "id", f"urn:ratsinfo-assistent:abo:{sub.id}")
    child(feed, "title", f"Ratsinfo-Assistent – {sub.label}")
    child(feed, "updated", _iso(max((f.found_at for f in items), default=sub.created)))
    child(feed, "link", rel="self", href=own)
    author = child(feed, "author")
    child(author, "name", "Ratsinfo-Assistent")
    for f in items:
        entry = child(feed, "entry")
        child(entry, "id", f"urn:ratsinfo-assistent:abo:{sub.id}:{f.doc_id}:{f.version}")
        child(entry, "title", ("Geändert: " if f.changed else "") + f.label)
        child(entry, "updated", _iso(f.found_at))
        if f.paper_url.startswith(("http://", "https://")):
            child(entry, "link", rel="alternate", href=f.paper_url)
        if f.file_url.startswith(("http://", "https://")):
            child(entry, "link", rel="enclosure", href=f.file_url)
        meta = ", ".join(x for x in (f.paper_type, f.date[:10], f.body) if x)
        note = " – nicht öffentlich" if f.access != "public" else ""
        child(entry, "summary", f"{meta}{note}: {f.quote}" if f.quote else meta + note)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
