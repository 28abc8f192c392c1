"""Turn what the user names (a path, an OParl URL, a manifest) into Source objects."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from ingest.sources.base import Source
from ingest.sources.folder import FolderSource, folder_kind

REPO_ROOT = Path(__file__).resolve().parent.parent


class SourceSpecError(ValueError):
    """A source argument that names nothing we can read."""


def corpus_root() -> Path:
    """The shared corpus (`../shared/corpus` beside the checkout, or $COUNCIL_CORPUS)."""
    return Path(os.environ.get("COUNCIL_CORPUS", REPO_ROOT.parent / "shared" / "corpus")).resolve()


def data_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "council-assistant"


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
        out.append((f"{entry['kind']}:{entry['path']}", make_source(entry["kind"], target, entry, **options)))
    return out


def make_source(kind: str, target: Path | str, entry: dict[str, Any] | None = None, **options: Any) -> Source:
    """Build one source of a known kind."""
    entry = entry or {}
    if kind in {"oparl-mirror", "oparl-archive"}:
        from ingest.sources.oparl_mirror import OParlMirrorSource, mirror_root, unpack_archive

        root = Path(target)
        if kind == "oparl-archive":
            root = unpack_archive(root, data_home() / "archives" / root.name.split(".")[0])
        ids = _selected_ids(mirror_root(root), entry)
        return OParlMirrorSource(root, paper_ids=ids, since=entry.get("since") or options.get("since"))
    if kind == "oparl-list":
        from ingest.sources.oparl_mirror import OParlListSource

        return OParlListSource(Path(target))
    if kind == "nordstemmen":
        from ingest.sources.nordstemmen import NordstemmenSource

        root = Path(target)
        return NordstemmenSource(root / "documents" if (root / "documents" / "papers").is_dir() else root)
    if kind in {"allris", "allris-html", "allris-text"}:
        from ingest.sources.allris import AllrisSource

        paths = sorted(Path(target).iterdir()) if Path(target).is_dir() else [Path(target)]
        return AllrisSource(paths, body=entry.get("body"), base_url=entry.get("base_url"))
    if kind == "files":
        from ingest.sources.files import FilesSource

        return FilesSource(Path(target), body=entry.get("body"), ocr=options.get("ocr", True))
    if kind == "oparl-api":
        from ingest.sources.oparl_api import OParlApiSource

        crawler = {k: options[k] for k in CRAWLER_OPTIONS if options.get(k) is not None}
        return OParlApiSource(str(target), since=options.get("since"), max_papers=options.get("max_papers"), **crawler)
    raise SourceSpecError(f"Unbekannte Quellenart: {kind}")


# Options of `council ingest` handed to the OParl crawler (OParlApiSource keyword arguments).
CRAWLER_OPTIONS = ("body", "max_file_bytes", "file_timeout", "min_interval", "download_files", "people",
                   "max_retry_after")


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


def _selected_ids(root: Path, entry: dict[str, Any]) -> set[str] | None:
    """Papers a manifest entry selects: `paper_ids`, or every paper whose numeric id is divisible by
    `id_divisible_by` (the archive quarter reserved for evaluation), less those of `exclude_papers_in`."""
    if entry.get("paper_ids"):
        return set(entry["paper_ids"])
    divisor = entry.get("id_divisible_by")
    if not divisor:
        return None
    excluded = {p.stem for p in (corpus_root() / entry["exclude_papers_in"]).glob("*.json")} \
        if entry.get("exclude_papers_in") else set()
    return {p.stem for p in (root / "papers").glob("*.json")
            if p.stem.isdigit() and int(p.stem) % int(divisor) == 0 and p.stem not in excluded}


def detect(arg: str, **options: Any) -> list[tuple[str, Source]]:
    """Sources for one command-line argument: URL, manifest name/file, archive, mirror folder, or any
    other folder or file (FolderSource: every file by its own reader, nothing skipped silently)."""
    if arg.startswith(("http://", "https://")):
        return [(arg, make_source("oparl-api", arg, **options))]
    manifest = manifest_path(arg)
    if manifest is not None and is_manifest(manifest):
        return from_manifest(manifest, **options)
    path = Path(arg).expanduser()
    if not path.exists():
        raise SourceSpecError(f"Quelle nicht gefunden: {arg} (weder Pfad, Manifest noch http(s)-URL)")
    origin = str(path.resolve())
    if path.is_file() and path.name.lower().endswith((".tar.zst", ".tar.zstd")):
        return [(origin, make_source("oparl-archive", path, **options))]
    kind = folder_kind(path) if path.is_dir() else None
    if kind is not None:
        return [(origin, make_source(kind, path, **options))]
    return [(origin, FolderSource(path, open_source=make_source, **options))]
