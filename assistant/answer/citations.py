"""Citations: support checks of cited sentences, Citation records."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.types import Citation, Hit, Sentence
from ingest.language import content_terms, normalise, numbers_in, split_sentences

_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_MARKER_IN_TEXT = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_QUOTE = re.compile(r"[„\"»]([^“\"«]{8,})[“\"«]")
NOT_SUPPORTED = "(nicht belegt)"
# a source list the model appends ("Quellen: [1] …"): the checked citations are the sources, its own list is not
_SOURCE_BLOCK = re.compile(r"^[ \t*#]*(?:Quellen|Quelle|Quellenangaben|Sources)\s*:[\s\S]*\Z", re.MULTILINE | re.IGNORECASE)


def inert_markers(text: str) -> str:
    """A document's own "[3]" or "[1, 2]" as "(3)", "(1, 2)": quoted in an answer or shown to a model, it must not
    pose as a citation marker (a footnote, or a planted one)."""
    return _MARKER_IN_TEXT.sub(r"(\1)", text)


def support(sentence: str, source: str) -> float:
    """How well `source` backs `sentence`: term recall, 0 if a number or a quote is missing."""
    plain = _MARKER.sub("", sentence)
    src_norm = normalise(source)
    quotes = _QUOTE.findall(plain)
    for quote in quotes:
        if normalise(quote).casefold() not in src_norm.casefold():
            return 0.0
    src_numbers = numbers_in(src_norm)
    for n in numbers_in(plain):
        if n not in src_numbers and not any(n in s for s in src_numbers):
            return 0.0
    terms = content_terms(plain)
    if not terms:
        return 1.0
    recall = len(terms & content_terms(src_norm)) / len(terms)
    # a verbatim quote carries the claim; the words around it ("die Verwaltung schreibt") only frame it
    return max(recall, 0.8) if quotes else recall


def is_factual(sentence: str) -> bool:
    """A sentence that states something checkable (numbers or enough content words)."""
    plain = _MARKER.sub("", sentence)
    return bool(re.search(r"\d", plain)) or len(content_terms(plain)) >= 5


def best_quote(sentence: str, source: str, max_chars: int = 400) -> str:
    """The source sentence(s) that best support `sentence` (shown and highlighted on the card)."""
    terms = content_terms(_MARKER.sub("", sentence))
    best, best_score = "", -1.0
    for cand in split_sentences(source):
        score = len(terms & content_terms(cand)) + (2.0 if normalise(_MARKER.sub("", sentence)) in cand else 0.0)
        if score > best_score:
            best, best_score = cand, score
    return best[:max_chars]


def citation_from_hit(n: int, hit: Hit, quote: str) -> Citation:
    m = hit.meta
    page = int(m.page_start or 0) or None
    return Citation(
        n=n, chunk_id=hit.chunk_id, doc_id=hit.doc_id, reference=m.reference or None,
        paper_type=m.paper_type or None, title=m.title, date=m.date or None,
        body=m.body or None, file_name=m.file_name or None, page=page, quote=quote,
        paper_url=m.paper_url or None, file_url=m.file_url or None, access=m.access,
    )


def check_answer(text: str, sources: list[Hit], min_support: float = 0.6) -> tuple[str, list[Sentence], list[Citation]]:
    """Verify every [n] of a generated answer against the numbered `sources`.

    Markers to unknown sources are dropped; a cited sentence whose source does not back it loses
    its markers and is marked "(nicht belegt)"; factual sentences without a marker are marked too.
    Only sources that remain cited become citations, renumbered 1..m in order of appearance.
    """
    sentences: list[Sentence] = []
    renumber: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    for raw in split_sentences(_SOURCE_BLOCK.sub("", text)):
        cited = sorted({int(x) for group in _MARKER.findall(raw) for x in re.split(r"\s*,\s*", group)})
        plain = _MARKER.sub("", raw).strip()
        valid = [n for n in cited if 1 <= n <= len(sources)]
        scores = {n: support(plain, sources[n - 1].text + "\n" + _meta_text(sources[n - 1])) for n in valid}
        backed = [n for n in valid if scores[n] >= min_support]
        if backed:
            new = [renumber.setdefault(n, len(renumber) + 1) for n in backed]
            for n in backed:
                quotes.setdefault(n, []).append(plain)
            sentences.append(Sentence(plain, tuple(new), True, max(scores[n] for n in backed)))
        elif is_factual(plain) or valid or cited:
            sentences.append(Sentence(plain, (), False, max(scores.values(), default=0.0)))
        else:
            sentences.append(Sentence(plain, (), True, 1.0))
    citations = [
        citation_from_hit(new, sources[old - 1], best_quote(" ".join(quotes[old]), sources[old - 1].text))
        for old, new in sorted(renumber.items(), key=lambda kv: kv[1])
    ]
    return render(sentences), sentences, citations


def _meta_text(hit: Hit) -> str:
    m = hit.meta
    return " ".join((m.title, m.reference, m.paper_type, m.date, m.body))


def render(sentences: list[Sentence]) -> str:
    parts = []
    for s in sentences:
        if s.citations:
            parts.append(f"{s.text} " + "".join(f"[{n}]" for n in s.citations))
        elif not s.supported:
            parts.append(f"{s.text} {NOT_SUPPORTED}")
        else:
            parts.append(s.text)
    return " ".join(parts)


def renumbered(citations: list[Citation]) -> list[Citation]:
    return [replace(c, n=i + 1) for i, c in enumerate(citations)]
