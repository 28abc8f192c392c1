"""People-worded questions about the documents of any index, for measuring where no mined pair reaches.

The mined and people-worded validation questions (`eval.mined_questions`) are all about Karlsruhe's archive:
Anfragen with Stellungnahmen, agenda results. Other cities publish other kinds of text (a district board's
minutes as PDF, an ALLRIS page, a small municipality's Vorlagen), and nothing mined covers them. Here the packaged
Qwen2.5-1.5B writes, with the prompt of `assistant.training.people`, the question a citizen would ask for a
sentence of such a document that gives a figure; the key facts are the numbers of that sentence that the question
does not name. The sentences are drawn seeded from the documents of the chosen sources (index origins), at most
`PER_DOC` per document, so that a few long minutes do not make up the set.

The file holds text of the documents (the sentence as the evidence), so it stays outside the repository; the
same command writes the same file again (greedy decoding), resuming where it stopped.

    python -m eval.index_questions --index DIR --origin files:pdf/erlangen --origin allris-html --n 60 --out FILE
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.training.mine import read_rows
from assistant.training.people import MAX_SENTENCE_CHARS, clean_question, is_statement, local_asker, messages
from eval.mined_questions import number_facts
from index.catalog import Catalog
from ingest.language import split_sentences

PER_DOC = 2  # sentences asked about per document


@dataclass(frozen=True)
class Candidate:
    """A sentence of a document that a question can be written for."""

    doc_id: str
    chunk_id: str
    title: str
    body: str
    reference: str
    sentence: str

    @property
    def key(self) -> str:
        return f"{self.chunk_id}-{hashlib.sha1(self.sentence.encode()).hexdigest()[:8]}"


def statements(text: str) -> list[str]:
    """The statements of `text` (`assistant.training.people.is_statement`) with a number a question need not name
    within the part a question is written for (`MAX_SENTENCE_CHARS`)."""
    cut = [s[:MAX_SENTENCE_CHARS] for s in split_sentences(text) if is_statement(s)]
    return [s for s in cut if number_facts("", s)]


def candidates(catalog: Catalog, origin: str, seed: int, per_doc: int = PER_DOC) -> list[Candidate]:
    """Up to `per_doc` seeded sentences of each document whose origin (the source spec that ingested it, e.g.
    "files:pdf/erlangen") starts with `origin`; the overview chunk, built from metadata, is left out."""
    rng = random.Random(seed)
    chosen: list[Candidate] = []
    origins = sorted(o for o in catalog.counts_by("origin") if o.startswith(origin))
    for doc_id in sorted(d for o in origins for d in catalog.doc_ids(o)):
        doc = catalog.document(doc_id) or {}
        found = [(cid, meta, s) for cid, text, meta in catalog.doc_chunks(doc_id)
                 if meta.get("file_id") != "overview" for s in statements(text)]
        for cid, meta, sentence in rng.sample(found, min(per_doc, len(found))):
            chosen.append(Candidate(doc_id, cid, str(doc.get("title") or ""), str(meta.get("body") or ""),
                                    str(doc.get("reference") or ""), sentence))
    return chosen


def topic(c: Candidate) -> str:
    """What the model is told the document is about: its title, with its council where the title does not say."""
    return c.title if not c.body or c.body in c.title else f"{c.title} ({c.body})"


def question_row(c: Candidate, question: str) -> dict[str, Any] | None:
    """The eval question for a written question, or None when the sentence gives no number the question lacks."""
    facts = number_facts(question, c.sentence)
    if not facts:
        return None
    return {"id": f"index-{c.key}", "question": question, "type": "fact", "answerable": True, "city": c.body,
            "gold_paper_ids": [c.doc_id], "gold_refs": [c.reference] if c.reference else [], "key_facts": facts,
            "reference_answer": c.sentence, "evidence_quote": c.sentence}


def write(chosen: list[Candidate], out: Path, ask: Callable[[list[Any]], str],
          progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Append one line per candidate to `out` (a question row, or {"id", "rejected"}); candidates already there are
    not asked again. Returns the counts over the whole file."""
    done = {row["id"] for row in _rows(out)}
    todo = [c for c in chosen if f"index-{c.key}" not in done]
    with out.open("a", encoding="utf-8") as fh:
        for k, c in enumerate(todo):
            question, reason = clean_question(ask(messages(topic(c), c.sentence)))
            row = question_row(c, question) if question is not None else None
            if row is None:
                row = {"id": f"index-{c.key}", "rejected": reason or "keine Zahl zu prüfen"}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            if progress is not None:
                progress(k + 1, len(todo))
    return dict(Counter(row.get("rejected") or "behalten" for row in _rows(out)))


def _rows(path: Path) -> list[dict[str, Any]]:
    """The rows written so far (none without the file)."""
    return read_rows(path, ("id",), "keine geschriebene Frage") if path.is_file() else []


def main(argv: list[str] | None = None) -> int:
    from assistant.answer.llm import qwen_gguf_path

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", type=Path, required=True, help="index folder (council ingest)")
    p.add_argument("--origin", action="append", required=True,
                   help="documents whose origin starts so (e.g. files:pdf/erlangen, allris-html, nordstemmen)")
    p.add_argument("--n", type=int, default=60, help="sentences per origin at most")
    p.add_argument("--per-doc", type=int, default=PER_DOC, help="sentences per document at most")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--model", type=Path, help="GGUF file (default: the packaged Qwen2.5, scripts/fetch_qwen.py)")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    catalog_path = args.index / "catalog.sqlite"
    if not catalog_path.is_file():
        raise SystemExit(f"{args.index}: kein Index (catalog.sqlite fehlt)")
    model = args.model or qwen_gguf_path()
    if model is None or not Path(model).is_file():
        raise SystemExit(f"{model or 'Qwen2.5'}: kein Sprachmodell; erst `python scripts/fetch_qwen.py`")
    catalog = Catalog(catalog_path)
    chosen: list[Candidate] = []
    for origin in args.origin:
        found = candidates(catalog, origin, args.seed, args.per_doc)
        if not found:
            raise SystemExit(f"{args.index}: keine Sätze mit Zahlen in Dokumenten der Herkunft {origin!r}")
        chosen += random.Random(args.seed).sample(found, min(args.n, len(found)))
    t0 = time.perf_counter()

    def progress(k: int, total: int) -> None:
        if k % 25 == 0 or k == total:
            print(f"  {k}/{total} Fragen, {time.perf_counter() - t0:.0f} s", flush=True)

    counts = write(chosen, args.out, local_asker(Path(model), args.threads), progress)
    print(f"{args.out}: " + ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items(), key=lambda x: -x[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
