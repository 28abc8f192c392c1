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

    python -m assistant.training.people --pairs WORK/pairs.jsonl --out WORK/people-validation.jsonl --n 600
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.training.closeness import PEOPLE_PREFIX
from assistant.training.examples import Pair
from assistant.training.mine import read_pairs
from ingest.language import is_letterhead, is_question_like, prose_share, split_sentences

SYSTEM = ("Du bekommst das Thema eines Ratsdokuments und einen Satz daraus. Schreibe eine kurze Frage, "
          "auf die genau dieser Satz die Antwort ist, so wie ein Bürger sie stellen würde: eigene einfache Worte, "
          "das Thema genannt, die Antwort selbst nicht verraten. Gib nur die Frage aus.")
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


def messages(title: str, sentence: str) -> list[Any]:
    """The chat: the instruction, the worked examples, then this paper's title and sentence."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    chat: list[Any] = [SystemMessage(SYSTEM)]
    for topic, example, question in SHOTS:
        chat += [HumanMessage(f"Thema: {topic}\nSatz: {example}"), AIMessage(question)]
    chat.append(HumanMessage(f"Thema: {title}\nSatz: {sentence}"))
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
            question, reason = clean_question(ask(messages(str(pair.get("title") or ""), sentence)))
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
    p.add_argument("--pairs", type=Path, required=True, help="pairs.jsonl of a `council train-reader` work folder")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--split", default="validation")
    p.add_argument("--n", type=int, default=600)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", type=Path, help="GGUF file (default: the packaged Qwen2.5, scripts/fetch_qwen.py)")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    if not args.pairs.is_file():
        raise SystemExit(f"{args.pairs}: keine Datei (pairs.jsonl eines `council train-reader`-Arbeitsordners)")
    model = args.model or qwen_gguf_path()
    if model is None or not Path(model).is_file():
        raise SystemExit(f"{model or 'Qwen2.5'}: kein Sprachmodell; erst `python scripts/fetch_qwen.py`")
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
