"""Generative answers take turns: at most `slots` run at once (one on a CPU-only machine), the others wait in
arrival order and see their place; extractive answers never pass through here."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator

POLL_S = 0.25


class Gate:
    def __init__(self, slots: int = 1) -> None:
        self.slots = max(1, slots)
        self._lock = threading.Lock()
        self._running = 0
        self._waiting: deque[object] = deque()

    def enter(self) -> Iterator[int]:
        """Yields this caller's place in the queue (1: next) while it waits; returns once it holds a slot, which
        `leave` gives back. A caller that stops waiting (the browser closed) must call `leave` too."""
        ticket = object()
        with self._lock:
            self._waiting.append(ticket)
        event = threading.Event()
        try:
            while True:
                with self._lock:
                    place = self._waiting.index(ticket) + 1
                    if place == 1 and self._running < self.slots:
                        self._waiting.popleft()
                        self._running += 1
                        ticket = None
                        return
                yield place
                event.wait(POLL_S)
        finally:
            if ticket is not None:  # left the queue without a slot
                with self._lock:
                    self._waiting.remove(ticket)

    def leave(self) -> None:
        with self._lock:
            self._running = max(0, self._running - 1)

    @property
    def waiting(self) -> int:
        return len(self._waiting)
