"""The precedent model of the drafting tool, learned from the papers that the archive's own Vorlagen cite.

A Vorlage, Anfrage or Stellungnahme that names an earlier Drucksache ("vgl. Drucksache 2023/0694") marks that
paper as one on its topic. Each citing paper of the training archive (the reader's split: no paper of the
evaluation sample, none of the reserved quarter, none of their families) is drafted as the drafting tool drafts an
Anfrage: its title and questions search the training index for earlier papers (`precedent_candidates`), and the
papers it cites are the positives among those found, every other found paper a negative. A negative is not
necessarily off the topic (a paper need not cite every precedent), so the precision against citations is a lower
bound; the threshold is the one with the best F1 of the cited papers on the validation split.

    python -m assistant.training.precedents --work WORK [--out assistant/draft/precedents.json]

WORK is the work folder of `council train-reader` (its unpacked archive and training index).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.reader import Network
from assistant.compose import make_embedder
from assistant.draft.precedents import (
    FEATURES,
    LEXICAL_FEATURES,
    WEIGHTS_PATH,
    Candidate,
    precedent_candidates,
)
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.training.logistic import fit
from assistant.training.mine import _resolve
from assistant.training.split import Split, allowed_papers, paper_number
from ingest.language import find_references, version_base
from ingest.parse.anfrage import ParsedAnfrage, parse_anfrage
from ingest.paths import corpus_root
from ingest.records import Access
from ingest.sources.oparl_mirror import last_segment

MIN_CITING = 20  # fewer citing papers on a side than this cannot choose a threshold


@dataclass(frozen=True)
class Citing:
    """A training paper that names earlier papers of the training archive."""

    number: str
    split: Split
    anfrage: ParsedAnfrage  # its title and questions, as the drafting tool reads an Anfrage
    date: str
    cited: frozenset[str]  # numbers of the cited papers
    family: frozenset[str]  # its own number, its linked papers' numbers (never a precedent of itself)
    base: str  # its Drucksache number without version


def _file_texts(mirror: Path, paper: dict[str, Any]) -> list[str]:
    texts = []
    for f in [paper.get("mainFile"), *(paper.get("auxiliaryFile") or [])]:
        if isinstance(f, dict) and f.get("id"):
            path = mirror / "file-contents" / f"{last_segment(str(f['id']))}.txt"
            if path.is_file():
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return texts


def citing_papers(mirror: Path, splits: dict[str, Split]) -> list[Citing]:
    """The allowed papers that name an earlier allowed paper of another Drucksache by its number."""
    papers: dict[str, dict[str, Any]] = {}
    by_reference: dict[str, list[str]] = {}
    for path in sorted((mirror / "papers").glob("*.json")):
        if path.stem in splits:
            paper = json.loads(path.read_text(encoding="utf-8"))
            papers[path.stem] = paper
            if paper.get("reference"):
                by_reference.setdefault(str(paper["reference"]), []).append(path.stem)
    out: list[Citing] = []
    for number, paper in papers.items():
        texts = _file_texts(mirror, paper)
        if not texts or not paper.get("date"):
            continue
        base = version_base(str(paper.get("reference") or ""))
        family = {number} | {paper_number(str(u)) for k in ("relatedPaper", "superordinatedPaper", "subordinatedPaper")
                             for u in (paper.get(k) or [])}
        date = str(paper["date"])[:10]
        cited = {n for ref in find_references("\n".join(texts)) for n in by_reference.get(ref, ())
                 if n not in family and version_base(ref) != base and str(papers[n].get("date") or "9")[:10] <= date}
        if not cited:
            continue
        anfrage = parse_anfrage(texts[0])
        anfrage.title = str(paper.get("name") or anfrage.title or "")
        if not anfrage.questions:  # as the drafting tool treats an Anfrage without recognised questions
            anfrage.questions = [anfrage.title]
        out.append(Citing(number, splits[number], anfrage, date, frozenset(cited), frozenset(family), base))
    return out


def write_citing(citing: list[Citing], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for c in citing:
            record = asdict(c)
            record.update(cited=sorted(c.cited), family=sorted(c.family))
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_citing(path: Path) -> list[Citing]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out.append(Citing(r["number"], r["split"], ParsedAnfrage(**r["anfrage"]), r["date"], frozenset(r["cited"]),
                          frozenset(r["family"]), r["base"]))
    return out


class TitleCloseness:
    """The e5 closeness of a topic query to paper titles, each title embedded once for the whole run."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.titles: dict[str, np.ndarray] = {}

    def __call__(self, query: str, texts: list[str]) -> list[float]:
        new = [t for t in dict.fromkeys(texts) if t not in self.titles]
        if new:
            vectors = np.asarray(self.embedder.embed_passages(new), dtype=np.float32)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            self.titles.update(zip(new, vectors, strict=True))
        q = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
        q /= max(float(np.linalg.norm(q)), 1e-12)
        return [float(self.titles[t] @ q) for t in texts]


@dataclass(frozen=True)
class Found:
    """The candidates one citing paper's search found, and which of them it cites."""

    split: Split
    candidates: list[Candidate]
    labels: list[int]
    cited: int  # how many papers it cites (found or not)


def collect(assistant: Assistant, citing: list[Citing], closeness: TitleCloseness,
            progress: Any = None) -> Iterator[Found]:
    """Each citing paper's search as drafting searches, every paper found a candidate (the Anfragen that drafting
    lists alone hold too few cited papers to learn from), its cited papers the positives."""
    for i, c in enumerate(citing):
        def excluded(hit: Any, c: Citing = c) -> bool:
            return paper_number(hit.doc_id) in c.family or version_base(hit.meta.reference) == c.base

        candidates = precedent_candidates(assistant, c.anfrage, c.date, excluded, Access.PUBLIC, None, closeness)
        yield Found(c.split, candidates, [int(paper_number(x.doc_id) in c.cited) for x in candidates], len(c.cited))
        if progress is not None:
            progress(i + 1)


def _matrix(found: list[Found], names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    rows = [[x.features[n] for n in names] for f in found for x in f.candidates]
    labels = [y for f in found for y in f.labels]
    return np.asarray(rows, dtype=np.float32).reshape(-1, len(names)), np.asarray(labels, dtype=np.int64)


def threshold_for_f1(probs: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the best F1 of the cited papers among the found ones. A paper need not cite every earlier
    paper on its topic, so precision against citations understates the true one, and this threshold errs on the side
    of keeping papers."""
    order = np.argsort(-probs, kind="stable")
    hits = np.cumsum(y[order])
    kept = np.arange(1, len(order) + 1)
    f1 = 2 * hits / (kept + max(1, int(y.sum())))
    distinct = np.r_[probs[order][1:] < probs[order][:-1], True]  # cut only between different probabilities
    best = int(np.argmax(np.where(distinct, f1, -1.0)))
    return float(probs[order][best])


def _report(net: Network, found: list[Found], names: tuple[str, ...], threshold: float) -> dict[str, float]:
    """Validation figures: recall and precision against the citations at the threshold, separation (AUC), and how
    often the most probable candidate is a cited paper where the search found one."""
    x, y = _matrix(found, names)
    probs = net(x)
    kept = probs >= threshold
    auc = float((probs[y == 1][:, None] > probs[y == 0][None, :]).mean()) if 0 < y.sum() < len(y) else 0.0
    firsts = [f.labels[int(np.argmax(net(_matrix([f], names)[0])))] for f in found if any(f.labels)]
    return {"threshold": round(threshold, 4), "recall": round(float(kept[y == 1].mean()), 4),
            "precision_against_citations": round(float(y[kept].mean()) if kept.any() else 0.0, 4),
            "kept_per_paper": round(float(kept.sum()) / max(1, len(found)), 2), "auc": round(auc, 4),
            "positives": int(y.sum()), "candidates": int(len(y)),
            "best_is_cited": round(float(np.mean(firsts)) if firsts else 0.0, 4)}


def train(found: list[Found], seed: int) -> dict[str, Any]:
    """Both models and their thresholds (chosen on the validation split), with their validation figures."""
    out: dict[str, Any] = {"features": list(FEATURES), "lexical_features": list(LEXICAL_FEATURES), "thresholds": {},
                           "info": {"threshold": "best F1 of the cited papers (validation)", "seed": seed}}
    sides = {s: [f for f in found if f.split == s] for s in ("train", "validation")}
    for name, names in (("lexical", LEXICAL_FEATURES), ("hybrid", FEATURES)):
        net = fit(*_matrix(sides["train"], names), None, seed)
        vx, vy = _matrix(sides["validation"], names)
        threshold = threshold_for_f1(net(vx), vy)
        out[name] = net.to_json()
        out["thresholds"][name] = round(threshold, 4)
        out["info"][name] = _report(net, sides["validation"], names, threshold)
    out["info"]["citing_papers"] = {s: sum(f.cited > 0 for f in v) for s, v in sides.items()}
    out["info"]["cited_found"] = {s: round(sum(sum(f.labels) for f in v) / max(1, sum(f.cited for f in v)), 4)
                                  for s, v in sides.items()}
    return out


def run_stage(mirror: Path, index: Path, splits: dict[str, Split], out: Path, seed: int = 0,
              limit: int | None = None) -> dict[str, Any] | None:
    """Mine the citing papers of `index` (a training index of `council train-reader`), search, fit and write the
    precedent model to `out`; its validation figures, or None (and nothing written) with too few citing papers."""
    t0 = time.perf_counter()
    assistant = Assistant(Settings().with_(index_dir=index, embedder=""))
    known = {paper_number(d) for d in assistant.catalog.doc_ids()}
    cache = index / "precedent-citing.jsonl"
    if cache.is_file() and cache.stat().st_mtime > (index / "catalog.sqlite").stat().st_mtime:
        citing = read_citing(cache)  # written below from this very index
    else:
        citing = citing_papers(mirror, {n: s for n, s in splits.items() if n in known})
        write_citing(citing, cache)
    if limit:
        rng = np.random.default_rng(seed)
        citing = [citing[i] for i in sorted(rng.choice(len(citing), size=min(limit, len(citing)), replace=False))]
    counts = {s: sum(c.split == s for c in citing) for s in ("train", "validation")}
    print(f"Vorläufer: {len(citing)} zitierende Vorlagen (Training {counts['train']}, Validierung "
          f"{counts['validation']}), {sum(len(c.cited) for c in citing)} zitierte frühere, "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    if min(counts.values()) < MIN_CITING:
        print(f"Vorläufer-Modell nicht trainiert: weniger als {MIN_CITING} zitierende Vorlagen je Seite", flush=True)
        return None

    def progress(n: int) -> None:
        if n % 200 == 0:
            print(f"  {n}/{len(citing)} Suchen, {time.perf_counter() - t0:.0f} s", flush=True)

    closeness = TitleCloseness(make_embedder(Settings(), purpose="ingest"))  # the e5 that drafting embeds titles with
    weights = train(list(collect(assistant, citing, closeness, progress)), seed)
    out.write_text(json.dumps(weights, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"Vorläufer-Modell: {out}, {time.perf_counter() - t0:.0f} s; {json.dumps(weights['info'], ensure_ascii=False)}",
          flush=True)
    return dict(weights["info"])


def run(work: Path, out: Path, eval_sample: Path, seed: int = 0, limit: int | None = None) -> int:
    """The precedent model from a `council train-reader` work folder (its unpacked archive and training index)."""
    mirror = _resolve(work / "archive", work / "archive")
    index = work / "index"
    if not (mirror / "papers").is_dir() or not (index / "catalog.sqlite").is_file():
        print(f"Kein Arbeitsordner von `council train-reader` in {work} (archive/, index/ fehlen)", file=sys.stderr)
        return 2
    info = run_stage(mirror, index, allowed_papers(mirror / "papers", eval_sample), out, seed, limit)
    return 0 if info is not None else 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="work folder of `council train-reader`")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    parser.add_argument("--eval-sample", type=Path, default=None, help="the evaluation sample's papers/ folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="only this many citing papers (a quick trial)")
    args = parser.parse_args(argv)
    sample = args.eval_sample or corpus_root() / "karlsruhe" / "papers"
    return run(args.work, args.out, sample, args.seed, args.limit)


if __name__ == "__main__":
    sys.exit(main())
