"""Live OParl crawler: System/Body/paper list -> Documents, with paging, retries and file download."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from ingest.records import Document, Page
from ingest.sources.base import ProblemLog
from ingest.sources.oparl_json import OParlFormatError, decode_bytes, load_json_tolerant
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
    read_organization,
    read_system_bodies,
    split_text_pages,
)

PdfExtractor = Callable[[bytes, str, ProblemLog], list[Page]]
USER_AGENT = "council-assistant/0.1 (OParl-Crawler)"
MAX_LIST_PAGES = 10_000
LOOP_REASON = "Endlosschleife beim Blättern: links.next führt auf eine bereits gelesene Seite"


def default_extract_pdf(data: bytes, location: str, problems: ProblemLog) -> list[Page]:
    """Extract PDF pages with ingest.parse.pdf (imported lazily: it pulls in heavy dependencies)."""
    from ingest.parse.pdf import extract_pdf

    return extract_pdf(data, location, problems)


def _type_of(obj: Any) -> str:
    kind = obj.get("type") if isinstance(obj, dict) else None
    return kind.rstrip("/").rsplit("/", 1)[-1] if isinstance(kind, str) else ""


class OParlApiSource:
    """Crawls an OParl endpoint (System, Body or paper list URL) and yields one Document per paper."""

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
    ) -> None:
        self.url = url
        parsed = parse_time(since) if since else None
        if since and parsed is None:
            raise ValueError(f"Ungültiges Datum für modified_since: {since}")
        self.since = parsed
        self.max_papers = max_papers
        self.min_interval = min_interval
        self.timeout = timeout
        self.retries = retries
        self.download_files = download_files
        self.extract_pdf = extract_pdf or default_extract_pdf
        self.body = body
        self.backoff = backoff
        self.max_list_pages = max_list_pages
        self._deleted: list[str] = []
        self._client: httpx.Client | None = None
        self._last_request = 0.0
        self._count = 0

    # -- public -----------------------------------------------------------------------------------------

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        """Yield Documents of all papers reachable from the start URL; failures are reported, not raised."""
        self._deleted = []
        self._count = 0
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        with httpx.Client(timeout=self.timeout, follow_redirects=True, headers=headers) as client:
            self._client = client
            try:
                root = self._get_json(self.url, problems)
                if root is not None:
                    yield from self._from_root(root, problems)
            finally:
                self._client = None

    def deleted_ids(self) -> Iterator[str]:
        """Ids of papers the server marked deleted (known after documents() finished)."""
        return iter(list(self._deleted))

    # -- structure ----------------------------------------------------------------------------------------

    def _from_root(self, root: Any, problems: ProblemLog) -> Iterator[Document]:
        kind = _type_of(root)
        if kind == "System":
            list_url, inline = read_system_bodies(root)
            bodies = self._iterate(list_url, problems) if list_url else iter(inline)
            for item in bodies:
                body = self._get_json(item, problems) if isinstance(item, str) else item
                if isinstance(body, dict) and not body.get("deleted"):
                    yield from self._from_body(read_body(body), problems)
        elif kind == "Body":
            yield from self._from_body(read_body(root), problems)
        elif kind == "Paper":
            body = self._body_of(root, problems)
            yield from self._papers(body, iter([root]), problems)
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
        obj = self._get_json(body_url, problems, fatal=False) if isinstance(body_url, str) else None
        if isinstance(obj, dict):
            return read_body(obj)
        host_url = str(paper.get("id") or self.url)
        return BodyInfo(id=str(body_url or ""), name=body_name_from_host(host_url) or "")

    def _from_body(self, body: BodyInfo, problems: ProblemLog) -> Iterator[Document]:
        if not body.paper:
            problems.report(body.id or self.url, "Body ohne Vorlagenliste (paper)")
            return
        yield from self._papers(body, self._iterate(body.paper, problems, self._since_params()), problems)

    def _papers(self, body: BodyInfo, items: Iterator[Any], problems: ProblemLog) -> Iterator[Document]:
        organizations = {}
        if body.organization:
            for obj in self._iterate(body.organization, problems):
                org_id, name = read_organization(obj)
                organizations[org_id] = name
        meetings: dict[str, MeetingInfo | None] = {}
        if body.meeting:
            for obj in self._iterate(body.meeting, problems, self._since_params()):
                info = read_meeting(obj)
                meetings[info.id] = info

        def meeting(meeting_id: str) -> MeetingInfo | None:
            if meeting_id not in meetings:
                obj = self._get_json(meeting_id, problems, fatal=False)
                meetings[meeting_id] = read_meeting(obj) if isinstance(obj, dict) else None
            return meetings[meeting_id]

        name = self.body or body.name or body_name_from_host(body.id or self.url) or ""
        ctx = PaperContext(body=name, source="oparl-api", meetings=meeting, organizations=organizations)
        for item in items:
            if self.max_papers is not None and self._count >= self.max_papers:
                return
            paper = self._get_json(item, problems) if isinstance(item, str) else item
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
                yield doc

    def _paper(self, paper: dict[str, Any], ctx: PaperContext, problems: ProblemLog) -> Document | None:
        paper = self._resolve_refs(paper, problems)
        texts: dict[str, tuple[Page, ...]] = {}
        if self.download_files:
            for obj, _ in paper_files(paper):
                texts[str(obj.get("id"))] = self._file_pages(obj, problems)
        ctx.pages = lambda obj: texts.get(str(obj.get("id")), ())
        try:
            return paper_to_document(paper, ctx)
        except (ValueError, TypeError, AttributeError) as exc:
            problems.report(paper["id"], f"Vorlage nicht lesbar: {exc}")
            return None

    def _resolve_refs(self, paper: dict[str, Any], problems: ProblemLog) -> dict[str, Any]:
        """Fetch File and Consultation objects that the server gives only as URLs."""
        paper = dict(paper)
        if isinstance(paper.get("mainFile"), str):
            paper["mainFile"] = self._get_json(paper["mainFile"], problems, fatal=False)
        for key in ("auxiliaryFile", "consultation"):
            items = paper.get(key)
            if isinstance(items, list) and any(isinstance(i, str) for i in items):
                paper[key] = [
                    self._get_json(i, problems, fatal=False) if isinstance(i, str) else i for i in items
                ]
        return paper

    # -- files ----------------------------------------------------------------------------------------------

    def _file_pages(self, file_obj: Mapping[str, Any], problems: ProblemLog) -> tuple[Page, ...]:
        url = file_obj.get("accessUrl") or file_obj.get("downloadUrl")
        if not isinstance(url, str):
            return ()
        response = self._get(url, problems, fatal=False)
        if response is None:
            return ()
        data = response.content
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        declared = str(file_obj.get("mimeType") or "").lower()
        try:
            if data[:5] == b"%PDF-" or "pdf" in content_type or (not content_type and "pdf" in declared):
                return tuple(self.extract_pdf(data, url, problems))
            if "html" in content_type:
                return split_text_pages(_html_text(data))
            if content_type.startswith("text/"):
                charset = response.charset_encoding
                return split_text_pages(
                    data.decode(charset, errors="replace") if charset else decode_bytes(data)
                )
        except ImportError as exc:
            problems.report(url, f"PDF-Auslese nicht verfügbar: {exc}", stage="parse", fatal=False)
            return ()
        except Exception as exc:  # noqa: BLE001 - a broken file must not stop the crawl
            problems.report(
                url, f"Datei nicht lesbar: {type(exc).__name__}: {exc}", stage="parse", fatal=False
            )
            return ()
        problems.report(
            url, f"Dateityp nicht unterstützt: {content_type or declared or 'unbekannt'}", fatal=False
        )
        return ()

    # -- HTTP -----------------------------------------------------------------------------------------------

    def _since_params(self) -> dict[str, str] | None:
        return {"modified_since": self.since.isoformat()} if self.since else None

    def _iterate(
        self, url: str, problems: ProblemLog, params: Mapping[str, str] | None = None, first_page: Any = None
    ) -> Iterator[dict[str, Any]]:
        """Objects of an OParl list, following links.next; stops on loops and after max_list_pages."""
        next_url: str | None = str(httpx.URL(url).copy_merge_params(params)) if params else url
        seen: set[str] = set()
        signatures: set[tuple[str, ...]] = set()
        page = first_page
        while next_url:
            if next_url in seen:
                problems.report(next_url, LOOP_REASON)
                return
            if len(seen) >= self.max_list_pages:
                problems.report(next_url, f"Blättern nach {self.max_list_pages} Seiten abgebrochen")
                return
            seen.add(next_url)
            if page is None:
                page = self._get_json(next_url, problems)
                if page is None:
                    return
            data = page if isinstance(page, list) else page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                problems.report(next_url, "OParl-Liste ohne data")
                return
            items = [item for item in data if isinstance(item, dict)]
            signature = tuple(str(item.get("id")) for item in items)
            if signature and signature in signatures:  # same page again under another URL
                problems.report(next_url, LOOP_REASON)
                return
            signatures.add(signature)
            yield from items
            links = page.get("links") if isinstance(page, dict) else None
            next_url = (
                links.get("next") if isinstance(links, dict) and isinstance(links.get("next"), str) else None
            )
            page = None

    def _get_json(self, url: str, problems: ProblemLog, fatal: bool = True) -> Any:
        response = self._get(url, problems, fatal=fatal)
        if response is None:
            return None
        try:
            return load_json_tolerant(response.content, url)
        except OParlFormatError as exc:
            problems.report(url, exc.reason, fatal=fatal)
            return None

    def _get(self, url: str, problems: ProblemLog, fatal: bool = True) -> httpx.Response | None:
        """GET with polite spacing and exponential backoff on 5xx, 429, timeouts and connection errors."""
        assert self._client is not None
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            self._wait()
            try:
                response = self._client.get(url)
            except httpx.TimeoutException:
                reason = "Zeitüberschreitung"
                continue
            except httpx.TransportError as exc:
                reason = f"Verbindungsfehler ({type(exc).__name__})"
                continue
            except httpx.InvalidURL as exc:
                problems.report(url, f"ungültige URL: {exc}", fatal=fatal)
                return None
            if response.status_code >= 500 or response.status_code == 429:
                reason = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                problems.report(url, f"HTTP {response.status_code}", fatal=fatal)
                return None
            return response
        problems.report(url, f"{reason} nach {self.retries + 1} Versuchen", fatal=fatal)
        return None

    def _wait(self) -> None:
        delay = self.min_interval - (time.monotonic() - self._last_request)
        if delay > 0:
            time.sleep(delay)
        self._last_request = time.monotonic()


def _html_text(data: bytes) -> str:
    """Visible text of an HTML file."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    return soup.get_text("\n", strip=True)
