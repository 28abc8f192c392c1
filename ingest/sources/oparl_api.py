"""Live OParl crawler: System/Body/paper list -> Documents, with paging, retries and file download.

Besides the papers, a body's persons, organizations and memberships become documents (see
oparl_people), and each paper names its originating persons, so that questions about who sits on a
committee or what a councillor applied for find sources. HTTP details live in oparl_http.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest.records import Document, Page
from ingest.sources.base import ProblemLog
from ingest.sources.oparl_api_people import PeopleCrawl
from ingest.sources.oparl_http import MAX_LIST_PAGES, HttpLimits, OParlHttp
from ingest.sources.oparl_json import decode_bytes
from ingest.sources.oparl_mirror import modified_since, parse_time
from ingest.sources.oparl_model import (
    BodyInfo,
    MeetingInfo,
    PaperContext,
    body_name_from_host,
    paper_files,
    paper_to_document,
    read_body,
    read_meeting,
    read_system_bodies,
    split_text_pages,
)

PdfExtractor = Callable[[Path, str, ProblemLog], list[Page]]


def default_extract_pdf(data: Path, location: str, problems: ProblemLog) -> list[Page]:
    """Extract PDF pages with ingest.parse.pdf (imported lazily: it pulls in heavy dependencies)."""
    from ingest.parse.pdf import extract_pdf

    return extract_pdf(data, location, problems)


def _type_of(obj: Any) -> str:
    kind = obj.get("type") if isinstance(obj, dict) else None
    return kind.rstrip("/").rsplit("/", 1)[-1] if isinstance(kind, str) else ""


class OParlApiSource:
    """Crawls an OParl endpoint (System, Body or paper list URL) and yields one Document per paper, then
    one per organization with members and one per person (full runs only: see `_people_documents`)."""

    name = "oparl-api"

    def __init__(
        self,
        url: str,
        since: str | None = None,
        max_papers: int | None = None,
        min_interval: float = 0.5,
        timeout: float = 30.0,
        retries: int = 3,
        download_files: bool = True,
        extract_pdf: PdfExtractor | None = None,
        body: str | None = None,
        backoff: float = 1.0,
        max_list_pages: int = MAX_LIST_PAGES,
        max_file_bytes: int = HttpLimits.max_file_bytes,
        file_timeout: float = HttpLimits.file_timeout,
        max_retry_after: float = HttpLimits.max_retry_after,
        people: bool = True,
    ) -> None:
        self.url = url
        parsed = parse_time(since) if since else None
        if since and parsed is None:
            raise ValueError(f"Ungültiges Datum für modified_since: {since}")
        self.since = parsed
        self.max_papers = max_papers
        self.download_files = download_files
        self.extract_pdf = extract_pdf or default_extract_pdf
        self.body = body
        self.people = people
        self.max_list_pages = max_list_pages
        self.limits = HttpLimits(timeout=timeout, retries=retries, backoff=backoff, min_interval=min_interval,
                                 max_retry_after=max_retry_after, max_file_bytes=max_file_bytes,
                                 file_timeout=file_timeout)
        self._deleted: list[str] = []
        self._http: OParlHttp | None = None
        self._downloads: Path | None = None
        self._count = 0

    # -- public -----------------------------------------------------------------------------------------

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        """Yield Documents of all papers reachable from the start URL; failures are reported, not raised."""
        self._deleted = []
        self._count = 0
        with OParlHttp(self.limits) as http, tempfile.TemporaryDirectory(prefix="council-oparl-") as tmp:
            self._http, self._downloads = http, Path(tmp)
            try:
                root = http.get_json(self.url, problems)
                if root is not None:
                    yield from self._from_root(root, problems)
            finally:
                self._http, self._downloads = None, None

    def deleted_ids(self) -> Iterator[str]:
        """Ids of papers the server marked deleted (known after documents() finished)."""
        return iter(list(self._deleted))

    # -- structure ----------------------------------------------------------------------------------------

    @property
    def http(self) -> OParlHttp:
        assert self._http is not None, "only during documents()"
        return self._http

    def _iterate(self, url: str, problems: ProblemLog, params: Mapping[str, str] | None = None,
                 first_page: Any = None) -> Iterator[dict[str, Any]]:
        return self.http.iterate(url, problems, params, first_page, self.max_list_pages)

    def _from_root(self, root: Any, problems: ProblemLog) -> Iterator[Document]:
        kind = _type_of(root)
        if kind == "System":
            list_url, inline = read_system_bodies(root)
            bodies = self._iterate(list_url, problems) if list_url else iter(inline)
            for item in bodies:
                body = self.http.get_json(item, problems) if isinstance(item, str) else item
                if isinstance(body, dict) and not body.get("deleted"):
                    yield from self._from_body(read_body(body), problems)
        elif kind == "Body":
            yield from self._from_body(read_body(root), problems)
        elif kind == "Paper":
            body = self._body_of(root, problems)
            yield from self._papers(body, iter([root]), problems, people=False)
        elif isinstance(root, list) or (isinstance(root, dict) and isinstance(root.get("data"), list)):
            first = root if isinstance(root, list) else root["data"]
            sample = next((p for p in first if isinstance(p, dict) and p.get("body")), {})
            body = self._body_of(sample, problems)
            # The first page was fetched without modified_since: reuse it only for full runs.
            pages = self._iterate(self.url, problems, self._since_params(), None if self.since else root)
            yield from self._papers(body, pages, problems)
        else:
            problems.report(self.url, "weder OParl-System, -Body noch Vorlagenliste")

    def _body_of(self, paper: Mapping[str, Any], problems: ProblemLog) -> BodyInfo:
        body_url = paper.get("body")
        obj = self.http.get_json(body_url, problems, fatal=False) if isinstance(body_url, str) else None
        if isinstance(obj, dict):
            return read_body(obj)
        host_url = str(paper.get("id") or self.url)
        return BodyInfo(id=str(body_url or ""), name=body_name_from_host(host_url) or "")

    def _from_body(self, body: BodyInfo, problems: ProblemLog) -> Iterator[Document]:
        if not body.paper:
            problems.report(body.id or self.url, "Body ohne Vorlagenliste (paper)")
            return
        yield from self._papers(body, self._iterate(body.paper, problems, self._since_params()), problems)

    def _papers(self, body: BodyInfo, items: Iterator[Any], problems: ProblemLog,
                people: bool = True) -> Iterator[Document]:
        name = self.body or body.name or body_name_from_host(body.id or self.url) or ""
        crawl = PeopleCrawl(self.http, body, name, self.max_list_pages)
        crawl.read_organizations(problems)
        if self.people and people:
            crawl.read_persons(problems)
        ctx = PaperContext(body=name, source="oparl-api", meetings=self._meeting_lookup(body, problems),
                           organizations=crawl.organization_names, persons=crawl.person_names)
        for item in items:
            if self.max_papers is not None and self._count >= self.max_papers:
                break
            paper = self.http.get_json(item, problems) if isinstance(item, str) else item
            if not isinstance(paper, dict) or not isinstance(paper.get("id"), str):
                continue
            if paper.get("deleted"):
                self._deleted.append(paper["id"])
                continue
            if not modified_since(paper.get("modified"), self.since):
                continue
            doc = self._paper(paper, ctx, problems)
            if doc is not None:
                self._count += 1
                crawl.note_paper(paper, doc)
                yield doc
        yield from self._people_documents(crawl)

    def _people_documents(self, crawl: PeopleCrawl) -> Iterator[Document]:
        """Organization and person documents. An incremental run (--since) sees only the changed papers, so
        a person's list of papers would shrink: those documents are rewritten by full runs only."""
        if self.since is None and self.people:
            yield from crawl.documents()

    def _meeting_lookup(self, body: BodyInfo, problems: ProblemLog) -> Callable[[str], MeetingInfo | None]:
        meetings: dict[str, MeetingInfo | None] = {}
        if body.meeting:
            for obj in self._iterate(body.meeting, problems, self._since_params()):
                info = read_meeting(obj)
                meetings[info.id] = info

        def meeting(meeting_id: str) -> MeetingInfo | None:
            if meeting_id not in meetings:
                obj = self.http.get_json(meeting_id, problems, fatal=False)
                meetings[meeting_id] = read_meeting(obj) if isinstance(obj, dict) else None
            return meetings[meeting_id]

        return meeting

    def _paper(self, paper: dict[str, Any], ctx: PaperContext, problems: ProblemLog) -> Document | None:
        paper = self._resolve_refs(paper, problems)
        texts: dict[str, tuple[Page, ...]] = {}
        if self.download_files:
            for obj, _ in paper_files(paper):
                texts[str(obj.get("id"))] = self._file_pages(obj, paper, problems)
        ctx = replace(ctx, pages=lambda obj: texts.get(str(obj.get("id")), ()))
        try:
            return paper_to_document(paper, ctx)
        except (ValueError, TypeError, AttributeError) as exc:
            problems.report(paper["id"], f"Vorlage nicht lesbar: {exc}")
            return None

    def _resolve_refs(self, paper: dict[str, Any], problems: ProblemLog) -> dict[str, Any]:
        """Fetch File and Consultation objects that the server gives only as URLs."""
        paper = dict(paper)
        if isinstance(paper.get("mainFile"), str):
            paper["mainFile"] = self.http.get_json(paper["mainFile"], problems, fatal=False)
        for key in ("auxiliaryFile", "consultation"):
            items = paper.get(key)
            if isinstance(items, list) and any(isinstance(i, str) for i in items):
                paper[key] = [
                    self.http.get_json(i, problems, fatal=False) if isinstance(i, str) else i for i in items
                ]
        return paper

    # -- files ----------------------------------------------------------------------------------------------

    def _file_pages(self, file_obj: Mapping[str, Any], paper: Mapping[str, Any],
                    problems: ProblemLog) -> tuple[Page, ...]:
        url = file_obj.get("accessUrl") or file_obj.get("downloadUrl")
        if not isinstance(url, str) or self._downloads is None:
            return ()
        label = f"Datei der Vorlage {paper.get('reference')}" if paper.get("reference") else "Datei"
        download = self.http.download(url, self._downloads, problems, what=label)
        if download is None:
            return ()
        try:
            return self._pages_of(download.path, download.content_type, download.charset,
                                  str(file_obj.get("mimeType") or "").lower(), url, problems)
        finally:
            download.path.unlink(missing_ok=True)

    def _pages_of(self, path: Path, content_type: str, charset: str | None, declared: str, url: str,
                  problems: ProblemLog) -> tuple[Page, ...]:
        with path.open("rb") as fh:
            magic = fh.read(5)
        try:
            if magic == b"%PDF-" or "pdf" in content_type or (not content_type and "pdf" in declared):
                return tuple(self.extract_pdf(path, url, problems))
            if "html" in content_type:
                return split_text_pages(_html_text(path.read_bytes()))
            if content_type.startswith("text/"):
                data = path.read_bytes()
                return split_text_pages(data.decode(charset, errors="replace") if charset else decode_bytes(data))
        except ImportError as exc:
            problems.report(url, f"PDF-Auslese nicht verfügbar: {exc}", stage="parse", fatal=False)
            return ()
        except Exception as exc:  # noqa: BLE001 - a broken file must not stop the crawl
            problems.report(url, f"Datei nicht lesbar: {type(exc).__name__}: {exc}", stage="parse", fatal=False)
            return ()
        problems.report(url, f"Dateityp nicht unterstützt: {content_type or declared or 'unbekannt'}", fatal=False)
        return ()

    def _since_params(self) -> dict[str, str] | None:
        return {"modified_since": self.since.isoformat()} if self.since else None


def _html_text(data: bytes) -> str:
    """Visible text of an HTML file."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    return soup.get_text("\n", strip=True)
