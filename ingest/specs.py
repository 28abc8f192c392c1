"""Turn what the user names (a path, an OParl URL, a manifest) into Source objects."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ingest.paths import REPO_ROOT, corpus_root
from ingest.sources.base import Source
from ingest.sources.folder import FolderSource
from ingest.sources.registry import REGISTRY, SourceSpecError


def manifest_path(name: str) -> Path | None:
    """`demo` -> corpus/demo.json; an existing path is returned as is."""
    p = Path(name)
    if p.suffix == ".json" and p.is_file():
        return p
    candidate = REPO_ROOT / "corpus" / f"{name}.json"
    return candidate if candidate.is_file() else None


def is_manifest(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "sources" in data


def from_manifest(path: Path, **options: Any) -> list[tuple[str, Source]]:
    """Sources named by a manifest (paths relative to the shared corpus)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    root = corpus_root()
    out: list[tuple[str, Source]] = []
    for entry in data["sources"]:
        target = root / entry["path"]
        if not target.exists():
            raise SourceSpecError(f"{path}: Quelle {entry['path']} nicht gefunden unter {root}")
        out.append((f"{entry['kind']}:{entry['path']}", REGISTRY.open(entry["kind"], target, entry, **options)))
    return out


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `council ingest` for folders and the OParl crawler."""
    parser.add_argument("--body", metavar="NAME", help="Stadt für Dokumente, die ihre Stadt nicht selbst nennen "
                        "(sonst die Stadt der anderen Dokumente im Ordner)")
    parser.add_argument("--max-file-mb", type=float, default=100.0, metavar="MB",
                        help="OParl-API: größere Dateien nicht laden (gemeldet); Standard 100")
    parser.add_argument("--file-timeout", type=float, default=120.0, metavar="S",
                        help="OParl-API: höchstens so viele Sekunden je Datei-Download; Standard 120")
    parser.add_argument("--request-interval", type=float, default=0.5, metavar="S",
                        help="OParl-API: Mindestabstand zwischen Anfragen in Sekunden; Standard 0,5")
    parser.add_argument("--max-retry-after", type=float, default=300.0, metavar="S",
                        help="OParl-API: längste Pause, die ein Server per Retry-After verlangen darf; Standard 300")
    parser.add_argument("--no-files", action="store_true", help="OParl-API: nur Metadaten, keine Dateien laden")
    parser.add_argument("--no-people", action="store_true",
                        help="OParl-API: keine Personen, Gremien und Mitgliedschaften einlesen")


def source_options(args: argparse.Namespace, ocr: bool) -> dict[str, Any]:
    """The keyword options `detect` passes on to the sources, from parsed `council ingest` arguments."""
    return {
        "since": args.since, "max_papers": args.max_papers, "ocr": ocr, "body": args.body,
        "max_file_bytes": int(args.max_file_mb * 1024 * 1024), "file_timeout": args.file_timeout,
        "min_interval": args.request_interval, "max_retry_after": args.max_retry_after,
        "download_files": not args.no_files, "people": not args.no_people,
    }


def detect(arg: str, **options: Any) -> list[tuple[str, Source]]:
    """Sources for one command-line argument: URL, manifest name/file, archive, mirror folder, or any
    other folder or file (FolderSource: every file by its own reader, nothing skipped silently)."""
    if arg.startswith(("http://", "https://")):
        return [(arg, REGISTRY.open("oparl-api", arg, **options))]
    manifest = manifest_path(arg)
    if manifest is not None and is_manifest(manifest):
        return from_manifest(manifest, **options)
    path = Path(arg).expanduser()
    if not path.exists():
        raise SourceSpecError(f"Quelle nicht gefunden: {arg} (weder Pfad, Manifest noch http(s)-URL)")
    origin = str(path.resolve())
    kind = REGISTRY.recognise(path)
    if kind is not None:
        return [(origin, REGISTRY.open(kind, path, **options))]
    return [(origin, FolderSource(path, kinds=REGISTRY, **options))]
