"""Earlier Anfragen and Stellungnahmen on the topic, each with the administration's answer, and numbers that changed since."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.reader import Network
from assistant.draft.inputs import file_texts, split_paper_files
from assistant.draft.records import Precedent
from assistant.question import Question
from assistant.service import Assistant
from assistant.types import ChunkMeta, Filters, Hit
from ingest.language import QUESTION_NOISE, base_reference, content_terms, split_sentences
from ingest.parse.anfrage import ParsedAnfrage
from ingest.records import Access

OUTDATED_YEARS = 4
MAX_PRECEDENTS = 6
SEARCH_K = 60  # passages searched for candidate papers (two per paper)
WEIGHTS_PATH = Path(__file__).with_name("precedents.json")
# what the precedent model sees of a candidate paper; "title_closeness" only where e5 vectors are available
LEXICAL_FEATURES = ("overlap", "title_overlap", "rank")
FEATURES = (*LEXICAL_FEATURES, "title_closeness")
HitPredicate = Callable[[Hit], bool]
Closeness = Callable[[str, list[str]], list[float] | None]


# --- precedents ---------------------------------------------------------------------------------------------
def weighted_overlap(query_terms: dict[str, float], text: str) -> float:
    terms = content_terms(text)
    total = sum(query_terms.values()) or 1.0
    return sum(w for t, w in query_terms.items() if t in terms) / total


def _query_weights(idf: Any, title: str, questions: list[str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for t in content_terms(" ".join(questions)) - QUESTION_NOISE:
        weights[t] = idf.get(t, 1.0)
    for t in content_terms(title) - QUESTION_NOISE:
        weights[t] = 2.0 * idf.get(t, 1.0)
    return weights


def _years_before(iso: str, years: int) -> str:
    try:
        d = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return ""
    return d.replace(year=d.year - years, day=min(d.day, 28)).isoformat()


def topic_query(parsed: ParsedAnfrage) -> str:
    """What the precedents are searched with: the title twice (it names the topic) and the questions."""
    title = parsed.title or ""
    return (f"{title} {title} " + " ".join(parsed.questions))[:2000]


@dataclass
class Candidate:
    """A paper the topic search found, with what the precedent model sees of it."""

    doc_id: str
    meta: ChunkMeta
    hits: list[Hit]
    features: dict[str, float]


@dataclass(frozen=True)
class PrecedentModel:
    """Whether a found paper is an earlier paper on the Anfrage's topic: logistic models learned from the papers
    that the archive's own Vorlagen cite (`assistant.training.precedents`), one over the lexical features and one
    that also sees the e5 closeness of the Anfrage to the paper's title, each with the threshold chosen on the
    validation split."""

    lexical: Network
    hybrid: Network
    lexical_threshold: float
    hybrid_threshold: float

    @staticmethod
    def load(path: Path = WEIGHTS_PATH) -> PrecedentModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PrecedentModel(Network.from_json(data["lexical"]), Network.from_json(data["hybrid"]),
                              float(data["thresholds"]["lexical"]), float(data["thresholds"]["hybrid"]))

    def scores(self, candidates: list[Candidate]) -> tuple[list[float], float]:
        """Each candidate's probability of being a precedent, and the threshold that applies: the hybrid model
        where every candidate has a title closeness, else the lexical one."""
        if not candidates:
            return [], self.lexical_threshold
        hybrid = all("title_closeness" in c.features for c in candidates)
        names, net, threshold = ((FEATURES, self.hybrid, self.hybrid_threshold) if hybrid
                                 else (LEXICAL_FEATURES, self.lexical, self.lexical_threshold))
        x = np.array([[c.features[n] for n in names] for c in candidates], dtype=np.float32)
        return [float(p) for p in net(x)], threshold


@lru_cache(maxsize=1)
def shipped_model() -> PrecedentModel:
    return PrecedentModel.load()


def precedent_types(assistant: Assistant) -> tuple[str, ...]:
    """The index's paper types that hold questions to the administration and its answers."""
    return tuple(t for t in assistant.catalog.counts_by("paper_type") if re.search(r"anfrage|stellungnahme", t, re.I))


def precedent_candidates(assistant: Assistant, parsed: ParsedAnfrage, date: str | None, excluded: HitPredicate,
                         clearance: Access, listed: Collection[str] | None = None,
                         closeness: Closeness | None = None) -> list[Candidate]:
    """The papers that a search for the Anfrage's topic finds among papers of every type (as the model was trained,
    so that a paper's rank means the same: an Anfrage found only below the Vorlagen on the topic ranks low), dated no
    later than the Anfrage, one per Drucksache family, in the search's order, each with its features; only those of
    the `listed` types (None: all). `closeness` gives the e5 similarity of the topic query to texts (default: the
    assistant's; None without e5 vectors)."""
    title = parsed.title or ""
    query = topic_query(parsed)
    filters = Filters(date_to=date[:10] if date else None)
    hits = assistant.search(Question.of(query, filters, clearance), k=SEARCH_K, per_paper=2)
    weights = _query_weights(assistant.idf, title, parsed.questions)
    title_weights = {t: w for t, w in weights.items() if t in content_terms(title)}
    by_doc: dict[str, list[Hit]] = defaultdict(list)
    for h in hits:
        if not excluded(h):
            by_doc[h.doc_id].append(h)
    seen: set[str] = set()
    out: list[Candidate] = []
    for doc_id, doc_hits in by_doc.items():
        m = doc_hits[0].meta
        family = base_reference(m.reference) or doc_id
        if family in seen or (date and m.date and m.date[:10] > date[:10]):
            continue  # one paper per Drucksache, and nothing dated after the Anfrage
        rank = len(seen)
        seen.add(family)
        if listed is not None and m.paper_type not in listed:
            continue
        features = {
            "overlap": weighted_overlap(weights, m.title + " " + " ".join(h.text for h in doc_hits)),
            "title_overlap": weighted_overlap(title_weights, m.title) if title_weights else 0.0,
            "rank": math.log1p(rank),
        }
        out.append(Candidate(doc_id, m, doc_hits, features))
    similarities = (closeness or assistant.text_closeness)(query, [c.meta.title for c in out]) if out else None
    if similarities is not None:
        for c, sim in zip(out, similarities, strict=True):
            c.features["title_closeness"] = sim
    return out


def find_precedents(assistant: Assistant, parsed: ParsedAnfrage, date: str | None, excluded: HitPredicate,
                    clearance: Access, limit: int = MAX_PRECEDENTS, model: PrecedentModel | None = None) -> list[Precedent]:
    """Earlier Anfragen/Stellungnahmen on the topic, each with its answer: the found papers that the precedent
    model admits, the most probable first."""
    types = set(precedent_types(assistant))
    if not types:
        return []
    candidates = precedent_candidates(assistant, parsed, date, excluded, clearance, types)
    probabilities, threshold = (model or shipped_model()).scores(candidates)
    admitted = sorted(((p, c) for p, c in zip(probabilities, candidates, strict=True) if p >= threshold),
                      key=lambda pc: -pc[0])[:limit]
    weights = _query_weights(assistant.idf, parsed.title or "", parsed.questions)
    cutoff = _years_before(date, OUTDATED_YEARS) if date else ""
    out: list[Precedent] = []
    for probability, c in admitted:
        m = c.meta
        p = Precedent(doc_id=c.doc_id, reference=m.reference, title=m.title, date=m.date[:10],
                      paper_type=m.paper_type, probability=round(probability, 3), url=m.paper_url or None,
                      outdated=bool(cutoff and m.date and m.date[:10] < cutoff))
        _attach_answer(assistant, p, weights, excluded, clearance)
        out.append(p)
    flag_number_conflicts(out, set(weights))
    return out


def _attach_answer(assistant: Assistant, p: Precedent, weights: dict[str, float], excluded: HitPredicate,
                   clearance: Access) -> None:
    """The administration's answer: the paper's Stellungnahme file (Karlsruhe) or the linked "-01" paper."""
    catalog = assistant.catalog
    candidates: list[tuple[str, str, str]] = []  # (answer label, file id, text)
    for fid, name, text in split_paper_files(catalog, p.doc_id).get("stellungnahme", []):
        candidates.append((name or "Stellungnahme", fid, text))
    if not candidates:
        for rec in assistant.linked_documents(p.doc_id, clearance):
            kind = str(rec.get("paper_type") or "").lower()
            ref = str(rec.get("reference") or "")
            if "stellungnahme" in kind or re.search(r"-\d{2}$", ref):
                for fid, _name, text in file_texts(catalog, rec["id"]):
                    candidates.append((ref or rec.get("title", ""), fid, text))
                    break
    for label, fid, text in candidates:
        probe = Hit(chunk_id="", doc_id=p.doc_id, text="", score=0.0,
                    meta=ChunkMeta(file_id=fid, reference=p.reference))
        if excluded(probe):
            continue
        p.answer_reference = label
        p.answer_excerpt = _best_sentences(text, weights)
        p.answer_text = text
        return


def _best_sentences(text: str, weights: dict[str, float], n: int = 2, max_chars: int = 420) -> str:
    scored = []
    for i, s in enumerate(split_sentences(text)):
        if len(s) < 30 or s.endswith("?"):
            continue
        scored.append((weighted_overlap(weights, s), -i, s))
    scored.sort(reverse=True)
    best = sorted(scored[:n], key=lambda x: -x[1])
    return " … ".join(s for _w, _i, s in best)[:max_chars]


_NUMBER_NOUN = re.compile(r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)\s*(%|Prozent|Euro|EUR|€|[A-ZÄÖÜ][a-zäöüß]{3,})")


def flag_number_conflicts(precedents: list[Precedent], topic_terms: set[str]) -> None:
    """Cheap contradiction check: two precedents' answers give different numbers for the same topic noun.

    Only nouns that belong to the current Anfrage's topic count; the flag says "prüfen", not "falsch":
    a number that changed over the years is usually just a newer state.
    """
    seen: dict[str, tuple[str, Precedent]] = {}
    for p in precedents:
        text = p.answer_text
        if not text:
            continue
        local: dict[str, str] = {}
        for number, noun in _NUMBER_NOUN.findall(text):
            terms = content_terms(noun)
            if not terms or not terms <= topic_terms:
                continue
            local.setdefault(noun, number)
        for noun, number in local.items():
            if noun in seen and seen[noun][0] != number and seen[noun][1] is not p:
                other_number, other = seen[noun]
                note = (f"abweichende Zahl zu „{noun}“: {number} hier, {other_number} in {other.reference or other.title} "
                        f"– Stand prüfen")
                if len(p.notes) < 2:
                    p.notes.append(note)
            else:
                seen.setdefault(noun, (number, p))
