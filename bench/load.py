"""Benchmark: many users at once against a running server, through the API and through the chat's own event.

    python -m bench.load --url http://127.0.0.1:7860 --users 20 [--duration 60] [--channels api,chat] [--think S]
                         [--user NAME --password PW | --token TOKEN] [--pid SERVER_PID]
    python -m bench.load --index INDEX_DIR --users 20 ...   # starts `council serve` itself (a local user)

Each simulated user asks the gold questions (eval/questions.jsonl) one after another for `--duration` seconds,
at once (the worst case) or after reading the answer for about `--think` seconds: "api" users POST /api/ask,
"chat" users call the chat's event through gradio_client as the browser does. Prints one table row per channel
(users, answers, p50, p95, max in ms, errors) and the server's peak RSS (VmHWM of its process). The simulated
users run on the same machine and take CPU from the server.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from eval.gold import load_questions
from ingest.paths import REPO_ROOT


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float | None, error: str | None = None) -> None:
        with self.lock:
            if error is None and seconds is not None:
                self.latencies.append(seconds)
            else:
                self.errors.append(error or "?")


def _headers(ns: argparse.Namespace) -> dict[str, str]:
    if ns.token:
        return {"Authorization": f"Bearer {ns.token}"}
    if ns.user:
        pair = base64.b64encode(f"{ns.user}:{ns.password}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}
    return {}


def api_user(url: str, headers: dict[str, str], questions: list[str], start: int, until: float, tally: Tally,
             think: float) -> None:
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        _arrive(think)
        k = start
        while time.time() < until:
            t0 = time.perf_counter()
            try:
                r = client.post("/api/ask", json={"question": questions[k % len(questions)]})
                tally.add(time.perf_counter() - t0, None if r.status_code == 200 else f"HTTP {r.status_code}")
            except httpx.HTTPError as exc:
                tally.add(None, type(exc).__name__)
            k += 1
            _pause(think, until)


# gradio_client opens a new httpx client for each request, and each one would read the CA bundle again (about
# 20 ms of CPU that a browser, which reads it once, does not spend): one TLS context for all simulated users
TLS = httpx.create_ssl_context()


def chat_user(url: str, headers: dict[str, str], questions: list[str], start: int, until: float, tally: Tally,
              think: float) -> None:
    from gradio_client import Client

    client = Client(url, headers=headers, verbose=False, ssl_verify=TLS)  # type: ignore[arg-type]
    _arrive(think)
    k = start
    while time.time() < until:
        t0 = time.perf_counter()
        try:
            # the chat's inputs after the session state: question, conversation, filters (none), mode
            client.predict(questions[k % len(questions)], [], "", [], "", "", "", False, "extractive",
                           api_name="/fragen")
            tally.add(time.perf_counter() - t0)
        except Exception as exc:  # any failure of a simulated user is counted, not raised
            tally.add(None, type(exc).__name__)
        k += 1
        _pause(think, until)


def _arrive(think: float) -> None:
    """Users who read their answers do not all ask their first question in the same instant: each arrives within
    the first `think` seconds (with 0, all at once)."""
    if think > 0:
        time.sleep(random.uniform(0, think))


def _pause(think: float, until: float) -> None:
    """A user reads the answer before the next question: `think` seconds on average (0: asks again at once)."""
    if think > 0:
        time.sleep(min(random.uniform(0.5 * think, 1.5 * think), max(0.0, until - time.time())))


def peak_rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def start_server(index: str, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "assistant.cli.main", "serve", "--index", index, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO_ROOT)
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(1)
    proc.kill()
    raise SystemExit("Der Server startet nicht.")


def run_channel(channel: str, ns: argparse.Namespace, questions: list[str]) -> Tally:
    tally = Tally()
    until = time.time() + ns.duration
    worker: Any = api_user if channel == "api" else chat_user
    step = max(1, len(questions) // max(1, ns.users))
    threads = [threading.Thread(target=worker, args=(ns.url, _headers(ns), questions, i * step, until, tally, ns.think))
               for i in range(ns.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:7860")
    ap.add_argument("--index", help="start `council serve` over this index (local user) and measure it")
    ap.add_argument("--port", type=int, default=7861)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--channels", default="api,chat")
    ap.add_argument("--think", type=float, default=0.0,
                    help="seconds a user reads an answer before asking again (mean; 0: at once, the worst case)")
    ap.add_argument("--user")
    ap.add_argument("--password", default=os.environ.get("COUNCIL_LOAD_PASSWORD", ""))
    ap.add_argument("--token")
    ap.add_argument("--pid", type=int, help="the server's process id, for its peak RSS")
    ns = ap.parse_args()
    questions = [q.question for q in load_questions(REPO_ROOT / "eval" / "questions.jsonl") if not q.history]
    proc = None
    if ns.index:
        proc = start_server(ns.index, ns.port)
        ns.url, ns.pid = f"http://127.0.0.1:{ns.port}", proc.pid
    try:
        print("channel | users | think s | answers | p50 ms | p95 ms | max ms | errors | server peak RSS MB")
        print("---|---|---|---|---|---|---|---|---")
        for channel in ns.channels.split(","):
            tally = run_channel(channel, ns, questions)
            lat = np.asarray(tally.latencies) * 1000 if tally.latencies else np.zeros(1)
            rss = peak_rss_mb(ns.pid)
            kinds = f" ({', '.join(sorted(set(tally.errors)))})" if tally.errors else ""
            print(f"{channel} | {ns.users} | {ns.think:g} | {len(tally.latencies)} | {np.percentile(lat, 50):.0f} | "
                  f"{np.percentile(lat, 95):.0f} | {lat.max():.0f} | {len(tally.errors)}{kinds} | "
                  f"{f'{rss:.0f}' if rss is not None else '–'}", flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
