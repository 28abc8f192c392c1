"""The chat model the settings name."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.language_models.chat_models import BaseChatModel

if TYPE_CHECKING:

    from assistant.settings import Settings
from assistant.answer.llm.endpoint import make_openai_chat_model
from assistant.answer.llm.errors import LLMNotConfiguredError, LLMUnavailableError
from assistant.answer.llm.local import (
    DEFAULT_N_THREADS,
    XLLAMACPP_REQUIREMENT,
    LocalGGUFChatModel,
    import_xllamacpp,
)


def llm_threads(settings: Settings) -> int:
    """CPU threads for the local model: `settings.llm_threads` if that field exists, else the
    environment variable COUNCIL_LLM_THREADS, else 2. On a busy 2-core machine 1 is faster."""
    value = getattr(settings, "llm_threads", 0) or os.environ.get("COUNCIL_LLM_THREADS") or DEFAULT_N_THREADS
    return max(1, int(value))


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model configured in `settings` (endpoint first, then local GGUF file)."""
    if settings.llm_base_url:
        return make_openai_chat_model(settings.llm_base_url, settings.llm_model, settings.llm_api_key,
                                      settings.llm_max_tokens)
    if settings.llm_model_path:
        import_xllamacpp()
        path = Path(settings.llm_model_path).expanduser()
        if not path.is_file():
            raise LLMUnavailableError(f"Die Modelldatei (COUNCIL_LLM_PATH) wurde nicht gefunden: {path}")
        return LocalGGUFChatModel(model_path=str(path), max_tokens=settings.llm_max_tokens, n_threads=llm_threads(settings))
    raise LLMNotConfiguredError(
        "Kein Sprachmodell konfiguriert. Entweder COUNCIL_LLM_URL auf einen OpenAI-kompatiblen Endpunkt setzen "
        "(z. B. http://127.0.0.1:8080/v1; dazu COUNCIL_LLM_MODEL und COUNCIL_LLM_API_KEY) oder COUNCIL_LLM_PATH "
        f"auf eine GGUF-Datei (dafür: pip install {XLLAMACPP_REQUIREMENT}; ein Modell holt "
        "scripts/fetch_qwen.py). Ohne Sprachmodell antwortet der extraktive Modus (COUNCIL_MODE=extractive)."
    )
