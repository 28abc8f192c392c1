"""Answers take turns: at most `slots` run at once (generative ones: one on a CPU-only machine), the others wait in
arrival order and see their place; a freed slot goes to the next waiter at once."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from functools import partial

REFRESH_S = 1.0  # how often a waiter's place is told again while nothing moves


class Gate:
    def __init__(self, slots: int = 1) -> None:
        self.slots = max(1, slots)
        self._cond = threading.Condition()
        self._running = 0
        self._waiting: deque[object] = deque()

    def enter(self) -> Iterator[int]:
        """Yields this caller's place in the queue (1: next) while it waits; returns once it holds a slot, which
        `leave` gives back. A caller that stops waiting (the browser closed) leaves the queue."""
        ticket = object()
        with self._cond:
            self._waiting.append(ticket)
        holding = False
        try:
            while True:
                with self._cond:
                    place = self._waiting.index(ticket) + 1
                    if place == 1 and self._running < self.slots:
                        self._waiting.popleft()
                        self._running += 1
                        holding = True
                        self._cond.notify_all()  # the next waiter moves up
                        return
                yield place
                with self._cond:
                    self._cond.wait_for(partial(self._moved, ticket, place), timeout=REFRESH_S)
        finally:
            if not holding:
                with self._cond:
                    self._waiting.remove(ticket)
                    self._cond.notify_all()

    def _moved(self, ticket: object, told: int) -> bool:
        """The waiter may take a slot now, or has moved up since it was told its place `told` (lock held)."""
        return (self._waiting[0] is ticket and self._running < self.slots) or self._waiting.index(ticket) + 1 < told

    def leave(self) -> None:
        with self._cond:
            self._running = max(0, self._running - 1)
            self._cond.notify_all()

    @property
    def waiting(self) -> int:
        return len(self._waiting)
