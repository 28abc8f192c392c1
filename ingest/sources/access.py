"""`council ingest … --access LEVEL`: every document of a source read at least at that level (a folder of
non-public papers from the council's extranet, a staff-only share)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ingest.records import Access, Document
from ingest.sources.base import ProblemLog, Source


def at_least(doc: Document, level: Access) -> Document:
    """`doc` at `level` unless its own markers already make it stricter."""
    return replace(doc, access=level) if Access(doc.access).rank < level.rank else doc


class AtLeast:
    """A source whose documents are read at least at `level`; everything else (deletions, counts) is the source's."""

    def __init__(self, source: Source, level: Access) -> None:
        self.source = source
        self.level = level
        self.name = source.name

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        for doc in self.source.documents(problems):
            yield at_least(doc, self.level)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)
