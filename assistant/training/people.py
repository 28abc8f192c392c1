"""Questions worded as people ask them, written by the local language model for the mined answers.

The mined pairs ask in the councils' own words: an Anfrage's question, which the Stellungnahme restates before its
answer, so a question and its answer share most of their words. People ask shorter and in words of their own
("Was kostet die neue Stadtbibliothek?"), which is where the reader and the refusal lose on questions nobody on
the team wrote. Here the packaged Qwen2.5-1.5B (greedy decoding, so a rerun writes the same questions) gets the
title of a paper and one sentence of its answer, with four worked examples about made-up topics, and writes the
question that sentence answers as a citizen would ask it.

The sentence is the first of the answer passage that gives a figure (what a key fact is checked against), else
its first prose sentence. A reply that is no short question, or that echoes the prompt, is kept as a rejection
with its reason, so a rerun resumes where it stopped and the summary says how many were dropped and why.

Questions about a Vorlage's own text (a Beschlussvorlage's cost, an Informationsvorlage's date) are asked as
often as questions an Anfrage answers, and no Stellungnahme restates them. With `--vorlagen` the model writes them
for the sentences of the cloze pairs (`assistant.training.cloze`: a Vorlage sentence that carries an amount, a
count or a date), the same ones a training run makes from its work folder's index (with `--cloze-limit`, more of
them in the same order), one sentence per Vorlage, and is shown the value to ask for. `eval/people_vorlagen.jsonl`
holds such questions about validation Vorlagen, a measuring set nobody trains or tunes on (README).

    python -m assistant.training.people --pairs WORK/pairs.jsonl --out WORK/people-validation.jsonl --n 600
    python -m assistant.training.people --vorlagen WORK --out FILE --cloze-limit 15000 --n 330 --seed 22
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.training.closeness import PEOPLE_PREFIX
from assistant.training.cloze import CLOZE_PAIRS, asked_value, cloze_pairs
from assistant.training.examples import Pair
from assistant.training.mine import read_pairs
from ingest.language import (
    is_form_like,
    is_letterhead,
    is_question_like,
    is_speech,
    numbers_in,
    prose_share,
    split_sentences,
)

SYSTEM = ("Du bekommst das Thema eines Ratsdokuments und einen Satz daraus. Schreibe eine kurze Frage, "
          "auf die genau dieser Satz die Antwort ist, so wie ein Bürger sie stellen würde: eigene einfache Worte, "
          "das Thema genannt, die Antwort selbst nicht verraten. Gib nur die Frage aus.")
VALUE_SYSTEM = SYSTEM.replace("Gib nur", "Ist eine Antwort angegeben, fragt die Frage genau nach ihr. Gib nur")
# the answer each worked example asks for, shown where a question is written for a given value (`--vorlagen`)
SHOT_VALUES = ("rund 28 Mio. Euro", "31 von 44", "da die Straße als Hauptverkehrsstraße eingestuft ist",
               "Herbst 2027")
# made-up topics: no paper of any corpus is their source, and a reply that repeats one of them is rejected
SHOTS = (
    ("Neubau der Stadtbibliothek", "Die Kosten für den Neubau werden derzeit auf rund 28 Mio. Euro geschätzt.",
     "Was kostet die neue Stadtbibliothek?"),
    ("Schulsozialarbeit an Grundschulen",
     "Zum Schuljahr 2023/24 sind an 31 von 44 Grundschulen Fachkräfte der Schulsozialarbeit tätig.",
     "An wie vielen Grundschulen gibt es Schulsozialarbeit?"),
    ("Tempo 30 in der Bahnhofstraße",
     "Die Verwaltung lehnt den Antrag ab, da die Straße als Hauptverkehrsstraße eingestuft ist.",
     "Warum kommt kein Tempo 30 in der Bahnhofstraße?"),
    ("Sanierung des Hallenbads", "Das Bad soll nach der Sanierung im Herbst 2027 wieder öffnen.",
     "Wann öffnet das Hallenbad wieder?"),
)
_ECHO = re.compile(r"Stadtbibliothek|Schulsozialarbeit|Bahnhofstraße|Hallenbad|\bSatz\b|\bThema\b|\bTitel\b|\bText\b",
                   re.IGNORECASE)
MIN_WORDS, MAX_WORDS = 3, 20
MIN_STATEMENT_CHARS = 40
MAX_SENTENCE_CHARS = 350  # a longer sentence is cut: the question is about what it says first
SCAN_SENTENCES = 4  # the answer sentence is looked for among the passage's first sentences
MAX_TOKENS = 40


@dataclass(frozen=True)
class PeopleQuestion:
    """One written question (or the reason none was kept) for one mined pair; the sentence it was written for is
    `answer_sentence` of the pair's answer (not stored: the file holds no text of the papers)."""

    pair_id: str
    question: str | None
    rejected: str | None = None


def is_statement(sentence: str) -> bool:
    """A sentence a question can be written for: prose of some length, not a restated question or a letterhead."""
    return len(sentence) >= MIN_STATEMENT_CHARS and prose_share(sentence) >= 0.4 and not is_question_like(sentence) \
        and not is_letterhead(sentence)


def answer_sentence(answer: str) -> str | None:
    """The sentence of an answer passage a question is written for: the first of its first sentences that gives a
    figure, else the first prose one; None when the passage has no statement (a table, a restated question)."""
    statements = [s for s in split_sentences(answer)[:SCAN_SENTENCES] if is_statement(s)]
    if not statements:
        return None
    chosen = next((s for s in statements if any(ch.isdigit() for ch in s)), statements[0])
    return chosen[:MAX_SENTENCE_CHARS]


def clean_question(reply: str) -> tuple[str | None, str | None]:
    """(question, None) for a usable reply, else (None, reason): its first line, a question of MIN_WORDS to
    MAX_WORDS words that does not echo the prompt."""
    line = next((x.strip() for x in reply.splitlines() if x.strip()), "")
    line = re.sub(r"^(?:Frage\s*:\s*)", "", line).strip().strip('"„“').strip()
    if not line.endswith("?"):
        return None, "keine Frage"
    words = len(line.split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        return None, "zu kurz" if words < MIN_WORDS else "zu lang"
    if _ECHO.search(line):
        return None, "wiederholt die Vorgabe"
    return line, None


def messages(title: str, sentence: str, value: str | None = None) -> list[Any]:
    """The chat: the instruction, the worked examples, then this paper's title and sentence (and, where given, the
    value of the sentence the question asks for, with the examples' values)."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    def said(topic: str, text: str, answer: str | None) -> str:
        return f"Thema: {topic}\nSatz: {text}" + (f"\nAntwort: {answer}" if answer else "")

    chat: list[Any] = [SystemMessage(VALUE_SYSTEM if value else SYSTEM)]
    for (topic, example, question), shown in zip(SHOTS, SHOT_VALUES, strict=True):
        chat += [HumanMessage(said(topic, example, shown if value else None)), AIMessage(question)]
    chat.append(HumanMessage(said(title, sentence, value)))
    return chat


def chosen_pairs(pairs: Iterable[Mapping[str, Any]], split: str, n: int, seed: int) -> list[Mapping[str, Any]]:
    """A seeded sample of `n` Anfrage pairs of `split` that have an answer sentence (outcome questions are asked by
    templates already, and a "siehe Frage 2" answer holds no statement)."""
    pool = [p for p in pairs if p["split"] == split and p["source"] == "anfrage-stellungnahme"
            and not p.get("is_reference") and answer_sentence(p["answer"]) is not None]
    pool.sort(key=lambda p: p["pair_id"])
    return random.Random(seed).sample(pool, min(n, len(pool)))


def write_questions(pairs: list[Mapping[str, Any]], out: Path, ask: Callable[[list[Any]], str],
                    progress: Callable[[int, int], None] | None = None) -> Counter[str]:
    """Write one line per pair to `out` (appending: pairs already there are not asked again) and return the counts
    of kept questions and of each rejection reason over the whole file."""
    done = {r.pair_id for r in read_questions(out)} if out.is_file() else set()
    todo = [p for p in pairs if p["pair_id"] not in done]
    with out.open("a", encoding="utf-8") as fh:
        for k, pair in enumerate(todo):
            sentence = answer_sentence(pair["answer"]) or ""
            question, reason = clean_question(ask(messages(str(pair.get("title") or ""), sentence,
                                                           pair.get("value") or None)))
            row = PeopleQuestion(pair["pair_id"], question, reason)
            fh.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
            fh.flush()
            if progress is not None:
                progress(k + 1, len(todo))
    return Counter(r.rejected or "behalten" for r in read_questions(out))


def people_pairs(records: Iterable[Mapping[str, Any]], written: Iterable[PeopleQuestion]) -> list[Pair]:
    """Training pairs of the kept questions: each asks for the sentence it was written for, in its paper (the
    mined pair's paper, family and Drucksache)."""
    by_id = {r["pair_id"]: r for r in records}
    pairs = []
    for w in written:
        rec = by_id.get(w.pair_id)
        sentence = answer_sentence(rec["answer"]) if rec is not None else None
        if w.question is None or rec is None or sentence is None:
            continue
        pairs.append(Pair(f"{PEOPLE_PREFIX}{w.pair_id}", w.question, sentence, rec["paper_id"],
                          frozenset([rec["paper_id"], *rec.get("family", [])]), rec["split"],
                          str(rec.get("reference") or "")))
    return pairs


def people_cloze_pairs(cloze: Iterable[Pair], written: Iterable[PeopleQuestion]) -> list[Pair]:
    """The questions written for cloze sentences (`--vorlagen`) as pairs: each asks for its sentence, in its
    Vorlage."""
    by_id = {p.pair_id: p for p in cloze}
    return [Pair(f"{PEOPLE_PREFIX}{w.pair_id}", w.question, pair.answer, pair.paper_id, pair.family, pair.split,
                 pair.reference)
            for w in written if w.question is not None and (pair := by_id.get(w.pair_id)) is not None]


MAX_NUMBERS = 3  # a sentence with more numbers is a table row or a list of sums, not a statement one asks about


def plain_statement(sentence: str) -> bool:
    """A sentence a paper states in prose: it begins with a capital letter (no list mark, no fragment of a broken
    line), announces no list, is no form row, no speaker's words in a debate and gives at most MAX_NUMBERS
    numbers."""
    return sentence[:1].isupper() and not sentence.rstrip().endswith(":") and not is_form_like(sentence) \
        and not is_speech(sentence) and len(numbers_in(sentence)) <= MAX_NUMBERS


def vorlage_records(cloze: Iterable[Pair], titles: Mapping[str, str], split: str, n: int, seed: int,
                    asked: Set[str] = frozenset()) -> list[dict[str, str]]:
    """A seeded sample of `n` cloze pairs of `split` whose sentence is a `plain_statement` and that were not `asked`
    before, one per Vorlage (questions about one paper are not independent), as records for `write_questions` (the
    sentence as the answer, the Vorlage's title, the value the question asks for: without it, the model asks about
    anything the sentence touches)."""
    pool = sorted((p for p in cloze if p.split == split and plain_statement(p.answer) and p.pair_id not in asked),
                  key=lambda p: p.pair_id)
    chosen: list[Pair] = []
    papers: set[str] = set()
    for p in random.Random(seed).sample(pool, len(pool)):
        if p.paper_id not in papers and len(chosen) < n:
            papers.add(p.paper_id)
            chosen.append(p)
    return [{"pair_id": p.pair_id, "answer": p.answer, "title": titles.get(p.paper_id, ""),
             "value": asked_value(p.answer) or ""} for p in chosen]


def work_cloze(work: Path, limit: int | None = None) -> tuple[list[Pair], dict[str, str]]:
    """The cloze pairs a full training run makes from the work folder `work` (its index and unpacked archive), and
    the titles of the papers; with a `limit` above the run's CLOZE_PAIRS, more of them in the same order (the run's
    are the first)."""
    from assistant.retrieval.retriever import Retriever
    from assistant.training.mine import _resolve
    from assistant.training.split import allowed_papers
    from ingest.paths import corpus_root

    index = work / "index"
    if not (index / "catalog.sqlite").is_file():
        raise SystemExit(f"{index}: kein Trainingsindex (erst `council train-reader --work {work}`)")
    root = corpus_root()
    mirror = _resolve(root / "archive" / "karlsruhe-oparl-full.tar.zst", work / "archive")
    splits = allowed_papers(mirror / "papers", root / "karlsruhe" / "papers")
    catalog = Retriever(index).catalog
    titles = {str(d): str(t or "") for d, t in catalog.db.execute("SELECT doc_id, title FROM documents")}
    return cloze_pairs(catalog, splits, limit=limit or CLOZE_PAIRS, seed=0), titles


def read_questions(path: Path) -> list[PeopleQuestion]:
    """The rows of a file written by `write_questions`; a bad line is an error naming the file and the line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(PeopleQuestion(**json.loads(line)))
        except (json.JSONDecodeError, TypeError) as err:
            raise SystemExit(f"{path}, Zeile {number}: keine geschriebene Frage ({err})") from None
    return rows


def local_asker(model_path: Path, threads: int) -> Callable[[list[Any]], str]:
    """Greedy replies of the GGUF model at `model_path`."""
    from assistant.answer.llm import LocalGGUFChatModel

    model = LocalGGUFChatModel(model_path=str(model_path), max_tokens=MAX_TOKENS, n_threads=threads, temperature=0.0)
    return lambda chat: str(model.invoke(chat).content)


def main(argv: list[str] | None = None) -> int:
    from assistant.answer.llm import qwen_gguf_path

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--pairs", type=Path, help="pairs.jsonl of a `council train-reader` work folder")
    source.add_argument("--vorlagen", type=Path, metavar="WORK",
                        help="a `council train-reader` work folder: questions for its cloze sentences of Vorlagen")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--split", default="validation")
    p.add_argument("--n", type=int, default=600)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", type=Path, help="GGUF file (default: the packaged Qwen2.5, scripts/fetch_qwen.py)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cloze-limit", type=int, help="with --vorlagen: sample from this many cloze pairs (default: "
                   "those of a training run, 3000)")
    args = p.parse_args(argv)
    if args.cloze_limit is not None and args.vorlagen is None:
        p.error("--cloze-limit gilt nur mit --vorlagen")
    if args.pairs is not None and not args.pairs.is_file():
        raise SystemExit(f"{args.pairs}: keine Datei (pairs.jsonl eines `council train-reader`-Arbeitsordners)")
    model = args.model or qwen_gguf_path()
    if model is None or not Path(model).is_file():
        raise SystemExit(f"{model or 'Qwen2.5'}: kein Sprachmodell; erst `python scripts/fetch_qwen.py`")
    if args.vorlagen is not None:
        asked = {r.pair_id for r in read_questions(args.out)} if args.out.is_file() else set()
        pairs: list[Mapping[str, Any]] = list(vorlage_records(*work_cloze(args.vorlagen, args.cloze_limit), args.split,
                                                              args.n, args.seed, asked))
    else:
        pairs = chosen_pairs(read_pairs(args.pairs), args.split, args.n, args.seed)
    t0 = time.perf_counter()

    def progress(k: int, total: int) -> None:
        if k % 25 == 0 or k == total:
            print(f"  {k}/{total} Fragen, {time.perf_counter() - t0:.0f} s", flush=True)

    counts = write_questions(pairs, args.out, local_asker(Path(model), args.threads), progress)
    print(f"{args.out}: " + ", ".join(f"{reason} {n}" for reason, n in counts.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
