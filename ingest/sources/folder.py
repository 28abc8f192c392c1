"""A folder as users bring it: every kind of input `council ingest FILE` reads, mixed, in subfolders.

Each file goes to the reader of its kind (OParl JSON, ALLRIS page or copy, PDF, text, HTML, DOCX,
an archived mirror); a subfolder that is an OParl mirror or a Nordstemmen export is read as a whole.
Nothing is dropped without a line in the summary: a file that yields no document is reported with
the reason, and the exit code says so. Documents that do not name their city take `--body`, else the
one city the other documents of their folder name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ingest.records import Document
from ingest.sources.base import ProblemLog, Source
from ingest.sources.city import FolderCities, is_unknown, with_city
from ingest.sources.files import SUFFIXES, FilesSource, report_read_as_nothing, unsupported_reason
from ingest.sources.oparl_file import OParlJsonSource

_SHOWN_NAMES = 5  # file names listed per city note


class WholeSources(Protocol):
    """What a folder asks of the source registry (`ingest.sources.registry.REGISTRY`): whether a path inside it
    is read as a whole (a mirror, an export, an archive), how to open it and roughly how much it holds."""

    def recognise(self, path: Path) -> str | None: ...

    def open(self, name: str, target: Path | str, entry: dict[str, Any] | None = None, **options: Any) -> Source: ...

    def count(self, path: Path) -> int | None: ...


@dataclass(frozen=True)
class Unit:
    """One thing read on its own: a file, or a subfolder that is a mirror; `single` units are files."""

    path: Path
    source: Source | None  # None: loose document file, read by the folder's FilesSource
    single: bool = True


class FolderSource:
    """Every readable file under a folder, each by its own reader; see the module docstring."""

    name = "folder"

    def __init__(self, root: Path, body: str | None = None, ocr: bool = True, *,
                 kinds: WholeSources, **options: Any) -> None:
        """`kinds` opens what the folder holds whole (the source registry, passed in because the registry's
        kinds do not include the folder itself)."""
        self.root = Path(root)
        self.kinds = kinds
        self.body = body
        self.options = {**options, "ocr": ocr}
        self.files = FilesSource(self.root, body=None, ocr=ocr)
        self._deleting: list[Any] = []

    @property
    def expected_documents(self) -> int | None:
        """The progress line's rough total: one per file, a mirror's papers (a paper list counts 1)."""
        return _expected(self.root, self.kinds)

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        if not self.root.exists():
            problems.report(str(self.root), "Pfad nicht gefunden")
            return
        cities = FolderCities(self.root, self.body)
        pending: list[tuple[Path, Document]] = []
        self._deleting = []
        for unit in self._units(self.root, problems):
            mark = problems.mark()
            produced = 0
            for doc in self._read(unit, problems):
                produced += 1
                if is_unknown(doc.body):
                    pending.append((unit.path, doc))
                    continue
                cities.vote(unit.path, doc.body)
                yield doc
            for name in getattr(unit.source, "body_names", ()):  # an OParl Body names the folder's city
                cities.vote(unit.path, name)
            # loose files are checked by FilesSource, where a content-identical duplicate stays a note
            if unit.single and unit.source is not None and not produced:
                report_read_as_nothing(str(unit.path), problems, mark)
        yield from self._settle(pending, cities, problems)

    def deleted_ids(self) -> Iterator[str]:
        """Papers the mirrors inside the folder mark deleted (known after documents() finished)."""
        return iter([doc_id for source in self._deleting for doc_id in source.deleted_ids()])

    # -- walking ---------------------------------------------------------------------------------------------

    def _units(self, folder: Path, problems: ProblemLog) -> Iterator[Unit]:
        if folder.is_file():  # one file named on the command line: the same readers and checks
            unit = self._file_unit(folder, problems)
            if unit is not None:
                yield unit
            return
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("."):
                problems.report(str(entry), "versteckte Datei bzw. versteckter Ordner, nicht gelesen", fatal=False)
            elif entry.is_dir():
                kind = self.kinds.recognise(entry)
                if kind is None:
                    yield from self._units(entry, problems)
                else:
                    yield Unit(entry, self.kinds.open(kind, entry, **self.options), single=False)
            elif entry.is_file():
                unit = self._file_unit(entry, problems)
                if unit is not None:
                    yield unit

    def _file_unit(self, path: Path, problems: ProblemLog) -> Unit | None:
        kind = self.kinds.recognise(path)
        if kind is not None:
            return Unit(path, self.kinds.open(kind, path, **self.options), single=False)
        if path.suffix.lower() == ".json":
            if path.name.lower() == "index.json" and path != self.root and self._is_file_index(path):
                return None  # the metadata of its folder's documents, read with them
            return Unit(path, OParlJsonSource(path))
        if path.suffix.lower() in SUFFIXES:
            return Unit(path, None)
        problems.report(str(path), unsupported_reason(path), stage="source")
        return None

    @staticmethod
    def _is_file_index(path: Path) -> bool:
        """An Erlangen-style index.json (entries with "filename") beside the files it describes."""
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if isinstance(entries, dict):
            entries = entries.get("documents") or entries.get("items") or list(entries.values())
        return isinstance(entries, list) and any(isinstance(e, dict) and e.get("filename") for e in entries)

    def _read(self, unit: Unit, problems: ProblemLog) -> Iterator[Document]:
        if unit.source is None:
            doc = self.files.read_path(unit.path, problems)
            if doc is not None:
                yield doc
            return
        if hasattr(unit.source, "deleted_ids"):
            self._deleting.append(unit.source)
        try:
            yield from unit.source.documents(problems)
        except Exception as exc:  # noqa: BLE001 - one unreadable mirror must not stop the folder
            problems.report(str(unit.path), f"nicht auswertbar: {type(exc).__name__}: {exc}")

    # -- cities ----------------------------------------------------------------------------------------------

    def _settle(self, pending: list[tuple[Path, Document]], cities: FolderCities,
                problems: ProblemLog) -> Iterator[Document]:
        """Documents without their own city, with the chosen one; one note per city and origin."""
        groups: dict[tuple[str, str, tuple[str, ...]], list[Path]] = {}
        for path, doc in pending:
            choice = cities.choose(path)
            groups.setdefault((choice.city, choice.origin, choice.candidates), []).append(path)
            yield with_city(doc, choice.city) if choice.origin else doc
        for (city, origin, candidates), paths in groups.items():
            problems.report(self._group_location(paths), _city_note(city, origin, candidates, len(paths)),
                            stage="city", fatal=False)

    def _group_location(self, paths: list[Path]) -> str:
        if self.root.is_file():
            return str(self.root)
        names = [p.relative_to(self.root).as_posix() if p.is_relative_to(self.root) else str(p) for p in paths]
        shown = ", ".join(dict.fromkeys(names[:_SHOWN_NAMES]))
        more = f" und {len(set(names)) - _SHOWN_NAMES} weitere" if len(set(names)) > _SHOWN_NAMES else ""
        return f"{self.root}/{{{shown}{more}}}" if len(set(names)) > 1 else f"{self.root}/{names[0]}"


def _expected(path: Path, kinds: WholeSources) -> int | None:
    """Documents a path will give, roughly; None when unknown (an archive is not unpacked to count)."""
    if kinds.recognise(path) is not None:
        return kinds.count(path)
    if path.is_file():
        return 1
    counts = [_expected(entry, kinds) for entry in path.iterdir()
              if not entry.name.startswith(".") and entry.name != "index.json"]
    return None if None in counts else sum(c for c in counts if c is not None)


def _city_note(city: str, origin: str, candidates: tuple[str, ...], count: int) -> str:
    docs = "1 Dokument" if count == 1 else f"{count} Dokumente"
    if origin == "--body":
        return f"Stadt {city} aus --body für {docs} ohne eigene Stadtangabe"
    if origin:
        return f"Stadt {city} aus den anderen Dokumenten des Ordners für {docs} ohne eigene Stadtangabe"
    if candidates:
        return (f"Stadt unbekannt für {docs}: der Ordner enthält Dokumente aus {', '.join(candidates)}; "
                "mit --body NAME angeben")
    return f"Stadt unbekannt für {docs}: mit --body NAME angeben"
