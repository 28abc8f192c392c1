"""Answers take turns: at most `slots` run at once (generative ones: one on a CPU-only machine), the others wait in
arrival order; a freed slot goes to the next waiter at once.

A waiter is told its place once it has waited `tell_every` seconds, then whenever it moves up (at most once per
`tell_every`) and every REFRESH_S while nothing moves. Generative answers wait long and show their place at once
(`tell_every=0`); an extractive answer waits some 100 ms, and telling every move would send each waiting browser
one frame per answer finished ahead of it: work for the server and the browsers that helps nobody."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from functools import partial

REFRESH_S = 1.0  # a waiter hears again after this long even if nothing moved (and a closed browser is noticed)


class Gate:
    def __init__(self, slots: int = 1, tell_every: float = 0.0) -> None:
        self.slots = max(1, slots)
        self.tell_every = max(0.0, tell_every)
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
        told, told_at = 0, time.monotonic()  # nothing told yet: the clock starts on arrival
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
                since = time.monotonic() - told_at
                if since >= self.tell_every and (place != told or since >= REFRESH_S):
                    yield place
                    told, told_at, since = place, time.monotonic(), 0.0
                # wake on a move, or when telling is due (first tell after tell_every, then the refresh)
                due = self.tell_every - since if since < self.tell_every else REFRESH_S - since
                with self._cond:
                    self._cond.wait_for(partial(self._moved, ticket, place), timeout=max(due, 0.01))
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
