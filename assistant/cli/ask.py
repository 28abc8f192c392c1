"""`council ask`: one question, its answer with citations, as text or stable JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.service import Assistant
from assistant.settings import Settings
from assistant.types import Answer, Filters
from ingest.records import Access


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


def format_answer(answer: Answer) -> str:
    out = [answer.text, ""]
    if answer.citations:
        out.append("Quellen:")
        out.extend(c.as_text() for c in answer.citations)
    if answer.refused and answer.maybe_relevant:
        out.append("Möglicherweise relevant:")
        out.extend(c.as_text() for c in answer.maybe_relevant)
    t = answer.timings
    out.append("")
    out.append("Zeiten: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in t.items()))
    return "\n".join(out)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.compose import make_assistant

    assistant: Assistant = make_assistant(settings)
    # the command line reads every level: whoever runs it can read the index's files anyway
    answer = assistant.ask(args.question, load_history(args.history), filters_from_args(args), args.mode,
                           clearance=Access.STAFF)
    if args.json:
        json.dump(answer.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(format_answer(answer))
    return 0
