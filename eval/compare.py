"""Compare two evaluation runs: headline deltas with paired bootstrap intervals, per-question changes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval import metrics as m
from eval.report import cell, fmt, table

PER_QUESTION = ("hit@1", "key_fact_recall", "refusal_rate", "false_refusal_rate")


def load_run(spec: str | Path) -> dict[str, Any]:
    """A run from a result folder, its metrics.json or its results.jsonl: {"rows": [...], "metrics": {...}}."""
    path = Path(spec)
    if path.is_dir():
        results, metrics = path / "results.jsonl", path / "metrics.json"
    elif path.suffix == ".jsonl":
        results, metrics = path, path.with_name("metrics.json")
    elif path.suffix == ".json":
        results, metrics = path.with_name("results.jsonl"), path
    else:
        raise ValueError(f"{path}: weder Ergebnisordner noch metrics.json/results.jsonl")
    if not results.is_file() and not metrics.is_file():
        raise ValueError(f"{path}: keine results.jsonl/metrics.json gefunden")
    rows = []
    if results.is_file():
        with results.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    doc = json.loads(metrics.read_text(encoding="utf-8")) if metrics.is_file() else {}
    return {"name": str(path), "rows": rows, "metrics": doc}


def config_keys(run: Mapping[str, Any]) -> list[str]:
    keys = list((run["metrics"].get("configs") or {}).keys())
    for r in run["rows"]:
        if r["config"] not in keys:
            keys.append(r["config"])
    return keys


def pair_configs(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Same-named configurations; if none are shared, pair them in order (e.g. hybrid vs. bm25 runs)."""
    ka, kb = config_keys(a), config_keys(b)
    common = [k for k in ka if k in kb]
    return [(k, k) for k in common] if common else list(zip(ka, kb, strict=False))


def _by_id(rows: Sequence[Mapping[str, Any]], key: str) -> dict[str, Mapping[str, Any]]:
    return {r["id"]: r for r in rows if r["config"] == key and r.get("metrics")}


def _overall(run: Mapping[str, Any], key: str) -> dict[str, Any]:
    cfg = (run["metrics"].get("configs") or {}).get(key)
    if cfg:
        return dict(cfg["overall"])
    rows = [r["metrics"] for r in run["rows"] if r["config"] == key and r.get("metrics")]
    return m.aggregate(rows)


def compare_config(a: Mapping[str, Any], b: Mapping[str, Any], key_a: str, key_b: str) -> dict[str, Any]:
    ra, rb = _by_id(a["rows"], key_a), _by_id(b["rows"], key_b)
    common = [i for i in ra if i in rb]
    oa, ob = _overall(a, key_a), _overall(b, key_b)
    headline: dict[str, Any] = {}
    for name in m.HEADLINE:
        pairs = [(ra[i]["metrics"].get(name), rb[i]["metrics"].get(name)) for i in common]
        pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
        delta = m.paired_delta_ci([float(x) for x, _ in pairs], [float(y) for _, y in pairs]) if pairs else None
        headline[name] = {
            "a": oa.get(name), "b": ob.get(name),
            "delta": None if oa.get(name) is None or ob.get(name) is None else ob[name] - oa[name],
            "paired_n": len(pairs),
            "paired_delta": delta[0] if delta else None,
            "paired_ci": list(delta[1]) if delta else None,
        }
    changes: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in PER_QUESTION:
        better: list[dict[str, Any]] = []
        worse: list[dict[str, Any]] = []
        for i in common:
            x, y = ra[i]["metrics"].get(name), rb[i]["metrics"].get(name)
            if x is None or y is None or x == y:
                continue
            entry = {"id": i, "type": ra[i]["type"], "question": ra[i]["question"], "a": x, "b": y}
            # refusal on unanswerable questions is good; everything else is better when higher
            up_is_good = name != "false_refusal_rate"
            (better if (y > x) == up_is_good else worse).append(entry)
        changes[name] = {"better": better, "worse": worse}
    return {"a": key_a, "b": key_b, "common_questions": len(common),
            "only_a": sorted(set(ra) - set(rb)), "only_b": sorted(set(rb) - set(ra)),
            "headline": headline, "changes": changes}


def compare_runs(spec_a: str | Path, spec_b: str | Path) -> dict[str, Any]:
    a, b = load_run(spec_a), load_run(spec_b)
    pairs = pair_configs(a, b)
    if not pairs:
        raise ValueError("keine vergleichbaren Konfigurationen gefunden")
    return {"a": a["name"], "b": b["name"], "configs": [compare_config(a, b, ka, kb) for ka, kb in pairs]}


def render_compare(result: Mapping[str, Any]) -> str:
    lines = ["# Vergleich zweier Auswertungen", "", f"- A: {result['a']}", f"- B: {result['b']}", ""]
    for c in result["configs"]:
        lines += [f"## {c['a']} (A) → {c['b']} (B)", "",
                  f"{c['common_questions']} gemeinsame Fragen; Δ = B − A, Intervall: gepaarter Bootstrap über "
                  "die gemeinsamen Fragen (1.000 Stichproben).", ""]
        rows = []
        for name, h in c["headline"].items():
            ci = h["paired_ci"]
            rows.append([name, fmt(h["a"]), fmt(h["b"]), _signed(h["delta"]),
                         f"{_signed(h['paired_delta'])} [{ci[0]:+.2f} … {ci[1]:+.2f}]" if ci else "–"])
        lines += table(["Kennzahl", "A", "B", "Δ", "Δ gepaart [95 %]"], rows) + [""]
        for name, ch in c["changes"].items():
            if not ch["better"] and not ch["worse"]:
                continue
            lines += [f"### {name}: {len(ch['better'])} besser, {len(ch['worse'])} schlechter", ""]
            for label, entries in (("besser", ch["better"]), ("schlechter", ch["worse"])):
                for e in entries:
                    lines.append(f"- {label}: {e['id']} ({e['type']}) {fmt(e['a'])} → {fmt(e['b'])}: "
                                 f"{cell(e['question'])[:100]}")
            lines.append("")
        if c["only_a"] or c["only_b"]:
            lines += [f"Nur in A: {', '.join(c['only_a']) or '–'}; nur in B: {', '.join(c['only_b']) or '–'}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _signed(x: float | None) -> str:
    return "–" if x is None else f"{x:+.2f}"


def run_compare(spec_a: str | Path, spec_b: str | Path, out_dir: Path) -> int:
    result = compare_runs(spec_a, spec_b)
    text = render_compare(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "compare.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "compare.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"Geschrieben: {out_dir / 'compare.md'}, {out_dir / 'compare.json'}")
    return 0
