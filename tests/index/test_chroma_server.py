"""Server mode: the pipeline and the retriever against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.question import Question
from assistant.retrieval.retriever import Retriever
from index.embedders import HashEmbedder
from index.vectors import ChromaStore, VectorStoreError
from ingest.pipeline import Pipeline
from ingest.sources.memory import ListSource
from tests.ingest.test_pipeline import _docs

Q = Question.of


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    proc = subprocess.Popen([exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma run did not come up within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.server
def test_pipeline_and_search_through_chroma_server(tmp_path: Path, corpus: Path, chroma_server: str) -> None:
    emb = HashEmbedder()
    docs = _docs(corpus, 4)
    pipe = Pipeline(tmp_path, emb, lambda: ChromaStore(tmp_path, emb.name, chroma_server), workers=1)
    pipe.run([("list", ListSource(docs))])
    total = pipe.catalog.counts()["chunks"]
    assert pipe.store.count() == total
    assert not (tmp_path / "chroma").exists()  # nothing embedded locally in server mode
    pipe.run([("list", ListSource(docs))])
    assert pipe.store.count() == total  # idempotent against the server too
    pipe.close()

    store = ChromaStore(tmp_path, emb.name, chroma_server)
    retriever = Retriever(tmp_path, emb, store)
    some_text = docs[2].files[0].pages[0].text
    query = " ".join(some_text.split()[40:52])
    hits = retriever.search(Q(query), mode="dense", k=3)
    assert hits and hits[0].dense_rank == 1
    assert hits[0].doc_id == "doc-2"


def test_unreachable_server_gives_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VectorStoreError, match="127.0.0.1:9"):
        ChromaStore(tmp_path, "hash-fake", "http://127.0.0.1:9")
