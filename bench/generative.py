"""Benchmark: generative answers from the reader's passages with a local model (first token, whole answer, checks).

    COUNCIL_LLM_PATH=$(python scripts/fetch_qwen.py) python -m bench.generative INDEX_DIR [--n 10]

Asks the first N answerable gold questions (eval/questions.jsonl) in generative mode with the learned reader
(settings.answerer "reader"), after one warm-up question, and prints a table: questions, refused, prompt
characters p50, first token p50/p95 (s), whole answer p50/p95 (s), answers whose sentences all passed the citation
check (mode "generative"), answers that fell back to the extractive answer, peak RSS (MB).
"""

from __future__ import annotations

import argparse
import resource
from pathlib import Path

import numpy as np

from assistant.compose import make_assistant
from assistant.settings import Settings
from eval.gold import load_questions
from ingest.paths import REPO_ROOT
from ingest.records import Access


def main() -> None:

    ap = argparse.ArgumentParser()
    ap.add_argument("index")
    ap.add_argument("--n", type=int, default=10)
    ns = ap.parse_args()
    settings = Settings().with_(index_dir=Path(ns.index), answerer="reader", mode="generative")
    if not settings.llm_model_path and not settings.llm_base_url:
        raise SystemExit("COUNCIL_LLM_PATH (GGUF-Datei) oder COUNCIL_LLM_URL setzen")
    questions = [q for q in load_questions(REPO_ROOT / "eval" / "questions.jsonl") if q.answerable and not q.history]
    assistant = make_assistant(settings)
    prompts: list[int] = []
    original = assistant.chat_model

    def recording_model():  # type: ignore[no-untyped-def]
        model = original()

        class Recorder:
            def stream(self, messages):  # type: ignore[no-untyped-def]
                prompts.append(sum(len(str(m.content)) for m in messages))
                return model.stream(messages)

        return Recorder()

    assistant.chat_model = recording_model  # type: ignore[method-assign]
    assistant.ask("Wie viel kostet der Beitritt zum Verein GovTech Kommunal?")  # warm-up: loads the model
    prompts.clear()
    first, whole, passed, fallback, refused = [], [], 0, 0, 0
    for q in questions[: ns.n]:
        answer = assistant.ask(q.question, clearance=Access.STAFF)
        if answer.refused:
            refused += 1
            continue
        whole.append(answer.timings.get("total", 0.0))
        if "first_token" in answer.timings:
            first.append(answer.timings["first_token"])
        passed += answer.mode == "generative"
        fallback += answer.mode == "generative-fallback"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def pct(xs: list[float], p: int) -> str:
        return f"{np.percentile(xs, p):.1f}" if xs else "-"

    print("questions | refused | prompt chars p50 | first token p50 s | first token p95 s | answer p50 s | "
          "answer p95 s | citation check passed | extractive fallback | peak RSS MB")
    print("---|---|---|---|---|---|---|---|---|---")
    print(f"{min(ns.n, len(questions))} | {refused} | {np.percentile(prompts, 50):.0f} | {pct(first, 50)} | "
          f"{pct(first, 95)} | {pct(whole, 50)} | {pct(whole, 95)} | {passed} | {fallback} | {rss:.0f}"
          if prompts else "keine Antwort erzeugt")


if __name__ == "__main__":
    main()
