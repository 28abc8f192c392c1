"""`council draft`: draft a Stellungnahme to an Anfrage (Drucksache number in the index, PDF or text file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from assistant.cli.errors import CliError
from assistant.compose import make_assistant
from assistant.draft.drafting import draft_stellungnahme
from assistant.draft.export import precedent_row, to_docx, to_markdown
from assistant.draft.records import DraftError
from ingest.parse.anfrage import german_date
from ingest.records import Access


def run(args: argparse.Namespace, settings: Any) -> int:

    if not (settings.index_dir / "catalog.sqlite").is_file():
        raise CliError(f"Kein Index unter {settings.index_dir}. Erst `council ingest …` ausführen.")
    assistant = make_assistant(settings)
    try:
        draft = draft_stellungnahme(assistant, args.anfrage, exclude_refs=args.exclude or (),
                                    mode=getattr(args, "mode", None), clearance=Access.STAFF)
    except DraftError as exc:
        raise CliError(str(exc)) from exc
    out = Path(args.out).expanduser() if getattr(args, "out", None) else None
    if out is not None and out.suffix.lower() == ".docx":
        to_docx(draft, out)
        print(f"Entwurf gespeichert: {out}")
    elif out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(to_markdown(draft), encoding="utf-8")
        print(f"Entwurf gespeichert: {out}")
    else:
        sys.stdout.write(to_markdown(draft, workspace=False))
    print()
    a = draft.anfrage
    print(f"Anfrage: {a.reference or '–'} „{a.title or '–'}“, {len(a.questions)} Fragen, "
          f"eingereicht von {a.submitter or '–'} am {german_date(a.date)}")
    print(f"Beantwortet: {sum(not x.open for x in draft.answers)} von {len(draft.answers)} Fragen, "
          f"{len(draft.sources)} Quellen")
    if draft.precedents:
        print("Frühere Anfragen zum Thema:")
        for p in draft.precedents:
            date, ref, title, kind, hint = precedent_row(p)
            print(f"  - {date}  {ref}  {title[:70]}  [{kind}]" + (f"  ({hint})" if hint != "–" else ""))
    else:
        print("Frühere Anfragen zum Thema: keine gefunden")
    for note in draft.notes:
        print(f"Hinweis: {note}")
    return 0
