"""The optional audit log: who asked what and when, one JSON line per question, kept `days` days (entries older
than that are deleted at start and once a day). Off unless COUNCIL_AUDIT_LOG names a file."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PRUNE_EVERY_S = 24 * 3600


class AuditLog:
    def __init__(self, path: Path, days: int) -> None:
        self.path = Path(path)
        self.days = days
        self._lock = threading.Lock()
        self._pruned = 0.0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.prune()

    def record(self, user: str, role: str, question: str, mode: str, refused: bool, channel: str) -> None:
        entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "user": user, "role": role,
                 "channel": channel, "mode": mode, "refused": refused, "question": question}
        with self._lock:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if time.time() - self._pruned > PRUNE_EVERY_S:
            self.prune()

    def prune(self) -> None:
        """Delete the entries older than `days`."""
        cutoff = (datetime.now(UTC) - timedelta(days=self.days)).isoformat(timespec="seconds")
        with self._lock:
            self._pruned = time.time()
            if not self.path.is_file():
                return
            lines = self.path.read_text(encoding="utf-8").splitlines()
            kept = [line for line in lines if line.strip() and json.loads(line).get("time", "") >= cutoff]
            if len(kept) != len(lines):
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
                tmp.replace(self.path)
