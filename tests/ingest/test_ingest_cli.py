"""`council ingest` as a user runs it: the summary of a folder, its exit code, progress lines in logs."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import Summary
from ingest.progress import ProgressLog
from tests.ingest.oparl_server import OParlTestServer

COUNCIL = [sys.executable, "-m", "assistant.cli.main", "ingest"]


def council(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, COUNCIL_EMBEDDER="hash", ANONYMIZED_TELEMETRY="False", **env)
    return subprocess.run([*COUNCIL, *args], capture_output=True, text=True, env=environment, timeout=300)


def test_braunschweig_folder_summary(corpus: Path, tmp_path: Path) -> None:
    run = council(str(corpus / "braunschweig"), "--index", str(tmp_path / "index"), "--no-embed")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Dokumente: 6 gelesen, 6 neu" in run.stdout
    assert "Probleme: 0 nicht eingelesen, 1 Hinweise" in run.stdout
    assert "Stadt Braunschweig aus den anderen Dokumenten des Ordners" in run.stdout


def test_mixed_folder_lists_what_was_not_read_and_exits_3(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "gemischt"
    folder.mkdir()
    shutil.copy(corpus / "braunschweig/oparl-papers-2026-09.json", folder)
    shutil.copy(corpus / "bad-input/braunschweig-allris-oparl-paper-control-chars.json", folder)
    (folder / "leer.txt").write_bytes(b"")
    (folder / "notizen.odt").write_bytes(b"PK\x03\x04")
    run = council(str(folder), "--index", str(tmp_path / "index"), "--no-embed")
    assert run.returncode == 3, run.stdout + run.stderr
    out = run.stdout
    assert "Dokumente: 5 gelesen" in out
    assert "Nicht eingelesen (2):" in out and "Exit-Code 3" in out
    assert re.search(r"leer\.txt: leer \(0 Byte\)", out)
    assert re.search(r"notizen\.odt: Format nicht erkannt \(\.odt: als \.docx oder PDF speichern\)", out)
    assert re.search(r"control-chars\.json: Herstellerfehler repariert: rohe Steuerzeichen", out)


@pytest.mark.server
def test_crawler_options_on_the_command_line(oparl_server: OParlTestServer, tmp_path: Path) -> None:
    oparl_server.faults.people = True
    oparl_server.faults.huge.add(oparl_server.file_path(2))
    oparl_server.faults.retry_after[oparl_server.file_path(1)] = (503, "1", 1)
    run = council(oparl_server.system_url, "--index", str(tmp_path / "index"), "--no-embed", "--max-file-mb", "5",
                  "--request-interval", "0", "--file-timeout", "30", "--max-retry-after", "10")
    assert run.returncode == 3, run.stdout + run.stderr
    papers = len(oparl_server.paper_ids())
    assert f"Dokumente: {papers + 2 + 4} gelesen" in run.stdout  # papers, two committees, four persons
    assert "Nicht eingelesen (1):" in run.stdout
    reference = oparl_server.data.papers[2]["reference"]
    assert (f"{oparl_server.base}{oparl_server.file_path(2)}: Datei der Vorlage {reference} aufgegeben: "
            "zu groß (2.048 MB angekündigt, Grenze 5 MB)") in run.stdout


def test_progress_lines_without_a_terminal(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "erlangen"
    folder.mkdir()
    for pdf in sorted((corpus / "pdf/erlangen").glob("*Niederschrift*.pdf"))[:6]:
        shutil.copy(pdf, folder)
    run = council(str(folder), "--index", str(tmp_path / "index"), "--no-embed", "--no-ocr",
                  COUNCIL_PROGRESS_SECONDS="0.2")
    assert run.returncode in (0, 3), run.stdout + run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("Fortschritt nach ")]
    assert lines, run.stderr
    assert re.search(r"\(Einlesen\): \d+ von 6 Dokumenten gelesen, 0 Abschnitte eingebettet, [\d,]+ Dokumente/s",
                     lines[0])


def test_progress_line_while_embedding_names_rate_and_time_left() -> None:
    summary = Summary(documents_seen=566)
    stream = io.StringIO()
    with ProgressLog(summary, stream=stream, interval=0.05, enabled=True) as progress:
        progress.embedding(total=15_453)
        summary.chunks_embedded = 0
        time.sleep(0.2)
        summary.chunks_embedded = 1_200
        time.sleep(0.2)
    last = stream.getvalue().strip().splitlines()[-1]
    assert re.fullmatch(r"Fortschritt nach \d+ s \(Einbetten\): 566 Dokumente gelesen, 1\.200 von 15\.453 "
                        r"Abschnitten eingebettet, [\d,]+ Abschnitte/s, noch etwa (\d+ min )?\d+ s", last), last


def test_progress_line_drops_a_total_that_was_passed() -> None:
    """A paper list counts as one file in the estimate; past the estimate no total and no time left."""
    summary = Summary(documents_seen=120)
    progress = ProgressLog(summary, stream=io.StringIO(), interval=30, enabled=False)
    progress.expected_documents = 200
    assert " 120 von 200 Dokumenten gelesen" in progress.line() and "noch etwa" in progress.line()
    summary.documents_seen = 250
    assert "250 Dokumente gelesen" in progress.line() and progress.line().endswith("Restzeit unbekannt")


def test_no_progress_lines_on_a_terminal_or_when_switched_off() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, interval in ((Terminal(), 0.05), (io.StringIO(), 0.0)):
        with ProgressLog(Summary(), stream=stream, interval=interval):
            time.sleep(0.15)
        assert stream.getvalue() == ""
