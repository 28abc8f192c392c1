"""HTTP for the OParl crawler: polite spacing, retries that honour Retry-After, paging, and file
downloads streamed to disk with a size limit and a time limit per file.

Real endpoints answer 429 or 503 with Retry-After when crawled too fast, serve files of hundreds of
megabytes, and drip bytes slowly; none of that may stop a crawl or fill the memory. Every request
given up on is reported with its URL and the reason.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from ingest.sources.base import ProblemLog
from ingest.sources.oparl_json import OParlFormatError, load_json_tolerant

T = TypeVar("T")
USER_AGENT = "council-assistant/0.1 (OParl-Crawler)"
MAX_LIST_PAGES = 10_000
LOOP_REASON = "Endlosschleife beim Blättern: links.next führt auf eine bereits gelesene Seite"
CHUNK_BYTES = 64 * 1024
_MB = 1024 * 1024


@dataclass(frozen=True)
class HttpLimits:
    """How politely and how long the crawler asks (all configurable on the command line)."""

    timeout: float = 30.0  # seconds per request (connect, and each read)
    retries: int = 3  # further attempts after a 5xx, 429, timeout or connection error
    backoff: float = 1.0  # first pause of the exponential backoff when the server names none
    min_interval: float = 0.5  # seconds between two requests
    max_retry_after: float = 300.0  # a longer Retry-After gives up on the URL instead of stalling the crawl
    max_file_bytes: int = 100 * _MB
    file_timeout: float = 120.0  # seconds for one file download, however slowly the bytes come


@dataclass(frozen=True)
class Download:
    """A file streamed to disk; the caller deletes it after reading."""

    url: str
    path: Path
    size: int
    content_type: str
    charset: str | None


class _Retry(Exception):
    """A response or error worth another attempt; `wait` is the server's Retry-After, if any."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class _GiveUp(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class OParlHttp:
    """One crawl's HTTP client (use as a context manager)."""

    def __init__(self, limits: HttpLimits) -> None:
        self.limits = limits
        self._client: httpx.Client | None = None
        self._last_request = 0.0

    def __enter__(self) -> OParlHttp:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        self._client = httpx.Client(timeout=self.limits.timeout, follow_redirects=True, headers=headers)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None

    # -- requests ------------------------------------------------------------------------------------------

    def get(self, url: str, problems: ProblemLog, fatal: bool = True) -> httpx.Response | None:
        """GET with polite spacing; retries 5xx, 429, timeouts and connection errors, waiting as long as
        the server's Retry-After says (up to max_retry_after), else with exponential backoff."""
        return self._attempts(url, problems, fatal, self._get_once)

    def get_json(self, url: str, problems: ProblemLog, fatal: bool = True) -> Any:
        response = self.get(url, problems, fatal=fatal)
        if response is None:
            return None
        try:
            return load_json_tolerant(response.content, url, problems)
        except OParlFormatError as exc:
            problems.report(url, exc.reason, fatal=fatal)
            return None

    def download(self, url: str, folder: Path, problems: ProblemLog, what: str = "Datei") -> Download | None:
        """Stream a file to `folder` within the size and time limits; None (reported) when given up."""
        return self._attempts(url, problems, True, lambda u: self._download_once(u, folder), what)

    def _attempts(self, url: str, problems: ProblemLog, fatal: bool, once: Callable[[str], T],
                  what: str = "") -> T | None:
        reason = ""
        wait: float | None = None
        prefix = f"{what} aufgegeben: " if what else ""
        for attempt in range(self.limits.retries + 1):
            if attempt:
                time.sleep(wait if wait is not None else self.limits.backoff * 2 ** (attempt - 1))
            self._wait()
            try:
                return once(url)
            except _Retry as retry:
                reason, wait = retry.reason, retry.wait
                if wait is not None and wait > self.limits.max_retry_after:
                    problems.report(url, f"{prefix}{reason}: Server verlangt {wait:.0f} s Pause (Retry-After), "
                                    f"mehr als {self.limits.max_retry_after:g} s", stage="download", fatal=fatal)
                    return None
            except _GiveUp as stop:
                problems.report(url, prefix + stop.reason, stage="download", fatal=fatal)
                return None
        problems.report(url, f"{prefix}{reason} nach {self.limits.retries + 1} Versuchen", stage="download",
                        fatal=fatal)
        return None

    def _get_once(self, url: str) -> httpx.Response:
        assert self._client is not None
        try:
            response = self._client.get(url)
        except httpx.InvalidURL as exc:
            raise _GiveUp(f"ungültige URL: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise _Retry("Zeitüberschreitung") from exc
        except httpx.TransportError as exc:
            raise _Retry(f"Verbindungsfehler ({type(exc).__name__})") from exc
        _check_status(response)
        return response

    def _download_once(self, url: str, folder: Path) -> Download:
        assert self._client is not None
        limits = self.limits
        timeout = httpx.Timeout(limits.timeout, read=min(limits.timeout, limits.file_timeout))
        target = folder / f"download-{time.monotonic_ns()}"
        try:
            with self._client.stream("GET", url, timeout=timeout) as response:
                _check_status(response)
                declared = int(response.headers.get("content-length") or 0)
                if declared > limits.max_file_bytes:
                    raise _GiveUp(f"zu groß ({_mb(declared)} MB angekündigt, Grenze {_mb(limits.max_file_bytes)} MB)")
                size = self._stream_to(response, target)
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                return Download(url, target, size, content_type, response.charset_encoding)
        except httpx.InvalidURL as exc:
            raise _GiveUp(f"ungültige URL: {exc}") from exc
        except httpx.TimeoutException as exc:
            target.unlink(missing_ok=True)
            raise _Retry("Zeitüberschreitung") from exc
        except httpx.TransportError as exc:
            target.unlink(missing_ok=True)
            raise _Retry(f"Verbindungsfehler ({type(exc).__name__})") from exc
        except _GiveUp:
            target.unlink(missing_ok=True)
            raise

    def _stream_to(self, response: httpx.Response, target: Path) -> int:
        """Write the body chunk by chunk; stop at the size limit or the per-file deadline."""
        limits = self.limits
        deadline = time.monotonic() + limits.file_timeout
        size = 0
        with target.open("wb") as fh:
            for chunk in response.iter_bytes(CHUNK_BYTES):
                size += len(chunk)
                if size > limits.max_file_bytes:
                    raise _GiveUp(f"zu groß (mehr als {_mb(limits.max_file_bytes)} MB, Download abgebrochen)")
                if time.monotonic() > deadline:
                    raise _GiveUp(f"Download dauerte länger als {limits.file_timeout:g} s "
                                  f"({size / _MB:.1f} MB geladen), abgebrochen")
                fh.write(chunk)
        return size

    def _wait(self) -> None:
        delay = self.limits.min_interval - (time.monotonic() - self._last_request)
        if delay > 0:
            time.sleep(delay)
        self._last_request = time.monotonic()

    # -- lists ---------------------------------------------------------------------------------------------

    def iterate(self, url: str, problems: ProblemLog, params: Mapping[str, str] | None = None,
                first_page: Any = None, max_pages: int = MAX_LIST_PAGES) -> Iterator[dict[str, Any]]:
        """Objects of an OParl list, following links.next; stops on loops and after max_pages."""
        next_url: str | None = str(httpx.URL(url).copy_merge_params(params)) if params else url
        seen: set[str] = set()
        signatures: set[tuple[str, ...]] = set()
        page = first_page
        while next_url:
            if next_url in seen:
                problems.report(next_url, LOOP_REASON)
                return
            if len(seen) >= max_pages:
                problems.report(next_url, f"Blättern nach {max_pages} Seiten abgebrochen")
                return
            seen.add(next_url)
            if page is None:
                page = self.get_json(next_url, problems)
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
            next_url = links.get("next") if isinstance(links, dict) and isinstance(links.get("next"), str) else None
            page = None


def _mb(size: int) -> str:
    """Megabytes with German thousands separators: 2147483648 -> "2.048"."""
    return f"{size / _MB:,.0f}".replace(",", ".")


def _check_status(response: httpx.Response) -> None:
    """Raise _Retry for 5xx and 429 (with the server's Retry-After), _GiveUp for other 4xx."""
    status = response.status_code
    if status >= 500 or status == 429:
        wait = retry_after_seconds(response.headers.get("retry-after")) if status in (429, 503) else None
        raise _Retry(f"HTTP {status}", wait)
    if status >= 400:
        raise _GiveUp(f"HTTP {status}")
