"""Batch evaluation: run the gold questions through the assistant and score them.

`evaluate()` is the Python API (tests, CI regression gate); `run_cli()` backs `council eval`.
A configuration is a retrieval mode (bm25, dense, hybrid), optionally with an answer mode
("hybrid:generative"); without one the run's mode (--mode or the settings) applies.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.cli.errors import CliError
from assistant.compose import make_assistant
from assistant.settings import Settings
from assistant.types import Answer
from eval import metrics as m
from eval.gold import QUESTIONS_PATH, GoldItem
from eval.needs import not_computable
from eval.questions import QuestionFile, read_question_file
from eval.report import write_report
from ingest.records import Access

log = logging.getLogger(__name__)

RETRIEVALS = ("bm25", "dense", "hybrid")
MODES = ("extractive", "generative")
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class RunConfig:
    retrieval: str
    mode: str

    @property
    def key(self) -> str:
        return f"{self.retrieval}/{self.mode}"


def parse_configs(spec: str | Sequence[str], default_mode: str) -> list[RunConfig]:
    """'bm25,hybrid:generative' -> [bm25/<default_mode>, hybrid/generative] (order kept, no duplicates)."""
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[RunConfig] = []
    for raw in (p.strip().lower() for p in parts):
        if not raw:
            continue
        retrieval, _, mode = raw.partition(":")
        mode = mode or default_mode
        if retrieval not in RETRIEVALS:
            raise ValueError(f"Unbekannte Konfiguration {retrieval!r} (bm25, dense, hybrid)")
        if mode not in MODES:
            raise ValueError(f"Unbekannter Antwortmodus {mode!r} (extractive, generative)")
        cfg = RunConfig(retrieval, mode)
        if cfg not in out:
            out.append(cfg)
    if not out:
        raise ValueError("keine Konfiguration angegeben")
    return out


# --- helpers around the assistant --------------------------------------------------------------------
def dense_problem(assistant: Any, status: Mapping[str, Any] | None) -> str | None:
    """Why dense retrieval cannot contribute (no embedder/store, no vectors in the index), or None."""
    parts = getattr(assistant, "dense_parts", None)
    if parts is not None and None in parts:
        return "keine dichte Suche verfügbar (kein Embedder/Vektorspeicher)"
    if status and status.get("exists") and status.get("embedded") == 0:
        return "der Index enthält keine Vektoren"
    return None


def chunk_files(assistant: Any, chunk_ids: Sequence[str]) -> dict[str, str]:
    """chunk_id -> file_id from the index catalog ({} when the assistant has no catalog)."""
    return {cid: file_id for cid, (file_id, _name) in chunk_file_info(assistant, chunk_ids).items()}


def chunk_file_info(assistant: Any, chunk_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """chunk_id -> (file_id, file name) from the index catalog ({} when the assistant has no catalog);
    the file name lets a gold reference name a paper without a Drucksache number by its file."""
    catalog = getattr(assistant, "catalog", None)
    if catalog is None or not chunk_ids:
        return {}
    try:
        rows = catalog.chunks(list(dict.fromkeys(chunk_ids)))
    except Exception as exc:  # metrics must not die on a catalog hiccup
        log.warning("Katalog nicht lesbar: %s", exc)
        return {}
    return {cid: (str(meta.get("file_id") or ""), str(meta.get("file_name") or ""))
            for cid, (_doc, _text, meta) in rows.items()}


def git_commit() -> dict[str, Any] | None:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "dirty": bool(dirty)}


def settings_json(settings: Settings | None) -> dict[str, Any]:
    """Settings as JSON, without secrets."""
    if settings is None:
        return {}
    data = settings.model_dump(mode="json")
    if data.get("llm_api_key") not in (None, "", "none"):
        data["llm_api_key"] = "***"
    return data


# --- evaluation ----------------------------------------------------------------------------------------
def conversation(assistant: Any, item: GoldItem, cfg: RunConfig, history: str = "gold") -> list[tuple[str, str]]:
    """The earlier turns of a follow-up: the gold set's answers ("gold"), or ("own") the assistant's own
    answers to the earlier questions, as a user of the chat would have seen them."""
    if history == "gold":
        return [(t.question, t.answer) for t in item.history]
    turns: list[tuple[str, str]] = []
    for t in item.history:
        earlier = assistant.ask(t.question, history=turns or None, mode=cfg.mode, retrieval=cfg.retrieval,
                                   clearance=Access.STAFF)
        turns.append((t.question, earlier.text))
    return turns


def ask_one(assistant: Any, item: GoldItem, cfg: RunConfig,
            history_mode: str = "gold") -> tuple[Answer | None, str | None, float]:
    t0 = time.perf_counter()
    try:
        history = conversation(assistant, item, cfg, history_mode)
        t0 = time.perf_counter()
        answer = assistant.ask(item.question, history=history or None, mode=cfg.mode, retrieval=cfg.retrieval,
                                   clearance=Access.STAFF)
    except Exception as exc:
        log.exception("Frage %s (%s) fehlgeschlagen", item.id, cfg.key)
        return None, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0
    return answer, None, time.perf_counter() - t0


def result_row(item: GoldItem, cfg: RunConfig, answer: Answer | None, error: str | None,
               files: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """One question's result; fields of the question file the evaluation does not know go to "extra"."""
    file_ids = {cid: info[0] for cid, info in files.items()}
    names = {cid: info[1] for cid, info in files.items()}
    row = {
        "id": item.id, "type": item.type, "answerable": item.answerable if item.answerable_known else None,
        "city": item.city, "config": cfg.key, "retrieval": cfg.retrieval, "mode": cfg.mode,
        "question": item.question, "gold_refs": list(item.gold_refs), "gold_paper_ids": list(item.gold_paper_ids),
        "key_facts": list(item.key_facts),
        "error": error,
        "metrics": m.question_metrics(item, answer, file_ids, names) if answer is not None else None,
        "answer": answer.to_json() if answer is not None else None,
    }
    if item.extra:
        row["extra"] = dict(item.extra)
    return row


def config_metrics(rows: Sequence[Mapping[str, Any]], cfg: RunConfig) -> dict[str, Any]:
    ok = [r for r in rows if r["metrics"] is not None]
    flat = [{**r["metrics"], "type": r["type"]} for r in ok]
    answers = [r["answer"] for r in ok]
    return {
        "config": cfg.key, "retrieval": cfg.retrieval, "mode": cfg.mode,
        "questions": len(rows), "errors": len(rows) - len(ok),
        "overall": m.aggregate(flat),
        "by_type": m.by_type(flat),
        "intervals": m.intervals(flat),
        "latency": m.latency([a.get("timings") or {} for a in answers]),
        "usage": m.token_usage([a.get("usage") or {} for a in answers]),
        "answer_modes": sorted({str(a.get("mode")) for a in answers}),
    }


def evaluate(assistant: Any, items: Sequence[GoldItem], configs: str | Sequence[str] = ("hybrid",),
             mode: str | None = None, progress: bool = True, settings: Any = None,
             history: str = "gold") -> dict[str, Any]:
    """Ask every item under every configuration and score it.

    `history` is where a follow-up's earlier answers come from (`conversation`).

    Returns the metrics document (what metrics.json holds) with the per-question rows under
    "results". Configurations that cannot run (dense without an embedder) are listed under
    "skipped" instead of producing meaningless all-refusal numbers.
    """
    settings = settings if settings is not None else getattr(assistant, "settings", None)
    default_mode = mode or getattr(settings, "mode", None) or "extractive"
    cfgs = parse_configs(configs, default_mode)
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    per_config: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    warnings: list[str] = []
    status = index_status(assistant)
    no_dense = dense_problem(assistant, status)
    for cfg in cfgs:
        if cfg.retrieval == "dense" and no_dense:
            skipped[cfg.key] = no_dense
            log.warning("%s übersprungen: %s", cfg.key, no_dense)
            continue
        if cfg.retrieval == "hybrid" and no_dense:
            warnings.append(f"{cfg.key}: {no_dense}, hybrid entspricht BM25")
        rows: list[dict[str, Any]] = []
        for item in tqdm(items, desc=cfg.key, unit="Frage", disable=not progress):
            answer, error, _elapsed = ask_one(assistant, item, cfg, history)
            ids = [] if answer is None else [c.chunk_id for c in answer.citations] + [
                str(e.get("chunk_id")) for e in answer.retrieved]
            rows.append(result_row(item, cfg, answer, error, chunk_file_info(assistant, ids)))
        per_config[cfg.key] = config_metrics(rows, cfg)
        results.extend(rows)
    index_dir = getattr(settings, "index_dir", None)
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_commit(),
        "questions": len(items),
        "not_computed": not_computable(items),
        "history": history,
        "configs": per_config,
        "skipped": skipped,
        "warnings": warnings,
        "settings": settings_json(settings),
        "index": status,
        "index_size_bytes": m.dir_size_bytes(Path(index_dir)) if index_dir else None,
        "peak_memory_mb": round(m.peak_memory_mb(), 1),
        "wall_seconds": round(time.perf_counter() - started, 2),
        "results": results,
    }


def index_status(assistant: Any) -> dict[str, Any] | None:
    try:
        status = assistant.status()
    except Exception as exc:
        return {"error": str(exc)}
    return dict(status) if isinstance(status, Mapping) else None


def write_outputs(result: Mapping[str, Any], out_dir: Path, plots: bool = True) -> dict[str, Path]:
    """results.jsonl, metrics.json, report.md and the PNG plots into `out_dir`."""

    out_dir.mkdir(parents=True, exist_ok=True)
    rows = result.get("results", [])
    paths = {"results": out_dir / "results.jsonl", "metrics": out_dir / "metrics.json"}
    with paths["results"].open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    doc = {k: v for k, v in result.items() if k != "results"}
    paths["metrics"].write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    paths.update(write_report(doc, rows, out_dir, plots=plots))
    return paths


# --- command line ----------------------------------------------------------------------------------------
def select_items(items: list[GoldItem], ids: str | None, limit: int | None, city: str | None = None) -> list[GoldItem]:
    """The questions to run: by id, by city (the archive holds one city's papers: `--city Karlsruhe`), the first
    `limit`."""
    if city:
        known_cities = sorted({it.city for it in items if it.city})
        if city.casefold() not in {c.casefold() for c in known_cities}:
            raise ValueError(f"keine Fragen zur Stadt {city!r} (vorhanden: {', '.join(known_cities)})")
        items = [it for it in items if (it.city or "").casefold() == city.casefold()]
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        known = {it.id for it in items}
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise ValueError(f"unbekannte Fragen-IDs: {', '.join(unknown)}")
        items = [it for it in items if it.id in set(wanted)]
    if limit is not None:
        items = items[: max(0, limit)]
    return items


def run_cli(args: Any, settings: Any) -> int:
    """`council eval`: exit 0 on a finished run; 3 when rows of the question file were skipped; 1 on errors
    (unreadable file, no question left, failed questions)."""

    out_dir = Path(getattr(args, "out", None) or "reports/eval")
    if getattr(args, "compare", None):
        from eval.compare import run_compare

        try:
            return run_compare(args.compare[0], args.compare[1], out_dir)
        except (OSError, ValueError) as exc:
            raise CliError(str(exc)) from exc
    try:
        qfile = load_question_file(Path(args.questions) if getattr(args, "questions", None) else QUESTIONS_PATH)
        items = select_items(list(qfile.items), getattr(args, "ids", None), getattr(args, "limit", None),
                             getattr(args, "city", None))
        mode = getattr(args, "mode", None) or settings.mode
        cfgs = parse_configs(getattr(args, "configs", None) or "hybrid", mode)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if not items:
        raise CliError("keine Fragen ausgewählt")
    if not (settings.index_dir / "catalog.sqlite").is_file():
        raise CliError(f"kein Index unter {settings.index_dir} (erst `council ingest` ausführen)")

    assistant = make_assistant(settings)
    result = evaluate(assistant, items, [f"{c.retrieval}:{c.mode}" for c in cfgs], mode, settings=settings,
                      history=getattr(args, "history", None) or "gold")
    result.update(question_file_info(qfile))
    paths = write_outputs(result, out_dir)
    print(summary_text(result))
    print("Ergebnisse: " + ", ".join(str(p) for p in paths.values()))
    errors = sum(c["errors"] for c in result["configs"].values())
    if errors:
        print(f"Fehler: {errors} Frage(n) konnten nicht beantwortet werden (siehe results.jsonl).")
        return 1
    if qfile.problems:
        print(f"Exit-Code 3: {len(qfile.problems)} Zeile(n) der Fragendatei übersprungen (siehe oben).")
        return 3
    return 0


def load_question_file(path: Path) -> QuestionFile:
    """The tolerant reader; a file without a single usable question is an error naming the file."""
    try:
        qfile = read_question_file(path)
    except OSError as exc:
        raise ValueError(f"Fragendatei {path} nicht lesbar: {exc.strerror or exc}") from exc
    if not qfile.items:
        first = "; ".join(str(p) for p in qfile.problems[:3])
        raise ValueError(f"{path}: keine lesbare Frage" + (f" ({first})" if first else " (Datei leer)"))
    return qfile


def question_file_info(qfile: QuestionFile) -> dict[str, Any]:
    """What metrics.json records about the question file: skipped rows, fields, reading notes."""
    return {
        "questions_file": str(qfile.path),
        "questions_file_skipped": [{"line": p.line, "reason": p.reason} for p in qfile.problems],
        "questions_file_fields": sorted(qfile.fields),
        "questions_file_unknown_fields": list(qfile.unknown_fields),
        "questions_file_notes": list(qfile.notes),
    }


def summary_text(result: Mapping[str, Any]) -> str:
    lines = [f"{result['questions']} Fragen, {len(result['configs'])} Konfiguration(en), {result['wall_seconds']} s"]
    for key, c in result["configs"].items():
        o = c["overall"]
        shown = [name for name in m.HEADLINE if o.get(f"n_{name}")] + ["refused"]
        lines.append(f"  {key}: " + ", ".join(f"{_label(name)} {_fmt(o.get(name))} (n={o.get(f'n_{name}', 0)})"
                                             for name in shown))
    for key, why in result.get("skipped", {}).items():
        lines.append(f"  {key}: übersprungen ({why})")
    lines += [f"  Warnung: {w}" for w in result.get("warnings", [])]
    lines += [f"Nicht berechnet: {label} – {why}" for label, why in (result.get("not_computed") or {}).items()]
    skipped = result.get("questions_file_skipped") or []
    if skipped:
        lines.append(f"Fragendatei {result.get('questions_file')}: {len(skipped)} Zeile(n) übersprungen")
        lines += [f"  - Zeile {p['line']}: {p['reason']}" for p in skipped[:50]]
    unknown = result.get("questions_file_unknown_fields") or []
    if unknown:
        lines.append("Unbekannte Felder, unverändert in results.jsonl (\"extra\"): " + ", ".join(unknown))
    lines += [f"Hinweis: {n}" for n in result.get("questions_file_notes") or []]
    return "\n".join(lines)


def _label(name: str) -> str:
    return {"refused": "abgelehnt (alle)", "key_fact_recall": "Schlüsselfakten",
            "refusal_rate": "Ablehnung unbeantwortbarer", "false_refusal_rate": "Fehlablehnung"}.get(name, name)


def _fmt(x: Any) -> str:
    return "–" if x is None else f"{x:.3f}"
