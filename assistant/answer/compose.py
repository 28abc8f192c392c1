"""The extractive answer from the reader's scores: the one sentence that answers first, then at most a few
supporting passages, each from a paper whose evidence clears the reader's passage threshold.

The answer is verbatim source sentences, each with its marker [n]; consecutive sentences of one passage share a
line. A sentence ending in ":" brings the items of the list it announces (a list stays whole).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np

from assistant.answer.citations import citation_from_hit, inert_markers
from assistant.answer.features import VALUE_KINDS, Unit
from assistant.answer.query import Query
from assistant.answer.reader import Reading
from assistant.types import Citation, Hit, Sentence
from ingest.language import (
    DECISIVE_S,
    SUMMARY_SECTION,
    announces_nothing,
    is_form_like,
    is_letterhead,
    is_question_like,
    normalise,
    sentence_values,
    version_base,
)

T = TypeVar("T")
MAX_ANCHORS = 3  # the best sentence and at most two supporting ones
# an anchor brings up to this many next sentences of its passage (until a restated question, a letterhead or a
# table ends it): a mined answer passage has one or two sentences in three of four cases, six in one of ten, and
# the sentence the reader likes best is often its first, with the figure or the reason after it
FOLLOW = 3
LIST_ITEMS = 6  # a sentence ending in ":" brings up to this many items of its list
LIST_ITEM_CHARS = 300
MAX_PAPERS = 5  # a list question ("Welche Anträge gab es zu …?"): one line for each of at most this many papers
DUPLICATE_JACCARD = 0.7  # a sentence sharing this share of its terms with a shown one repeats it
QUOTE_CHARS = 900  # the quoted passage on a source card
LIST_QUOTE_CHARS = 600  # ... of a paper in a list answer (one sentence)


@dataclass(frozen=True)
class Extract:
    """An extractive answer: text with [n] markers, its sentences and citations."""

    text: str
    sentences: list[Sentence]
    citations: list[Citation]
    best: float  # probability of the best sentence


def _near_duplicate(a: Unit, b: Unit, share: float = DUPLICATE_JACCARD) -> bool:
    return bool(a.terms) and len(a.terms & b.terms) / len(a.terms | b.terms) > share


def _ends_passage(unit: Unit) -> bool:
    """A restated question, a letterhead or a table row ends the passage an anchor reads on into."""
    return is_question_like(unit.text) or is_letterhead(unit.text) or is_form_like(unit.text)


def anchors(reading: Reading, hits: list[Hit], passage: float, max_anchors: int = MAX_ANCHORS,
            allowed: set[int] | None = None) -> list[int]:
    """Unit indices: the best one, then the next best that clear `passage`, stand in a paper of the best one's
    council (`same_council`) and repeat none chosen (only among `allowed` units when given)."""
    if not len(reading.units):
        return []
    order = [int(i) for i in np.argsort(-reading.probs, kind="stable") if allowed is None or int(i) in allowed]
    if not order:
        return []
    chosen = [order[0]]
    lead = reading.units[order[0]].hit_index
    for i in order[1:]:
        if len(chosen) >= max_anchors or reading.probs[i] < passage:
            break
        if not same_council(hits, lead, reading.units[i].hit_index):
            continue
        if not any(_near_duplicate(reading.units[i], reading.units[c]) for c in chosen):
            chosen.append(i)
    return chosen


def same_council(hits: list[Hit], lead: int, other: int) -> bool:
    """Whether chunk `other` comes from the council of chunk `lead` (or either council is unknown): another
    council's papers are about another town, whatever words they share with the question ("Fallkonferenz" in
    Karlsruhe for a Braunschweig "Buntstadtkonferenz")."""
    a, b = hits[lead].meta.body, hits[other].meta.body
    return not a or not b or a == b


def with_followers(reading: Reading, hits: list[Hit], chosen: list[int]) -> list[int]:
    """Each anchor followed by the next sentences of its passage (a list that an anchor announces with ":" comes
    whole; a lead-in that ends the passage without its list and states no figure is left out)."""
    at = {(u.hit_index, u.position): k for k, u in enumerate(reading.units)}
    out: list[int] = []
    for a in chosen:
        anchor = reading.units[a]
        group = [a]
        overview = hits[anchor.hit_index].meta.file_id == "overview"  # its lines are fields, not a passage
        listing = not overview and anchor.text.rstrip().endswith(":")
        in_summary = bool(SUMMARY_SECTION.match(hits[anchor.hit_index].meta.section))
        limit = 0 if overview else (LIST_ITEMS if listing else FOLLOW + int(in_summary))
        for step in range(1, limit + 1):
            k = at.get((anchor.hit_index, anchor.position + step))
            if k is None:
                break
            unit = reading.units[k]
            if listing:
                if not unit.item or len(unit.text) > LIST_ITEM_CHARS:
                    break
            elif _ends_passage(unit):
                break
            group.append(k)
        while group and not overview and announces_nothing(reading.units[group[-1]].text):
            group.pop()  # "… nimmt die Verwaltung wie folgt Stellung:" without what it announces
        for k in group:
            if k in out or (k != a and any(_near_duplicate(reading.units[k], reading.units[o]) for o in out)):
                continue
            out.append(k)
    return out


def passages_of(query: Query, hits: list[Hit], reading: Reading, chosen: list[int]) -> list[int]:
    """The anchors with their passages, and the sentence with the value the question asks for where none of them
    carries it (`value_filler`)."""
    picked = with_followers(reading, hits, chosen)
    filler = value_filler(query, hits, reading, chosen, picked)
    if filler is not None:
        picked += [k for k in with_followers(reading, hits, [filler]) if k not in picked]
    return picked


def value_filler(query: Query, hits: list[Hit], reading: Reading, chosen: list[int], picked: list[int]) -> int | None:
    """For a question that asks for a kind of value ("Wie viel kostet …": an amount of money, "Bis wann …": a date)
    that no picked sentence carries: the most probable sentence of the papers already chosen that carries one of the
    missing kinds (a paper that the passage threshold did not admit gives none). None when every asked kind is
    carried or no sentence of those papers carries a missing one."""
    asked = set(query.kinds & set(VALUE_KINDS))
    for k in picked:
        asked -= sentence_values(reading.units[k].text)
    if not asked:
        return None
    papers = {hits[reading.units[k].hit_index].doc_id for k in chosen}
    for k in np.argsort(-reading.probs, kind="stable"):
        unit = reading.units[int(k)]
        if unit.overview or unit.question_like or hits[unit.hit_index].doc_id not in papers:
            continue
        if asked & sentence_values(unit.text):
            return int(k)
    return None


def decision_line(reading: Reading, hits: list[Hit], doc_id: str) -> int | None:
    """The deciding consultation line of a paper's overview (the deciding body's line wins; among several the last)."""
    lines = [k for k, u in enumerate(reading.units) if u.overview and hits[u.hit_index].doc_id == doc_id
             and DECISIVE_S.search(u.text)]
    final = [k for k in lines if "Rolle: Entscheidung" in reading.units[k].text]
    return max(final or lines, key=lambda k: reading.units[k].position) if lines else None


def decision_text(line: str, reference: str = "") -> str:
    """ "Beratung: Gemeinderat, Gemeinderat (öffentlich), am 2026-07-28, TOP 12, Rolle: Entscheidung, Ergebnis:
    mehrheitlich beschlossen" -> "Beratungsergebnis (2026/0158): Gemeinderat, am 2026-07-28, TOP 12: mehrheitlich
    beschlossen"."""
    body = re.sub(r"^Beratung:\s*", "", line)
    body = re.sub(r"\s*\((?:nicht)?öffentlich[^)]*\)", "", body)
    body = re.sub(r",\s*Rolle:[^,]*", "", body)
    parts = [p.strip() for p in body.split(",")]
    if len(parts) > 1 and parts[0] == parts[1]:
        del parts[1]  # "Gemeinderat, Gemeinderat": body and meeting of the same name
    label = f"Beratungsergebnis ({reference})" if reference else "Beratungsergebnis"
    return label + ": " + re.sub(r",\s*Ergebnis:\s*", ": ", ", ".join(parts))


def compose(query: Query, hits: list[Hit], reading: Reading, passage: float, decisions: bool = True) -> Extract:
    """The answer text with its sentences and citations (see module docstring); with `decisions`, the lead paper's
    recorded decision too."""
    if not len(reading.units):
        return Extract("", [], [], 0.0)
    if "list" in query.kinds and not query.references:
        return paper_list(hits, reading, passage)
    named = named_units(query, hits, reading)
    if named and not query.weights:
        chosen = _summary(reading, hits, named)  # "Was steht in 2024/0015?": the paper's own opening
    else:
        chosen = anchors(reading, hits, passage, allowed=named or None)
    if not chosen:
        return Extract("", [], [], 0.0)
    identity = _identity_line(query, hits, reading)
    if identity is not None and identity not in chosen:
        chosen = [identity, *chosen[: MAX_ANCHORS - 1]]
    picked = passages_of(query, hits, reading, chosen)
    lead_doc = hits[reading.units[chosen[0]].hit_index].doc_id
    decided = decision_line(reading, hits, lead_doc) if decisions else None
    picked = [k for k in picked if k != decided]
    ordered = answer_order(picked, lambda k: reading.units[k].hit_index, lambda k: reading.units[k].position)
    if decided is not None:
        # the question asks what became of it: the decision answers first; else it closes the answer as its status
        ordered.insert(0 if "outcome" in query.kinds else len(ordered), decided)
    return _render(hits, reading, ordered, decided)


def answer_order(picked: list[T], chunk: Callable[[T], int], position: Callable[[T], int]) -> list[T]:
    """Chunks in the order they were picked, sentences in reading order within a chunk, but the answer starts with
    the sentence that answers (the first picked): in its chunk, the sentences before it follow its passage."""
    if not picked:
        return []
    first_seen: dict[int, int] = {}
    for k, item in enumerate(picked):
        first_seen.setdefault(chunk(item), k)
    lead_chunk, lead_position = chunk(picked[0]), position(picked[0])
    return sorted(picked, key=lambda item: (first_seen[chunk(item)],
                                            chunk(item) == lead_chunk and position(item) < lead_position,
                                            position(item)))


def named_units(query: Query, hits: list[Hit], reading: Reading) -> set[int]:
    """Units of the papers a question names ("Was sagt die Verwaltung in 2023/0325 …?"), all versions and the
    Anfrage/Stellungnahme partners of the Drucksache included; empty when none of them was retrieved."""
    if not query.references:
        return set()
    named = {version_base(r) for r in query.references}
    return {k for k, u in enumerate(reading.units)
            if version_base(hits[u.hit_index].meta.reference) in named}


def _summary(reading: Reading, hits: list[Hit], named: set[int], n: int = 3) -> list[int]:
    """The first sentences of a named paper's text (its Kurzfassung first, where it has one)."""
    body = [k for k in named if not reading.units[k].overview]
    summary = [k for k in body if SUMMARY_SECTION.match(hits[reading.units[k].hit_index].meta.section)]
    return sorted(summary or body, key=lambda k: (reading.units[k].hit_index, reading.units[k].position))[:n]


def _identity_line(query: Query, hits: list[Hit], reading: Reading) -> int | None:
    """For a question about a named paper ("Von wann ist 26-29470, und worum geht es?"): its title, type and date."""
    if not query.references or not ({"about_paper", "date"} & query.kinds):
        return None
    named = {r.lower() for r in query.references}
    for k, u in enumerate(reading.units):
        if u.overview and u.position == 0 and hits[u.hit_index].meta.reference.lower() in named:
            return k
    return None


def _render(hits: list[Hit], reading: Reading, ordered: list[int], decided: int | None) -> Extract:
    shown = []
    for k in ordered:
        unit = reading.units[k]
        text = decision_text(unit.text, hits[unit.hit_index].meta.reference) if k == decided \
            else unit.shown
        shown.append(Shown(unit.hit_index, unit.position, unit.text, text))
    text, sentences, citations = render(hits, shown)
    return Extract(text, sentences, citations, float(reading.probs.max()))


@dataclass(frozen=True)
class Shown:
    """One sentence of an answer: its chunk (an index into the hits), its place there, its text in the source and
    the text the answer shows."""

    hit_index: int
    position: int
    source: str
    text: str


def render(hits: list[Hit], shown: list[Shown]) -> tuple[str, list[Sentence], list[Citation]]:
    """The answer text, its sentences and citations: each sentence with its marker [n] (one number per chunk);
    consecutive sentences of one passage share a line (overview lines are fields, not a passage); a chunk's
    citation quotes the passages shown from it."""
    numbering: dict[int, int] = {}
    sentences: list[Sentence] = []
    quotes: dict[int, list[str]] = {}
    lines: list[str] = []
    previous: Shown | None = None
    for item in shown:
        n = numbering.setdefault(item.hit_index, len(numbering) + 1)
        sentence = Sentence(inert_markers(normalise(item.text)), (n,), True, 1.0)
        sentences.append(sentence)
        marked = f"{sentence.text} [{n}]"
        passages = quotes.setdefault(item.hit_index, [])
        if previous is not None and previous.hit_index == item.hit_index and previous.position + 1 == item.position \
                and hits[item.hit_index].meta.file_id != "overview":
            lines[-1] += " " + marked
            passages[-1] += " " + item.source
        else:
            lines.append("- " + marked)
            passages.append(item.source)
        previous = item
    citations = [citation_from_hit(n, hits[i], " … ".join(quotes[i])[:QUOTE_CHARS]) for i, n in numbering.items()]
    return "\n".join(lines), sentences, citations


def paper_lines(hits: list[Hit], picks: list[tuple[int, str, str]]) -> tuple[str, list[Sentence], list[Citation]]:
    """One line per paper for a list question: (chunk index, sentence shown, its quote) -> the paper's label and
    the sentence, with its citation."""
    sentences: list[Sentence] = []
    citations: list[Citation] = []
    for n, (i, text, quote) in enumerate(picks, start=1):
        sentences.append(Sentence(f"{paper_label(hits[i])}: {inert_markers(normalise(text))}", (n,), True, 1.0))
        citations.append(citation_from_hit(n, hits[i], quote[:LIST_QUOTE_CHARS]))
    return "\n".join(f"- {s.text} [{s.citations[0]}]" for s in sentences), sentences, citations


def paper_label(hit: Hit) -> str:
    """ "2024/0919 (Beschlussvorlage, 2024-10-01) „Titel“" from a hit's metadata."""
    m = hit.meta
    details = ", ".join(str(x) for x in (m.paper_type, m.date) if x)
    ref = m.reference.strip()
    title = m.title.strip()
    head = " ".join(x for x in (ref, f"({details})" if details else "") if x)
    return f"{head} „{title}“".strip() if title else head


def paper_list(hits: list[Hit], reading: Reading, passage: float) -> Extract:
    """One line per paper whose best sentence clears `passage` (the best paper always), best papers first."""
    best_of: dict[str, int] = {}
    for k in np.argsort(-reading.probs, kind="stable"):
        doc = hits[reading.units[int(k)].hit_index].doc_id
        if doc not in best_of and len(best_of) < MAX_PAPERS and (not best_of or reading.probs[int(k)] >= passage):
            best_of[doc] = int(k)
    chosen = sorted(best_of.values(), key=lambda k: reading.units[k].hit_index)
    text, sentences, citations = paper_lines(hits, [(reading.units[k].hit_index, reading.units[k].shown,
                                                     reading.units[k].text) for k in chosen])
    return Extract(text, sentences, citations, float(reading.probs.max()))


def selected_passages(query: Query, hits: list[Hit], reading: Reading, passage: float) -> list[Hit]:
    """The chunks the extractive answer would quote, each cut down to the sentences it would quote: the sources a
    language model gets (a short prompt; its citations are checked against exactly these passages)."""
    if not len(reading.units):
        return []
    picked = passages_of(query, hits, reading, anchors(reading, hits, passage))
    by_hit: dict[int, list[Unit]] = {}
    for k in picked:
        by_hit.setdefault(reading.units[k].hit_index, []).append(reading.units[k])
    return [replace(hits[i], text=" ".join(u.text for u in sorted(units, key=lambda u: u.position)))
            for i, units in sorted(by_hit.items())]
