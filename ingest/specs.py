"""Turn what the user names (a path, an OParl URL, a manifest) into Source objects."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ingest.sources.base import Source

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

        return NordstemmenSource(Path(target))
    if kind in {"allris", "allris-html", "allris-text"}:
        from ingest.sources.allris import AllrisSource

        paths = sorted(Path(target).iterdir()) if Path(target).is_dir() else [Path(target)]
        return AllrisSource(paths, body=entry.get("body"), base_url=entry.get("base_url"))
    if kind == "files":
        from ingest.sources.files import FilesSource

        return FilesSource(Path(target), body=entry.get("body"), ocr=options.get("ocr", True))
    if kind == "oparl-api":
        from ingest.sources.oparl_api import OParlApiSource

        return OParlApiSource(str(target), since=options.get("since"), max_papers=options.get("max_papers"))
    raise SourceSpecError(f"Unbekannte Quellenart: {kind}")


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
    """Sources for one command-line argument: URL, manifest name/file, archive, folder or file."""
    if arg.startswith(("http://", "https://")):
        return [(arg, make_source("oparl-api", arg, **options))]
    manifest = manifest_path(arg)
    if manifest is not None and is_manifest(manifest):
        return from_manifest(manifest, **options)
    path = Path(arg).expanduser()
    if not path.exists():
        raise SourceSpecError(f"Quelle nicht gefunden: {arg} (weder Pfad, Manifest noch http(s)-URL)")
    origin = str(path.resolve())
    if path.is_file():
        name = path.name.lower()
        if name.endswith((".tar.zst", ".tar.zstd")):
            return [(origin, make_source("oparl-archive", path, **options))]
        if name.endswith(".json"):
            return [(origin, make_source("oparl-list", path, **options))]
        if name.endswith((".htm", ".html")) and _looks_like_allris(path):
            return [(origin, make_source("allris", path, **options))]
        return [(origin, make_source("files", path, **options))]
    if (path / "papers").is_dir() and ((path / "file-contents").is_dir() or (path / "meetings").is_dir()):
        return [(origin, make_source("oparl-mirror", path, **options))]
    if (path / "docs" / "papers").is_dir():
        return [(origin, make_source("oparl-mirror", path, **options))]
    if (path / "documents" / "papers").is_dir() or ((path / "papers").is_dir() and any((path / "papers").glob("*/metadata.json"))):
        target = path / "documents" if (path / "documents").is_dir() else path
        return [(origin, make_source("nordstemmen", target, **options))]
    return [(origin, make_source("files", path, **options))]


def _looks_like_allris(path: Path) -> bool:
    head = path.read_bytes()[:20000].lower()
    return b"allris" in head or b"vo020" in head or b"to010" in head or b"to020" in head
