"""End to end: a small real index, gold-like questions about its papers, evaluate(), files, CLI, compare."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.cli.main import main
from assistant.compose import make_assistant
from assistant.settings import Settings
from assistant.types import Answer
from eval import metrics as m
from eval.gold import load_questions
from eval.runner import dense_problem, evaluate, parse_configs, write_outputs
from index.embedders import HashEmbedder
from index.vectors import ChromaStore
from ingest.pipeline import Pipeline
from ingest.records import Access, Document, Page, SourceFile
from ingest.sources.memory import ListSource

OPARL = "https://web1.karlsruhe.de/oparl/bodies/0001"
PAPERS = ["35204", "48375", "38332", "48211", "37131", "36286", "35024", "41206"]


def _paper(pid: str) -> str:
    return f"{OPARL}/papers/vo/{pid}"


def _file(fid: str) -> str:
    return f"{OPARL}/files/{fid}"


QUESTIONS: list[dict[str, Any]] = [
    {"id": "t-fact", "question": "Warum findet der Fastnachtsumzug 2017 in Daxlanden nicht statt?", "type": "fact",
     "gold_refs": ["2016/0737"], "gold_paper_ids": [_paper("35204")], "gold_file_ids": [_file("595032")],
     "key_facts": ["nie beantragt"], "evidence_quote": "nicht abgelehnt, sondern nie beantragt",
     "evidence_path": "karlsruhe/file-contents/595032.txt"},
    {"id": "t-date", "question": "Wann wurde die Genehmigung für die Uhr am Entenfang erteilt?", "type": "amount_date",
     "gold_refs": ["2023/0325"], "gold_paper_ids": [_paper("48375")], "gold_file_ids": [_file("646220")],
     "key_facts": ["12. August 2019"], "evidence_quote": "Eine Genehmigung dazu wurde am 12. August 2019 erteilt.",
     "evidence_path": "karlsruhe/file-contents/646220.txt"},
    {"id": "t-ref", "question": "Was plant die Stadt laut Drucksache 2020/0119 mit dem Gebäude?", "type": "reference",
     "gold_refs": ["2020/0119"], "gold_paper_ids": [_paper("38332")], "gold_file_ids": [_file("615550")],
     "key_facts": ["Augartenschule"], "evidence_quote": "interimsweise von der Augartenschule genutzt",
     "evidence_path": "karlsruhe/file-contents/615550.txt"},
    {"id": "t-list", "question": "Wie lange dauert der Bau des Kinder- und Jugendzentrums Südstadt?", "type": "list",
     "gold_refs": ["2023/0184"], "gold_paper_ids": [_paper("48211")], "gold_file_ids": [_file("645160")],
     "key_facts": ["14 - 16 Monate", "Rahmenterminplan"],
     "evidence_quote": "Davon sind 14 - 16 Monate für die Bauzeit vorgesehen.",
     "evidence_path": "karlsruhe/file-contents/645160.txt"},
    {"id": "t-follow", "question": "Und nach welchen Kriterien werden die Unterstände vergeben?", "type": "followup",
     "gold_refs": ["2019/0219"], "gold_paper_ids": [_paper("37131")], "gold_file_ids": [_file("608822")],
     "key_facts": ["Fahrgastunterstände"], "evidence_quote": "bedachten Fahrgastunterständen",
     "evidence_path": "karlsruhe/file-contents/608822.txt",
     "history": [{"question": "Warum fehlen am Europaplatz und am Durlacher Tor bedachte Unterstände?",
                  "answer": "Die Wartestellen am Europaplatz haben seit 2017 keinen Wetterschutz."}]},
    {"id": "t-none", "question": "Wie viele Pinguine hält der Karlsruher Zoo im Jahr 2031?", "type": "unanswerable",
     "answerable": False, "gold_refs": [], "gold_paper_ids": [], "gold_file_ids": [], "key_facts": [],
     "evidence_quote": "", "evidence_path": None},
]


def _question_lines() -> list[str]:
    lines = []
    for q in QUESTIONS:
        full = {"answerable": True, "city": "Karlsruhe", "reference_answer": "", "history": [], **q}
        lines.append(json.dumps(full, ensure_ascii=False))
    return lines


def _docs(corpus: Path) -> list[Document]:
    """Documents of the OParl mirror papers (ids are the OParl ids, like the mirror source's)."""
    root = corpus / "karlsruhe"
    docs = []
    for pid in PAPERS:
        paper = json.loads((root / "papers" / f"{pid}.json").read_text(encoding="utf-8"))
        files = []
        for f in ([paper["mainFile"]] if paper.get("mainFile") else []) + paper.get("auxiliaryFile", []):
            text_path = root / "file-contents" / f"{f['id'].rsplit('/', 1)[1]}.txt"
            if text_path.is_file():
                files.append(SourceFile(id=f["id"], name=f.get("name") or f.get("fileName") or "", url=f.get("accessUrl"),
                                        pages=(Page(1, text_path.read_text(encoding="utf-8")),)))
        docs.append(Document(id=paper["id"], source="oparl-mirror", body="Karlsruhe", title=paper["name"],
                             reference=paper.get("reference"), paper_type=paper.get("paperType"),
                             date=paper.get("date"), files=tuple(files)))
    return docs


def _source(corpus: Path) -> Any:
    try:
        from ingest.sources.oparl_mirror import OParlMirrorSource  # type: ignore[import-not-found]

        return OParlMirrorSource(corpus / "karlsruhe", paper_ids=PAPERS)
    except (ImportError, TypeError):
        return ListSource(_docs(corpus))


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    folder = tmp_path_factory.mktemp("eval-index")
    emb = HashEmbedder()
    pipeline = Pipeline(folder, emb, lambda: ChromaStore(folder, emb.name), workers=1)
    pipeline.run([("karlsruhe", _source(corpus))])
    assert pipeline.catalog.counts()["documents"] == len(PAPERS)
    pipeline.close()
    return folder


@pytest.fixture(scope="module")
def questions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gold") / "questions.jsonl"
    path.write_text("\n".join(_question_lines()) + "\n", encoding="utf-8")
    return path


def test_parse_configs() -> None:
    cfgs = parse_configs("bm25, hybrid:generative,bm25", "extractive")
    assert [c.key for c in cfgs] == ["bm25/extractive", "hybrid/generative"]
    with pytest.raises(ValueError):
        parse_configs("sparse", "extractive")


class StubAssistant:
    """Answers every question with the same cited paper; an index without vectors."""

    def __init__(self) -> None:
        self.dense_parts = (object(), object())
        self.calls: list[tuple[str, Any, str, str]] = []
        self.clearances: list[Any] = []

    def ask(self, question: str, history: Any = None, filters: Any = None, mode: str | None = None,
            retrieval: str = "hybrid", clearance: Any = None) -> Answer:
        self.calls.append((question, history, str(mode), retrieval))
        self.clearances.append(clearance)
        hit = {"chunk_id": "c1", "doc_id": _paper("35204"), "reference": "2016/0737", "title": "Fastnacht"}
        return Answer(question=question, text="Nie beantragt.", retrieved=(hit,), timings={"total": 0.01})

    def status(self) -> dict[str, Any]:
        return {"exists": True, "documents": 1, "embedded": 0}


def test_dense_needs_vectors_and_history_is_passed(questions: Path) -> None:
    assert dense_problem(SimpleNamespace(dense_parts=(None, None)), None)
    stub = StubAssistant()
    result = evaluate(stub, load_questions(questions), "dense,hybrid", mode="extractive", progress=False)
    assert list(result["skipped"]) == ["dense/extractive"] and "Vektoren" in result["skipped"]["dense/extractive"]
    assert result["warnings"] == ["hybrid/extractive: der Index enthält keine Vektoren, hybrid entspricht BM25"]
    assert {c[3] for c in stub.calls} == {"hybrid"} and len(stub.calls) == len(QUESTIONS)
    assert set(stub.clearances) == {Access.STAFF}  # the evaluation reads every level
    follow = next(c for c in stub.calls if c[0].startswith("Und nach welchen"))
    assert follow[1] == [(QUESTIONS[4]["history"][0]["question"], QUESTIONS[4]["history"][0]["answer"])]
    o = result["configs"]["hybrid/extractive"]["overall"]
    assert o["hit@1"] == pytest.approx(1 / 5) and o["key_fact_recall"] == pytest.approx(1 / 5)
    assert o["refusal_rate"] == 0.0 and o["false_refusal_rate"] == 0.0


def test_own_history_asks_the_earlier_questions_first(questions: Path) -> None:
    """--history own: a follow-up sees the assistant's own earlier answer, as in the chat."""
    stub = StubAssistant()
    items = [it for it in load_questions(questions) if it.history]
    result = evaluate(stub, items, "hybrid", mode="extractive", progress=False, history="own")
    assert result["history"] == "own"
    earlier = QUESTIONS[4]["history"][0]["question"]
    assert [c[0] for c in stub.calls] == [earlier, QUESTIONS[4]["question"]]
    assert stub.calls[0][1] is None  # the earlier question stands alone
    assert stub.calls[1][1] == [(earlier, "Nie beantragt.")]  # the stub's own answer, not the gold one


def test_evaluate_writes_consistent_outputs(index: Path, questions: Path, tmp_path: Path) -> None:
    settings = Settings().with_(index_dir=index, embedder="hash", mode="extractive")
    assistant = make_assistant(settings)
    items = load_questions(questions)
    result = evaluate(assistant, items, "bm25,dense,hybrid", progress=False)
    paths = write_outputs(result, tmp_path)

    for name in ("results.jsonl", "metrics.json", "report.md", "hit_by_type.png", "latency.png"):
        assert (tmp_path / name).is_file() and (tmp_path / name).stat().st_size > 0, name
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    doc = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert set(doc["configs"]) == {"bm25/extractive", "dense/extractive", "hybrid/extractive"}
    assert len(rows) == 3 * len(items) and "results" not in doc
    assert doc["index"]["documents"] == 8 and doc["index_size_bytes"] > 0 and doc["peak_memory_mb"] > 0

    for key, cfg in doc["configs"].items():
        mine = [r for r in rows if r["config"] == key]
        assert cfg["errors"] == 0 and cfg["questions"] == len(items)
        flat = [r["metrics"] for r in mine]
        for name in m.AGGREGATED:
            xs = m.values(flat, name)
            assert cfg["overall"][name] == (pytest.approx(sum(xs) / len(xs)) if xs else None), (key, name)
            if xs and name == "answer_chars":
                assert cfg["overall"][name] > 20  # a length in characters, not a rate
            elif xs:
                assert 0.0 <= cfg["overall"][name] <= 1.0
        o = cfg["overall"]
        assert o["n_hit@1"] == 5 and o["n_refusal_rate"] == 1 and o["n_false_refusal_rate"] == 5
        assert o["hit@1"] <= o["hit@3"] <= o["hit@5"] <= o["hit@10"]
        assert o["recall@1"] <= o["recall@5"] and o["mrr"] <= o["hit@10"]
        for name, ci in cfg["intervals"].items():
            if o[name] is not None:
                assert ci[0] <= o[name] + 1e-9 and o[name] <= ci[1] + 1e-9
        assert cfg["latency"]["total"]["n"] == len(items)
        assert cfg["latency"]["total"]["p50"] <= cfg["latency"]["total"]["p95"]
        assert sum(t["questions"] for t in cfg["by_type"].values()) == len(items)

    # BM25 finds these papers by their own words; the Drucksache number is pinned to rank 1
    bm25 = {r["id"]: r for r in rows if r["config"] == "bm25/extractive"}
    assert bm25["t-ref"]["metrics"]["gold_rank"] == 1
    assert doc["configs"]["bm25/extractive"]["overall"]["hit@5"] >= 0.8
    assert doc["configs"]["hybrid/extractive"]["overall"]["key_fact_recall"] > 0
    for r in rows:
        ans = r["answer"]
        assert ans["question"] == r["question"] and ans["schema_version"] == 1
        if r["metrics"]["citation_validity"] is not None:
            assert r["metrics"]["citation_validity"] == 1.0  # the checker only keeps resolvable markers

    report = paths["report"].read_text(encoding="utf-8")
    for heading in ("## Kennzahlen im Überblick", "## Treffer nach Fragetyp", "## Laufzeit je Schritt",
                    "## Schwächste Fragen", "![Hit@k nach Fragetyp](hit_by_type.png)"):
        assert heading in report
    assert "| hybrid/extractive |" in report


def test_cli_eval_and_compare(index: Path, questions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--index", str(index), "--embedder", "hash", "--questions", str(questions)]
    assert main(["eval", *common, "--out", str(tmp_path / "a"), "--configs", "bm25", "--limit", "4"]) == 0
    assert main(["eval", *common, "--out", str(tmp_path / "b"), "--configs", "bm25", "--ids", "t-fact,t-ref,t-none"]) == 0
    a = json.loads((tmp_path / "a" / "metrics.json").read_text(encoding="utf-8"))
    assert a["configs"]["bm25/extractive"]["questions"] == 4
    assert a["git"] is None or len(a["git"]["commit"]) == 40
    assert a["questions_file"] == str(questions) and a["settings"]["embedder"] == "hash"
    assert main(["eval", "--compare", str(tmp_path / "a"), str(tmp_path / "b" / "metrics.json"),
                 "--out", str(tmp_path / "cmp")]) == 0
    out = capsys.readouterr().out
    assert "# Vergleich zweier Auswertungen" in out
    cmp = json.loads((tmp_path / "cmp" / "compare.json").read_text(encoding="utf-8"))
    cfg = cmp["configs"][0]
    assert cfg["common_questions"] == 2 and cfg["only_a"] == ["t-date", "t-list"] and cfg["only_b"] == ["t-none"]
    # same index, same questions: nothing changes per question
    assert all(not ch["better"] and not ch["worse"] for ch in cfg["changes"].values())
    assert main(["eval", *common, "--out", str(tmp_path / "c"), "--ids", "nope"]) == 1


def test_questions_of_one_city_for_an_archive_index() -> None:
    """`council eval --city Karlsruhe`: the archive index holds one city's papers."""
    from eval.runner import QUESTIONS_PATH, select_items

    items = load_questions(QUESTIONS_PATH)
    karlsruhe = select_items(items, None, None, "karlsruhe")
    assert karlsruhe and all(it.city == "Karlsruhe" for it in karlsruhe)
    assert len(karlsruhe) == sum(1 for it in items if it.city == "Karlsruhe") < len(items)
    assert sum(1 for it in karlsruhe if it.answerable) == 177
    with pytest.raises(ValueError, match="Atlantis"):
        select_items(items, None, None, "Atlantis")
