"""The fresh evaluation set (eval/fresh_questions.jsonl) is checked against the corpus like the gold set.

The set was written blind and is never tuned on. Most of its Karlsruhe questions are about the
reserved quarter of the archive (paper id divisible by 4, not in the old sample karlsruhe/papers);
their evidence lives only inside archive/karlsruhe-oparl-full.tar.zst, so evidence paths of the form
``archive:file-contents/<N>.txt`` or ``archive:meetings/<M>.json`` are read from the archive (streamed
once per module, only the members needed). Near misses are unanswerable items whose reference answer
starts with "Nahe daneben:" (the topic is in the corpus, the asked detail is not).
"""

from __future__ import annotations

import collections
import hashlib
import json
import re
import tarfile
from functools import cache
from pathlib import Path

import pytest

from eval.gold import (
    QUESTIONS_PATH,
    TYPES,
    GoldItem,
    load_questions,
    longest_common_word_run,
    normalise_for_match,
)

REPO = Path(__file__).resolve().parents[2]
FRESH_PATH = REPO / "eval" / "fresh_questions.jsonl"
ARCHIVE = "archive/karlsruhe-oparl-full.tar.zst"
KA_PAPER_PREFIX = "https://web1.karlsruhe.de/oparl/bodies/0001/papers/"
KA_FILE_PREFIX = "https://web1.karlsruhe.de/oparl/bodies/0001/files/"
NS_PREFIX = "https://nordstemmen.ratsinfomanagement.net/webservice/oparl/v1.1/body/1/"
ALLRIS_CITIES = {"Hildesheim", "Wolfsburg", "Laatzen"}
NEAR_MISS = "Nahe daneben:"
PAPER_TYPES = {"Anfrage", "Antrag", "Beschlussvorlage", "Informationsvorlage", "Änderungs-/Ergänzungsantrag"}


@pytest.fixture(scope="module")
def items() -> list[GoldItem]:
    return load_questions(FRESH_PATH)


@pytest.fixture(scope="module")
def answerable(items: list[GoldItem]) -> list[GoldItem]:
    return [it for it in items if it.answerable]


def _archive_paper_numbers(it: GoldItem) -> list[str]:
    return [p.rstrip("/").rsplit("/", 1)[1] for p in it.gold_paper_ids if p.startswith(KA_PAPER_PREFIX)]


def _read_archive_members(path: Path, wanted: set[str]) -> dict[str, bytes]:
    """The wanted members (names below docs/) of the .tar.zst archive, streamed without unpacking."""
    zstandard = pytest.importorskip("zstandard")
    found: dict[str, bytes] = {}
    with path.open("rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as stream, \
            tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            name = member.name.removeprefix("./").removeprefix("docs/")
            if name in wanted and member.isfile():
                extracted = tar.extractfile(member)
                assert extracted is not None
                found[name] = extracted.read()
                if len(found) == len(wanted):
                    break
    return found


@pytest.fixture(scope="module")
def archive(items: list[GoldItem], corpus: Path) -> dict[str, bytes]:
    wanted = {f"papers/{n}.json" for it in items for n in _archive_paper_numbers(it)}
    wanted |= {it.evidence_path.removeprefix("archive:") for it in items
               if it.evidence_path and it.evidence_path.startswith("archive:")}
    members = _read_archive_members(corpus / ARCHIVE, wanted)
    missing = sorted(wanted - set(members))
    assert not missing, f"not in the archive: {missing[:10]}"
    return members


@pytest.fixture(scope="module")
def archive_papers(archive: dict[str, bytes]) -> dict[str, dict]:
    return {name[len("papers/"):-len(".json")]: json.loads(data)
            for name, data in archive.items() if name.startswith("papers/")}


def _paper_file_ids(paper: dict) -> set[str]:
    files = ([paper["mainFile"]] if isinstance(paper.get("mainFile"), dict) else []) + paper.get(
        "auxiliaryFile", []
    )
    return {f["id"] for f in files}


# --------------------------------------------------------------------------- shape of the set


def test_size_ids_and_mix(items: list[GoldItem]) -> None:
    assert len(items) >= 125
    ids = [it.id for it in items]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"f\d{3}", i) for i in ids), [i for i in ids if not re.fullmatch(r"f\d{3}", i)]
    assert not set(ids) & {it.id for it in load_questions(QUESTIONS_PATH)}
    counts = collections.Counter(it.type for it in items)
    assert set(counts) <= set(TYPES)
    assert counts["outcome"] >= 8 and counts["followup"] >= 5, counts
    answerable = [it for it in items if it.answerable]
    by_city = collections.Counter(it.city for it in answerable)
    assert sum(1 for it in answerable if _archive_paper_numbers(it)) >= 62
    assert by_city["Erlangen"] >= 10 and by_city["Nordstemmen"] >= 10, by_city
    assert sum(by_city[c] for c in ALLRIS_CITIES) >= 6, by_city
    unanswerable = [it for it in items if not it.answerable]
    assert len(unanswerable) >= 22
    assert sum(1 for it in unanswerable if it.reference_answer.startswith(NEAR_MISS)) >= 11


def test_few_questions_name_their_drucksache(items: list[GoldItem]) -> None:
    naming = [it.id for it in items if any(ref in it.question for ref in it.gold_refs)]
    assert len(naming) <= 8, naming
    assert all(it.type == "reference" for it in items if it.id in naming and it.city == "Karlsruhe"), naming


def test_followups_have_one_earlier_turn(items: list[GoldItem]) -> None:
    for it in items:
        if it.type == "followup":
            assert len(it.history) == 1, it.id
            assert it.history[0].question.strip() and it.history[0].answer.strip(), it.id
        else:
            assert not it.history, it.id


def test_unanswerable_items_carry_no_gold(items: list[GoldItem]) -> None:
    for it in items:
        if not it.answerable:
            assert not (it.gold_refs or it.gold_paper_ids or it.gold_file_ids or it.key_facts), it.id
            assert it.evidence_quote == "" and it.evidence_path is None, it.id
            assert it.reference_answer.strip(), it.id


def test_questions_are_paraphrased(answerable: list[GoldItem]) -> None:
    copied = {
        it.id: n for it in answerable if (n := longest_common_word_run(it.question, it.evidence_quote)) >= 8
    }
    assert not copied, f"questions copy >= 8 words of their evidence quote: {copied}"


# --------------------------------------------------------------------------- the reserved archive quarter


def test_archive_papers_are_from_the_reserved_quarter(
    answerable: list[GoldItem], archive_papers: dict[str, dict], corpus: Path
) -> None:
    sample = {p.stem for p in (corpus / "karlsruhe" / "papers").glob("*.json")}
    problems = []
    for it in answerable:
        pids = [p for p in it.gold_paper_ids if p.startswith(KA_PAPER_PREFIX)]
        if it.city == "Karlsruhe":
            assert pids and len(pids) == len(it.gold_paper_ids), it.id
        for pid in pids:
            n = pid.rstrip("/").rsplit("/", 1)[1]
            if int(n) % 4 or n in sample:
                problems.append((it.id, pid, "not in the reserved quarter"))
                continue
            paper = archive_papers[n]
            if paper["id"] != pid or paper["reference"] not in it.gold_refs:
                problems.append((it.id, pid, "id or reference differs from the archive"))
            files = _paper_file_ids(paper)
            problems += [(it.id, fid, "not a file of the gold paper") for fid in it.gold_file_ids if fid not in files]
            if it.evidence_path and it.evidence_path.startswith("archive:file-contents/"):
                number = it.evidence_path.rsplit("/", 1)[1].removesuffix(".txt")
                if KA_FILE_PREFIX + number not in it.gold_file_ids:
                    problems.append((it.id, it.evidence_path, "evidence file not among the gold files"))
    assert not problems, problems


def test_archive_questions_spread_over_years_and_paper_types(
    answerable: list[GoldItem], archive_papers: dict[str, dict]
) -> None:
    papers = [archive_papers[n] for it in answerable for n in _archive_paper_numbers(it)]
    years = collections.Counter(int(p["date"][:4]) for p in papers)
    assert sum(v for y, v in years.items() if y < 2016) >= 15, years
    assert min(years) <= 2005 and max(years) >= 2026, years
    assert len(years) >= 18, years
    types = {p.get("paperType") for p in papers}
    assert PAPER_TYPES <= types, PAPER_TYPES - types


# --------------------------------------------------------------------------- evidence


def _html_text(path: Path) -> str:
    """The page text as a browser shows it, plus the ALLRIS parser's page text (agenda results live in markup)."""
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    texts = [BeautifulSoup(raw, "lxml").get_text(" ")]
    from ingest.sources.allris import parse_allris_html

    doc = parse_allris_html(raw, str(path), None)
    if doc is not None:
        texts += [page.text for f in doc.files for page in f.pages]
    return "\n".join(texts)


@cache
def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def _json_strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _json_strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _json_strings(v)]
    return []


def _evidence_text(it: GoldItem, corpus: Path, archive: dict[str, bytes]) -> str:
    ev = it.evidence_path or ""
    if ev.startswith("archive:"):
        name = ev.removeprefix("archive:")
        raw = archive[name].decode("utf-8", errors="replace")
        return "\n".join(_json_strings(json.loads(raw))) if name.endswith(".json") else raw
    path = corpus / ev
    assert path.is_file(), (it.id, ev)
    if path.suffix == ".pdf":
        return _pdf_text(path)
    if path.suffix == ".html":
        return _html_text(path)
    raw = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(_json_strings(json.loads(raw))) if path.suffix == ".json" else raw


def test_quotes_and_key_facts_occur_in_evidence(
    answerable: list[GoldItem], corpus: Path, archive: dict[str, bytes]
) -> None:
    problems = []
    for it in answerable:
        assert it.evidence_path, it.id
        text = normalise_for_match(_evidence_text(it, corpus, archive))
        assert 40 <= len(it.evidence_quote) <= 300, (it.id, len(it.evidence_quote))
        if normalise_for_match(it.evidence_quote) not in text:
            problems.append((it.id, "quote", it.evidence_quote[:60]))
        assert 1 <= len(it.key_facts) <= 3, it.id
        problems += [(it.id, "key fact", f) for f in it.key_facts if normalise_for_match(f) not in text]
    assert not problems, problems


def test_meeting_evidence_is_an_outcome(answerable: list[GoldItem]) -> None:
    meeting_items = [it for it in answerable if (it.evidence_path or "").startswith("archive:meetings/")]
    assert len(meeting_items) >= 8
    assert all(it.type in {"outcome", "followup"} for it in meeting_items), [it.id for it in meeting_items]


# --------------------------------------------------------------------------- ids of the other sources


@cache
def _nordstemmen_ids(corpus: Path) -> dict[str, set[str]]:
    """Paper and meeting ids -> their file ids (a meeting's file is its results protocol)."""
    root = corpus / "nordstemmen" / "documents"
    out: dict[str, set[str]] = {}
    for meta_path in root.glob("papers/*/metadata.json"):
        paper = json.loads(meta_path.read_text(encoding="utf-8"))
        out[paper["id"]] = _paper_file_ids(paper)
    for meta_path in root.glob("meetings/*/metadata.json"):
        meeting = json.loads(meta_path.read_text(encoding="utf-8"))
        protocol = meeting.get("resultsProtocol") or meeting.get("verbatimProtocol") or {}
        out[meeting["id"]] = {protocol["id"]} if protocol.get("id") else set()
    return out


def test_other_city_ids_resolve(answerable: list[GoldItem], corpus: Path) -> None:
    from ingest.sources.allris import parse_allris_html

    erlangen = corpus / "pdf" / "erlangen"
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(erlangen.glob("*.pdf"))}
    problems = []
    for it in answerable:
        if it.city == "Erlangen":
            # the files source names a loose file file:<path below the folder>; of identical files only the first is kept
            name = (it.evidence_path or "").removeprefix("pdf/erlangen/")
            if it.gold_paper_ids != (f"file:{name}",) or it.gold_file_ids != (f"file:{name}",) or it.gold_refs:
                problems.append((it.id, "Erlangen ids"))
            if name not in digests or next(n for n, d in digests.items() if d == digests[name]) != name:
                problems.append((it.id, f"{name} missing or a skipped duplicate"))
        elif it.city == "Nordstemmen":
            known = _nordstemmen_ids(corpus)
            for pid in it.gold_paper_ids:
                if pid not in known or not set(it.gold_file_ids) <= known[pid]:
                    problems.append((it.id, pid))
        elif it.city in ALLRIS_CITIES:
            path = corpus / (it.evidence_path or "")
            doc = parse_allris_html(path.read_bytes(), str(path), None)
            if doc is None or doc.body != it.city or it.gold_paper_ids != (doc.id,):
                problems.append((it.id, "ALLRIS doc id", doc.id if doc else None))
            elif it.gold_file_ids != (f"{doc.id}#seite",):
                problems.append((it.id, "ALLRIS file id"))
            elif doc.reference and doc.reference not in it.gold_refs:
                problems.append((it.id, "ALLRIS reference", doc.reference))
        elif it.city != "Karlsruhe":
            problems.append((it.id, f"unexpected city {it.city}"))
    assert not problems, problems


def test_gold_sources_are_in_the_fresh_manifest(answerable: list[GoldItem], corpus: Path) -> None:
    manifest = json.loads((REPO / "corpus" / "fresh.json").read_text(encoding="utf-8"))
    assert manifest["name"] == "fresh"
    sources = {s["path"]: s for s in manifest["sources"]}
    for path in sources:
        assert (corpus / path).exists(), path
    archive_source = sources[ARCHIVE]
    assert archive_source["kind"] == "oparl-archive" and archive_source["id_divisible_by"] == 4
    assert archive_source["exclude_papers_in"] == "karlsruhe/papers"
    needed = set()
    for it in answerable:
        ev = it.evidence_path or ""
        if ev.startswith("archive:"):
            needed.add(ARCHIVE)
        elif ev.startswith("nordstemmen/documents/"):
            needed.add("nordstemmen/documents")
        elif ev.startswith("pdf/erlangen/"):
            needed.add("pdf/erlangen")
        elif ev.startswith("allris-html/"):
            needed.add("allris-html")
        else:
            pytest.fail(f"{it.id}: evidence outside the fresh corpus: {ev}")
    assert needed <= set(sources), needed - set(sources)
