"""ALLRIS classic pages (.asp, td.kb1 label cells, #rismain_raw content)."""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Tag

from ingest.parse.html import element_text
from ingest.sources.allris.common import drop_chrome


class AllrisClassic:
    """Recognised by the name ALLRIS with .asp links or td.kb1 cells; pages are `<kind>.asp`, under /allris/ where
    the site keeps them there."""

    name = "classic"

    def recognises(self, lowered_head: str) -> bool:
        return "allris" in lowered_head and (".asp" in lowered_head or 'class="kb1"' in lowered_head)

    def page_url(self, base: str, raw: str, kind: str, key: str, value: str) -> str:
        prefix = "/allris/" if "/allris/" in raw and "/allris" not in urlparse(base).path else ""
        return urljoin(base, f"{prefix}{kind}.asp?{key}={value}")

    def content_text(self, soup: BeautifulSoup) -> str:
        """The page's content without its head tables (the label cells) and navigation chrome."""
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
        return drop_chrome(text)
