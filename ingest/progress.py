"""Progress lines for ingest runs without a terminal (logs, CI, cron).

tqdm draws its bars only on a terminal; a log would otherwise stay silent for the 25 minutes an
evaluation corpus takes to embed. A background thread prints one line every PROGRESS_SECONDS
(default 30, `COUNCIL_PROGRESS_SECONDS`), however long a single step takes: documents read, chunks
embedded, the rate and the time left.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO, Any

DEFAULT_SECONDS = 30.0


def interval_from_env() -> float:
    try:
        return float(os.environ.get("COUNCIL_PROGRESS_SECONDS", DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS


def duration(seconds: float) -> str:
    """"2 h 05 min", "3 min 20 s", "45 s"."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def number(n: float) -> str:
    return f"{n:,.0f}".replace(",", ".")


def rate_text(rate: float) -> str:
    """German decimal comma: "5,6" (the thousands point of `number` would make "5.6" read as 56)."""
    return f"{rate:.1f}".replace(".", ",")


class ProgressLog:
    """Prints progress lines from a daemon thread while a run is inside `with`; reads the run's Summary."""

    def __init__(self, summary: Any, stream: IO[str] | None = None, interval: float | None = None,
                 enabled: bool | None = None) -> None:
        self.summary = summary
        self.stream = stream or sys.stderr
        self.interval = interval_from_env() if interval is None else interval
        self.enabled = (not self.stream.isatty()) if enabled is None else enabled
        self.enabled = self.enabled and self.interval > 0
        self.expected_documents: int | None = None
        self.embed_total: int | None = None
        self._started = time.monotonic()
        self._stage_started = self._started
        self._stage = "Einlesen"
        self._embedded_before = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ProgressLog:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="ingest-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def stage(self, name: str) -> None:
        """A stage without its own count starts (the BM25 index): the line keeps the run's counts."""
        self._stage, self._stage_started = name, time.monotonic()

    def embedding(self, total: int) -> None:
        """The embedding stage starts with `total` chunks to embed."""
        self._stage, self._stage_started = "Einbetten", time.monotonic()
        self.embed_total = total
        self._embedded_before = self.summary.chunks_embedded

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            print(self.line(), file=self.stream, flush=True)

    def line(self) -> str:
        now = time.monotonic()
        elapsed, in_stage = now - self._started, max(1e-6, now - self._stage_started)
        seen = self.summary.documents_seen
        # a paper list counts as one file in the estimate: past it, the total is unknown
        expected = self.expected_documents if self.expected_documents and seen <= self.expected_documents else None
        parts = [f"{number(seen)} von {number(expected)} Dokumenten gelesen"
                 if self._stage == "Einlesen" and expected else f"{number(seen)} Dokumente gelesen"]
        left: float | None = None
        if self._stage == "Einbetten" and self.embed_total is not None:
            done = self.summary.chunks_embedded - self._embedded_before
            rate = done / in_stage
            parts.append(f"{number(done)} von {number(self.embed_total)} Abschnitten eingebettet")
            parts.append(f"{rate_text(rate)} Abschnitte/s")
            left = (self.embed_total - done) / rate if rate > 0 else None
        elif self._stage == "Einlesen":
            rate = seen / in_stage
            parts.append(f"{number(self.summary.chunks_embedded)} Abschnitte eingebettet")
            parts.append(f"{rate_text(rate)} Dokumente/s")
            if expected and rate > 0:
                left = max(0, expected - seen) / rate
        else:
            parts.append(f"{number(self.summary.chunks_added)} Abschnitte neu")
        parts.append(f"noch etwa {duration(left)}" if left is not None else "Restzeit unbekannt")
        return f"Fortschritt nach {duration(elapsed)} ({self._stage}): " + ", ".join(parts)
