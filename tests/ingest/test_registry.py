"""The source registry: kinds by name and alias, what it recognises as read whole, and what it builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.sources.allris import AllrisSource
from ingest.sources.base import ProblemLog
from ingest.sources.nordstemmen import NordstemmenSource
from ingest.sources.oparl_mirror import OParlMirrorSource
from ingest.sources.registry import REGISTRY, SourceSpecError
from ingest.specs import detect


def test_kinds_by_name_and_alias() -> None:
    assert REGISTRY.kind("allris-text") is REGISTRY.kind("allris") is REGISTRY.kind("allris-html")
    with pytest.raises(SourceSpecError, match="Unbekannte Quellenart: sessionnet-xml"):
        REGISTRY.open("sessionnet-xml", Path("."))


def test_recognises_what_is_read_whole(corpus: Path, tmp_path: Path) -> None:
    assert REGISTRY.recognise(corpus / "karlsruhe") == "oparl-mirror"
    assert REGISTRY.recognise(corpus / "nordstemmen") == "nordstemmen"
    assert REGISTRY.recognise(corpus / "archive" / "karlsruhe-oparl-full.tar.zst") == "oparl-archive"
    # loose files and ordinary folders are the folder reader's business, file by file
    assert REGISTRY.recognise(corpus / "allris-html") is None
    assert REGISTRY.recognise(corpus / "allris-html" / "laatzen_vo020.html") is None
    (tmp_path / "papers").mkdir()  # papers/ alone is neither a mirror nor an export
    assert REGISTRY.recognise(tmp_path) is None


def test_counts_a_mirror_before_reading_it(corpus: Path) -> None:
    papers = len(list((corpus / "karlsruhe" / "papers").glob("*.json")))
    assert REGISTRY.count(corpus / "karlsruhe") == papers
    assert REGISTRY.count(corpus / "archive" / "karlsruhe-oparl-full.tar.zst") is None  # not unpacked to count


def test_builds_each_kind(corpus: Path) -> None:
    assert isinstance(REGISTRY.open("oparl-mirror", corpus / "karlsruhe"), OParlMirrorSource)
    assert isinstance(REGISTRY.open("nordstemmen", corpus / "nordstemmen"), NordstemmenSource)
    source = REGISTRY.open("allris-html", corpus / "allris-html", {"body": "Laatzen"})
    assert isinstance(source, AllrisSource)
    docs = list(source.documents(ProblemLog()))
    assert len(docs) == len(list((corpus / "allris-html").glob("*.html")))


def test_a_manifest_entry_selects_papers_by_id(corpus: Path) -> None:
    entry = {"paper_ids": ["2", "3"]}
    source = REGISTRY.open("oparl-mirror", corpus / "karlsruhe", entry)
    assert isinstance(source, OParlMirrorSource) and source.paper_ids == {"2", "3"}


def test_detect_uses_the_registry(corpus: Path) -> None:
    [(origin, source)] = detect(str(corpus / "nordstemmen"))
    assert origin == str((corpus / "nordstemmen").resolve()) and isinstance(source, NordstemmenSource)
