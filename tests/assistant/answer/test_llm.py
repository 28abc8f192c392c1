"""Chat model factory: real SmolLM2 GGUF in-process (xllamacpp) and over real HTTP (ChatOpenAI)."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Generator
from pathlib import Path

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage

from assistant.answer import llm
from assistant.answer.llm import (
    LLMNotConfiguredError,
    LLMUnavailableError,
    LocalGGUFChatModel,
    make_chat_model,
    smollm2_gguf_path,
)
from assistant.settings import Settings

PROMPT = [
    SystemMessage("Du bist ein hilfreicher Assistent. Antworte kurz auf Deutsch."),
    HumanMessage("Was beschließt ein Gemeinderat?"),
]


def _settings(**changes: str | int) -> Settings:
    base = Settings().with_(llm_base_url="", llm_model_path="")
    return base.with_(**changes)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smollm2() -> Path:
    pytest.importorskip("xllamacpp", reason="pip install xllamacpp==2026.10.11549")
    try:
        return smollm2_gguf_path()
    except LLMUnavailableError as exc:
        pytest.skip(str(exc))


# --- configuration and errors (no model needed) -------------------------------------------------


def test_not_configured_names_settings_and_package() -> None:
    with pytest.raises(LLMNotConfiguredError) as info:
        make_chat_model(_settings())
    message = str(info.value)
    for needle in ("COUNCIL_LLM_PATH", "COUNCIL_LLM_URL", "pip install xllamacpp==2026.10.11549"):
        assert needle in message


def test_missing_xllamacpp_names_pip_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # makes `import xllamacpp` fail
    with pytest.raises(LLMUnavailableError, match=r"pip install xllamacpp==2026\.10\.11549"):
        make_chat_model(_settings(llm_model_path=str(model)))


def test_missing_model_file(tmp_path: Path) -> None:
    pytest.importorskip("xllamacpp")
    with pytest.raises(LLMUnavailableError, match="nicht gefunden"):
        make_chat_model(_settings(llm_model_path=str(tmp_path / "fehlt.gguf")))


def test_endpoint_gives_chat_openai() -> None:
    from langchain_openai import ChatOpenAI

    model = make_chat_model(_settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_max_tokens=77))
    assert isinstance(model, ChatOpenAI)
    assert model.max_tokens == 77 and model.temperature == 0 and model.streaming and model.stream_usage


def test_unreachable_endpoint_is_clear_german_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    model = make_chat_model(_settings(llm_base_url=url))
    with pytest.raises(LLMUnavailableError) as info:
        model.invoke("Hallo")
    assert info.value.url == url
    assert url in str(info.value) and "nicht erreichbar" in str(info.value)
    with pytest.raises(LLMUnavailableError):
        list(model.stream("Hallo"))


def test_qwen_path_verifies_sha_and_caches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert llm.qwen_gguf_path() is None
    target = llm.qwen_target_path()
    assert target == tmp_path / "council-assistant" / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"kein echtes Modell")
    assert llm.qwen_gguf_path() is None  # wrong hash
    monkeypatch.setattr(llm.models, "QWEN_SHA256", llm.sha256_file(target))  # where qwen_gguf_path reads it
    assert llm.qwen_gguf_path() == target
    marker = target.with_name(target.name + ".verified")
    assert marker.is_file()
    calls: list[Path] = []

    def counting_sha(path: Path) -> str:
        calls.append(path)
        return "x"

    monkeypatch.setattr(llm.models, "sha256_file", counting_sha)
    assert llm.qwen_gguf_path() == target and calls == []  # cached by size+mtime
    target.write_bytes(b"anderer Inhalt, andere Groesse")
    assert llm.qwen_gguf_path() is None and calls == [target]


def test_smollm2_path_is_gguf(smollm2: Path) -> None:
    assert smollm2.suffix == ".gguf" and smollm2.stat().st_size > 50_000_000


# --- the real model in-process ----------------------------------------------------------------------


# One thread: on a shared, busy 2-core machine two llama.cpp threads wait on each other and
# generation drops from ~10 to <1 token/s; one thread keeps these tests at a few seconds.
TEST_THREADS = "1"


def test_llm_threads_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COUNCIL_LLM_THREADS", raising=False)
    assert llm.llm_threads(_settings()) == 2
    monkeypatch.setenv("COUNCIL_LLM_THREADS", "1")
    assert llm.llm_threads(_settings()) == 1


@pytest.fixture(scope="module")
def local_model(smollm2: Path) -> LocalGGUFChatModel:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COUNCIL_LLM_THREADS", TEST_THREADS)
        model = make_chat_model(_settings(llm_model_path=str(smollm2), llm_max_tokens=24))
    assert isinstance(model, LocalGGUFChatModel) and model.n_threads == 1
    return model


@pytest.mark.slow
def test_local_invoke_returns_text_and_usage(local_model: LocalGGUFChatModel) -> None:
    message = local_model.invoke(PROMPT)
    assert isinstance(message.content, str) and message.content.strip()
    usage = message.usage_metadata
    assert usage is not None and usage["input_tokens"] > 10 and 0 < usage["output_tokens"] <= 24
    assert message.response_metadata["timings"]["predicted_n"] == usage["output_tokens"]


@pytest.mark.slow
def test_local_stream_yields_tokens_and_usage(local_model: LocalGGUFChatModel) -> None:
    chunks = list(local_model.stream(PROMPT))
    texts = [c.content for c in chunks if isinstance(c.content, str) and c.content]
    assert len(texts) >= 2
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    assert len(usage) == 1 and usage[0]["output_tokens"] >= len(texts) - 1
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    assert isinstance(total, AIMessageChunk) and total.usage_metadata and "".join(texts) == total.content


@pytest.mark.slow
def test_local_stream_can_stop_early(local_model: LocalGGUFChatModel) -> None:
    stream = local_model.stream(PROMPT, max_tokens=64)
    first = next(c for c in stream if c.content)
    assert isinstance(stream, Generator)
    stream.close()  # must not hang: llama.cpp stops at the next token
    assert first.content
    usage = local_model.invoke(PROMPT, max_tokens=4).usage_metadata
    assert usage is not None and usage["output_tokens"] <= 4


@pytest.mark.slow
def test_local_token_counts_match_usage(local_model: LocalGGUFChatModel) -> None:
    n = local_model.get_num_tokens("Der Gemeinderat beschließt den Haushalt.")
    assert 5 <= n <= 30
    usage = local_model.invoke(PROMPT, max_tokens=2).usage_metadata
    assert usage is not None and local_model.get_num_tokens_from_messages(PROMPT) == usage["input_tokens"]


@pytest.mark.slow
def test_local_context_overflow_is_clear(local_model: LocalGGUFChatModel) -> None:
    with pytest.raises(llm.LLMError, match="Kontextfenster"):
        local_model.invoke([HumanMessage("Wort " * 5000)])


# --- the real model over real HTTP (xllamacpp's OpenAI-compatible server) -----------------------


@pytest.fixture(scope="module")
def http_server(smollm2: Path):  # type: ignore[no-untyped-def]
    key = os.urandom(8).hex()
    server = llm.start_xllamacpp_server(str(smollm2), n_ctx=2048, n_threads=int(TEST_THREADS), api_key=key)
    assert server.api_key == key
    yield server.base_url, key
    del server


@pytest.mark.slow
@pytest.mark.server
def test_chat_openai_over_http(http_server: tuple[str, str]) -> None:
    url, key = http_server
    assert url.startswith("http://127.0.0.1:")
    model = make_chat_model(_settings(llm_base_url=url, llm_api_key=key, llm_model="smollm2", llm_max_tokens=16))
    message = model.invoke(PROMPT)
    assert isinstance(message.content, str) and message.content.strip()
    assert message.usage_metadata and message.usage_metadata["output_tokens"] > 0
    chunks = list(model.stream(PROMPT))
    assert len([c for c in chunks if c.content]) >= 2
    assert any(c.usage_metadata and c.usage_metadata["input_tokens"] > 10 for c in chunks)


@pytest.mark.slow
@pytest.mark.server
def test_wrong_api_key_is_clear(http_server: tuple[str, str]) -> None:
    url, _ = http_server
    model = make_chat_model(_settings(llm_base_url=url, llm_api_key="falsch"))
    with pytest.raises(LLMUnavailableError, match="API-Schlüssel"):
        model.invoke("Hallo")
