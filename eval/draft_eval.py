"""Hold-out measurement of the Stellungnahme drafting tool on real Karlsruhe Anfrage -> Stellungnahme pairs.

    python -m eval.draft_eval --index DIR [--pairs eval/draft_pairs.json] [--build]

For every pair in `eval/draft_pairs.json` the Anfrage is drafted by its Drucksache number with the
pair's real Stellungnahme excluded from retrieval (the whole own paper is never used, and the
Stellungnahme file's chunks are excluded explicitly by file id as well). Measured:

(a) question splitting: parsed question count == the hand-counted `expected_questions`;
(b) precedent recall: share of the hand-identified `earlier_related` papers among the draft's precedents;
(c) fact overlap with the real Stellungnahme: the "facts" of the real answer are
    - its numbers and dates (digit strings, thousands separators removed) that do not occur in the
      Anfrage text, and
    - its 25 rarest content terms (stemmed, highest idf in the index) that occur at least twice in it
      and not in the Anfrage;
    fact overlap = share of these facts that occur in the draft's answer paragraphs
    (numbers and terms are also reported separately). Verbatim extractive answers can only score
    where an earlier document says the same thing, so low values are expected and honest.

`--build` (re)creates a lexical-only index of the Karlsruhe corpus folder when the index is missing,
using the OParl mirror source if it exists, else the minimal reader below.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.compose import make_assistant
from assistant.draft.drafting import draft_stellungnahme, make_exclusion
from assistant.service import Assistant
from assistant.settings import Settings
from ingest.language import QUESTION_NOISE, content_terms, numbers_in, stems
from ingest.pipeline import Pipeline
from ingest.records import Access, Consultation, Document, Page, SourceFile
from ingest.sources.base import ProblemLog

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "eval" / "draft_pairs.json"
KARLSRUHE = Path(os.environ.get("COUNCIL_CORPUS", ROOT.parent / "shared" / "corpus")) / "karlsruhe"
SALIENT_TERMS = 25


# --- a minimal reader of the Karlsruhe OParl mirror (used when ingest.sources.oparl_mirror is absent) ----
def paper_document(paper: dict[str, Any], contents: Path) -> Document:
    """One OParl Paper with its files' extracted texts as a Document."""
    files = []
    for f in [paper.get("mainFile"), *paper.get("auxiliaryFile", [])]:
        if not f:
            continue
        number = str(f.get("id", "")).rstrip("/").split("/")[-1]
        path = contents / f"{number}.txt"
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        files.append(SourceFile(id=str(f["id"]), name=str(f.get("name") or f.get("fileName") or number),
                                url=f.get("accessUrl") or f.get("downloadUrl"), mime_type=f.get("mimeType"),
                                date=f.get("date"), pages=(Page(1, text),) if text.strip() else ()))
    consultations = tuple(Consultation(role=c.get("role"), authoritative=c.get("authoritative"),
                                       meeting_id=c.get("meeting")) for c in paper.get("consultation", []))
    return Document(id=str(paper["id"]), source="oparl-mirror", body="Karlsruhe", title=str(paper.get("name") or ""),
                    reference=paper.get("reference"), paper_type=paper.get("paperType"), date=paper.get("date"),
                    web_url=paper.get("web") or None, files=tuple(files), consultations=consultations)


class KarlsruheMirror:
    """Source over `karlsruhe/papers/*.json` + `file-contents/N.txt` (optionally only some papers)."""

    name = "karlsruhe-mirror"
    complete_listing = False

    def __init__(self, root: Path, references: set[str] | None = None) -> None:
        self.root = root
        self.references = references

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        for path in sorted((self.root / "papers").glob("*.json")):
            try:
                paper = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                problems.report(str(path), f"kein gültiges JSON: {exc}")
                continue
            if self.references is None or paper.get("reference") in self.references:
                yield paper_document(paper, self.root / "file-contents")


def build_index(index: Path, root: Path = KARLSRUHE) -> None:

    try:
        from ingest.sources.oparl_mirror import OParlMirrorSource

        source: Any = OParlMirrorSource(root)
    except ImportError:
        source = KarlsruheMirror(root)
    pipeline = Pipeline(index, None, None, workers=1)
    try:
        pipeline.run([(f"oparl-mirror:{root}", source)], embed=False)
    finally:
        pipeline.close()


# --- measures ---------------------------------------------------------------------------------------------
@dataclass
class PairResult:
    reference: str
    expected: int
    parsed: int
    precedents_found: int
    precedents_expected: int
    precedents_listed: int  # all precedents of the draft: recall alone would reward listing every paper found
    numbers: tuple[int, int]  # (found, total)
    terms: tuple[int, int]
    answered: int
    seconds: float

    @property
    def split_ok(self) -> bool:
        return self.expected == self.parsed

    @property
    def recall(self) -> float | None:
        return self.precedents_found / self.precedents_expected if self.precedents_expected else None

    @property
    def overlap(self) -> float:
        total = self.numbers[1] + self.terms[1]
        return (self.numbers[0] + self.terms[0]) / total if total else 0.0


def stellungnahme_facts(stn: str, anfrage: str, idf: Any) -> tuple[set[str], set[str]]:
    """(numbers, salient terms) of the real Stellungnahme that the Anfrage does not already contain."""
    from collections import Counter


    numbers = {n for n in numbers_in(stn) - numbers_in(anfrage) if len(n.replace(",", "")) >= 2}
    counts = Counter(stems(stn))
    terms = content_terms(stn) - content_terms(anfrage) - QUESTION_NOISE
    terms = {t for t in terms if len(t) >= 4 and not t.isdigit() and counts[t] >= 2}
    ranked = sorted(terms, key=lambda t: (-idf.get(t, 1.0), t))[:SALIENT_TERMS]
    return numbers, set(ranked)


def evaluate_pair(assistant: Assistant, pair: dict[str, Any], text_of: dict[str, str]) -> tuple[PairResult, Any]:

    t0 = time.perf_counter()
    exclude = make_exclusion(file_ids=[pair["stellungnahme_file"]])
    draft = draft_stellungnahme(assistant, pair["reference"], exclude_hit=exclude, mode="extractive",
                                clearance=Access.STAFF)
    seconds = time.perf_counter() - t0
    found_refs = {p.reference for p in draft.precedents} | {p.doc_id for p in draft.precedents}
    expected = pair.get("earlier_related", [])
    hits = sum(1 for e in expected if e["reference"] in found_refs or e["paper_id"] in found_refs)
    answers = " ".join(a.text for a in draft.answers if not a.open)
    stn, anf = text_of.get(pair["stellungnahme_file"], ""), text_of.get(pair["anfrage_file"], "")
    numbers, terms = stellungnahme_facts(stn, anf, assistant.idf)
    draft_numbers, draft_terms = numbers_in(answers), content_terms(answers)
    result = PairResult(
        reference=pair["reference"], expected=int(pair["expected_questions"]), parsed=len(draft.questions),
        precedents_found=hits, precedents_expected=len(expected), precedents_listed=len(draft.precedents),
        numbers=(len(numbers & draft_numbers), len(numbers)), terms=(len(terms & draft_terms), len(terms)),
        answered=sum(not a.open for a in draft.answers), seconds=seconds,
    )
    return result, draft


def file_text(file_id: str, root: Path = KARLSRUHE) -> str:
    path = root / "file-contents" / f"{file_id.rstrip('/').split('/')[-1]}.txt"
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def print_table(results: list[PairResult]) -> None:
    head = f"{'Drucksache':<11} {'Fragen erw./erk.':>16} {'Vorläufer gef./erw.':>20} {'Zahlen':>8} {'Begriffe':>9} " \
           f"{'Fakten':>7} {'beantw.':>8} {'Zeit':>6}"
    print(head)
    print("-" * len(head))
    for r in results:
        prec = f"{r.precedents_found}/{r.precedents_expected}" if r.precedents_expected else "–"
        print(f"{r.reference:<11} {f'{r.expected}/{r.parsed}' + (' ok' if r.split_ok else ' !!'):>16} {prec:>20} "
              f"{f'{r.numbers[0]}/{r.numbers[1]}':>8} {f'{r.terms[0]}/{r.terms[1]}':>9} {r.overlap:>7.0%} "
              f"{f'{r.answered}/{r.parsed}':>8} {r.seconds:>5.1f}s")
    n = len(results) or 1
    with_prec = [r for r in results if r.precedents_expected]
    recall = sum(r.precedents_found for r in with_prec) / (sum(r.precedents_expected for r in with_prec) or 1)
    print("-" * len(head))
    print(f"Fragenzerlegung korrekt: {sum(r.split_ok for r in results)}/{len(results)} "
          f"({sum(r.split_ok for r in results) / n:.0%})")
    print(f"Vorläufer-Recall: {recall:.0%} ({sum(r.precedents_found for r in with_prec)}/"
          f"{sum(r.precedents_expected for r in with_prec)} über {len(with_prec)} Paare); "
          f"gelistete Vorläufer: {sum(r.precedents_listed for r in results)}")
    print(f"Faktenüberdeckung (Mittel): {sum(r.overlap for r in results) / n:.0%}; "
          f"Zahlen {sum(r.numbers[0] for r in results)}/{sum(r.numbers[1] for r in results)}, "
          f"Begriffe {sum(r.terms[0] for r in results)}/{sum(r.terms[1] for r in results)}")
    print(f"Beantwortete Fragen: {sum(r.answered for r in results)}/{sum(r.parsed for r in results)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.draft_eval", description="Hold-out-Auswertung der Stellungnahme-Entwürfe")
    parser.add_argument("--index", required=True, help="Index-Ordner mit dem Karlsruher Korpus")
    parser.add_argument("--pairs", default=str(PAIRS))
    parser.add_argument("--build", action="store_true", help="Index aus dem Karlsruher Korpus aufbauen, falls er fehlt")
    parser.add_argument("--show", help="den Entwurf zu dieser Drucksache als Markdown ausgeben")
    parser.add_argument("--json", help="Ergebnisse zusätzlich als JSON schreiben")
    args = parser.parse_args(argv)

    index = Path(args.index).expanduser()
    if not (index / "catalog.sqlite").is_file():
        if not args.build:
            print(f"Kein Index unter {index} (mit --build aufbauen).", file=sys.stderr)
            return 1
        build_index(index)
    assistant = make_assistant(Settings().with_(index_dir=index))  # as drafting runs: hybrid where vectors exist
    pairs = json.loads(Path(args.pairs).read_text(encoding="utf-8"))["pairs"]
    results: list[PairResult] = []
    for pair in pairs:
        texts = {pair[k]: file_text(pair[k]) for k in ("anfrage_file", "stellungnahme_file")}
        result, draft = evaluate_pair(assistant, pair, texts)
        results.append(result)
        if args.show and args.show == pair["reference"]:
            from assistant.draft.export import to_markdown

            print(to_markdown(draft))
    print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
