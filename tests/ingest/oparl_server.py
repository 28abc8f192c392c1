"""A real OParl HTTP server over a slice of the Karlsruhe mirror, with switchable faults for crawler tests.

The shared corpus holds no OParl Person objects, so the persons served with `Faults.people` are derived:
the councillors Sabine Zürn and Niko Fostiropoulos as the Karlsruhe papers' titles and texts name them
(their papers get `originatorPerson`), and the OParl specification's example person (Person-01.json)
together with a second placeholder person as members of the real Karlsruhe "Bauausschuss".
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.ingest.oparl_people_data import derived_persons, linked_memberships

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
    # path -> (status 429/503, Retry-After header value, how many times)
    retry_after: dict[str, tuple[int, str, int]] = field(default_factory=dict)
    huge: set[str] = field(default_factory=set)  # file paths announcing 2 GB (Content-Length), then zeros
    endless: set[str] = field(default_factory=set)  # file paths streaming zeros without Content-Length
    drip: set[str] = field(default_factory=set)  # file paths sending 1 KB every 50 ms, without end
    people: bool = False  # serve persons with memberships, and papers with originatorPerson


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
    persons: list[dict[str, Any]] = field(default_factory=list)
    originators: dict[str, list[str]] = field(default_factory=dict)  # paper id -> person ids


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
    persons, originators = derived_persons(corpus, papers)
    return MirrorSlice(
        papers=papers,
        meetings=meetings,
        organizations=organizations,
        texts=texts,
        pdf=(corpus / "pdf" / "erlangen" / PDF_NAME).read_bytes(),
        pdf_file=pdf_file,
        bad_paper=(corpus / "bad-input" / "braunschweig-allris-oparl-paper-control-chars.json").read_bytes(),
        new_ids=new_ids,
        persons=persons,
        originators=originators,
    )


AS_JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """What the server sends: bytes, or chunks streamed until the client hangs up."""

    status: int
    content_type: str
    body: bytes | Iterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)


def _zeros(size: int = 64 * 1024, pause: float = 0.0, limit: int = 4 * 1024**3) -> Iterator[bytes]:
    """Zero bytes in chunks (a file far larger than any limit), optionally slowly."""
    sent = 0
    while sent < limit:
        if pause:
            time.sleep(pause)
        sent += size
        yield bytes(size)


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class OParlTestServer:
    """ThreadingHTTPServer on 127.0.0.1 (free port) serving System, Body, lists, meetings and files."""

    def __init__(self, data: MirrorSlice) -> None:
        self.data = data
        self.faults = Faults()
        self.requests: list[str] = []
        self.request_times: list[tuple[float, str]] = []
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
        items: list[tuple[str, bytes]] = [(p["modified"], self._json(self._with_people(p))) for p in self.data.papers]
        if self.faults.deleted_paper:
            deleted = {"id": self.deleted_id(), "type": "https://schema.oparl.org/1.1/Paper", "deleted": True}
            items.append((NEW_MODIFIED, self._json({**deleted, "modified": NEW_MODIFIED})))
        if self.faults.control_char_paper:
            items.insert(1, ("1999-02-08T12:00:00+01:00", self.data.bad_paper))
        if since:
            cutoff = _time(since)
            items = [(m, b) for m, b in items if _time(m) >= cutoff]
        return [b for _, b in items]

    def _with_people(self, paper: dict[str, Any]) -> dict[str, Any]:
        if self.faults.people and paper["id"] in self.data.originators:
            return {**paper, "originatorPerson": self.data.originators[paper["id"]]}
        return paper

    def respond(self, raw_path: str) -> Reply:
        """Status, content type, body and extra headers for a request path, faults applied."""
        split = urlsplit(raw_path)
        path = split.path.rstrip("/")
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        fault = self._fault(raw_path, path)
        if fault is not None:
            return fault
        if path in self.faults.slow or raw_path in self.faults.slow:
            time.sleep(self.faults.slow_seconds)
        if "/downloadfiles/" in path:
            return self._file(path)
        body = self._route(path, query)
        return Reply(200, AS_JSON, body) if body is not None else Reply(404, "text/plain", b"nicht gefunden")

    def _fault(self, raw_path: str, path: str) -> Reply | None:
        with self._lock:
            self.requests.append(raw_path)
            self.request_times.append((time.monotonic(), raw_path))
            for key in (raw_path, path):
                if key in self.faults.fail_always:
                    return Reply(500, "text/plain", b"Interner Fehler")
                if self.faults.fail_times.get(key, 0) > 0:
                    self.faults.fail_times[key] -= 1
                    return Reply(500, "text/plain", b"Voruebergehender Fehler")
                status, header, times = self.faults.retry_after.get(key, (0, "", 0))
                if times > 0:
                    self.faults.retry_after[key] = (status, header, times - 1)
                    return Reply(status, "text/plain", b"Bitte spaeter", {"Retry-After": header})
        return None

    def _route(self, path: str, query: dict[str, str]) -> bytes | None:
        if path == "/oparl/system":
            system = {"id": self.system_url, "type": "https://schema.oparl.org/1.1/System",
                      "oparlVersion": "https://schema.oparl.org/1.1/", "name": "Test-OParl",
                      "body": f"{self.base}/oparl/bodies"}
            return self._json(system)
        lists = {
            "/oparl/bodies": lambda: [self._json(self._body())],
            f"{BODY_PATH}/papers": lambda: self._paper_items(query.get("modified_since")),
            f"{BODY_PATH}/meetings": lambda: [self._json(m) for m in self.data.meetings.values()],
            f"{BODY_PATH}/organizations": lambda: [self._json(o) for o in self.data.organizations],
            f"{BODY_PATH}/people": lambda: [self._json(p) for p in self.data.persons],
            f"{BODY_PATH}/memberships": lambda: [self._json(m) for m in linked_memberships()],
        }
        if path in lists:
            return self._page(path, query, lists[path]())
        if path == BODY_PATH:
            return self._json(self._body())
        if path.startswith(f"{BODY_PATH}/meetings/"):
            meeting = self.data.meetings.get(path.rsplit("/", 1)[-1])
            return self._json(meeting) if meeting else None
        return None

    def _file(self, path: str) -> Reply:
        number = path.rsplit("/", 1)[-1].split(".")[0].lstrip("0")
        if path in self.faults.huge:
            return Reply(200, "application/pdf", _zeros(), {"Content-Length": str(2 * 1024**3)})
        if path in self.faults.endless:
            return Reply(200, "application/pdf", _zeros())
        if path in self.faults.drip:
            return Reply(200, "text/plain; charset=utf-8", _zeros(1024, pause=0.05))
        if number == self.data.pdf_file:
            return Reply(200, "application/pdf", self.data.pdf)
        if number in self.data.texts and path in self.faults.as_html:
            text = html.escape(self.data.texts[number].decode("utf-8"))
            page = f"<html><head><style>p{{}}</style></head><body><p>{text}</p></body></html>"
            return Reply(200, "text/html; charset=utf-8", page.encode("utf-8"))
        if number in self.data.texts:
            return Reply(200, "text/plain; charset=utf-8", self.data.texts[number])
        return Reply(404, "text/plain", b"nicht gefunden")

    def _body(self) -> dict[str, Any]:
        return {
            "id": f"{ORIGIN}/bodies/0001",
            "type": "https://schema.oparl.org/1.1/Body",
            "system": f"{ORIGIN}/system",
            "name": "Stadt Karlsruhe",
            "paper": f"{ORIGIN}/bodies/0001/papers",
            "meeting": f"{ORIGIN}/bodies/0001/meetings",
            "organization": f"{ORIGIN}/bodies/0001/organizations",
            **({"person": f"{ORIGIN}/bodies/0001/people", "membership": f"{ORIGIN}/bodies/0001/memberships"}
               if self.faults.people else {}),
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                reply = server.respond(self.path)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if isinstance(reply.body, bytes):
                        self.send_header("Content-Length", str(len(reply.body)))
                        self.end_headers()
                        self.wfile.write(reply.body)
                        return
                    self.end_headers()  # HTTP/1.0: the body ends when the connection closes
                    for chunk in reply.body:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
                pass

        return Handler
