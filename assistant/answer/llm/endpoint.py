"""Any OpenAI-compatible endpoint (vLLM, Ollama, LM Studio, llama.cpp server) through langchain-openai."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import SecretStr

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI

from assistant.answer.llm.errors import LLMUnavailableError


def _unavailable(url: str, exc: BaseException) -> LLMUnavailableError:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        reason = "keine Antwort innerhalb der Wartezeit"
    elif isinstance(exc, openai.APIConnectionError):
        reason = "keine Verbindung"
    elif isinstance(exc, openai.AuthenticationError):
        reason = "API-Schlüssel abgelehnt (COUNCIL_LLM_API_KEY)"
    elif isinstance(exc, openai.NotFoundError):
        reason = "Modell oder Pfad unbekannt (COUNCIL_LLM_MODEL, COUNCIL_LLM_URL mit /v1?)"
    else:
        reason = str(exc)
    return LLMUnavailableError(f"Der Sprachmodell-Endpunkt {url} ist nicht erreichbar: {reason}.", url=url)


def _endpoint_errors() -> tuple[type[BaseException], ...]:
    import openai

    return (openai.APIConnectionError, openai.AuthenticationError, openai.NotFoundError)


def _openai_chat_class() -> type[ChatOpenAI]:
    from langchain_openai import ChatOpenAI

    class EndpointChatOpenAI(ChatOpenAI):
        """ChatOpenAI whose connection errors become `LLMUnavailableError` naming the URL."""

        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            try:
                return super()._generate(*args, **kwargs)
            except _endpoint_errors() as exc:
                raise _unavailable(str(self.openai_api_base), exc) from exc

        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            try:
                yield from super()._stream(*args, **kwargs)
            except _endpoint_errors() as exc:
                raise _unavailable(str(self.openai_api_base), exc) from exc

        async def _agenerate(self, *args: Any, **kwargs: Any) -> ChatResult:
            try:
                return await super()._agenerate(*args, **kwargs)
            except _endpoint_errors() as exc:
                raise _unavailable(str(self.openai_api_base), exc) from exc

        async def _astream(self, *args: Any, **kwargs: Any) -> Any:
            try:
                async for chunk in super()._astream(*args, **kwargs):
                    yield chunk
            except _endpoint_errors() as exc:
                raise _unavailable(str(self.openai_api_base), exc) from exc

    return EndpointChatOpenAI


def make_openai_chat_model(base_url: str, model: str = "local", api_key: str = "none", max_tokens: int = 400,
                           timeout: float = 120.0, max_retries: int = 1) -> ChatOpenAI:
    """`ChatOpenAI` (subclass) for an OpenAI-compatible endpoint, greedy and streaming with usage."""
    cls = _openai_chat_class()
    return cls(base_url=base_url, model=model, api_key=SecretStr(api_key or "none"),
               max_completion_tokens=max_tokens,  # = ChatOpenAI.max_tokens; sent as max_completion_tokens
               temperature=0, streaming=True, stream_usage=True, timeout=timeout, max_retries=max_retries)
