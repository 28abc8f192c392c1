"""Reading one page of the shared corpus as the ALLRIS source does."""

from __future__ import annotations

from pathlib import Path

from ingest.records import Document
from ingest.sources.allris import parse_allris_file


def parse_page(corpus: Path, name: str, body: str | None = None, base_url: str | None = None) -> Document:
    path = corpus / name
    doc = parse_allris_file(path.read_bytes(), str(path), body, base_url)
    assert doc is not None
    return doc
