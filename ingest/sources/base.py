"""The narrow interface every source implements, and the problem log they report into."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Protocol

from ingest.records import Document, Problem

log = logging.getLogger(__name__)


class ProblemLog:
    """Collects skipped/degraded inputs so a batch goes on and reports them at the end."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def report(self, location: str, reason: str, stage: str = "source", fatal: bool = True) -> None:
        problem = Problem(location=location, reason=reason, stage=stage, fatal=fatal)
        self.items.append(problem)
        # notes (repaired quirks, fallbacks) can be thousands in an archive: the summary groups them
        log.log(logging.WARNING if fatal else logging.INFO, "%s", problem)

    def mark(self) -> int:
        """A position in the log; `since(mark)` lists what was reported after it."""
        return len(self.items)

    def since(self, mark: int) -> list[Problem]:
        return self.items[mark:]

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.items if p.fatal]

    def __len__(self) -> int:
        return len(self.items)


class Source(Protocol):
    """Yields Documents; reports unreadable items into `problems` and goes on."""

    name: str

    def documents(self, problems: ProblemLog) -> Iterator[Document]: ...


class DeletionSource(Protocol):
    """A source that can also tell which document ids were deleted upstream."""

    def deleted_ids(self) -> Iterator[str]: ...
