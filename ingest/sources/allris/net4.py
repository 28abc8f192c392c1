"""ALLRIS net 4 pages (Wicket, dt/dd head, table.bfTable, div.docPart sections)."""

from __future__ import annotations

from urllib.parse import urljoin

from bs4 import BeautifulSoup

from ingest.parse.clean import clean_text
from ingest.parse.html import element_text
from ingest.sources.allris.common import inline_text


class AllrisNet4:
    """Recognised by its generator name or its Wicket page ids; pages are addressed without a suffix."""

    name = "net4"

    def recognises(self, lowered_head: str) -> bool:
        return "allris net" in lowered_head or "allris 4" in lowered_head or (
            "wicket" in lowered_head and "volfdnr" in lowered_head)

    def page_url(self, base: str, raw: str, kind: str, key: str, value: str) -> str:
        return urljoin(base, f"{kind}?{key}={value}")

    def content_text(self, soup: BeautifulSoup) -> str:
        """The sections (div.docPart), each under its h2 heading."""
        parts: list[str] = []
        for doc in soup.select("div.docPart"):
            holder = doc.find_parent("div")
            title = holder.find("h2") if holder is not None else None
            heading = inline_text(title)
            body = element_text(doc)
            if heading and not body.startswith(heading):
                parts.append(heading)
            parts.append(body)
        return clean_text("\n\n".join(p for p in parts if p))
