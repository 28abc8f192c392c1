"""The extractive answer of the rules: the chosen sentences with their followers, slot fillers, the decision line, lists of papers."""

from __future__ import annotations

from typing import NamedTuple

from assistant.answer.compose import Shown, answer_order, decision_text, paper_lines, render, same_council
from assistant.answer.query import IdfLookup
from assistant.answer.rules.scoring import (
    NOVELTY_FLOOR,
    choose,
    near_duplicate,
    score_sentences,
)
from assistant.answer.rules.sentences import Candidate, term_weights
from assistant.answer.rules.slots import answers_slot
from assistant.question import Ask, Question
from assistant.types import Citation, Hit, Sentence
from index.boilerplate import Boilerplate
from ingest.language import (
    DECISIVE_S,
    HEADING_LEAD,
    SUMMARY_SECTION,
    announces_nothing,
    base_reference,
    is_form_like,
    is_letterhead,
    is_question_like,
    label_count,
    version_base,
)

SLOT_WINDOW = 12  # the slot-filling sentence must be among this many best candidates
MAX_SENTENCES = 4  # best sentences (anchors) in an answer, slot fillers included
SUMMARY_FOLLOW = 3  # an anchor in the paper's Kurzfassung brings this many next sentences of it
DUPLICATE_JACCARD = 0.7  # ... and a follower more than this share with a shown sentence
LIST_ITEMS = 5  # a sentence ending in ":" brings up to this many short items of the list it announces
LIST_ITEM_CHARS = 300
FOLLOW_SENTENCES = 2  # each anchor brings the next sentences of its passage: the reason, the figure, the "but"


class Extract(NamedTuple):
    """An extractive answer: text with [n] markers, its sentences and citations, and how well it answers."""

    text: str
    sentences: list[Sentence]
    citations: list[Citation]
    best: float  # best topic coverage of the first two sentences
    core: str = ""  # the best sentences alone, without the sentences that follow them (for the year check)


def fill_slot(question: Question, candidates: list[Candidate], chosen: list[Candidate], max_sentences: int
              ) -> list[Candidate]:
    """Make sure the answer holds a sentence with the asked kind of value (an amount for "Wie viel kostet …?").

    For each part of the question that asks for a value, the best sentence among the SLOT_WINDOW best
    candidates that carries such a value about the question's topic (and year) joins the answer right
    before the best sentence. When none is found the answer stands with what it has: whether the documents
    answer is not decided here (as a refusal, an asked value that no sentence carries held for more
    answerable than unanswerable questions of the mined validation split).
    """
    years = set(question.own_years)
    fillers: list[Candidate] = []
    for slot in question.slots:
        if slot.kind is None:
            continue
        noun = slot.noun
        if any(answers_slot(slot.kind, c, years, noun) for c in [*chosen[:2], *fillers]):
            continue
        filler = next((c for c in candidates[:SLOT_WINDOW] if answers_slot(slot.kind, c, years, noun)), None)
        if filler is not None and filler not in fillers:
            fillers.append(filler)
    if not fillers:
        return chosen
    # the sentence with the asked value answers, the best-covering one without it is context
    return ([*fillers, *(c for c in chosen if c not in fillers)])[:max_sentences]


def with_followers(chosen: list[Candidate], candidates: list[Candidate], hits: list[Hit],
                   follow: int = FOLLOW_SENTENCES) -> list[Candidate]:
    """The chosen sentences, each followed by up to `follow` next sentences of the same passage.

    The answer often continues right after the best-matching sentence ("… 15-mal verliehen. Die Nachfrage
    ist eher als rückläufig zu betrachten."); a letterhead, a table row or a restated question ends the passage.
    A sentence ending in ":" announces a list: up to LIST_ITEMS of its short items follow it; one that ends
    the passage without them and states no figure is left out (`announces_nothing`). An anchor in the
    paper's Kurzfassung brings SUMMARY_FOLLOW next sentences: the summary is dense.
    """
    at = {(c.hit_index, c.position): c for c in candidates}
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for anchor in chosen:
        group = [anchor]
        overview = hits[anchor.hit_index].meta.file_id == "overview"  # its lines are fields, not a passage
        listing = not overview and anchor.sentence.rstrip().endswith(":")
        summary = SUMMARY_SECTION.match(hits[anchor.hit_index].meta.section)
        limit = 0 if overview else max(follow, LIST_ITEMS if listing else 0, SUMMARY_FOLLOW if summary else 0)
        step = 1
        while step <= limit:
            nxt = at.get((anchor.hit_index, anchor.position + step))
            if nxt is None or is_question_like(nxt.sentence):
                break
            if listing:  # list items are often bare noun phrases ("Herausfordernde Topografie")
                if not nxt.item or len(nxt.sentence) > LIST_ITEM_CHARS or label_count(nxt.sentence) >= 2:
                    break
            elif is_form_like(nxt.sentence) or is_letterhead(nxt.sentence):
                break
            group.append(nxt)
            if not listing and nxt.sentence.rstrip().endswith(":"):
                listing, limit = True, step + LIST_ITEMS  # "Die Herausforderungen … sind:" announces its items
            step += 1
        while group and announces_nothing(group[-1].sentence) and not overview:
            group.pop()  # what it announces is not shown
        for cand in group:
            key = (cand.hit_index, cand.position)
            if key in seen:
                continue
            if cand is not anchor and any(near_duplicate(cand, c, DUPLICATE_JACCARD) for c in out):
                continue  # the same statement again (Kurzfassung and Erläuterungen often repeat it)
            seen.add(key)
            out.append(cand)
    return out


def decision(candidates: list[Candidate], hits: list[Hit]) -> Candidate | None:
    """The best paper's final decision: the Beratung line of its overview whose result decides something.

    The deciding body's line (Rolle: Entscheidung) wins over preliminary ones; among several, the last.
    """
    if not hits:
        return None
    top = hits[0].doc_id
    lines = [c for c in candidates if hits[c.hit_index].doc_id == top and hits[c.hit_index].meta.file_id == "overview"
             and DECISIVE_S.search(c.sentence)]
    if not lines:
        return None
    final = [c for c in lines if "Rolle: Entscheidung" in c.sentence]
    return max(final or lines, key=lambda c: c.position)


def named_paper_candidates(question: Question, candidates: list[Candidate], hits: list[Hit]) -> list[Candidate]:
    """A question about a named paper ("Was sagt die Verwaltung in 2023/0325?") is answered from that
    Drucksache and its versions and partners ("25-25182" and its Stellungnahme "25-25182-01") alone."""
    named = {version_base(base_reference(r)) for r in question.references}
    if not named:
        return candidates
    own = [c for c in candidates
           if version_base(base_reference(hits[c.hit_index].meta.reference)) in named]
    return own or candidates


def extractive_answer(question: Question, hits: list[Hit], idf: IdfLookup, max_sentences: int | None = None,
                      boilerplate: Boilerplate | None = None, follow: int = FOLLOW_SENTENCES,
                      decisions: bool = True) -> Extract:
    """The answer built from verbatim source sentences (see `Extract`).

    MAX_SENTENCES best sentences unless given, each with `follow` next sentences of its passage;
    consecutive sentences of one passage share a line. With `decisions`, the best paper's decision
    (`decision`) is stated too.
    """
    max_sentences = max_sentences or MAX_SENTENCES
    candidates = score_sentences(question, hits, idf, boilerplate)
    # a follow-up asks for what its own words ask (`Question.asks`), not for what the earlier question did
    if Ask.LIST in question.asks:
        return _paper_list(candidates, hits, max_sentences)
    candidates = named_paper_candidates(question, candidates, hits)
    if candidates:
        lead = candidates[0].hit_index
        candidates = [c for c in candidates if same_council(hits, lead, c.hit_index)]
    weights = term_weights(set(question.terms), idf) if NOVELTY_FLOOR < 1.0 else None
    chosen = fill_slot(question, candidates, choose(candidates, max_sentences, weights), max_sentences)
    best = max((c.coverage for c in chosen[:2]), default=0.0)
    core = "\n".join(c.sentence for c in chosen)
    picked = with_followers(chosen, candidates, hits, follow)
    decided = decision(candidates, hits) if decisions else None
    picked = [c for c in picked if c is not decided]
    ordered = answer_order(picked, lambda c: c.hit_index, lambda c: c.position)
    if decided is not None:
        # the question asks what became of it: the decision answers first; else it closes the answer as its status
        ordered.insert(0 if Ask.OUTCOME in question.asks else len(ordered), decided)
    shown = [Shown(c.hit_index, c.position, c.sentence,
                   decision_text(c.sentence, hits[c.hit_index].meta.reference) if c is decided
                   else HEADING_LEAD.sub("", c.sentence)) for c in ordered]
    text, sentences, citations = render(hits, shown)
    return Extract(text, sentences, citations, best, core)


def _paper_list(candidates: list[Candidate], hits: list[Hit], max_papers: int) -> Extract:
    """One line per paper (best papers first): its label and its best sentence."""
    best_of: dict[str, Candidate] = {}
    for cand in candidates:  # sorted best first
        doc = hits[cand.hit_index].doc_id
        if doc not in best_of and len(best_of) < max_papers:
            best_of[doc] = cand
    chosen = sorted(best_of.values(), key=lambda c: c.hit_index)
    text, sentences, citations = paper_lines(hits, [(c.hit_index, c.sentence, c.sentence) for c in chosen])
    best = max((c.coverage for c in chosen), default=0.0)
    return Extract(text, sentences, citations, best, core=text)
