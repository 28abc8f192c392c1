"""Cloze pairs: questions made from the sentences of Vorlagen themselves, for the answers that no Stellungnahme
restates a question before (an Informationsvorlage's Kurzfassung, a Beschlussvorlage's figures and dates).

A sentence that carries a value (an amount, a count, a date) becomes the answer to a question built from part of
its own words and a word of its paper's title, led by the question word its value answers ("Wie viel kostet …",
"Wann …"). The mined Anfrage pairs teach where an administration answers; these teach which sentence of a plain
text holds the asked value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from assistant.training.examples import Pair
from index.catalog import Catalog
from ingest.language import (
    COUNT_WORD,
    DATE_S,
    MONEY_S,
    NOT_A_COUNT,
    UNIT_S,
    is_letterhead,
    is_question_like,
    prose_share,
    sentence_values,
    split_sentences,
)

CLOZE_PAIRS = 3000  # cloze pairs of a full training run
PER_PAPER = 2
KEEP_WORDS = 0.5  # share of the sentence's words the question keeps
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß\-]{3,}")
_COUNTED = re.compile(r"\d[\d.,]*(?:\s*%|\s+[A-ZÄÖÜ][\wäöüß-]+)?")  # "12 Firmen", "57,7 %"
_LEAD = (("money", "Wie viel kostet"), ("date", "Wann"), ("count", "Wie viele"), ("amount", "Wie hoch ist"))
TYPES = ("Beschlussvorlage", "Informationsvorlage", "Antrag", "Änderungs-/Ergänzungsantrag")


def cloze_limit(limit: int | None) -> int:
    """How many cloze pairs a training run makes: CLOZE_PAIRS, a third of the mined pairs of a trial with --limit."""
    return (limit or CLOZE_PAIRS * 3) // 3


def answerable_sentence(sentence: str) -> str | None:
    """The question word for a sentence worth asking about, or None."""
    if not 60 <= len(sentence) <= 400 or prose_share(sentence) < 0.5 or is_question_like(sentence) \
            or is_letterhead(sentence):
        return None
    values = sentence_values(sentence)
    return next((lead for kind, lead in _LEAD if kind in values), None)


def asked_value(sentence: str) -> str | None:
    """The value of a cloze sentence that its question word asks for (`answerable_sentence`): the amount of money,
    the date, the counted number or the measured amount, as the sentence writes it."""
    lead = answerable_sentence(sentence)
    kind = next((k for k, word in _LEAD if word == lead), None)
    if kind == "count":
        counted = NOT_A_COUNT.sub(" ", sentence)
        found = _COUNTED.search(counted) or COUNT_WORD.search(counted)
    else:
        pattern = {"money": MONEY_S, "date": DATE_S, "amount": UNIT_S}.get(kind or "")
        found = pattern.search(sentence) if pattern is not None else None
    return found.group(0).strip() if found else None


def question_for(sentence: str, lead: str, title: str, rng: np.random.Generator) -> str:
    """The lead, about half of the sentence's longer words in their order, and one word of the title."""
    words = _WORD.findall(sentence)
    kept = [w for w in words if rng.random() < KEEP_WORDS] or words[:2]
    own = _WORD.findall(title)
    if own:
        kept.insert(int(rng.integers(len(kept) + 1)), own[int(rng.integers(len(own)))])
    return f"{lead} {' '.join(kept)}?"


def cloze_pairs(catalog: Catalog, splits: Mapping[str, str], limit: int, seed: int) -> list[Pair]:
    """Up to `limit` cloze pairs from the body chunks of the catalog's Vorlagen (at most PER_PAPER a paper); `splits`
    maps a paper's number (the end of its id) to its side of the mined split."""
    rng = np.random.default_rng(seed)
    docs = [(doc_id, title, ref) for doc_id, title, ref, kind in catalog.db.execute(
        "SELECT doc_id, title, reference, paper_type FROM documents") if kind in TYPES]
    order = rng.permutation(len(docs))
    pairs: list[Pair] = []
    for i in order:
        doc_id, title, ref = docs[int(i)]
        split = splits.get(str(doc_id).rsplit("/", 1)[-1])
        if split is None:
            continue
        found = []
        for _cid, text, meta in catalog.doc_chunks(doc_id):
            if meta.get("file_id") == "overview":
                continue
            found += [(s, lead) for s in split_sentences(text) if (lead := answerable_sentence(s))]
        for k in rng.permutation(len(found))[:PER_PAPER]:
            sentence, lead = found[int(k)]
            pairs.append(Pair(f"cloze:{doc_id}:{int(k)}", question_for(sentence, lead, title or "", rng), sentence,
                              doc_id, frozenset([doc_id]), split, str(ref or "")))
        if len(pairs) >= limit:
            break
    return pairs[:limit]
