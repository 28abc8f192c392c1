"""Embeddings completing in the background while the chat already answers with BM25."""

from __future__ import annotations

import logging
import threading
import time

from assistant.compose import make_embedder
from assistant.service import Assistant
from assistant.settings import Settings
from ingest.pipeline import Pipeline
from ingest.specs import detect

log = logging.getLogger(__name__)


def start_background_ingest(assistant: Assistant, settings: Settings, source_args: list[str]) -> threading.Thread:
    """Ingest `source_args` (usually already in the catalog) and embed pending chunks in a thread.

    Uses the assistant's own embedder and Chroma client, so one process owns the store.
    """

    def work() -> None:

        own_embedder, store = assistant.dense_parts
        if own_embedder is None or store is None:
            log.warning("Kein Embedder/Chroma verfügbar: Hintergrund-Einbettung entfällt")
            return

        sources = [s for arg in source_args for s in detect(arg, ocr=settings.ocr)]
        try:
            embedder = make_embedder(settings, purpose="ingest")  # the fast torch path when available
        except Exception:
            embedder = own_embedder
        pipeline = Pipeline(settings.index_dir, embedder, lambda: store, workers=1)
        try:
            summary = pipeline.run(sources, embed=False)
            if summary.chunks_added or summary.chunks_removed:
                assistant.reload()
            while True:
                before = pipeline.catalog.counts()["embedded"]
                pipeline.embed_pending(summary, limit=256)
                if pipeline.catalog.counts()["embedded"] == before:
                    break
            pipeline.catalog.set_state("last_embed", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
            log.info("Hintergrund-Einbettung fertig: %s Abschnitte", summary.chunks_embedded)
        except Exception:  # never take the chat down
            log.exception("Hintergrund-Einlesen abgebrochen")
        finally:
            pipeline.close()

    thread = threading.Thread(target=work, name="council-background-ingest", daemon=True)
    thread.start()
    return thread
