"""Every kind of source by name: how a path is recognised as one (read as a whole) and how the source is built.

`council ingest`, manifests and mixed folders open sources only through `REGISTRY`; a new kind is one
`SourceKind` entry here and its own module under `ingest/sources/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.paths import corpus_root, data_home
from ingest.sources.allris import AllrisSource
from ingest.sources.base import Source
from ingest.sources.files import FilesSource
from ingest.sources.nordstemmen import NordstemmenSource, is_nordstemmen_export
from ingest.sources.oparl_api import OParlApiSource
from ingest.sources.oparl_mirror import (
    OParlListSource,
    OParlMirrorSource,
    count_mirror_papers,
    is_mirror,
    is_mirror_archive,
    mirror_root,
    unpack_archive,
)

Build = Callable[[Path | str, dict[str, Any], dict[str, Any]], Source]  # (target, manifest entry, options)

# Options of `council ingest` handed to the OParl crawler (OParlApiSource keyword arguments).
CRAWLER_OPTIONS = ("body", "max_file_bytes", "file_timeout", "min_interval", "download_files", "people",
                   "max_retry_after")


class SourceSpecError(ValueError):
    """A source argument that names nothing we can read."""


@dataclass(frozen=True)
class SourceKind:
    """One kind of source: its name (as manifests write it), other names, how to build it, and for kinds read
    as a whole, how to recognise a path of that kind and roughly how many documents it holds."""

    name: str
    build: Build
    aliases: tuple[str, ...] = ()
    recognise: Callable[[Path], bool] | None = None
    count: Callable[[Path], int | None] | None = None


def _mirror(target: Path | str, entry: dict[str, Any], options: dict[str, Any]) -> Source:
    root = Path(target)
    return OParlMirrorSource(root, paper_ids=_selected_ids(mirror_root(root), entry),
                             since=entry.get("since") or options.get("since"))


def _archive(target: Path | str, entry: dict[str, Any], options: dict[str, Any]) -> Source:
    root = Path(target)
    unpacked = unpack_archive(root, data_home() / "archives" / root.name.split(".")[0])
    return _mirror(unpacked, entry, options)


def _list(target: Path | str, _entry: dict[str, Any], _options: dict[str, Any]) -> Source:
    return OParlListSource(Path(target))


def _nordstemmen(target: Path | str, _entry: dict[str, Any], _options: dict[str, Any]) -> Source:
    return NordstemmenSource(Path(target))


def _allris(target: Path | str, entry: dict[str, Any], _options: dict[str, Any]) -> Source:
    paths = sorted(Path(target).iterdir()) if Path(target).is_dir() else [Path(target)]
    return AllrisSource(paths, body=entry.get("body"), base_url=entry.get("base_url"))


def _files(target: Path | str, entry: dict[str, Any], options: dict[str, Any]) -> Source:
    return FilesSource(Path(target), body=entry.get("body"), ocr=options.get("ocr", True))


def _api(target: Path | str, _entry: dict[str, Any], options: dict[str, Any]) -> Source:
    crawler = {k: options[k] for k in CRAWLER_OPTIONS if options.get(k) is not None}
    return OParlApiSource(str(target), since=options.get("since"), max_papers=options.get("max_papers"), **crawler)


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


class Registry:
    """The kinds by name; recognition tries them in order (an OParl mirror before a Nordstemmen export, whose
    folders also hold papers/)."""

    def __init__(self, kinds: tuple[SourceKind, ...]) -> None:
        self.kinds = kinds
        self._by_name = {name: k for k in kinds for name in (k.name, *k.aliases)}

    def kind(self, name: str) -> SourceKind:
        if name not in self._by_name:
            raise SourceSpecError(f"Unbekannte Quellenart: {name}")
        return self._by_name[name]

    def open(self, name: str, target: Path | str, entry: dict[str, Any] | None = None, **options: Any) -> Source:
        """Build one source of a known kind (`entry`: its manifest entry; `options`: those of `council ingest`)."""
        return self.kind(name).build(target, entry or {}, options)

    def recognise(self, path: Path) -> str | None:
        """The kind of a path read as a whole (a mirror or export folder, an archive file), else None."""
        return next((k.name for k in self.kinds if k.recognise is not None and k.recognise(path)), None)

    def count(self, path: Path) -> int | None:
        """Roughly how many documents a path recognised as a whole holds (None: unknown before reading)."""
        kind = self.recognise(path)
        counter = self._by_name[kind].count if kind else None
        return counter(path) if counter else None


REGISTRY = Registry((
    SourceKind("oparl-mirror", _mirror, recognise=is_mirror, count=count_mirror_papers),
    SourceKind("oparl-archive", _archive, recognise=is_mirror_archive),
    SourceKind("nordstemmen", _nordstemmen, recognise=is_nordstemmen_export,
               count=lambda path: sum(1 for _ in path.rglob("metadata.json"))),
    SourceKind("oparl-list", _list),
    SourceKind("allris", _allris, aliases=("allris-html", "allris-text")),
    SourceKind("files", _files),
    SourceKind("oparl-api", _api),
))
