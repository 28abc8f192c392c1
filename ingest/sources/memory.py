"""A source over documents already in memory (scripts, tests, other importers)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ingest.records import Document
from ingest.sources.base import ProblemLog


class ListSource:
    """Yields the given documents; a complete listing, so documents missing next time are deleted."""

    name = "list"
    complete_listing = True

    def __init__(self, docs: Iterable[Document]) -> None:
        self.docs = list(docs)

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        yield from self.docs
