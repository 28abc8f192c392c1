"""Mine (question, answer passage) pairs from the council papers for training an answer reader.

Sources:
- "anfrage-stellungnahme": each numbered question of an Anfrage with the administration's answer to it,
  taken from the Stellungnahme file of the same paper (see assistant.training.stellungnahme);
- "agenda-outcome": a paper's title with the result ("Ergebnis") an agenda item recorded for it.
Only papers that assistant.training.split allows are mined; each pair carries its paper's split.

    python -m assistant.training.mine --archive DIR_OR_TAR_ZST --eval-sample DIR --out FILE.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer.layout import clean_lines, content_tokens
from assistant.training.split import (
    Decision,
    Split,
    decide,
    eval_sample_numbers,
    families,
    meta_from_paper,
    paper_number,
)
from assistant.training.stellungnahme import AnswerItem, parse_stellungnahme, whole_answer
from ingest.parse.anfrage_questions import split_questions

_HEAD_LINES = 14
_STELLUNGNAHME_NAME = re.compile(r"stellungnahme|(?:^|[\W_])stn(?:$|[\W_])", re.I)


@dataclass(frozen=True)
class Pair:
    """One training pair; the JSONL record."""

    pair_id: str
    paper_id: str  # OParl id URL
    paper_file: str  # file name stem in papers/
    reference: str
    date: str | None
    paper_type: str
    split: Split
    source: str  # "anfrage-stellungnahme" | "agenda-outcome"
    question: str
    question_number: str | None  # "1", "2a", "1+2" (answered together); None for outcomes
    answer: str
    answer_file_id: str | None  # OParl id URL of the File holding the answer; None for outcomes
    is_reference: bool
    sibling_answers: tuple[str, ...]  # the other answers of the same Stellungnahme (hard negatives)
    title: str
    family: tuple[str, ...] = ()  # OParl ids of the paper's versions and linked papers (same text, same split)


@dataclass
class Summary:
    """Counts printed after a run."""

    papers: Counter[str] = field(default_factory=Counter)
    anfragen: Counter[str] = field(default_factory=Counter)
    pairs: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        out: list[str] = []
        for title, counter in (("papers", self.papers), ("anfragen", self.anfragen), ("pairs", self.pairs),
                               ("dropped", self.dropped)):
            out.append(f"{title}:")
            out.extend(f"  {key:<44} {value:>7}" for key, value in sorted(counter.items()))
        return out


# --- archive access ---------------------------------------------------------------------------------------
class Archive:
    """An unpacked OParl mirror (the folder holding papers/, file-contents/, meetings/)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def papers(self) -> Iterator[dict[str, Any]]:
        for path in sorted((self.root / "papers").glob("*.json"), key=lambda p: (len(p.stem), p.stem)):
            yield json.loads(path.read_text(encoding="utf-8"))

    def meetings(self) -> Iterator[dict[str, Any]]:
        for path in sorted((self.root / "meetings").glob("*.json")):
            yield json.loads(path.read_text(encoding="utf-8"))

    def text(self, file_id: str) -> str | None:
        path = self.root / "file-contents" / f"{paper_number(file_id)}.txt"
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def paper_files(paper: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    main = [paper["mainFile"]] if isinstance(paper.get("mainFile"), dict) else []
    return [f for f in [*main, *(paper.get("auxiliaryFile") or [])] if isinstance(f, dict) and f.get("id")]


def classify_file(name: str, text: str) -> str:
    """"stellungnahme", "anfrage", "protokoll" or "other", from the text's letterhead and the file name."""
    head = clean_lines(text[:1500])[:_HEAD_LINES]
    if any(re.match(r"niederschrift\b", line, re.I) for line in head):
        return "protokoll"
    if any(re.match(r"stellungnahme\b", line, re.I) and len(line) < 60 for line in head):
        return "stellungnahme"
    anfrage_head = any(re.match(r"anfrage\b", line, re.I) and len(line) < 90 for line in head)
    if _STELLUNGNAHME_NAME.search(name) and not anfrage_head:
        return "stellungnahme"
    if anfrage_head or re.search(r"anfrage", name, re.I):
        return "anfrage"
    return "other"


# --- Anfrage -> Stellungnahme --------------------------------------------------------------------------------
def _best_stellungnahme(archive: Archive, files: list[tuple[Mapping[str, Any], str]],
                        questions: list[str]) -> tuple[str, list[AnswerItem]]:
    best: tuple[str, list[AnswerItem]] = ("", [])
    for file_obj, text in files:
        items = parse_stellungnahme(text, questions)
        if len(items) > len(best[1]):
            best = (str(file_obj["id"]), items)
    return best


def mine_anfrage(archive: Archive, paper: Mapping[str, Any], split: Split, summary: Summary,
                 family: tuple[str, ...] = ()) -> list[Pair]:
    """The pairs of one Anfrage paper (none when it has no Stellungnahme or no recognisable answers)."""
    by_kind: dict[str, list[tuple[Mapping[str, Any], str]]] = {}
    for file_obj in paper_files(paper):
        text = archive.text(str(file_obj["id"]))
        if text and text.strip():
            kind = classify_file(str(file_obj.get("name") or ""), text)
            by_kind.setdefault(kind, []).append((file_obj, text))
    if "stellungnahme" not in by_kind:
        summary.anfragen["without Stellungnahme"] += 1
        return []
    summary.anfragen["with Stellungnahme"] += 1
    anfrage = by_kind.get("anfrage", [])
    questions = split_questions(anfrage[0][1]) if anfrage else []
    summary.anfragen["with Stellungnahme, Anfrage text found" if anfrage else "with Stellungnahme only"] += 1
    file_id, items = _best_stellungnahme(archive, by_kind["stellungnahme"], questions)
    if not items and len(questions) == 1:
        file_obj, text = by_kind["stellungnahme"][0]
        whole = whole_answer(text, questions[0], str(paper.get("name") or ""))
        file_id, items = str(file_obj["id"]), [whole] if whole else []
        summary.anfragen["one question, whole Stellungnahme as its answer"] += bool(items)
    if not items:
        summary.dropped["Stellungnahme without question structure"] += 1
        return []
    summary.anfragen["with pairs"] += 1
    return [_anfrage_pair(paper, split, file_id, item, items, family) for item in items]


def _anfrage_pair(paper: Mapping[str, Any], split: Split, file_id: str, item: AnswerItem,
                  items: list[AnswerItem], family: tuple[str, ...]) -> Pair:
    number = paper_number(str(paper["id"]))
    siblings = tuple(o.answer for o in items if o is not item and not o.is_reference and o.answer != item.answer)
    return Pair(
        pair_id=f"{number}:{paper_number(file_id)}:{item.label}", paper_id=str(paper["id"]), paper_file=number,
        reference=str(paper.get("reference") or ""), date=paper.get("date"), paper_type=str(paper.get("paperType")),
        split=split, source="anfrage-stellungnahme", question=item.question, question_number=item.label,
        answer=item.answer, answer_file_id=file_id, is_reference=item.is_reference, sibling_answers=siblings,
        title=str(paper.get("name") or ""), family=family,
    )


# --- agenda outcomes --------------------------------------------------------------------------------------
def _german_date(iso: str | None) -> str:
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)", iso or "")
    return f"{m.group(3)}.{m.group(2)}.{m.group(1)}" if m else ""


def _same_subject(title: str, item_name: str) -> bool:
    """The agenda item is about the paper (guards against a consultation pointing elsewhere)."""
    a, b = set(content_tokens(title)), set(content_tokens(item_name))
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= 0.5


def mine_outcomes(archive: Archive, papers: Mapping[str, Mapping[str, Any]], allowed: Mapping[str, Split],
                  summary: Summary, families: Mapping[str, tuple[str, ...]]) -> list[Pair]:
    """A pair per agenda item with a result whose consultation belongs to an allowed paper."""
    by_consultation = {str(c["id"]): number for number, paper in papers.items() if number in allowed
                       for c in paper.get("consultation") or [] if isinstance(c, dict) and c.get("id")}
    pairs: list[Pair] = []
    for meeting in archive.meetings():
        for item in meeting.get("agendaItem") or []:
            number = by_consultation.get(str(item.get("consultation") or ""))
            result = re.sub(r"\s+", " ", str(item.get("result") or "")).strip()
            if number is None or not result:
                continue
            paper = papers[number]
            title = str(paper.get("name") or "")
            if not _same_subject(title, str(item.get("name") or "")):
                summary.dropped["outcome: agenda item about another subject"] += 1
                continue
            when = _german_date(meeting.get("start"))
            answer = f"{meeting.get('name') or 'Sitzung'} am {when}, TOP {item.get('number') or '?'}: {result}"
            pairs.append(Pair(
                pair_id=f"{number}:agenda:{paper_number(str(item['id']))}", paper_id=str(paper["id"]),
                paper_file=number, reference=str(paper.get("reference") or ""), date=paper.get("date"),
                paper_type=str(paper.get("paperType")), split=allowed[number], source="agenda-outcome",
                question=title, question_number=None, answer=answer, answer_file_id=None, is_reference=False,
                sibling_answers=(), title=title, family=families.get(number, ())))
    return pairs


# --- the whole archive ------------------------------------------------------------------------------------
def _count_decisions(decisions: Mapping[str, Decision], summary: Summary) -> None:
    summary.papers["seen"] = len(decisions)
    for decision in decisions.values():
        summary.papers[f"allowed ({decision.split})" if decision.split else f"excluded: {decision.reason}"] += 1


def _family_ids(papers: Mapping[str, Mapping[str, Any]], roots: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Number -> OParl ids of the other members of its family (for papers that have any)."""
    members: dict[str, list[str]] = {}
    for number, root in roots.items():
        members.setdefault(root, []).append(number)
    return {number: tuple(str(papers[m]["id"]) for m in members[root] if m != number)
            for number, root in roots.items() if len(members[root]) > 1}


def mine(root: Path, eval_sample: Path) -> tuple[list[Pair], Summary]:
    summary = Summary()
    archive = Archive(root)
    papers = {paper_number(str(p["id"])): p for p in archive.papers() if p.get("id")}
    metas = {n: meta_from_paper(p) for n, p in papers.items()}
    decisions = decide(metas, eval_sample_numbers(eval_sample))
    _count_decisions(decisions, summary)
    family_ids = _family_ids(papers, families(metas))
    allowed = {n: d.split for n, d in decisions.items() if d.split is not None}
    pairs: list[Pair] = []
    for number, paper in papers.items():
        if paper.get("paperType") != "Anfrage":
            continue
        summary.anfragen["seen"] += 1
        if number not in allowed:
            summary.anfragen["excluded by the split"] += 1
            continue
        pairs.extend(mine_anfrage(archive, paper, allowed[number], summary, family_ids.get(number, ())))
    pairs.extend(mine_outcomes(archive, papers, allowed, summary, family_ids))
    for pair in pairs:
        summary.pairs[f"{pair.source} / {pair.split}"] += 1
        if pair.is_reference:
            summary.pairs[f"{pair.source} / is_reference"] += 1
    return pairs, summary


def write_jsonl(pairs: list[Pair], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for pair in pairs:
            fh.write(json.dumps(asdict(pair), ensure_ascii=False) + "\n")


_PAIR_FIELDS = ("pair_id", "paper_id", "split", "source", "question", "answer")


def read_pairs(path: Path) -> list[dict[str, Any]]:
    """The pairs of a `pairs.jsonl`; a line that is no pair is an error naming the file and the line."""
    return read_rows(path, _PAIR_FIELDS, "kein Frage-Antwort-Paar")


def read_rows(path: Path, fields: tuple[str, ...], what: str) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines file that have `fields`; any other line is an error naming the file, the
    line and (`what`) what it is not."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise SystemExit(f"{path}, Zeile {number}: kein JSON ({err.msg})") from None
        missing = [f for f in fields if not isinstance(row, dict) or f not in row]
        if missing:
            raise SystemExit(f"{path}, Zeile {number}: {what} (es fehlt {', '.join(missing)})")
        rows.append(row)
    return rows


def _resolve(archive: Path, workdir: Path) -> Path:
    if archive.is_dir():
        return archive / "docs" if (archive / "docs" / "papers").is_dir() else archive
    from ingest.sources.oparl_mirror import unpack_archive  # only needed for a packed archive

    return unpack_archive(archive, workdir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, required=True, help="unpacked mirror folder or .tar.zst")
    parser.add_argument("--eval-sample", type=Path, required=True, help="the evaluation sample's papers/ folder")
    parser.add_argument("--out", type=Path, required=True, help="JSONL output")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="answer-mine-") as tmp:
        pairs, summary = mine(_resolve(args.archive, Path(tmp)), args.eval_sample)
    write_jsonl(pairs, args.out)
    print("\n".join([*summary.lines(), f"wrote {len(pairs)} pairs to {args.out}"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
