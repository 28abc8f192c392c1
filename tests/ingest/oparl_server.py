"""A real OParl HTTP server over a slice of the Karlsruhe mirror, with switchable faults for crawler tests."""

from __future__ import annotations

import html
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ORIGIN = "https://web1.karlsruhe.de/oparl"
BODY_PATH = "/oparl/bodies/0001"
PAGE_SIZE = 10
NEW_MODIFIED = "2026-09-01T10:00:00+02:00"
DELETED_ID_SUFFIX = "/papers/vo/999999"
PDF_NAME = "2022-04-05_Niederschrift_Niederschrift_1_Sitzung_Buechenbach.pdf"


@dataclass
class Faults:
    """Switchable misbehaviour and variants; paths are request paths (with or without query string)."""

    control_char_paper: bool = False
    deleted_paper: bool = False
    loop: bool = False
    fail_always: set[str] = field(default_factory=set)
    fail_times: dict[str, int] = field(default_factory=dict)
    slow: set[str] = field(default_factory=set)
    slow_seconds: float = 1.0
    as_html: set[str] = field(default_factory=set)  # file paths served as an HTML page


@dataclass
class MirrorSlice:
    """The served data: paper JSON texts (with the origin placeholder), meetings, organizations, texts."""

    papers: list[dict[str, Any]]
    meetings: dict[str, dict[str, Any]]
    organizations: list[dict[str, Any]]
    texts: dict[str, bytes]  # file number -> text bytes
    pdf: bytes
    pdf_file: str  # file number served as PDF
    bad_paper: bytes
    new_ids: list[str]  # ids (with origin) whose modified is NEW_MODIFIED


def load_slice(corpus: Path, count: int = 25) -> MirrorSlice:
    """Pick `count` papers with consultations and 1-3 files from the shared Karlsruhe mirror."""
    root = corpus / "karlsruhe"
    papers: list[dict[str, Any]] = []
    for path in sorted((root / "papers").glob("*.json")):
        paper = json.loads(path.read_text(encoding="utf-8"))
        files = paper.get("auxiliaryFile", [])
        if paper.get("consultation") and 1 <= len(files) <= 3:
            papers.append(paper)
        if len(papers) == count:
            break
    new_ids = []
    for paper in papers[-5:]:
        paper["modified"] = NEW_MODIFIED
        new_ids.append(paper["id"])
    meetings = {}
    for paper in papers:
        for cons in paper.get("consultation", []):
            number = cons.get("meeting", "").rsplit("/", 1)[-1]
            meeting_path = root / "meetings" / f"{number}.json"
            if number and meeting_path.is_file():
                meetings[number] = json.loads(meeting_path.read_text(encoding="utf-8"))
    texts = {}
    for paper in papers:
        for file in paper.get("auxiliaryFile", []):
            number = file["id"].rsplit("/", 1)[-1]
            text_path = root / "file-contents" / f"{number}.txt"
            if text_path.is_file():
                texts[number] = text_path.read_bytes()
    organizations = json.loads((root / "organizations.json").read_text(encoding="utf-8"))
    pdf_file = papers[0]["auxiliaryFile"][0]["id"].rsplit("/", 1)[-1]
    return MirrorSlice(
        papers=papers,
        meetings=meetings,
        organizations=organizations,
        texts=texts,
        pdf=(corpus / "pdf" / "erlangen" / PDF_NAME).read_bytes(),
        pdf_file=pdf_file,
        bad_paper=(corpus / "bad-input" / "braunschweig-allris-oparl-paper-control-chars.json").read_bytes(),
        new_ids=new_ids,
    )


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class OParlTestServer:
    """ThreadingHTTPServer on 127.0.0.1 (free port) serving System, Body, lists, meetings and files."""

    def __init__(self, data: MirrorSlice) -> None:
        self.data = data
        self.faults = Faults()
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- helpers for tests ----------------------------------------------------------------------------------

    @property
    def system_url(self) -> str:
        return f"{self.base}/oparl/system"

    @property
    def body_url(self) -> str:
        return f"{self.base}{BODY_PATH}"

    @property
    def papers_url(self) -> str:
        return f"{self.base}{BODY_PATH}/papers"

    def local(self, url: str) -> str:
        """An id of the Karlsruhe mirror as served by this server."""
        return url.replace(ORIGIN, f"{self.base}/oparl")

    def paper_ids(self) -> list[str]:
        return [self.local(p["id"]) for p in self.data.papers]

    def deleted_id(self) -> str:
        return f"{self.body_url}{DELETED_ID_SUFFIX}"

    def file_path(self, paper_index: int, file_index: int = 0) -> str:
        """Request path of a paper's file (its accessUrl)."""
        url = self.local(self.data.papers[paper_index]["auxiliaryFile"][file_index]["accessUrl"])
        return urlsplit(url).path

    def start(self) -> OParlTestServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- responses ----------------------------------------------------------------------------------------

    def _json(self, obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False).replace(ORIGIN, f"{self.base}/oparl").encode("utf-8")

    def _page(self, path: str, query: dict[str, str], items: list[bytes]) -> bytes:
        page = int(query.get("page", "1"))
        pages = max(1, -(-len(items) // PAGE_SIZE))
        chunk = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        links: dict[str, str] = {}
        keep = {k: v for k, v in query.items() if k != "page"}
        if page < pages:
            links["next"] = f"{self.base}{path}?{urlencode({**keep, 'page': page + 1})}"
        elif self.faults.loop and pages > 1:
            links["next"] = f"{self.base}{path}?{urlencode({**keep, 'page': 1})}"
        head = b'{"data":[' + b",".join(chunk) + b'],"pagination":'
        tail = json.dumps({"currentPage": page, "totalPages": pages}).encode() + b',"links":'
        return head + tail + json.dumps(links).encode() + b"}"

    def _paper_items(self, since: str | None) -> list[bytes]:
        items: list[tuple[str, bytes]] = [(p["modified"], self._json(p)) for p in self.data.papers]
        if self.faults.deleted_paper:
            deleted = {"id": self.deleted_id(), "type": "https://schema.oparl.org/1.1/Paper", "deleted": True}
            items.append((NEW_MODIFIED, self._json({**deleted, "modified": NEW_MODIFIED})))
        if self.faults.control_char_paper:
            items.insert(1, ("1999-02-08T12:00:00+01:00", self.data.bad_paper))
        if since:
            cutoff = _time(since)
            items = [(m, b) for m, b in items if _time(m) >= cutoff]
        return [b for _, b in items]

    def respond(self, raw_path: str) -> tuple[int, str, bytes]:
        """Status, content type and body for a request path."""
        split = urlsplit(raw_path)
        path = split.path.rstrip("/")
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        with self._lock:
            self.requests.append(raw_path)
            for key in (raw_path, path):
                if key in self.faults.fail_always:
                    return 500, "text/plain", b"Interner Fehler"
                if self.faults.fail_times.get(key, 0) > 0:
                    self.faults.fail_times[key] -= 1
                    return 500, "text/plain", b"Voruebergehender Fehler"
        if path in self.faults.slow or raw_path in self.faults.slow:
            time.sleep(self.faults.slow_seconds)
        as_json = "application/json; charset=utf-8"
        if path == "/oparl/system":
            system = {
                "id": self.system_url,
                "type": "https://schema.oparl.org/1.1/System",
                "oparlVersion": "https://schema.oparl.org/1.1/",
                "name": "Test-OParl",
                "body": f"{self.base}/oparl/bodies",
            }
            return 200, as_json, self._json(system)
        if path == "/oparl/bodies":
            return 200, as_json, self._page(path, query, [self._json(self._body())])
        if path == BODY_PATH:
            return 200, as_json, self._json(self._body())
        if path == f"{BODY_PATH}/papers":
            return 200, as_json, self._page(path, query, self._paper_items(query.get("modified_since")))
        if path == f"{BODY_PATH}/meetings":
            return 200, as_json, self._page(path, query, [self._json(m) for m in self.data.meetings.values()])
        if path.startswith(f"{BODY_PATH}/meetings/"):
            meeting = self.data.meetings.get(path.rsplit("/", 1)[-1])
            return (200, as_json, self._json(meeting)) if meeting else (404, "text/plain", b"nicht gefunden")
        if path == f"{BODY_PATH}/organizations":
            return 200, as_json, self._page(path, query, [self._json(o) for o in self.data.organizations])
        if "/downloadfiles/" in path:
            number = path.rsplit("/", 1)[-1].split(".")[0].lstrip("0")
            if number == self.data.pdf_file:
                return 200, "application/pdf", self.data.pdf
            if number in self.data.texts and path in self.faults.as_html:
                text = html.escape(self.data.texts[number].decode("utf-8"))
                page = f"<html><head><style>p{{}}</style></head><body><p>{text}</p></body></html>"
                return 200, "text/html; charset=utf-8", page.encode("utf-8")
            if number in self.data.texts:
                return 200, "text/plain; charset=utf-8", self.data.texts[number]
        return 404, "text/plain", b"nicht gefunden"

    def _body(self) -> dict[str, Any]:
        return {
            "id": f"{ORIGIN}/bodies/0001",
            "type": "https://schema.oparl.org/1.1/Body",
            "system": f"{ORIGIN}/system",
            "name": "Stadt Karlsruhe",
            "paper": f"{ORIGIN}/bodies/0001/papers",
            "meeting": f"{ORIGIN}/bodies/0001/meetings",
            "organization": f"{ORIGIN}/bodies/0001/organizations",
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                status, content_type, body = server.respond(self.path)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
                pass

        return Handler
