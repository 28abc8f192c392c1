"""The gold evaluation set cannot rot silently: every quote, key fact and id is checked against the corpus."""

from __future__ import annotations

import collections
import json
from functools import cache
from pathlib import Path

import pytest

from eval.gold import (
    QUESTIONS_PATH,
    TYPES,
    GoldItem,
    GoldSetError,
    evidence_text,
    load_questions,
    longest_common_word_run,
    normalise_for_match,
)

KA_FILE_PREFIX = "https://web1.karlsruhe.de/oparl/bodies/0001/files/"
KA_PAPER_PREFIX = "https://web1.karlsruhe.de/oparl/bodies/0001/papers/"
BS_OPARL_PREFIX = "https://www.ratsinfo.braunschweig.sitzung-online.de/oparl/papers/"
NS_PAPER_PREFIX = "https://nordstemmen.ratsinfomanagement.net/webservice/oparl/"
BS_FILE_PREFIX = "https://www.ratsinfo.braunschweig.sitzung-online.de/oparl/files/"
NS_FILE_PREFIX = "https://nordstemmen.ratsinfomanagement.net/webservice/oparl/v1.1/body/1/file/"
ALLRIS_PREFIX = "allris:Braunschweig:"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def items() -> list[GoldItem]:
    return load_questions(QUESTIONS_PATH)


@pytest.fixture(scope="module")
def answerable(items: list[GoldItem]) -> list[GoldItem]:
    return [it for it in items if it.answerable]


# --------------------------------------------------------------------------- shape of the set


def test_size_ids_and_mix(items: list[GoldItem]) -> None:
    assert len(items) >= 150
    ids = [it.id for it in items]
    assert len(ids) == len(set(ids))
    counts = collections.Counter(it.type for it in items)
    assert set(TYPES) <= set(counts), f"missing types: {set(TYPES) - set(counts)}"
    unanswerable = sum(1 for it in items if not it.answerable)
    assert unanswerable / len(items) >= 0.15
    assert {it.city for it in items if it.answerable} >= {"Karlsruhe", "Braunschweig", "Nordstemmen"}


def test_many_distinct_gold_papers(answerable: list[GoldItem]) -> None:
    papers = {p for it in answerable for p in it.gold_paper_ids}
    assert len(papers) >= 100


def test_followups_have_history(items: list[GoldItem]) -> None:
    for it in items:
        if it.type == "followup":
            assert it.history, it.id
            assert all(t.question.strip() and t.answer.strip() for t in it.history), it.id


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


# --------------------------------------------------------------------------- evidence


def test_quotes_and_key_facts_occur_in_evidence(answerable: list[GoldItem], corpus: Path) -> None:
    problems = []
    for it in answerable:
        assert it.evidence_path and (corpus / it.evidence_path).is_file(), it.id
        text = normalise_for_match(evidence_text(it, corpus))
        assert 40 <= len(it.evidence_quote) <= 300, (it.id, len(it.evidence_quote))
        if normalise_for_match(it.evidence_quote) not in text:
            problems.append((it.id, "quote", it.evidence_quote[:60]))
        assert 1 <= len(it.key_facts) <= 3, it.id
        for fact in it.key_facts:
            if normalise_for_match(fact) not in text:
                problems.append((it.id, "key fact", fact))
    assert not problems, problems


# --------------------------------------------------------------------------- ids resolve in the corpus


@cache
def _ka_paper(corpus: Path, pid: str) -> dict:
    return json.loads((corpus / "karlsruhe" / "papers" / f"{pid}.json").read_text(encoding="utf-8"))


def _file_ids(paper: dict) -> set[str]:
    files = ([paper["mainFile"]] if isinstance(paper.get("mainFile"), dict) else []) + paper.get(
        "auxiliaryFile", []
    )
    return {f["id"] for f in files}


@cache
def _nordstemmen_papers(corpus: Path) -> dict[str, set[str]]:
    """paper id -> its file ids, from papers/<DS>/metadata.json."""
    root = corpus / "nordstemmen" / "documents" / "papers"
    papers = (json.loads(p.read_text(encoding="utf-8")) for p in root.glob("*/metadata.json"))
    return {p["id"]: _file_ids(p) for p in papers}


@cache
def _braunschweig_oparl(corpus: Path) -> dict[str, tuple[str, set[str]]]:
    """paper id -> (reference, file ids), from the OParl list file."""
    data = json.loads((corpus / "braunschweig" / "oparl-papers-2026-09.json").read_text(encoding="utf-8"))
    papers = data["data"] if isinstance(data, dict) else data
    return {p["id"]: (p["reference"], _file_ids(p)) for p in papers}


@cache
def _braunschweig_text(corpus: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((corpus / "braunschweig").glob("*.txt"))
    )


def test_gold_ids_exist_in_corpus(answerable: list[GoldItem], corpus: Path) -> None:
    problems = []
    for it in answerable:
        for fid in it.gold_file_ids:
            if fid.startswith(KA_FILE_PREFIX):
                n = fid.rsplit("/", 1)[1]
                if not (corpus / "karlsruhe" / "file-contents" / f"{n}.txt").is_file():
                    problems.append((it.id, fid))
            elif fid.startswith(NS_FILE_PREFIX):
                if not any(fid in files for files in _nordstemmen_papers(corpus).values()):
                    problems.append((it.id, fid))
            elif fid.startswith(BS_FILE_PREFIX):
                if not any(fid in files for _, files in _braunschweig_oparl(corpus).values()):
                    problems.append((it.id, fid))
            elif fid.startswith("http"):
                problems.append((it.id, f"unknown file id scheme {fid}"))
            elif not (corpus / fid).is_file():
                problems.append((it.id, fid))
        for pid in it.gold_paper_ids:
            if pid.startswith(KA_PAPER_PREFIX):
                last = pid.rstrip("/").rsplit("/", 1)[1]
                path = corpus / "karlsruhe" / "papers" / f"{last}.json"
                if not path.is_file():
                    problems.append((it.id, pid))
                    continue
                paper = _ka_paper(corpus, last)
                if paper["id"] != pid or paper["reference"] not in it.gold_refs:
                    problems.append((it.id, f"{pid}: reference {paper['reference']} not in gold_refs"))
            elif pid.startswith(BS_OPARL_PREFIX):
                ref, _ = _braunschweig_oparl(corpus).get(pid, (None, set()))
                if ref is None or ref not in it.gold_refs:
                    problems.append((it.id, pid))
            elif pid.startswith(NS_PAPER_PREFIX):
                if pid not in _nordstemmen_papers(corpus):
                    problems.append((it.id, pid))
            elif pid.startswith(ALLRIS_PREFIX):
                # ALLRIS text documents are named by their Drucksache number or, for a protocol, by the file stem
                key = pid[len(ALLRIS_PREFIX) :]
                by_ref = key in it.gold_refs and key in _braunschweig_text(corpus)
                by_file = (corpus / "braunschweig" / f"{key}.txt").is_file()
                if not (by_ref or by_file):
                    problems.append((it.id, pid))
            else:
                problems.append((it.id, f"unknown paper id scheme {pid}"))
        assert len(it.gold_refs) >= 1 and len(it.gold_paper_ids) >= 1, it.id
    assert not problems, problems


def test_list_items_have_several_gold_papers(items: list[GoldItem]) -> None:
    for it in items:
        if it.type == "list":
            assert len(it.gold_paper_ids) >= 2 and len(it.gold_file_ids) >= 2, it.id


# --------------------------------------------------------------------------- loader and normalisation


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    good = QUESTIONS_PATH.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "q.jsonl"
    path.write_text(good + "\n" + '{"id": "x", "question": "kaputt"\n', encoding="utf-8")
    with pytest.raises(GoldSetError, match=r"q\.jsonl:2"):
        load_questions(path)
    bad_type = json.loads(good) | {"id": "q999", "type": "quiz"}
    path.write_text(good + "\n\n" + json.dumps(bad_type) + "\n", encoding="utf-8")
    with pytest.raises(GoldSetError, match=r"q\.jsonl:3: unknown type"):
        load_questions(path)
    path.write_text(good + "\n" + good + "\n", encoding="utf-8")
    with pytest.raises(GoldSetError, match="duplicate id"):
        load_questions(path)


def test_normalise_for_match() -> None:
    assert normalise_for_match("wa-\nrum") == "warum"
    assert normalise_for_match("wa- \n  rum") == "warum"
    assert normalise_for_match("Kinder-\nUnd") == "kinder- und"  # next char uppercase: keep the hyphen
    assert normalise_for_match("Abrollbehäl\u00ad\ntern") == "abrollbehältern"
    assert normalise_for_match("  1,2\u00a0Mio.  Euro ,\tGemeinderat .") == "1,2 mio. euro, gemeinderat."
    assert normalise_for_match("Stra\u00dfe") == normalise_for_match("STRASSE")
    assert normalise_for_match("Bu\u0308ro") == normalise_for_match("Büro")  # NFC


def test_evidence_text_of_meeting_json_concatenates_strings(answerable: list[GoldItem], corpus: Path) -> None:
    meeting_items = [it for it in answerable if it.evidence_path and it.evidence_path.endswith(".json")]
    assert meeting_items
    text = evidence_text(meeting_items[0], corpus)
    assert "{" not in text[:50] and "agendaItem" not in text


# --------------------------------------------------------------------------- corpus manifests


def _manifest(name: str) -> dict:
    return json.loads((REPO / "corpus" / f"{name}.json").read_text(encoding="utf-8"))


def test_manifests_name_existing_sources(corpus: Path) -> None:
    for name in ("eval", "demo"):
        data = _manifest(name)
        assert data["name"] == name and data["description"].strip()
        for src in data["sources"]:
            assert src["kind"] in {"oparl-mirror", "allris-text", "oparl-list", "nordstemmen"}, src
            assert (corpus / src["path"]).exists(), src["path"]
    paths = {s["path"] for s in _manifest("eval")["sources"]}
    assert {"karlsruhe", "nordstemmen/documents", "braunschweig/oparl-papers-2026-09.json"} <= paths
    assert not any(s.get("paper_ids") or s.get("since") for s in _manifest("eval")["sources"])


def test_demo_slice_is_answerable_from_demo_corpus(items: list[GoldItem], corpus: Path) -> None:
    demo = _manifest("demo")
    (mirror,) = [s for s in demo["sources"] if s["kind"] == "oparl-mirror"]
    demo_papers = set(mirror["paper_ids"])
    assert 100 <= len(demo_papers) <= 140
    assert all((corpus / mirror["path"] / "papers" / f"{p}.json").is_file() for p in demo_papers)
    other_paths = {s["path"] for s in demo["sources"] if s["kind"] != "oparl-mirror"}
    assert {"nordstemmen/documents", "braunschweig/stellungnahme-25-25182-01.txt"} <= other_paths
    by_id = {it.id: it for it in items}
    ids = demo["question_ids"]
    assert len(ids) >= 12 and len(set(ids)) == len(ids)
    assert sum(1 for i in ids if by_id[i].answerable) >= 12
    for qid in ids:
        for pid in by_id[qid].gold_paper_ids:
            if pid.startswith(KA_PAPER_PREFIX):
                assert pid.rsplit("/", 1)[1] in demo_papers, (qid, pid)
