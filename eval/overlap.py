"""Answer metrics against a reference answer and an evidence quote, for question files that have them
instead of key facts: rough word overlap, not a judgement of the answer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.types import Citation
from eval.gold import longest_common_word_run, normalise_for_match

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]|\(nicht belegt\)", re.I)

# Function words a reference answer shares with any answer; they say nothing about its content.
_STOPWORDS = frozenset("""
aber alle also auch dass dem den denen der des die dies diese diesem diesen dieser durch eine einem einen
einer eines für gibt hat haben hier ihre ihrem ihren ihrer inzwischen jedoch kann keine können mehr nach
nicht noch oder ohne seit sich sind soll sollen sowie über unter viele von vom waren weil wenn werden wird
wurde wurden zum zur zwischen etwa rund bereits sein seine seiner einer derzeit
""".split())
STEM_CHARS = 6  # German inflection: "Plätze"/"Plätzen" and "Kurzzeitpflege"/"Kurzzeitpflegeplätze" share 6
EVIDENCE_RUN = 6  # words a cited passage must share in a row with the evidence quote


def content_words(text: str) -> set[str]:
    """Word stems (first STEM_CHARS letters) of words with 4+ letters and all numbers, stopwords left out."""
    words = re.findall(r"\w+", normalise_for_match(_MARKER.sub("", text)))
    return {w if any(ch.isdigit() for ch in w) else w[:STEM_CHARS]
            for w in words if (len(w) >= 4 and w not in _STOPWORDS) or any(ch.isdigit() for ch in w)}


def reference_overlap(text: str, reference: str) -> float | None:
    """Share of the reference answer's content words that the answer contains (a rough recall of what
    the reference says; None without a reference answer)."""
    wanted = content_words(reference)
    if not wanted:
        return None
    return len(wanted & content_words(text)) / len(wanted)


def evidence_cited(citations: Sequence[Citation], evidence: str) -> float | None:
    """1.0 when a cited passage shares EVIDENCE_RUN words in a row with the evidence quote (all of
    them for a shorter quote), else 0.0; None without an evidence quote."""
    length = len(re.findall(r"\w+", evidence))
    if not length:
        return None
    need = min(EVIDENCE_RUN, length)
    return 1.0 if any(longest_common_word_run(c.quote, evidence) >= need for c in citations) else 0.0
