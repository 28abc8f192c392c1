"""A local GGUF model in-process through the prebuilt xllamacpp wheel, as a LangChain chat model with real token streaming."""

from __future__ import annotations

import queue
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_openai_messages
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

if TYPE_CHECKING:

    pass
from assistant.answer.llm.errors import LLMError, LLMUnavailableError

XLLAMACPP_REQUIREMENT = "xllamacpp==2026.10.11549"
DEFAULT_N_CTX = 4096
DEFAULT_N_THREADS = 2


def import_xllamacpp() -> Any:
    try:
        import xllamacpp
    except ImportError as exc:
        raise LLMUnavailableError(
            "Für ein lokales GGUF-Modell (COUNCIL_LLM_PATH) fehlt das Paket xllamacpp: "
            f"pip install {XLLAMACPP_REQUIREMENT}"
        ) from exc
    return xllamacpp


@dataclass(frozen=True)
class LocalServer:
    """A loaded `xllamacpp.Server` and the API key of its HTTP side (127.0.0.1, free port)."""

    server: Any
    api_key: str

    @property
    def url(self) -> str:
        return str(self.server.listening_address)

    @property
    def base_url(self) -> str:
        """OpenAI-compatible base URL, for `ChatOpenAI(base_url=...)` or COUNCIL_LLM_URL."""
        return self.url + "/v1"

    def post(self, path: str, payload: dict[str, Any]) -> Any:
        """POST to one of llama.cpp's HTTP endpoints (/tokenize, /apply-template, ...)."""
        import httpx

        response = httpx.post(self.url + path, json=payload, headers={"Authorization": f"Bearer {self.api_key}"},
                              timeout=60)
        response.raise_for_status()
        return response.json()


_SERVERS: dict[tuple[str, int, int], LocalServer] = {}
_SERVERS_LOCK = threading.Lock()


def load_local_server(model_path: str, n_ctx: int = DEFAULT_N_CTX, n_threads: int = DEFAULT_N_THREADS) -> LocalServer:
    """The model file loaded once per process (and per n_ctx/n_threads) and reused."""
    key = (str(Path(model_path).resolve()), n_ctx, n_threads)
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None:
            server = _SERVERS[key] = start_xllamacpp_server(key[0], n_ctx, n_threads)
        return server


def start_xllamacpp_server(model_path: str, n_ctx: int = DEFAULT_N_CTX, n_threads: int = DEFAULT_N_THREADS,
                           api_key: str | None = None, port: int = 0) -> LocalServer:
    """Load a GGUF file with xllamacpp: the model in-process plus llama.cpp's OpenAI-compatible HTTP
    server on 127.0.0.1 (xllamacpp always starts it), locked with `api_key` (random if not given).

    Greedy sampling (temperature 0); stops when the returned object is released.
    """
    xllamacpp = import_xllamacpp()
    if not Path(model_path).is_file():
        raise LLMUnavailableError(f"Die Modelldatei (COUNCIL_LLM_PATH) wurde nicht gefunden: {model_path}")
    api_key = api_key or secrets.token_hex(16)
    params = xllamacpp.CommonParams()
    params.model.path = model_path
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = n_threads
    params.cpuparams_batch.n_threads = n_threads
    params.sampling.temp = 0.0
    params.sampling.top_k = 1
    params.verbosity = -1
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.api_keys = [api_key]
    try:
        return LocalServer(server=xllamacpp.Server(params), api_key=api_key)
    except Exception as exc:
        raise LLMUnavailableError(f"Das Modell {model_path} konnte nicht geladen werden: {exc}") from exc


def _usage(raw: dict[str, Any] | None) -> UsageMetadata | None:
    if not raw:
        return None
    n_in = int(raw.get("prompt_tokens", 0))
    n_out = int(raw.get("completion_tokens", 0))
    return UsageMetadata(input_tokens=n_in, output_tokens=n_out, total_tokens=int(raw.get("total_tokens", n_in + n_out)))


def _raise_for_error(response: Any, model_path: str) -> None:
    if isinstance(response, dict) and "error" in response:
        err = response["error"]
        message = err.get("message", str(err)) if isinstance(err, dict) else str(err)
        if isinstance(err, dict) and err.get("type") == "exceed_context_size_error":
            raise LLMError(
                f"Die Anfrage ist zu lang für das Kontextfenster des Modells ({err.get('n_prompt_tokens')} "
                f"von höchstens {err.get('n_ctx')} Tokens): weniger oder kürzere Quellen verwenden."
            )
        raise LLMError(f"Das lokale Modell ({Path(model_path).name}) meldet einen Fehler: {message}")


_DONE = object()


class LocalGGUFChatModel(BaseChatModel):
    """A GGUF chat model run in-process by llama.cpp (xllamacpp), greedy (temperature 0).

    The chat template comes from the GGUF file. `invoke` returns an `AIMessage` with
    `usage_metadata` (tokens in/out) and llama.cpp's `timings` in `response_metadata`;
    `stream` yields one chunk per generated token piece, the last one carrying the usage.
    """

    model_path: str
    n_ctx: int = DEFAULT_N_CTX
    n_threads: int = DEFAULT_N_THREADS
    max_tokens: int = 400
    temperature: float = 0.0

    _server: LocalServer | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "xllamacpp-gguf"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "max_tokens": self.max_tokens,
                "temperature": self.temperature}

    def server(self) -> LocalServer:
        """The loaded model (loaded on first use, shared by all instances for the same file)."""
        if self._server is None:
            self._server = load_local_server(self.model_path, self.n_ctx, self.n_threads)
        return self._server

    def get_token_ids(self, text: str) -> list[int]:
        """Token ids from the model's own tokenizer (no special tokens)."""
        return list(self.server().post("/tokenize", {"content": text, "add_special": False})["tokens"])

    def get_num_tokens(self, text: str) -> int:
        return len(self.get_token_ids(text))

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """Exact prompt length: the messages through the GGUF's chat template, then tokenized."""
        prompt = self.server().post("/apply-template", {"messages": convert_to_openai_messages(messages)})["prompt"]
        return len(self.server().post("/tokenize", {"content": prompt, "add_special": True, "parse_special": True})["tokens"])

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool,
                 **kwargs: Any) -> dict[str, Any]:
        request: dict[str, Any] = {
            "messages": convert_to_openai_messages(messages),
            "max_tokens": int(kwargs.get("max_tokens", self.max_tokens)),
            "temperature": float(kwargs.get("temperature", self.temperature)),
            "stream": stream,
        }
        if stop:
            request["stop"] = list(stop)
        if stream:
            request["stream_options"] = {"include_usage": True}
        return request

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        response = self.server().server.handle_chat_completions(self._request(messages, stop, False, **kwargs))
        _raise_for_error(response, self.model_path)
        choice = response["choices"][0]
        meta = {"model_name": Path(self.model_path).name, "finish_reason": choice.get("finish_reason"),
                "timings": response.get("timings", {})}
        message = AIMessage(content=choice["message"].get("content") or "", usage_metadata=_usage(response.get("usage")),
                            response_metadata=meta, id=response.get("id"))
        return ChatResult(generations=[ChatGeneration(message=message, generation_info=meta)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        request = self._request(messages, stop, True, **kwargs)
        server = self.server().server
        events: queue.Queue[Any] = queue.Queue()
        cancelled = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            events.put(chunk)
            return cancelled.is_set()  # True stops generation

        def work() -> None:
            try:
                server.handle_chat_completions(request, on_chunk)
            except BaseException as exc:  # handed to the consuming thread
                events.put(exc)
            finally:
                events.put(_DONE)

        # llama.cpp releases the GIL while it computes, so the worker thread really runs beside us
        worker = threading.Thread(target=work, name="xllamacpp-stream", daemon=True)
        worker.start()
        try:
            while (event := events.get()) is not _DONE:
                if isinstance(event, BaseException):
                    if isinstance(event, LLMError):
                        raise event
                    raise LLMError(f"Das lokale Modell ist ausgefallen: {event}") from event
                _raise_for_error(event, self.model_path)
                chunk = self._to_chunk(event)
                if chunk is None:
                    continue
                if run_manager and isinstance(chunk.message.content, str) and chunk.message.content:
                    run_manager.on_llm_new_token(chunk.message.content, chunk=chunk)
                yield chunk
        finally:
            cancelled.set()  # consumer stopped early: let llama.cpp stop at the next token
            worker.join(timeout=5)  # during prompt processing it cannot stop; it finishes alone

    def _to_chunk(self, event: dict[str, Any]) -> ChatGenerationChunk | None:
        choices = event.get("choices") or []
        usage = _usage(event.get("usage"))
        if usage is not None:
            meta = {"model_name": Path(self.model_path).name, "timings": event.get("timings", {})}
            return ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage, response_metadata=meta,
                                                              chunk_position="last"))
        if not choices:
            return None
        choice = choices[0]
        text = (choice.get("delta") or {}).get("content") or ""
        finish = choice.get("finish_reason")
        if not text and not finish:
            return None
        info = {"finish_reason": finish} if finish else None
        return ChatGenerationChunk(message=AIMessageChunk(content=text, response_metadata=info or {}), generation_info=info)
