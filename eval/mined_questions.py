"""A large question set from the mined validation pairs: the councils' own questions with their official answers,
for comparing answerers on questions nobody on the team wrote or tuned on.

`council train-reader` mines question/answer pairs from the training side of the archive
(`assistant.training.mine`) and keeps a validation split that the reader is not trained on; its work folder
holds the pairs (`pairs.jsonl`) and a lexical index of the training papers (`index/`). This module turns a
seeded sample of the validation pairs into a question file for `council eval --index WORK/index --configs bm25`:

- an Anfrage's question with the Stellungnahme's answer: the key facts are the numbers of the answer passage that
  the question does not name (amounts, counts, dates, years: what a reader checks first and what no wording of the
  answer changes); only short passages (at most `MAX_SENTENCES` sentences) with at least one such number, so that
  an answer which quotes the answering sentences holds every key fact;
- an agenda item's result: "Welches Ergebnis hatte „<title>“ im Gremium <body>?", the key fact is the recorded
  result ("einstimmig beschlossen").

Asked of that index, every question is answerable. Asked of an index without the training papers (the
evaluation index: the evaluation sample is excluded from training, so none of these papers is in it), every
question is unanswerable, and many are near misses: the same council and topics, without the paper that answers.
`--unanswerable` writes them so (no gold, no key facts): the refusal side of the same questions.

`--people FILE` asks the Anfrage pairs instead in the words people use: the questions `assistant.training.people`
had the local language model write for one sentence of each answer ("Wie viele Linien fahren im Tunnel?"); the key
facts are the numbers of that sentence that the question does not name. Those questions share few words with the
Stellungnahme's restated question, as people's questions do. With `--vorlagen WORK` the questions written for
the cloze sentences of Vorlagen join them (`python -m assistant.training.people --vorlagen`): the key facts are the
numbers of the sentence the question does not name, the gold paper is the Vorlage.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from assistant.training.examples import Pair
from assistant.training.mine import read_pairs
from assistant.training.people import (
    PeopleQuestion,
    people_cloze_pairs,
    people_pairs,
    read_questions,
    work_cloze,
)
from ingest.language import split_sentences

MAX_SENTENCES = 4
MAX_FACTS = 3
OUTCOME_SHARE = 0.35  # share of outcome questions in a sample (about the share of outcome questions people ask)
_NUMBER = re.compile(r"(?<![\w.,])\d(?:[\d.,]*\d)?(?![\w])")
_LIST_NUMBER = re.compile(r"^\s*\d{1,2}[.)]\s")  # "1. …": an item mark, not a fact
_OUTCOME = re.compile(r"^(?P<body>.+?)\s*\((?:nicht )?öffentlich[^)]*\)\s*am\s+\S+,\s*TOP\s*[^:]*:\s*(?P<result>.+)$")


def number_facts(question: str, answer: str, limit: int = MAX_FACTS) -> list[str]:
    """The distinct numbers of `answer` (in order) that `question` does not contain: "14", "1.250", "31.12.2026";
    single digits are left out (they are list marks and "Ziff. 3" as often as facts)."""
    asked = set(_NUMBER.findall(question))
    facts: list[str] = []
    for sentence in split_sentences(answer):
        body = _LIST_NUMBER.sub("", sentence)
        for number in _NUMBER.findall(body):
            if len(number) < 2 or number in asked or number in facts:
                continue
            facts.append(number)
    return facts[:limit]


def outcome_question(title: str, answer: str) -> tuple[str, str] | None:
    """(question, key fact) of an agenda-outcome pair: "Gemeinderat (öffentlich) am 21.10.2014, TOP 27: einstimmig
    beschlossen" -> ("Welches Ergebnis hatte „<title>“ im Gremium Gemeinderat?", "einstimmig beschlossen")."""
    m = _OUTCOME.match(answer.strip())
    if not m or not title.strip():
        return None
    return f"Welches Ergebnis hatte „{title.strip()}“ im Gremium {m['body'].strip()}?", m["result"].strip()


def question_row(pair: Mapping[str, Any]) -> dict[str, Any] | None:
    """The eval question of one mined pair, or None when the pair gives no checkable key fact."""
    gold = {"id": f"mined-{pair['pair_id']}", "answerable": True, "city": "Karlsruhe",
            "gold_paper_ids": [pair["paper_id"]], "gold_refs": [pair["reference"]] if pair.get("reference") else [],
            "reference_answer": pair["answer"], "evidence_quote": pair["answer"]}
    if pair["source"] == "agenda-outcome":
        made = outcome_question(str(pair.get("title") or pair["question"]), pair["answer"])
        if made is None:
            return None
        return {**gold, "question": made[0], "type": "outcome", "key_facts": [made[1]]}
    if len(split_sentences(pair["answer"])) > MAX_SENTENCES:
        return None
    facts = number_facts(pair["question"], pair["answer"])
    if not facts:
        return None
    return {**gold, "question": pair["question"], "type": "fact", "key_facts": facts}


def people_rows(pairs: Iterable[Mapping[str, Any]], written: Iterable[PeopleQuestion],
                split: str = "validation", cloze: Iterable[Pair] = ()) -> list[dict[str, Any]]:
    """The eval questions of the written questions of `split` whose sentence gives a number they do not name (of
    the mined pairs, and of the `cloze` pairs of Vorlagen)."""
    written = list(written)
    asked = people_pairs([p for p in pairs if p["split"] == split], written) + \
        people_cloze_pairs([c for c in cloze if c.split == split], written)
    rows = []
    for pair in asked:
        facts = number_facts(pair.question, pair.answer)
        if facts:
            pair_id = pair.pair_id.split(":", 1)[1]
            if pair_id.startswith("cloze:"):  # "cloze:<paper url>:<k>" -> "vorlage-<paper number>-<k>"
                _c, paper, k = pair_id.rsplit(":", 2)
                pair_id = f"vorlage-{paper.rsplit('/', 1)[-1]}-{k}"
            rows.append({"id": f"people-{pair_id}", "answerable": True, "city": "Karlsruhe", "question": pair.question,
                         "type": "fact", "key_facts": facts, "gold_paper_ids": [pair.paper_id],
                         "gold_refs": [pair.reference] if pair.reference else [],
                         "reference_answer": pair.answer, "evidence_quote": pair.answer})
    return sorted(rows, key=lambda r: r["id"])


def sample(pairs: Iterable[Mapping[str, Any]], n: int, seed: int, split: str = "validation") -> list[dict[str, Any]]:
    """A seeded sample of `n` questions of `split`: `OUTCOME_SHARE` outcome questions, the rest Anfrage questions."""
    rows = [r for p in pairs if p["split"] == split and (r := question_row(p)) is not None]
    rng = random.Random(seed)
    outcomes = [r for r in rows if r["type"] == "outcome"]
    facts = [r for r in rows if r["type"] != "outcome"]
    n_out = min(len(outcomes), round(n * OUTCOME_SHARE))
    chosen = rng.sample(outcomes, n_out) + rng.sample(facts, min(len(facts), n - n_out))
    return sorted(chosen, key=lambda r: r["id"])


def unanswerable(row: Mapping[str, Any]) -> dict[str, Any]:
    """The same question, to be asked of an index that lacks its paper."""
    return {"id": row["id"], "question": row["question"], "type": "unanswerable", "answerable": False,
            "city": row["city"], "gold_paper_ids": [], "gold_refs": [], "key_facts": [], "reference_answer": "",
            "evidence_quote": ""}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pairs", type=Path, required=True, help="pairs.jsonl of a `council train-reader` work folder")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--n", type=int, default=400)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--split", default="validation")
    p.add_argument("--unanswerable", action="store_true",
                   help="as unanswerable questions, for an index without the training papers")
    p.add_argument("--people", type=Path, help="questions written by `python -m assistant.training.people` "
                   "(all of them with a number to check, instead of the sample)")
    p.add_argument("--vorlagen", type=Path, metavar="WORK", help="with --people: also the questions about the cloze "
                   "sentences of the training run in this work folder")
    p.add_argument("--cloze-limit", type=int, help="with --vorlagen: as many cloze pairs as the questions were "
                   "written from (`python -m assistant.training.people --cloze-limit`)")
    args = p.parse_args(argv)
    if args.cloze_limit is not None and args.vorlagen is None:
        p.error("--cloze-limit gilt nur mit --vorlagen")
    if args.people is not None and not args.people.is_file():
        raise SystemExit(f"{args.people}: keine Datei (geschrieben von `python -m assistant.training.people`)")
    if not args.pairs.is_file():
        raise SystemExit(f"{args.pairs}: keine Datei (pairs.jsonl eines `council train-reader`-Arbeitsordners)")
    pairs = read_pairs(args.pairs)
    if args.people is not None:
        cloze = work_cloze(args.vorlagen, args.cloze_limit)[0] if args.vorlagen is not None else []
        rows = people_rows(pairs, read_questions(args.people), args.split, cloze)
    else:
        rows = sample(pairs, args.n, args.seed, args.split)
    if args.unanswerable:
        rows = [unanswerable(r) for r in rows]
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    kinds = {t: sum(r["type"] == t for r in rows) for t in ("fact", "outcome", "unanswerable")}
    print(f"{len(rows)} Fragen ({kinds['fact']} Anfrage, {kinds['outcome']} Ergebnis, {kinds['unanswerable']} "
          f"unbeantwortbar) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
