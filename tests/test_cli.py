"""The `council` program end to end: help texts, ingest exit codes and reports, status, ask --json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COUNCIL = [sys.executable, "-m", "assistant.cli.main"]


def council(*args: str, index: Path | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--index", str(index)] if index is not None else []
    env = dict(os.environ, COUNCIL_EMBEDDER="hash", ANONYMIZED_TELEMETRY="False")
    return subprocess.run([*COUNCIL, *args, *extra], capture_output=True, text=True, env=env, timeout=300)


def test_help_texts_explain_every_subcommand() -> None:
    top = council("--help")
    assert top.returncode == 0
    for sub in ("ingest", "status", "ask", "serve", "eval", "draft"):
        assert sub in top.stdout
        helped = council(sub, "--help")
        assert helped.returncode == 0, helped.stderr
        assert "--index" in helped.stdout


def test_ingest_reports_bad_files_and_exit_code(tmp_path: Path, corpus: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "papers").mkdir(parents=True)
    (mirror / "file-contents").mkdir()
    papers = sorted((corpus / "karlsruhe" / "papers").glob("*.json"))[:5]
    for p in papers:
        shutil.copy(p, mirror / "papers" / p.name)
        data = json.loads(p.read_text(encoding="utf-8"))
        for f in ([data["mainFile"]] if data.get("mainFile") else []) + data.get("auxiliaryFile", []):
            n = f["id"].rstrip("/").split("/")[-1]
            for ext in (".txt", ".json"):
                src = corpus / "karlsruhe" / "file-contents" / f"{n}{ext}"
                if src.exists():
                    shutil.copy(src, mirror / "file-contents" / src.name)
    (mirror / "papers" / "999999.json").write_text('{"id": "x", "name": "kaputt', encoding="utf-8")
    files = tmp_path / "files"
    files.mkdir()
    (files / "leer.pdf").write_bytes(b"")
    (files / "abgeschnitten.pdf").write_bytes((corpus / "pdf" / "erlangen").glob("*.pdf").__next__().read_bytes()[:900])
    (files / "notiz.txt").write_text("Der Ausschuss für Umwelt berät über Baumpflanzungen im Stadtteil.", encoding="utf-8")
    index = tmp_path / "index"

    run = council("ingest", str(mirror), str(files), "--no-ocr", index=index)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "999999.json" in run.stdout and "leer.pdf" in run.stdout and "abgeschnitten.pdf" in run.stdout
    status = council("status", "--json", index=index)
    st = json.loads(status.stdout)
    assert st["documents"] == len(papers) + 1  # five papers and the text note

    again = council("ingest", str(mirror), str(files), "--no-ocr", "--json", index=index)
    summary = json.loads(again.stdout)
    assert summary["documents_unchanged"] == len(papers) + 1 and summary["chunks_added"] == 0


@pytest.mark.slow
def test_ask_json_is_stable(tmp_path: Path, corpus: Path) -> None:
    index = tmp_path / "index"
    src = corpus / "braunschweig" / "stellungnahme-25-25182-01.txt"
    assert council("ingest", str(src), index=index).returncode in (0, 3)
    out = council("ask", "Wann beginnt die Beteiligung der breiten Öffentlichkeit am Aktionsplan?", "--json", index=index)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("schema_version", "question", "text", "citations", "refused", "retrieved", "timings", "sentences"):
        assert key in data
    assert not data["refused"]
    retrieved = {r["chunk_id"] for r in data["retrieved"]}
    assert data["citations"] and all(c["chunk_id"] in retrieved for c in data["citations"])
    assert "15. März 2025" in data["text"]
