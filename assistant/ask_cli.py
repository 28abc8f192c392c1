"""`council ask`: one question, its answer with citations, as text or stable JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from assistant.types import Answer, Citation, Filters


def filters_from_args(args: argparse.Namespace) -> Filters | None:
    f = Filters(
        body=getattr(args, "body", None),
        paper_types=tuple(getattr(args, "paper_types", None) or ()),
        date_from=getattr(args, "date_from", None),
        date_to=getattr(args, "date_to", None),
        committee=getattr(args, "committee", None),
        only_current=bool(getattr(args, "current", False)),
    )
    return None if f == Filters() else f


def load_history(path: str | None) -> list[tuple[str, str]]:
    if not path:
        return []
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [(t["question"], t.get("answer", "")) for t in data]


def format_citation(c: Citation) -> str:
    head = " ".join(x for x in (c.paper_type, c.reference) if x) or c.title
    parts = [f"[{c.n}] {head}"]
    if c.title and c.title != head:
        parts.append(f"„{c.title}“")
    if c.date:
        parts.append(c.date[:10])
    if c.file_name:
        parts.append(c.file_name + (f", S. {c.page}" if c.page else ""))
    lines = [", ".join(parts)]
    if c.quote:
        lines.append(f"    „{c.quote[:300]}“")
    for label, url in (("Vorlage", c.paper_url), ("Datei", c.file_url)):
        if url:
            lines.append(f"    {label}: {url}")
    return "\n".join(lines)


def format_answer(answer: Answer) -> str:
    out = [answer.text, ""]
    if answer.citations:
        out.append("Quellen:")
        out.extend(format_citation(c) for c in answer.citations)
    if answer.refused and answer.maybe_relevant:
        out.append("Möglicherweise relevant:")
        out.extend(format_citation(c) for c in answer.maybe_relevant)
    t = answer.timings
    out.append("")
    out.append("Zeiten: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in t.items()))
    return "\n".join(out)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.compose import make_assistant

    assistant: Any = make_assistant(settings)
    answer = assistant.ask(args.question, load_history(args.history), filters_from_args(args), args.mode)
    if args.json:
        json.dump(answer.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(format_answer(answer))
    return 0
