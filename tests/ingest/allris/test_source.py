"""The ALLRIS source: which variant a file is, and what it reports."""

from __future__ import annotations

from pathlib import Path

from ingest.sources.allris import AllrisSource, detect_variant
from ingest.sources.base import ProblemLog


def test_detect_variants(corpus: Path) -> None:
    assert detect_variant((corpus / "allris-html/hildesheim_vo020.html").read_bytes()) == "classic"
    assert detect_variant((corpus / "allris-html/wolfsburg_vo020.html").read_bytes()) == "net4"
    assert detect_variant((corpus / "allris-html/laatzen_to010.html").read_bytes()) == "net4"
    assert detect_variant((corpus / "braunschweig/stellungnahme-25-25182-01.txt").read_text()) == "text"
    assert detect_variant("<html><body><p>Hallo</p></body></html>") is None


def test_source_reports_non_allris_and_empty(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.html"
    other.write_text("<html><body><p>Kein Ratsinfo</p></body></html>", encoding="utf-8")
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    problems = ProblemLog()
    docs = list(AllrisSource([corpus / "allris-html/wolfsburg_vo020.html", other, empty]).documents(problems))
    assert len(docs) == 1
    assert {p.location for p in problems.items} == {str(other), str(empty)}
