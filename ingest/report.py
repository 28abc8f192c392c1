"""The German summary of an ingest run: counts, what was not read and why, what was repaired."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.records import Problem

MAX_LINES = 50  # per block; --json lists everything
GROUP_FROM = 4  # a reason shared by this many inputs is shown once, with a count and examples
EXAMPLES = 3


def _grouped(problems: Sequence[Problem]) -> list[str]:
    """One line per problem; a reason shared by many inputs (an archive's repaired quirk) once."""
    by_reason: dict[str, list[str]] = {}
    for p in problems:
        by_reason.setdefault(p.reason, []).append(p.location)
    lines: list[str] = []
    for p in problems:
        locations = by_reason.get(p.reason)
        if locations is None:
            continue  # already shown as a group
        if len(locations) >= GROUP_FROM:
            examples = ", ".join(locations[:EXAMPLES])
            lines.append(f"  - {p.reason}: {len(locations)} Eingaben, z. B. {examples}")
            del by_reason[p.reason]
        else:
            lines.append(f"  - {p.location}: {p.reason}")
    return lines


def _block(title: str, problems: Sequence[Problem]) -> list[str]:
    if not problems:
        return []
    lines = _grouped(problems)
    head = [f"{title} ({len(problems)}):"]
    if len(lines) > MAX_LINES:
        return head + lines[:MAX_LINES] + [f"  … und {len(lines) - MAX_LINES} weitere Zeilen (--json zeigt alle)"]
    return head + lines


def summary_lines(summary: Any, counts: dict[str, int], index_dir: Path) -> list[str]:
    """What `council ingest` prints: counts, then "Nicht eingelesen" (exit code 3) and "Hinweise"."""
    skipped = [p for p in summary.problems if p.fatal]
    notes = [p for p in summary.problems if not p.fatal]
    lines = [
        f"Index: {index_dir}",
        f"Dokumente: {summary.documents_seen} gelesen, {summary.documents_new} neu, {summary.documents_changed} "
        f"geändert, {summary.documents_unchanged} unverändert, {summary.documents_deleted} gelöscht",
        f"Dateien: {summary.files}, Seiten: {summary.pages}, Abschnitte: +{summary.chunks_added} / "
        f"-{summary.chunks_removed}, eingebettet: {summary.chunks_embedded}",
        f"Index gesamt: {counts['documents']} Dokumente, {counts['chunks']} Abschnitte, {counts['embedded']} mit Vektor",
        "Zeit je Schritt: " + ", ".join(f"{k} {v:.1f} s" for k, v in summary.timings.items()),
        f"Probleme: {len(skipped)} nicht eingelesen, {len(notes)} Hinweise",
    ]
    lines += _block("Nicht eingelesen", skipped)
    lines += _block("Hinweise", notes)
    if skipped:
        lines.append("Exit-Code 3: mindestens eine Eingabe wurde nicht eingelesen (siehe oben).")
    return lines
