"""Chat models for the generative mode: an OpenAI-compatible endpoint or a local GGUF file.

`make_chat_model(settings)` picks the backend from the settings:

* `llm_base_url` (COUNCIL_LLM_URL) set: `ChatOpenAI` against that endpoint (vLLM, Ollama,
  LM Studio, llama.cpp server, xllamacpp). Connection failures raise `LLMUnavailableError`.
* else `llm_model_path` (COUNCIL_LLM_PATH) set: `LocalGGUFChatModel`, llama.cpp in-process
  through the prebuilt `xllamacpp` wheel, with real token streaming.
* neither: `LLMNotConfiguredError`.

Both report tokens in/out as `usage_metadata` on the returned `AIMessage` (and on the last
chunk of a stream), and the local model also its llama.cpp timings in `response_metadata`."""

from assistant.answer.llm.endpoint import make_openai_chat_model
from assistant.answer.llm.errors import LLMError, LLMNotConfiguredError, LLMUnavailableError
from assistant.answer.llm.factory import llm_threads, make_chat_model
from assistant.answer.llm.local import (
    DEFAULT_N_CTX,
    DEFAULT_N_THREADS,
    XLLAMACPP_REQUIREMENT,
    LocalGGUFChatModel,
    LocalServer,
    load_local_server,
    start_xllamacpp_server,
)
from assistant.answer.llm.models import (
    QWEN_FILENAME,
    QWEN_PART_COUNT,
    QWEN_PART_VERSION,
    QWEN_SHA256,
    SMOLLM2_REQUIREMENT,
    models_dir,
    qwen_gguf_path,
    qwen_target_path,
    sha256_file,
    smollm2_gguf_path,
    verify_sha256,
    write_verified_marker,
)

__all__ = ["DEFAULT_N_CTX", "DEFAULT_N_THREADS", "LLMError", "LLMNotConfiguredError", "LLMUnavailableError",
    "LocalGGUFChatModel", "LocalServer", "QWEN_FILENAME", "QWEN_PART_COUNT", "QWEN_PART_VERSION", "QWEN_SHA256",
    "SMOLLM2_REQUIREMENT", "XLLAMACPP_REQUIREMENT", "llm_threads", "load_local_server", "make_chat_model",
    "make_openai_chat_model", "models_dir", "qwen_gguf_path", "qwen_target_path", "sha256_file", "smollm2_gguf_path",
    "start_xllamacpp_server", "verify_sha256", "write_verified_marker"]
