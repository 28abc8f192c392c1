"""OParl mirrors on disk (papers/, file-contents/, meetings/, organizations.json) and OParl list files."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import zstandard

from ingest.records import Document, Page
from ingest.sources.base import ProblemLog
from ingest.sources.oparl_file import OParlJsonSource, list_items
from ingest.sources.oparl_json import OParlFormatError, load_json_tolerant
from ingest.sources.oparl_model import (
    MeetingInfo,
    MeetingLookup,
    PaperContext,
    body_name_from_host,
    paper_to_document,
    read_body,
    read_meeting,
    read_organization,
    read_person,
    split_text_pages,
)

UNPACKED_MARKER = ".unpacked"
_MEETING_CACHE = 512


def last_segment(url: str) -> str:
    """The last path segment of an OParl id (".../files/589848" -> "589848")."""
    return url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]


def parse_time(value: str) -> datetime | None:
    """Parse an ISO date or date-time; naive values count as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def modified_since(modified: Any, since: datetime | None) -> bool:
    """True when no cutoff is set, the modification time is unknown, or it is not before the cutoff."""
    if since is None or not isinstance(modified, str):
        return True
    parsed = parse_time(modified)
    return parsed is None or parsed >= since


def unpack_archive(archive: Path, dest: Path) -> Path:
    """Stream-unpack a .tar.zst mirror into dest (once, marked by a marker file); return the mirror root."""
    archive = archive.resolve()
    dest = dest.resolve()
    if dest.is_relative_to(archive.parent):
        raise ValueError(f"Zielordner {dest} liegt im schreibgeschützten Korpus neben {archive}")
    marker = dest / UNPACKED_MARKER
    stamp = f"{archive.name} {archive.stat().st_size}"
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == stamp:
        return mirror_root(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with archive.open("rb") as raw:
        reader = zstandard.ZstdDecompressor().stream_reader(raw)
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for member in tar:
                tar.extract(member, dest, filter="data")
    marker.write_text(stamp + "\n", encoding="utf-8")
    return mirror_root(dest)


ARCHIVE_SUFFIXES = (".tar.zst", ".tar.zstd")


def is_mirror(path: Path) -> bool:
    """A folder with papers/ and file-contents/ or meetings/ (a mirror), or docs/papers/ (an unpacked archive)."""
    if not path.is_dir():
        return False
    papers = (path / "papers").is_dir()
    return (papers and ((path / "file-contents").is_dir() or (path / "meetings").is_dir())) \
        or (path / "docs" / "papers").is_dir()


def is_mirror_archive(path: Path) -> bool:
    """A packed mirror (.tar.zst), unpacked once into the user's data folder when read."""
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def count_mirror_papers(path: Path) -> int:
    return sum(1 for _ in (mirror_root(path) / "papers").glob("*.json"))


def mirror_root(path: Path) -> Path:
    """The folder holding papers/: the path itself or its docs/ subfolder (unpacked archive)."""
    if not (path / "papers").is_dir() and (path / "docs" / "papers").is_dir():
        return path / "docs"
    return path


def _read_json(path: Path, problems: ProblemLog | None = None) -> Any:
    return load_json_tolerant(path.read_bytes(), str(path), problems)


class OParlMirrorSource:
    """Papers of an OParl mirror folder, streamed one at a time with file texts and resolved consultations."""

    name = "oparl-mirror"

    def __init__(
        self,
        root: Path,
        body: str | None = None,
        paper_ids: set[str] | None = None,
        since: str | None = None,
    ) -> None:
        self.root = mirror_root(Path(root))
        self.body = body
        self.paper_ids = paper_ids
        self._wanted = None if paper_ids is None else set(paper_ids) | {last_segment(i) for i in paper_ids}
        self.since = parse_time(since) if since else None
        self._deleted: list[str] = []

    @property
    def expected_documents(self) -> int:
        """Papers the mirror holds (or the selection): the progress line's total."""
        if self._wanted is not None:
            return len(self.paper_ids or ())
        return sum(1 for _ in (self.root / "papers").glob("*.json"))

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        """Yield one Document per paper JSON; unreadable papers are reported and skipped."""
        papers_dir = self.root / "papers"
        if not papers_dir.is_dir():
            problems.report(str(papers_dir), "Ordner papers/ fehlt im OParl-Spiegel")
            return
        ctx = PaperContext(
            body=self.body or "",
            source="oparl-mirror",
            pages=self._pages,
            meetings=self._meeting_lookup(problems),
            organizations=self._names("organizations.json", read_organization, problems),
            persons=self._names("persons.json", read_person, problems),
        )
        self._deleted = []
        for path in sorted(papers_dir.glob("*.json")):
            if self._wanted is not None and path.stem not in self._wanted:
                continue
            doc = self._read_paper(path, ctx, problems)
            if doc is not None:
                yield doc

    def deleted_ids(self) -> Iterator[str]:
        """Ids of papers marked deleted in the mirror (known after documents() finished)."""
        return iter(list(self._deleted))

    def _read_paper(self, path: Path, ctx: PaperContext, problems: ProblemLog) -> Document | None:
        try:
            paper = _read_json(path, problems)
        except (OParlFormatError, OSError) as exc:
            problems.report(str(path), getattr(exc, "reason", str(exc)))
            return None
        if not isinstance(paper, dict) or not isinstance(paper.get("id"), str):
            problems.report(str(path), "kein OParl-Paper-Objekt (id fehlt)")
            return None
        if paper.get("deleted"):
            self._deleted.append(paper["id"])
            return None
        if not modified_since(paper.get("modified"), self.since):
            return None
        if not ctx.body:
            ctx.body = self._body_name(paper)
        try:
            return paper_to_document(paper, ctx)
        except (ValueError, TypeError, AttributeError) as exc:
            problems.report(str(path), f"Vorlage nicht lesbar: {exc}")
            return None

    def _body_name(self, paper: Mapping[str, Any]) -> str:
        body_file = self.root / "body.json"
        if body_file.is_file():
            try:
                name = read_body(_read_json(body_file)).name
                if name:
                    return name
            except OParlFormatError:
                pass
        return (
            body_name_from_host(paper.get("id")) or body_name_from_host(paper.get("body")) or self.root.name
        )

    def _pages(self, file_obj: Mapping[str, Any]) -> tuple[Page, ...]:
        file_id = file_obj.get("id")
        if not isinstance(file_id, str):
            return ()
        text_path = self.root / "file-contents" / f"{last_segment(file_id)}.txt"
        if not text_path.is_file():
            return ()
        return split_text_pages(text_path.read_text(encoding="utf-8", errors="replace"))

    def _meeting_lookup(self, problems: ProblemLog) -> MeetingLookup:
        meetings_dir = self.root / "meetings"

        @lru_cache(maxsize=_MEETING_CACHE)
        def lookup(meeting_id: str) -> MeetingInfo | None:
            path = meetings_dir / f"{last_segment(meeting_id)}.json"
            if not path.is_file():
                return None
            try:
                return read_meeting(_read_json(path, problems))
            except OParlFormatError as exc:
                problems.report(str(path), exc.reason, fatal=False)
                return None

        return lookup

    def _names(self, file_name: str, reader: Any, problems: ProblemLog) -> dict[str, str]:
        path = self.root / file_name
        if not path.is_file():
            return {}
        try:
            items = list_items(_read_json(path, problems))
        except OParlFormatError as exc:
            problems.report(str(path), exc.reason, fatal=False)
            return {}
        return dict(reader(item) for item in items if isinstance(item, dict))


# A JSON file of papers (or other OParl objects) is read by OParlJsonSource; the old name stays for callers.
OParlListSource = OParlJsonSource
