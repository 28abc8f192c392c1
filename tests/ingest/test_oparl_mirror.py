"""OParlMirrorSource over the shared Karlsruhe mirror, broken inputs, filters and archive unpacking."""

from __future__ import annotations

import io
import itertools
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import zstandard

from ingest.sources.base import ProblemLog
from ingest.sources.oparl_mirror import OParlMirrorSource, last_segment, unpack_archive
from ingest.sources.oparl_model import split_text_pages


@pytest.fixture(scope="module")
def karlsruhe_docs(corpus: Path) -> tuple[list, ProblemLog]:
    problems = ProblemLog()
    docs = list(OParlMirrorSource(corpus / "karlsruhe").documents(problems))
    return docs, problems


def test_all_papers_yielded(corpus: Path, karlsruhe_docs: tuple[list, ProblemLog]) -> None:
    docs, problems = karlsruhe_docs
    paper_files = list((corpus / "karlsruhe" / "papers").glob("*.json"))
    assert len(docs) == len(paper_files) == 507
    assert not problems.items
    assert {d.body for d in docs} == {"Karlsruhe"}
    assert len({d.id for d in docs}) == len(docs)


def test_known_paper_matches_its_json(corpus: Path, karlsruhe_docs: tuple[list, ProblemLog]) -> None:
    root = corpus / "karlsruhe"
    paper = json.loads((root / "papers" / "41254.json").read_text(encoding="utf-8"))
    doc = next(d for d in karlsruhe_docs[0] if d.id == paper["id"])
    assert (doc.reference, doc.title, doc.paper_type) == (
        paper["reference"],
        paper["name"],
        paper["paperType"],
    )
    assert doc.date == paper["date"] and doc.modified == paper["modified"]
    assert doc.subordinated == tuple(paper["subordinatedPaper"])
    organizations = {o["id"]: o["name"] for o in json.loads((root / "organizations.json").read_text("utf-8"))}
    assert len(doc.consultations) == len(paper["consultation"])
    for cons, raw in zip(doc.consultations, paper["consultation"], strict=True):
        meeting = json.loads((root / "meetings" / f"{last_segment(raw['meeting'])}.json").read_text("utf-8"))
        item = next(a for a in meeting["agendaItem"] if a.get("consultation") == raw["id"])
        assert cons.meeting_id == raw["meeting"]
        assert cons.meeting_name == meeting["name"] and cons.meeting_date == meeting["start"][:10]
        assert cons.agenda_number == item["number"] and cons.result == item["result"]
        assert cons.organization == "; ".join(organizations[o] for o in raw["organization"])
        assert cons.role == raw["role"] and cons.authoritative == raw["authoritative"]
    assert [f.id for f in doc.files] == [f["id"] for f in paper["auxiliaryFile"]]
    for file in doc.files:
        text = (root / "file-contents" / f"{last_segment(file.id)}.txt").read_text(encoding="utf-8")
        assert file.pages and file.text == text.strip()
        assert file.url and file.url.endswith(".pdf")


def test_consultations_mostly_resolved(karlsruhe_docs: tuple[list, ProblemLog]) -> None:
    consultations = [c for d in karlsruhe_docs[0] for c in d.consultations]
    resolved = [c for c in consultations if c.meeting_name and c.meeting_date]
    assert len(resolved) >= 0.9 * len(consultations)
    assert any(c.agenda_number for c in resolved)


def test_form_feed_text_is_split_into_pages(corpus: Path, karlsruhe_docs: tuple[list, ProblemLog]) -> None:
    contents = corpus / "karlsruhe" / "file-contents"
    paged = [p for p in sorted(contents.glob("*.txt")) if "\f" in p.read_text(encoding="utf-8")]
    assert paged
    file = next(f for d in karlsruhe_docs[0] for f in d.files if last_segment(f.id) == paged[0].stem)
    assert file.pages == split_text_pages(paged[0].read_text(encoding="utf-8"))
    assert len(file.pages) > 1 and file.pages[0].number == 1


def test_broken_paper_reported_and_others_come(corpus: Path, tmp_path: Path) -> None:
    source_root = corpus / "karlsruhe"
    names = sorted(p.name for p in (source_root / "papers").glob("*.json"))[:6]
    (tmp_path / "papers").mkdir()
    for name in names:
        shutil.copy(source_root / "papers" / name, tmp_path / "papers" / name)
    shutil.copy(source_root / "organizations.json", tmp_path / "organizations.json")
    broken = tmp_path / "papers" / names[2]
    broken.write_bytes(broken.read_bytes()[:200])
    problems = ProblemLog()
    docs = list(OParlMirrorSource(tmp_path).documents(problems))
    assert len(docs) == len(names) - 1
    assert [p.location for p in problems.items] == [str(broken)]
    assert "JSON" in problems.items[0].reason
    assert all(not f.pages for d in docs for f in d.files)  # no file-contents/ in the copy


def test_paper_ids_and_since_filters(corpus: Path) -> None:
    root = corpus / "karlsruhe"
    paper = json.loads((root / "papers" / "41254.json").read_text(encoding="utf-8"))
    by_stem = list(OParlMirrorSource(root, paper_ids={"41254"}).documents(ProblemLog()))
    by_id = list(OParlMirrorSource(root, paper_ids={paper["id"]}).documents(ProblemLog()))
    assert [d.id for d in by_stem] == [d.id for d in by_id] == [paper["id"]]
    modified = sorted(json.loads(p.read_text("utf-8"))["modified"] for p in (root / "papers").glob("*.json"))
    cutoff = modified[-3]
    newer = list(OParlMirrorSource(root, since=cutoff).documents(ProblemLog()))
    assert len(newer) == sum(m >= cutoff for m in modified)
    assert all(d.modified and d.modified >= cutoff for d in newer)


def test_body_override(corpus: Path) -> None:
    docs = OParlMirrorSource(corpus / "karlsruhe", body="Stadt Karlsruhe", paper_ids={"41254"}).documents(
        ProblemLog()
    )
    assert next(docs).body == "Stadt Karlsruhe"


def _small_archive(corpus: Path, target: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(corpus / "karlsruhe" / "papers" / "41254.json", arcname="docs/papers/41254.json")
        tar.add(corpus / "karlsruhe" / "organizations.json", arcname="docs/organizations.json")
    target.write_bytes(zstandard.ZstdCompressor().compress(buffer.getvalue()))


def test_unpack_archive_once(corpus: Path, tmp_path: Path) -> None:
    archive = tmp_path / "in" / "mirror.tar.zst"
    archive.parent.mkdir()
    _small_archive(corpus, archive)
    dest = tmp_path / "out"
    root = unpack_archive(archive, dest)
    assert root == dest.resolve() / "docs"
    extracted = root / "papers" / "41254.json"
    stamp = extracted.stat().st_mtime_ns
    assert unpack_archive(archive, dest) == root
    assert extracted.stat().st_mtime_ns == stamp  # second call skipped
    docs = list(OParlMirrorSource(dest).documents(ProblemLog()))
    assert [d.reference for d in docs] == [json.loads(extracted.read_text("utf-8"))["reference"]]
    with pytest.raises(ValueError):
        unpack_archive(archive, archive.parent / "unpacked")


@pytest.mark.slow
def test_full_archive_streams(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = unpack_archive(
        corpus / "archive" / "karlsruhe-oparl-full.tar.zst", tmp_path_factory.mktemp("full")
    )
    assert len(list((root / "papers").glob("*.json"))) == 14004
    problems = ProblemLog()
    first = list(itertools.islice(OParlMirrorSource(root).documents(problems), 200))
    assert len(first) == 200 and not problems.skipped
    assert sum(1 for d in first for f in d.files if f.pages) > 100
