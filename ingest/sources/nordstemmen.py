"""Nordstemmen (SD.NET RIM): OParl papers and council minutes with page texts rebuilt from overlapping chunks."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ingest.records import Document, Page
from ingest.sources.base import ProblemLog
from ingest.sources.oparl_json import OParlFormatError, load_json_tolerant
from ingest.sources.oparl_model import (
    MeetingInfo,
    PaperContext,
    clean_title,
    iso_date,
    paper_files,
    paper_to_document,
    read_file,
    read_meeting,
)

BODY = "Nordstemmen"
TEXT_SUFFIX = ".derived-text.txt"
MIN_OVERLAP = 40
MAX_OVERLAP = 4000
_PAGE_MARK = re.compile(r"^\[Seite (\d+)\][ \t]*$", re.MULTILINE)
_SESSION_SUFFIX = re.compile(r"\s*\(\d+\.\s*Sitzung\)\s*$")


def remove_chunk_overlaps(text: str, min_overlap: int = MIN_OVERLAP, max_overlap: int = MAX_OVERLAP) -> str:
    """Drop text repeated at chunk borders: a block at a line start equal to the block right before it."""
    pos = 0
    while True:
        start = text.find("\n", pos) + 1
        if start == 0:
            return text
        probe = text[start : start + min_overlap]
        overlap = 0
        if len(probe) == min_overlap:
            q = text.find(probe, max(0, start - max_overlap), start)
            while q != -1:
                size = start - q
                if size >= min_overlap and text[q:start] == text[start : start + size]:
                    overlap = size  # first hit is the longest repeated block
                    break
                q = text.find(probe, q + 1, start)
        if overlap:
            text = text[:start] + text[start + overlap :]
            pos = start - 1  # look again at the same line start
        else:
            pos = start


def derived_pages(text: str) -> tuple[Page, ...]:
    """Split a derived text at "[Seite N]" markers into Pages and remove the chunk overlaps per page."""
    marks = list(_PAGE_MARK.finditer(text))
    if not marks:
        body = remove_chunk_overlaps(text).strip()
        return (Page(None, body),) if body else ()
    pages = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = remove_chunk_overlaps(text[mark.end() : end].strip("\n")).strip()
        if body:
            pages.append(Page(int(mark.group(1)), body))
    return tuple(pages)


def _file_stem(file_obj: Mapping[str, Any]) -> str:
    url = file_obj.get("accessUrl") or file_obj.get("downloadUrl") or ""
    name = str(url).rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def is_nordstemmen_export(path: Path) -> bool:
    """documents/papers/, or papers/<DS>/metadata.json (the export's own layout)."""
    return path.is_dir() and ((path / "documents" / "papers").is_dir() or (
        (path / "papers").is_dir() and any((path / "papers").glob("*/metadata.json"))))


class NordstemmenSource:
    """Papers (papers/<DS>/metadata.json) and council minutes (meetings/<date_name>/) of Nordstemmen."""

    name = "nordstemmen"

    def __init__(self, root: Path, body: str = BODY) -> None:
        root = Path(root)
        self.root = root / "documents" if (root / "documents" / "papers").is_dir() else root
        self.body = body

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        """Yield the papers, then one minutes Document per meeting with a protocol text."""
        meetings = self._meetings(problems)
        infos = {m_id: info for m_id, (info, _, _) in meetings.items()}
        organizations = self._organization_names(infos.values())
        ctx = PaperContext(
            body=self.body, source="oparl-mirror", meetings=infos.get, organizations=organizations
        )
        for folder in sorted(p for p in (self.root / "papers").glob("*") if p.is_dir()):
            doc = self._paper(folder, ctx, problems)
            if doc is not None:
                yield doc
        for _, (info, raw, folder) in sorted(meetings.items(), key=lambda kv: kv[1][2].name):
            doc = self._minutes(info, raw, folder, organizations)
            if doc is not None:
                yield doc

    def _read(self, path: Path, problems: ProblemLog) -> dict[str, Any] | None:
        try:
            obj = load_json_tolerant(path.read_bytes(), str(path), problems)
        except (OParlFormatError, OSError) as exc:
            problems.report(str(path), getattr(exc, "reason", str(exc)))
            return None
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            problems.report(str(path), "kein OParl-Objekt (id fehlt)")
            return None
        return obj

    def _meetings(self, problems: ProblemLog) -> dict[str, tuple[MeetingInfo, dict[str, Any], Path]]:
        out: dict[str, tuple[MeetingInfo, dict[str, Any], Path]] = {}
        for path in sorted((self.root / "meetings").glob("*/metadata.json")):
            raw = self._read(path, problems)
            if raw is not None:
                out[raw["id"]] = (read_meeting(raw), raw, path.parent)
        return out

    @staticmethod
    def _organization_names(meetings: Any) -> dict[str, str]:
        """Committee names from meeting names: "Rat (28. Sitzung)" names organization .../1-1 "Rat"."""
        names: dict[str, str] = {}
        for info in meetings:
            if info.name and len(info.organizations) == 1:
                names.setdefault(info.organizations[0], _SESSION_SUFFIX.sub("", info.name))
        return names

    @staticmethod
    def _texts(folder: Path) -> dict[str, tuple[Page, ...]]:
        out = {}
        for path in sorted(folder.glob(f"*{TEXT_SUFFIX}")):
            out[path.name[: -len(TEXT_SUFFIX)]] = derived_pages(
                path.read_text(encoding="utf-8", errors="replace")
            )
        return out

    def _paper(self, folder: Path, ctx: PaperContext, problems: ProblemLog) -> Document | None:
        paper = self._read(folder / "metadata.json", problems)
        if paper is None:
            return None
        texts = self._texts(folder)
        files = paper_files(paper)
        main_id = files[0][0].get("id") if files else None

        def pages(file_obj: Mapping[str, Any]) -> tuple[Page, ...]:
            found = texts.get(_file_stem(file_obj))
            if found is None and len(texts) == 1 and file_obj.get("id") == main_id:
                found = next(iter(texts.values()))
            return found or ()

        ctx.pages = pages
        try:
            return paper_to_document(paper, ctx)
        except (ValueError, TypeError, AttributeError) as exc:
            problems.report(str(folder / "metadata.json"), f"Vorlage nicht lesbar: {exc}")
            return None

    def _minutes(
        self, info: MeetingInfo, raw: dict[str, Any], folder: Path, organizations: Mapping[str, str]
    ) -> Document | None:
        protocol = raw.get("resultsProtocol") or raw.get("verbatimProtocol")
        texts = self._texts(folder)
        if not isinstance(protocol, dict) or not texts:
            return None
        pages = texts.get(_file_stem(protocol)) or next(iter(texts.values()))
        file = read_file(protocol, role="main", pages=pages)
        date = info.date
        shown = f"{date[8:10]}.{date[5:7]}.{date[:4]}" if date else ""
        title = clean_title(
            f"Niederschrift {info.name or ''} am {shown}" if shown else f"Niederschrift {info.name}"
        )
        org = "; ".join(organizations.get(o, o) for o in info.organizations)
        extra = [("meeting", info.name or ""), ("organization", org)]
        return Document(
            id=info.id,
            source="oparl-mirror",
            body=self.body,
            title=title,
            paper_type="Niederschrift",
            date=date or iso_date(protocol.get("date")),
            files=(file,),
            modified=protocol.get("modified") if isinstance(protocol.get("modified"), str) else None,
            extra=tuple((k, v) for k, v in extra if v),
        )
