"""The JSON API for other programs: `POST /api/ask` answers with the JSON of `council ask --json`, `GET /api/status`
tells what the index holds; the OpenAPI description is at /api/openapi.json. Answers are text, never HTML."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from assistant.server.auth import User
from assistant.server.serving import Serving
from assistant.service import Assistant
from assistant.types import Answer, Filters, parse_filters

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20


class AskFilters(BaseModel):
    """The chat's filters; all optional."""

    model_config = ConfigDict(extra="forbid")
    body: str | None = Field(None, description="Kommune, z. B. Karlsruhe")
    paper_types: list[str] = Field(default_factory=list, description="Vorlagenarten, z. B. [\"Anfrage\"]")
    date_from: str | None = Field(None, description="JJJJ-MM-TT, einschließlich")
    date_to: str | None = Field(None, description="JJJJ-MM-TT, einschließlich")
    committee: str | None = Field(None, description="Teil des Gremiennamens")
    only_current: bool = Field(False, description="nur die neueste Fassung geänderter Vorlagen")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS, description="die Frage, auf Deutsch")
    filters: AskFilters | None = None
    history: list[tuple[str, str]] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                                           description="frühere Fragen und Antworten dieses Gesprächs, älteste zuerst")
    mode: Literal["extractive", "generative"] | None = Field(None, description="leer: der Standard des Servers")


def _filters(raw: AskFilters | None) -> Filters | None:
    if raw is None:
        return None
    try:
        return parse_filters(raw.body, raw.paper_types, raw.date_from, raw.date_to, raw.committee, raw.only_current)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


def api_router(assistant: Assistant, serving: Serving) -> APIRouter:
    router = APIRouter(prefix="/api")

    def user_of(request: Request) -> User:
        user = serving.user_of(request)
        if user is None:
            raise HTTPException(status_code=401, detail="Anmeldung erforderlich (HTTP Basic oder Bearer-Token).",
                                headers={"WWW-Authenticate": 'Basic realm="Ratsinfo-Assistent"'})
        return user

    @router.post("/ask", summary="Eine Frage beantworten", response_description="wie `council ask --json`")
    def ask(body: AskRequest, request: Request) -> dict[str, Any]:
        user = user_of(request)
        question = body.question.strip()
        if not question:
            raise HTTPException(status_code=422, detail="Die Frage ist leer.")
        final: Answer | None = None
        for item in serving.answer(assistant, user, question, [(q, a) for q, a in body.history] or None,
                                   _filters(body.filters), body.mode, "api"):
            if isinstance(item, Answer):
                final = item
        if final is None:
            raise HTTPException(status_code=503, detail="Die Frage konnte nicht beantwortet werden.")
        return final.to_json()

    @router.get("/status", summary="Was der Index enthält")
    def status(request: Request) -> dict[str, Any]:
        user = user_of(request)
        st = assistant.status()
        return {"user": user.name, "role": user.role.value, **{k: v for k, v in st.items() if k != "index"}}

    return router
