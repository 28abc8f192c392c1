"""Which archive papers may be used to train the answer reader, and on which side (train / validation).

Excluded are the evaluation sample, every paper whose numeric id is divisible by 4 (that quarter of the
archive is reserved for evaluation) and the whole family of each excluded paper: papers linked by
relatedPaper / superordinatedPaper / subordinatedPaper in either direction and the other versions of its
Drucksache number ("2025/0891" and "2025/0891/1"). Families are closed transitively: a version of a linked
paper repeats the same text, so it would leak just as much.

The remaining papers are split by a hash of their family's Drucksache base number, so all versions and
linked papers of one Drucksache land on the same side.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Split = Literal["train", "validation"]
Reason = Literal["allowed", "eval-sample", "reserved-id", "family"]

LINK_KEYS = ("relatedPaper", "superordinatedPaper", "subordinatedPaper")
RESERVED_MODULUS = 4
VALIDATION_PERCENT = 15
_SALT = "answer-reader-split-v1"
_VERSIONED = re.compile(r"^(.*?\d{4}/\d{3,5})(?:/\d+)*$")


@dataclass(frozen=True)
class PaperMeta:
    """What the split needs to know about one paper."""

    number: str  # the number ending the OParl id; also the file name stem in papers/
    reference: str  # Drucksache number, "" when the paper has none
    links: tuple[str, ...]  # numbers of linked papers


@dataclass(frozen=True)
class Decision:
    """Whether a paper may be used for training and, if so, on which side."""

    number: str
    reason: Reason
    split: Split | None  # None unless reason == "allowed"


def paper_number(url_or_stem: str) -> str:
    """".../papers/vo/32746" -> "32746"; a bare file stem stays as it is."""
    return url_or_stem.rstrip("/").rsplit("/", 1)[-1]


def base_reference(reference: str) -> str:
    """The Drucksache number without version suffixes: "2025/0891/1" -> "2025/0891"."""
    reference = reference.strip()
    match = _VERSIONED.match(reference)
    return match.group(1) if match else reference


def meta_from_paper(paper: Mapping[str, Any]) -> PaperMeta:
    links: list[str] = []
    for key in LINK_KEYS:
        value = paper.get(key) or []
        for url in [value] if isinstance(value, str) else value:
            if isinstance(url, str) and url:
                links.append(paper_number(url))
    return PaperMeta(paper_number(str(paper["id"])), str(paper.get("reference") or ""), tuple(links))


def load_meta(papers_dir: Path) -> dict[str, PaperMeta]:
    """PaperMeta for every papers/<number>.json (keyed by the file stem, which is the id's number)."""
    metas: dict[str, PaperMeta] = {}
    for path in sorted(papers_dir.glob("*.json")):
        meta = meta_from_paper(json.loads(path.read_text(encoding="utf-8")))
        metas[path.stem] = PaperMeta(path.stem, meta.reference, meta.links)
    return metas


def eval_sample_numbers(folder: Path) -> set[str]:
    """The evaluation sample: the file stems of its papers/ folder (the folder itself or its papers/)."""
    papers = folder / "papers" if (folder / "papers").is_dir() else folder
    return {path.stem for path in papers.glob("*.json")}


def families(metas: Mapping[str, PaperMeta]) -> dict[str, str]:
    """Number -> family root: connected components over links (either direction) and shared base numbers."""
    parent = {number: number for number in metas}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        if a in parent and b in parent:
            parent[find(a)] = find(b)

    first_of_base: dict[str, str] = {}
    for number, meta in metas.items():
        for other in meta.links:
            union(number, other)
        if meta.reference:
            base = base_reference(meta.reference)
            union(number, first_of_base.setdefault(base, number))
    return {number: find(number) for number in metas}


def _side(key: str) -> Split:
    digest = hashlib.sha1(f"{_SALT}:{key}".encode()).hexdigest()
    return "validation" if int(digest[:8], 16) % 100 < VALIDATION_PERCENT else "train"


def _is_reserved(number: str) -> bool:
    return number.isdigit() and int(number) % RESERVED_MODULUS == 0


def decide(metas: Mapping[str, PaperMeta], eval_numbers: Iterable[str]) -> dict[str, Decision]:
    """A Decision for every paper: excluded with the first reason that applies, or allowed with its split."""
    eval_set = set(eval_numbers)
    root = families(metas)
    own: dict[str, Reason] = {}
    for number in metas:
        if number in eval_set:
            own[number] = "eval-sample"
        elif _is_reserved(number):
            own[number] = "reserved-id"
    tainted = {root[number] for number in own}
    # the split key is the family's smallest base number, so linked papers with other numbers go along
    keys: dict[str, str] = {}
    for number, meta in metas.items():
        key = base_reference(meta.reference) if meta.reference else f"paper:{number}"
        keys[root[number]] = min(keys.get(root[number], key), key)
    decisions: dict[str, Decision] = {}
    for number in metas:
        if number in own:
            decisions[number] = Decision(number, own[number], None)
        elif root[number] in tainted:
            decisions[number] = Decision(number, "family", None)
        else:
            decisions[number] = Decision(number, "allowed", _side(keys[root[number]]))
    return decisions


def allowed_papers(papers_dir: Path, eval_sample: Path) -> dict[str, Split]:
    """Number -> split for every archive paper that training may use."""
    decisions = decide(load_meta(papers_dir), eval_sample_numbers(eval_sample))
    return {number: d.split for number, d in decisions.items() if d.split is not None}
