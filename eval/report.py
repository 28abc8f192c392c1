"""report.md (German) and PNG plots for one evaluation run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval import metrics as m
from eval.gold import TYPES

TYPE_NAMES = {
    "fact": "Sachfrage", "amount_date": "Betrag/Datum", "outcome": "Ergebnis/Beschluss", "reference": "Drucksache",
    "list": "Aufzählung", "followup": "Folgefrage", "unanswerable": "unbeantwortbar", "": "ohne Typ",
}
WORST_N = 10


def type_order(t: str) -> tuple[int, str]:
    return (TYPES.index(t) if t in TYPES else len(TYPES), t)


# --- formatting ------------------------------------------------------------------------------------------
def fmt(x: Any, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def fmt_ci(x: Any, ci: Sequence[float] | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f} [{ci[0]:.2f}–{ci[1]:.2f}]" if ci else f"{x:.2f}"


def ms(x: Any) -> str:
    if x is None:
        return "–"
    return f"{1000 * x:.1f}" if x < 0.01 else f"{1000 * x:.0f}"


def cell(text: Any) -> str:
    return str(text if text is not None else "–").replace("|", "\\|").replace("\n", " ").strip()


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


# --- sections ----------------------------------------------------------------------------------------------
def headline_section(configs: Mapping[str, Any]) -> list[str]:
    rows = []
    for key, c in configs.items():
        o, ci = c["overall"], c["intervals"]
        rows.append([key, c["questions"], fmt_ci(o["hit@1"], ci.get("hit@1")), fmt_ci(o["hit@5"], ci.get("hit@5")),
                     fmt_ci(o["mrr"], ci.get("mrr")), fmt(o["ndcg@10"]),
                     fmt_ci(o["key_fact_recall"], ci.get("key_fact_recall")),
                     fmt_ci(o["refusal_rate"], ci.get("refusal_rate")),
                     fmt_ci(o["false_refusal_rate"], ci.get("false_refusal_rate")), c["errors"]])
    return ["## Kennzahlen im Überblick", "",
            "Werte mit 95-%-Bootstrap-Intervall (1.000 Stichproben, fester Seed). Treffer zählen über "
            "verschiedene Vorlagen in Trefferreihenfolge; Ablehnung = Anteil abgelehnter unbeantwortbarer "
            "Fragen (höher ist besser), Fehlablehnung = Anteil abgelehnter beantwortbarer Fragen.", "",
            *table(["Konfiguration", "Fragen", "Hit@1", "Hit@5", "MRR", "nDCG@10", "Schlüsselfakten",
                    "Ablehnung (unbeantwortbar)", "Fehlablehnung", "Fehler"], rows), ""]


def retrieval_section(configs: Mapping[str, Any], results: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = []
    for key, c in configs.items():
        o = c["overall"]
        depth = m.mean(m.values([r["metrics"] for r in results if r["config"] == key and r["metrics"]],
                                "papers_retrieved"))
        rows.append([key, *(fmt(o[f"hit@{k}"]) for k in m.KS), *(fmt(o[f"recall@{k}"]) for k in m.KS),
                     fmt(o["mrr"]), fmt(o["ndcg@10"]), fmt(depth, 1), o["n_hit@1"]])
    return ["## Suche", "",
            "Hit@k/Recall@k über verschiedene Vorlagen. Die Antwort sieht nur die Treffer der Suche "
            "(top_k Abschnitte, höchstens per_paper je Vorlage); k über der Spalte „Ø Vorlagen“ kann nichts "
            "mehr hinzufügen.", "",
            *table(["Konfiguration", *(f"Hit@{k}" for k in m.KS), *(f"Recall@{k}" for k in m.KS), "MRR",
                    "nDCG@10", "Ø Vorlagen", "n"], rows), ""]


def answer_section(configs: Mapping[str, Any]) -> list[str]:
    rows = []
    for key, c in configs.items():
        o = c["overall"]
        rows.append([key, fmt(o["key_fact_recall"]), fmt(o["key_fact_recall_quotes"]), fmt(o["citation_validity"]),
                     fmt(o["citation_precision_paper"]), fmt(o["citation_recall_paper"]),
                     fmt(o["citation_precision_file"]), fmt(o["citation_recall_file"]),
                     fmt(o["cited_sentence_share"]), fmt(o["support_mean"]),
                     fmt(o.get("answer_chars"), 0), fmt(o.get("reference_overlap")), fmt(o.get("evidence_cited"))])
    return ["## Antworten und Quellen", "",
            "Schlüsselfakten: normalisierter Teilstring im Antworttext bzw. in den zitierten Passagen. "
            "Zitate gültig: Anteil der [n]-Marker, die auf eine Quelle aus den Suchtreffern zeigen. "
            "Präzision/Recall gegen die Gold-Vorlagen (Vorlage) und Gold-Dateien (Datei; Zitate des "
            "Übersichtsabschnitts zählen dort nicht). Sätze mit Quelle: Anteil der Sachsätze mit Beleg. "
            "Ø Zeichen: Länge der gegebenen Antworten ohne Marker. Referenzantwort: Anteil ihrer Inhaltswörter "
            "(Wortanfänge, Zahlen) in der Antwort, grob. Beleg zitiert: Anteil der Fragen, bei denen eine zitierte "
            "Passage sechs Wörter in Folge mit der Belegstelle teilt.", "",
            *table(["Konfiguration", "Schlüsselfakten", "… in Zitaten", "Zitate gültig", "Präzision Vorlage",
                    "Recall Vorlage", "Präzision Datei", "Recall Datei", "Sätze mit Quelle", "Ø Stützung",
                    "Ø Zeichen", "Referenzantwort", "Beleg zitiert"], rows), ""]


def type_section(configs: Mapping[str, Any]) -> list[str]:
    rows = []
    for key, c in configs.items():
        for t, o in sorted(c["by_type"].items(), key=lambda kv: type_order(kv[0])):
            rows.append([TYPE_NAMES.get(t, t), key, o["questions"], *(fmt(o[f"hit@{k}"]) for k in m.KS), fmt(o["mrr"]),
                         fmt(o["key_fact_recall"]), fmt(o["refusal_rate"] if t == "unanswerable"
                                                        else o["false_refusal_rate"])])
    return ["## Treffer nach Fragetyp", "",
            "Letzte Spalte: bei unbeantwortbaren Fragen die Ablehnungsquote, sonst die Fehlablehnungsquote.", "",
            *table(["Fragetyp", "Konfiguration", "n", *(f"Hit@{k}" for k in m.KS), "MRR", "Schlüsselfakten",
                    "(Fehl-)Ablehnung"], rows), ""]


def latency_section(configs: Mapping[str, Any]) -> list[str]:
    keys = list(configs)
    stages = [s for s in m.STAGES if any(s in configs[k]["latency"] for k in keys)]
    rows = []
    for s in stages:
        row: list[Any] = [s]
        for k in keys:
            lat = configs[k]["latency"].get(s)
            row.append(f"{ms(lat['p50'])} / {ms(lat['p95'])}" if lat else "–")
        rows.append(row)
    usage = []
    for k in keys:
        u = configs[k]["usage"]
        if u["answers_with_usage"]:
            usage.append(f"- {k}: {u['input_tokens_total']} Tokens ein, {u['output_tokens_total']} Tokens aus "
                         f"(Ø {fmt(u['input_tokens_mean'], 0)} / {fmt(u['output_tokens_mean'], 0)} je Antwort)")
    return ["## Laufzeit je Schritt", "", "Millisekunden, p50 / p95 über die Fragen, die den Schritt ausführten.", "",
            *table(["Schritt", *keys], rows), "",
            *(["Tokens (generativer Modus):", "", *usage, ""] if usage else [])]


def resources_section(doc: Mapping[str, Any]) -> list[str]:
    st = doc.get("settings") or {}
    idx = doc.get("index") or {}
    git = doc.get("git") or {}
    size = doc.get("index_size_bytes")
    lines = ["## Umgebung und Ressourcen", "",
             f"- Erstellt: {doc.get('created')}; Git-Stand: {git.get('commit', '–')}"
             + (" (mit lokalen Änderungen)" if git.get("dirty") else ""),
             f"- Fragen: {doc.get('questions')}"
             + (f" aus {doc['questions_file']}" if doc.get("questions_file") else "") + "; Laufzeit gesamt: "
             f"{doc.get('wall_seconds')} s",
             f"- Index: {idx.get('index', st.get('index_dir', '–'))}, {idx.get('documents', '–')} Dokumente, "
             f"{idx.get('chunks', '–')} Abschnitte, {idx.get('embedded', '–')} mit Vektor; "
             f"Größe auf der Platte: {fmt(size / 1e6, 1) if size is not None else '–'} MB; "
             f"dichte Suche verfügbar: {idx.get('dense_available', '–')}",
             f"- Spitzen-Arbeitsspeicher (maxrss): {doc.get('peak_memory_mb')} MB",
             "- Einstellungen: " + ", ".join(f"{k}={st.get(k)}" for k in
                                             ("embedder", "mode", "top_k", "per_paper", "refusal_threshold")
                                             if k in st)]
    for key, why in (doc.get("skipped") or {}).items():
        lines.append(f"- Übersprungen: {key} – {why}")
    lines += [f"- Warnung: {w}" for w in doc.get("warnings") or []]
    return [*lines, "", *question_file_section(doc)]


def question_file_section(doc: Mapping[str, Any]) -> list[str]:
    """What the question file allowed: metrics not computed and why, rows skipped, unknown fields."""
    not_computed = doc.get("not_computed") or {}
    skipped = doc.get("questions_file_skipped") or []
    unknown = doc.get("questions_file_unknown_fields") or []
    if not (not_computed or skipped or unknown):
        return []
    lines = ["## Fragendatei", ""]
    if doc.get("questions_file_fields"):
        lines.append("- Felder: " + ", ".join(doc["questions_file_fields"]))
    lines += [f"- Nicht berechnet: {label} – {why}" for label, why in not_computed.items()]
    lines += [f"- Zeile {p['line']} übersprungen: {p['reason']}" for p in skipped]
    if unknown:
        lines.append("- Unbekannte Felder, unverändert in results.jsonl unter \"extra\": " + ", ".join(unknown))
    return [*lines, ""]


def top_retrieved(row: Mapping[str, Any], n: int = 3) -> str:
    papers = m.distinct_papers((row.get("answer") or {}).get("retrieved") or [])[:n]
    return "; ".join(f"{p.get('reference') or p.get('doc_id')} – {(p.get('title') or '')[:70]}" for p in papers) or "–"


def worst_rows(results: Sequence[Mapping[str, Any]], key: str, n: int = WORST_N) -> list[Mapping[str, Any]]:
    """Answerable questions, worst first: gold not found, then low gold rank, then missing key facts."""
    rows = [r for r in results if r["config"] == key and r["answerable"] and r["metrics"]]

    def badness(r: Mapping[str, Any]) -> tuple[float, float]:
        mt = r["metrics"]
        rank = mt.get("gold_rank")
        return (1e9 if rank is None else rank, -(mt.get("key_fact_recall") or 0.0))

    rows.sort(key=badness, reverse=True)
    return [r for r in rows if r["metrics"].get("gold_rank") != 1 or (r["metrics"].get("key_fact_recall") or 0) < 1][:n]


def worst_section(configs: Mapping[str, Any], results: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["## Schwächste Fragen", "",
             "Je Konfiguration die beantwortbaren Fragen mit dem schlechtesten Rang der Gold-Vorlage "
             "(„–“ = nicht gefunden), dann mit fehlenden Schlüsselfakten; dazu die ersten drei gefundenen Vorlagen.", ""]
    for key in configs:
        rows = []
        for r in worst_rows(results, key):
            mt = r["metrics"]
            rows.append([r["id"], TYPE_NAMES.get(r["type"], r["type"]), r["question"][:120], ", ".join(r["gold_refs"]),
                         mt.get("gold_rank"), fmt(mt.get("key_fact_recall")),
                         "; ".join(mt.get("missing_key_facts") or []) or "–",
                         "ja" if mt.get("refused") else "nein", top_retrieved(r)])
        lines += [f"### {key}", ""]
        lines += table(["ID", "Typ", "Frage", "Gold", "Rang", "Schlüsselfakten", "fehlt", "abgelehnt",
                        "Top 3 gefunden"], rows) if rows else ["Keine schwachen Fragen."]
        accepted = [r for r in results if r["config"] == key and not r["answerable"] and r["metrics"]
                    and not r["metrics"].get("refused")]
        if accepted:
            lines += ["", "Unbeantwortbare Fragen, die trotzdem beantwortet wurden:", ""]
            lines += table(["ID", "Frage", "Antwort (Anfang)", "Top 3 gefunden"],
                           [[r["id"], r["question"][:120], (r["answer"] or {}).get("text", "")[:160], top_retrieved(r)]
                            for r in accepted[:WORST_N]])
        errors = [r for r in results if r["config"] == key and r.get("error")]
        if errors:
            lines += ["", "Fehler:", ""] + [f"- {r['id']}: {r['error']}" for r in errors[:WORST_N]]
        lines.append("")
    return lines


def render_markdown(doc: Mapping[str, Any], results: Sequence[Mapping[str, Any]],
                    plots: Mapping[str, Path] | None = None) -> str:
    configs = doc.get("configs") or {}
    lines = ["# Auswertung des Ratsinfo-Assistenten", ""]
    if not configs:
        lines += ["Keine Konfiguration ausgewertet.", ""]
    else:
        lines += headline_section(configs) + retrieval_section(configs, results) + answer_section(configs)
        lines += type_section(configs) + latency_section(configs)
    lines += resources_section(doc)
    if plots:
        lines += ["## Abbildungen", ""]
        titles = {"hit_by_type": "Hit@k nach Fragetyp", "latency": "Antwortzeit (gesamt) je Frage"}
        for name, path in plots.items():
            lines += [f"![{titles.get(name, name)}]({path.name})", ""]
    if configs:
        lines += worst_section(configs, results)
    return "\n".join(lines).rstrip() + "\n"


# --- plots ---------------------------------------------------------------------------------------------------
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_hit_by_type(configs: Mapping[str, Any], path: Path) -> Path | None:
    """Grouped bars: hit@1/3/5/10 per question type, one panel per configuration."""
    keys = [k for k in configs if any(o.get("hit@1") is not None for o in configs[k]["by_type"].values())]
    if not keys:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(keys), figsize=(max(6.0, 5.2 * len(keys)), 4.2), sharey=True, squeeze=False)
    colors = ["#1b4f72", "#2e86c1", "#85c1e9", "#d6eaf8"]
    for ax, key in zip(axes[0], keys, strict=True):
        types = sorted((t for t, o in configs[key]["by_type"].items() if o.get("hit@1") is not None), key=type_order)
        width = 0.8 / len(m.KS)
        for j, k in enumerate(m.KS):
            vals = [configs[key]["by_type"][t][f"hit@{k}"] for t in types]
            xs = [i + (j - (len(m.KS) - 1) / 2) * width for i in range(len(types))]
            ax.bar(xs, vals, width, label=f"Hit@{k}", color=colors[j % len(colors)], edgecolor="#333", linewidth=0.4)
        ax.set_xticks(range(len(types)))
        ax.set_xticklabels([f"{TYPE_NAMES.get(t, t)}\n(n={configs[key]['by_type'][t]['n_hit@1']})" for t in types],
                           fontsize=8, rotation=20, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_title(key)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("Anteil Fragen")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(m.KS), fontsize=9, frameon=False)
    fig.suptitle("Hit@k nach Fragetyp (verschiedene Vorlagen)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_latency(results: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    """Histogram of total answer time per question, one colour per configuration."""
    series: dict[str, list[float]] = {}
    for r in results:
        total = ((r.get("answer") or {}).get("timings") or {}).get("total")
        if total is not None:
            series.setdefault(r["config"], []).append(1000 * float(total))
    if not series:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    top = max(max(v) for v in series.values())
    bins = [top * i / 30 for i in range(31)] if top > 0 else 10
    for key, vals in series.items():
        p50, p95 = m.percentile(vals, 50), m.percentile(vals, 95)
        ax.hist(vals, bins=bins, alpha=0.55, label=f"{key} (p50 {p50:.0f} ms, p95 {p95:.0f} ms)")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Antwortzeit gesamt [ms]")
    ax.set_ylabel("Fragen")
    ax.set_title("Verteilung der Antwortzeit je Frage")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(doc: Mapping[str, Any], results: Sequence[Mapping[str, Any]], out_dir: Path,
                 plots: bool = True) -> dict[str, Path]:
    """Write report.md (and the PNGs it embeds) into `out_dir`; returns the written paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    images: dict[str, Path] = {}
    if plots and doc.get("configs"):
        hit = plot_hit_by_type(doc["configs"], out_dir / "hit_by_type.png")
        lat = plot_latency(results, out_dir / "latency.png")
        images = {k: p for k, p in (("hit_by_type", hit), ("latency", lat)) if p is not None}
    report = out_dir / "report.md"
    report.write_text(render_markdown(doc, results, images), encoding="utf-8")
    return {"report": report, **images}
