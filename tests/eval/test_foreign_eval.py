"""`council eval` on question files written by someone else, against a small real index: the metrics the
file allows, the ones it does not and why, gold references by Drucksache or file name, bad rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.main import main
from assistant.types import Citation
from eval import metrics as m
from eval.gold import GoldItem
from eval.questions import read_question_file
from eval.runner import evaluate
from ingest.pipeline import Pipeline
from ingest.sources.files import FilesSource
from ingest.sources.oparl_mirror import OParlMirrorSource

MINUTES = "2022-06-29_Niederschrift_Niederschrift_2_Sitzung_Buechenbach.pdf"
OTHER_MINUTES = "2022-04-05_Niederschrift_Niederschrift_1_Sitzung_Buechenbach.pdf"
PAPERS = {"35204": "2016/0737", "48375": "2023/0325"}
WHERE = "In welcher Schule tagte der Stadtteilbeirat Büchenbach am 29. Juni 2022?"
FASTNACHT = "Warum findet der Fastnachtsumzug 2017 in Daxlanden nicht statt?"
UHR = "Wann wurde die Genehmigung für die Uhr am Entenfang erteilt?"


def _item(**fields: Any) -> GoldItem:
    base: dict[str, Any] = {"id": "x", "question": "?", "type": "", "answerable": True, "city": None,
                            "gold_refs": (), "gold_paper_ids": (), "gold_file_ids": (), "key_facts": (),
                            "reference_answer": "", "evidence_quote": "", "evidence_path": None}
    return GoldItem(**{**base, **fields})


def test_gold_refs_match_by_drucksache_or_file_name() -> None:
    by_file = _item(gold_refs=(MINUTES,))
    assert m.paper_matches(f"file:{MINUTES}", None, by_file)
    assert m.paper_matches(f"file:erlangen/{MINUTES.upper()}", None, by_file)  # any folder, any case
    assert m.paper_matches("https://example.org/papers/1", None, by_file, file_name=MINUTES.removesuffix(".pdf"))
    assert not m.paper_matches(f"file:{OTHER_MINUTES}", None, by_file)
    by_number = _item(gold_refs=("DS 2024/0015",))
    assert m.paper_matches("x", "2024/0015", by_number)
    assert not m.paper_matches("file:0015", None, by_number)  # a number is never a file name
    assert not m.paper_matches("https://example.org/papers/0015", None, by_number, file_name="0015")


def test_reference_answer_and_evidence_metrics() -> None:
    item = _item(reference_answer="Die Sitzung fand in der Aula der Heinrich-Kirchner-Schule statt.",
                 evidence_quote="Ort: Aula Heinrich-Kirchner-Schule, Dompropststraße 6, Erlangen")
    answer = "- Ort: Aula Heinrich-Kirchner-Schule, Dompropststraße 6, Erlangen [1]"
    overlap = m.reference_overlap(answer, item.reference_answer)
    assert overlap is not None and 0.5 < overlap < 1.0  # Aula, Heinrich, Kirchner, Schule; not Sitzung
    quote = Citation(n=1, chunk_id="c", doc_id=f"file:{MINUTES}", reference=None, paper_type=None, title="Niederschrift",
                     date=None, body="Erlangen", file_name=MINUTES, page=1, paper_url=None, file_url=None,
                     quote="Ort: Aula Heinrich-Kirchner-Schule, Dompropststraße 6, Erlangen Ende: 19:50 Uhr")
    assert m.evidence_cited([quote], item.evidence_quote) == 1.0
    assert m.evidence_cited([], item.evidence_quote) == 0.0
    assert m.reference_overlap(answer, "") is None and m.evidence_cited([quote], "") is None


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """Two Erlangen minutes (no Drucksache number) and two Karlsruhe papers, BM25 only."""
    folder = tmp_path_factory.mktemp("foreign-eval")
    minutes = folder / "erlangen"
    minutes.mkdir()
    for name in (MINUTES, OTHER_MINUTES):
        shutil.copy(corpus / "pdf" / "erlangen" / name, minutes / name)
    pipeline = Pipeline(folder / "index", None, None, workers=1)
    summary = pipeline.run([("erlangen", FilesSource(minutes, body="Erlangen", ocr=False)),
                            ("karlsruhe", OParlMirrorSource(corpus / "karlsruhe", paper_ids=set(PAPERS)))],
                           embed=False)
    pipeline.close()
    assert summary.documents_seen == 4 and not summary.skipped
    return folder / "index"


def _assistant(index: Path) -> Any:
    from assistant.service import Assistant
    from assistant.settings import Settings

    return Assistant(Settings().with_(index_dir=index, embedder=""), embedder=None, store=None)


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_minimal_file_gets_what_it_allows(index: Path, tmp_path: Path) -> None:
    qfile = read_question_file(_jsonl(tmp_path / "q.jsonl", [{"question": WHERE}, {"question": FASTNACHT}]))
    result = evaluate(_assistant(index), qfile.items, ["bm25"], progress=False)
    overall = result["configs"]["bm25/extractive"]["overall"]
    assert overall["hit@1"] is None and overall["key_fact_recall"] is None
    assert overall["refusal_rate"] is None and overall["false_refusal_rate"] is None
    assert overall["n_refused"] == 2  # how many were refused is always known
    assert set(result["not_computed"]) >= {"Treffer (hit@k, recall@k, MRR, nDCG)", "Schlüsselfakten",
                                          "Ablehnung unbeantwortbarer Fragen", "Fehlablehnung beantwortbarer Fragen"}


def test_csv_with_file_name_and_drucksache_refs(index: Path, tmp_path: Path) -> None:
    path = tmp_path / "fragen.csv"
    path.write_text("Frage;refs;answer;Thema\n"
                    f"{WHERE};{MINUTES};In der Aula der Heinrich-Kirchner-Schule.;Stadtteilbeirat\n"
                    f"{FASTNACHT};2016/0737;Er wurde nie beantragt.;Fastnacht\n"
                    f"{UHR};2023/0325;Am 12. August 2019.;Uhr\n", encoding="utf-8")
    qfile = read_question_file(path)
    result = evaluate(_assistant(index), qfile.items, ["bm25"], progress=False)
    rows = {r["question"]: r for r in result["results"]}
    assert rows[WHERE]["metrics"]["gold_rank"] == 1  # matched by the file name: minutes have no number
    assert rows[FASTNACHT]["metrics"]["gold_rank"] == 1
    assert rows[WHERE]["extra"] == {"Thema": "Stadtteilbeirat"}
    overall = result["configs"]["bm25/extractive"]["overall"]
    assert overall["n_hit@1"] == 3 and overall["n_reference_overlap"] == 3
    assert "Schlüsselfakten" in result["not_computed"] and "Treffer (hit@k, recall@k, MRR, nDCG)" not in result[
        "not_computed"]


def test_cli_reports_skipped_rows_and_what_it_could_not_compute(index: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    questions = _jsonl(tmp_path / "q.jsonl", [{"question": WHERE, "refs": [MINUTES]}, {"refs": ["2016/0737"]},
                                              {"question": FASTNACHT, "bearbeitet_von": "Ortsverwaltung"}])
    out = tmp_path / "out"
    code = main(["eval", "--index", str(index), "--embedder", "hash", "--questions", str(questions), "--out",
                 str(out), "--configs", "bm25"])
    printed = capsys.readouterr().out
    assert code == 3, printed
    assert "  - Zeile 2: Feld question fehlt oder ist leer (auch: frage)" in printed
    assert "Nicht berechnet: Schlüsselfakten – keine Schlüsselfakten (Felder facts, key_facts)" in printed
    assert "Unbekannte Felder, unverändert in results.jsonl (\"extra\"): bearbeitet_von" in printed
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["zeile-1", "zeile-3"]
    assert rows[1]["extra"] == {"bearbeitet_von": "Ortsverwaltung"} and rows[1]["answerable"] is None
    doc = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert doc["questions_file_skipped"] == [{"line": 2, "reason": "Feld question fehlt oder ist leer (auch: frage)"}]
    assert "## Fragendatei" in (out / "report.md").read_text(encoding="utf-8")
