"""`council serve`: the German web chat (Gradio Blocks) over an Assistant.

`build_app(assistant, serving=…)` builds the Blocks; `assistant.server.app` serves them (with CSS and a theme
without web fonts: no requests to third parties) beside the login and the API.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402

from assistant.server.auth import LOCAL_USER, ROLE_NAMES, User  # noqa: E402
from assistant.server.serving import Serving, Waiting  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from assistant.types import Answer, parse_filters  # noqa: E402
from assistant.web.feedback import FeedbackStore  # noqa: E402
from assistant.web.render import (  # noqa: E402
    answer_html,
    citations_json,
    error_html,
    plain_text,
    query_html,
    sources_html,
    status_html,
    streaming_html,
    user_html,
    waiting_html,
)
from assistant.web.subscriptions import build_subscriptions, on_load_subscriptions  # noqa: E402
from ingest.records import Access  # noqa: E402

log = logging.getLogger(__name__)

TITLE = "Ratsinfo-Assistent"
# answered from the demo corpus (`council ingest demo`), each showing one kind of question
EXAMPLES = [
    "Wie viele obdachlose Menschen gibt es schätzungsweise in Karlsruhe?",
    "Hat der Gemeinderat der Kündigung der DGNB-Mitgliedschaft zugestimmt?",
    "Mit welchen Nachbarkommunen will Nordstemmen eine LEADER-Region bilden?",
    "Welche Bebauungspläne wurden für Durlach beraten?",
]
BACKEND_DOWN = ("Die Frage konnte gerade nicht beantwortet werden: Ein Dienst im Hintergrund "
                "(Suche oder Sprachmodell) ist nicht erreichbar. Bitte später noch einmal versuchen.")
EMPTY_QUESTION = "Bitte eine Frage eingeben."
SIGNED_OUT = "Sie sind nicht mehr angemeldet. Bitte die Seite neu laden und anmelden."

CSS = """
#stand .stand { font-size: 0.9em; color: var(--body-text-color-subdued); }
#stand .stand.leer { color: #b45309; font-weight: 600; }
.gesucht { font-size: 0.85em; color: var(--body-text-color-subdued); font-style: italic; margin: 2px 0 6px; }
#chat a.cite { text-decoration: none; font-weight: 600; padding: 0 1px; color: #2563eb !important; }
#chat .unbelegt em { color: #b45309; background: #fff7ed; text-decoration: underline dotted; }
#chat .unbelegt small { color: #b45309; font-weight: 600; }
#chat ul.antwort { margin: 0; padding-left: 1.2em; }
.nichtoeffentlich { background: #fee2e2; color: #991b1b; font-size: 0.8em; padding: 0 4px; border-radius: 3px; }
#nutzer .nutzer { text-align: right; font-size: 0.9em; }
#chat ul.antwort li { margin: 0 0 0.45em 0; }
#chat .verweigert { color: var(--body-text-color-subdued); }
#chat .fehler { color: #b91c1c; }
#chat .tippt { opacity: 0.5; }
#quellen { max-height: 640px; overflow-y: auto; }
#quellen h3 { margin: 0 0 8px; font-size: 1em; }
#quellen .quellen-leer { color: var(--body-text-color-subdued); font-size: 0.9em; padding: 8px; }
#quellen .quelle { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin-bottom: 10px; background: var(--background-fill-secondary); scroll-margin-top: 12px; }
#quellen .quelle:target { border-color: #2563eb; box-shadow: 0 0 0 3px rgba(37, 99, 235, 0.3); }
#quellen .kopf { font-size: 0.85em; color: var(--body-text-color-subdued); }
#quellen .nr { font-weight: 700; color: #2563eb; }
#quellen .titel { font-weight: 600; margin: 2px 0; overflow-wrap: anywhere; }
#quellen .meta, #quellen .datei { font-size: 0.85em; color: var(--body-text-color-subdued); overflow-wrap: anywhere; }
#quellen blockquote.zitat { margin: 6px 0 !important; padding: 0 0 0 8px; border-left: 3px solid #facc15; font-size: 0.9em;
  white-space: pre-wrap; overflow-wrap: anywhere; }
#quellen mark { background: #fef08a; color: inherit; }
#quellen .links a { margin-right: 12px; font-size: 0.9em; }
#quellen .kein-link { font-size: 0.85em; color: var(--body-text-color-subdued); }
"""


@dataclass
class Turn:
    """The last answered question (for feedback and the copy button)."""

    question: str = ""
    answer_text: str = ""
    citations_json: str = "[]"
    copy_text: str = ""


@dataclass
class ChatState:
    """Per-session conversation: history for follow-ups and the last answered turn."""

    history: list[tuple[str, str]] = field(default_factory=list)
    last: Turn | None = None


# --- pure helpers (tested without a browser) -------------------------------------------------------
def generative_configured(settings: Any) -> bool:
    return bool(getattr(settings, "llm_model_path", "") or getattr(settings, "llm_base_url", ""))


def _choices(counts: dict[str, int] | None) -> list[str]:
    return sorted(k for k in (counts or {}) if k)


def _safe_status(assistant: Assistant) -> dict[str, Any]:
    try:
        return dict(assistant.status())
    except Exception:  # the status line must never break the page
        log.exception("Status nicht lesbar")
        return {"exists": False}


def draft_builder() -> Any:
    """`assistant.web.draft_tab.build_draft_tab` if another module provides it, else None."""
    if importlib.util.find_spec("assistant.web.draft_tab") is None:
        return None
    try:
        module = importlib.import_module("assistant.web.draft_tab")
    except Exception:
        log.exception("Entwurfs-Reiter nicht ladbar")
        return None
    return getattr(module, "build_draft_tab", None)


# --- event handlers -----------------------------------------------------------------------------------
def respond(assistant: Assistant, question: str, messages: list[dict[str, Any]] | None, state: ChatState | None,
            body: str | None, paper_types: list[str] | None, date_from: str | None, date_to: str | None,
            committee: str | None, only_current: bool, mode: str | None, serving: Serving | None = None,
            user: User | None = None) -> Iterator[tuple[Any, ...]]:
    """Streams (chat, textbox, sources, query line, state, copy text) while the answer is produced, for `user`
    (the local user without a server: every level)."""
    serving = serving or Serving.of(assistant.settings)
    user = user or User(LOCAL_USER, Access.STAFF)
    messages = list(messages or [])
    state = state or ChatState()
    question = (question or "").strip()
    if not question:
        yield messages, "", gr.skip(), gr.skip(), state, gr.skip()
        return
    messages.append({"role": "user", "content": user_html(question)})
    try:
        filters = parse_filters(body, paper_types, date_from, date_to, committee, only_current)
    except ValueError as exc:
        messages.append({"role": "assistant", "content": error_html(str(exc))})
        yield messages, question, gr.skip(), "", state, gr.skip()
        return
    messages.append({"role": "assistant", "content": streaming_html("")})
    yield messages, "", gr.skip(), "", state, gr.skip()
    pieces = ""
    final: Answer | None = None
    extractive = (mode or assistant.settings.mode) != "generative"
    try:
        for item in serving.answer(assistant, user, question, list(state.history), filters, mode or None, "chat"):
            if isinstance(item, Answer):
                final = item
                break
            if isinstance(item, Waiting):
                messages[-1] = {"role": "assistant", "content": waiting_html(item.place, item.generative)}
            else:
                pieces += str(item)
                if extractive:  # the text comes whole, right before the answer: one frame less to send
                    continue
                messages[-1] = {"role": "assistant", "content": streaming_html(pieces)}
            yield messages, "", gr.skip(), "", state, gr.skip()
    except Exception:
        log.exception("Frage fehlgeschlagen: %s", question)
        messages[-1] = {"role": "assistant", "content": error_html(BACKEND_DOWN)}
        yield messages, "", gr.skip(), "", state, gr.skip()
        return
    if final is None:
        messages[-1] = {"role": "assistant", "content": error_html(BACKEND_DOWN)}
        yield messages, "", gr.skip(), "", state, gr.skip()
        return
    messages[-1] = {"role": "assistant", "content": answer_html(final)}
    copy = plain_text(final)
    new_state = ChatState(history=[*state.history, (question, final.text)],
                          last=Turn(question, final.text, citations_json(final), copy))
    yield messages, "", sources_html(final), query_html(final), new_state, copy


def store_feedback(store: FeedbackStore, state: ChatState | None, rating: int, comment: str | None) -> tuple[str, str]:
    """Save 👍/👎 for the last answer; returns (message, cleared comment box)."""
    if state is None or state.last is None:
        return "Noch keine Antwort zum Bewerten.", comment or ""
    try:
        store.add(state.last.question, state.last.answer_text, rating, comment or "", state.last.citations_json)
    except Exception:
        log.exception("Feedback nicht gespeichert")
        return "Feedback konnte nicht gespeichert werden.", comment or ""
    return ("Danke! Positives Feedback gespeichert." if rating > 0 else "Danke! Kritik gespeichert."), ""


def reset() -> tuple[Any, ...]:
    return [], "", sources_html(None), "", ChatState(), "", ""


# --- layout ---------------------------------------------------------------------------------------------
@dataclass
class _Filters:
    body: Any
    paper_types: Any
    committee: Any
    date_from: Any
    date_to: Any
    only_current: Any


@dataclass
class _Chat:
    chatbot: Any
    query_line: Any
    question: Any
    send: Any
    copy_btn: Any
    up: Any
    down: Any
    new_chat: Any
    comment: Any
    feedback_msg: Any
    sources: Any


def build_app(assistant: Assistant, feedback: FeedbackStore | None = None, serving: Serving | None = None) -> gr.Blocks:
    """The German web chat over `assistant`; `serving` knows who asks (without it: the one local user, who reads
    every level)."""
    settings: Any = getattr(assistant, "settings", None)
    if feedback is None and settings is None:
        raise ValueError("build_app braucht einen FeedbackStore oder ein Assistant-Objekt mit .settings")
    store = feedback or FeedbackStore(settings.feedback_file)
    serving = serving or Serving.of(settings)
    status = _safe_status(assistant)
    show_mode = generative_configured(settings)
    default_mode = getattr(settings, "mode", "extractive") if show_mode else "extractive"

    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        with gr.Row():
            gr.Markdown(f"## {TITLE}\nFragen zu Vorlagen, Anfragen und Beschlüssen – jede Aussage mit Quelle.")
            user_box = gr.HTML("", elem_id="nutzer")
        status_box = gr.HTML(status_html(status), elem_id="stand")
        with gr.Tab("Fragen"):
            filters = _filter_row(status)
            mode = gr.Radio(choices=[("Extraktiv", "extractive"), ("Generativ", "generative")], value=default_mode,
                            label="Antwortmodus", visible=show_mode, elem_id="modus")
            chat = _chat_columns()
            copy_text = gr.Textbox(visible=False, elem_id="kopiertext")
            state = gr.State(ChatState())
            abos, news = build_subscriptions(serving, state, [filters.body, filters.paper_types, filters.date_from,
                                                              filters.date_to, filters.committee, filters.only_current])
        draft_tab = _draft_tab(assistant, serving)
        _wire(assistant, serving, store, filters, chat, mode, state, copy_text)

        def on_load(request: gr.Request) -> list[Any]:
            user = serving.user_of(request)
            shown = [status_html(_safe_status(assistant)), user_html_box(user, serving.auth.mode != "local")]
            shown += on_load_subscriptions(serving, user) if abos is not None else []
            return shown + ([gr.Tab(visible=user is not None and user.role is Access.STAFF)] if draft_tab else [])

        outputs = [status_box, user_box, *([abos, news] if abos is not None else []), *([draft_tab] if draft_tab else [])]
        app.load(on_load, None, outputs, api_visibility="private")
    return app


def user_html_box(user: User | None, sign_out: bool) -> str:
    """Who is signed in, with which role, and the way out."""
    if user is None:
        return '<div class="nutzer"><a href="/login">Anmelden</a></div>'
    out = f'<div class="nutzer">Angemeldet: <b>{html.escape(user.name)}</b> ({ROLE_NAMES[user.role]})'
    if sign_out:
        out += ' · <a href="/logout" id="abmelden">Abmelden</a>'
    return out + "</div>"


def _filter_row(status: dict[str, Any]) -> _Filters:
    with gr.Accordion("Filter", open=False):
        with gr.Row():
            body = gr.Dropdown(choices=[("Alle Kommunen", ""), *((b, b) for b in _choices(status.get("bodies")))],
                               value="", label="Kommune", elem_id="filter-kommune")
            paper_types = gr.Dropdown(choices=_choices(status.get("paper_types")), value=[], multiselect=True,
                                      label="Vorlagenart", elem_id="filter-vorlagenart")
            committee = gr.Textbox(label="Gremium", placeholder="z. B. Gemeinderat", elem_id="filter-gremium")
        with gr.Row():
            date_from = gr.Textbox(label="Datum von", placeholder="JJJJ-MM-TT", elem_id="filter-von")
            date_to = gr.Textbox(label="Datum bis", placeholder="JJJJ-MM-TT", elem_id="filter-bis")
            only_current = gr.Checkbox(label="nur aktuelle Fassungen", value=False, elem_id="filter-aktuell")
    return _Filters(body, paper_types, committee, date_from, date_to, only_current)


def _chat_columns() -> _Chat:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Gespräch", elem_id="chat", height=480, buttons=[], latex_delimiters=[],
                sanitize_html=True, render_markdown=True, line_breaks=False,
                placeholder="Stellen Sie eine Frage zu den Ratsdokumenten. Folgefragen beziehen sich auf das Gespräch.",
            )
            query_line = gr.HTML("", elem_id="gesucht")
            with gr.Row():
                question = gr.Textbox(show_label=False, placeholder="Ihre Frage …", scale=5, elem_id="frage",
                                      lines=1, max_lines=4, autofocus=True)
                send = gr.Button("Fragen", variant="primary", scale=1, elem_id="senden")
            gr.Examples(examples=EXAMPLES, inputs=[question], label="Beispielfragen")
            with gr.Row():
                copy_btn = gr.Button("📋 Antwort kopieren", size="sm", elem_id="kopieren")
                up = gr.Button("👍 Hilfreich", size="sm", elem_id="feedback-gut")
                down = gr.Button("👎 Nicht hilfreich", size="sm", elem_id="feedback-schlecht")
                new_chat = gr.Button("Neues Gespräch", size="sm", elem_id="neu")
            comment = gr.Textbox(label="Kommentar zum Feedback (optional)", lines=1, elem_id="kommentar")
            feedback_msg = gr.Markdown("", elem_id="feedback-meldung")
        with gr.Column(scale=2):
            sources = gr.HTML(sources_html(None), elem_id="quellen")
    return _Chat(chatbot, query_line, question, send, copy_btn, up, down, new_chat, comment, feedback_msg, sources)


def _draft_tab(assistant: Assistant, serving: Serving) -> Any:
    """The drafting tab (for the administration's staff: shown to them alone, and its handler checks the role)."""
    draft = draft_builder()
    if draft is None:
        return None
    with gr.Tab("Stellungnahme entwerfen", visible=False) as tab:
        try:
            draft(assistant, serving)
        except Exception:  # a broken drafting tab must not take the chat down
            log.exception("Entwurfs-Reiter fehlgeschlagen")
            gr.Markdown("Der Entwurfs-Assistent ist gerade nicht verfügbar.")
    return tab


def _wire(assistant: Assistant, serving: Serving, store: FeedbackStore, f: _Filters, c: _Chat, mode: Any, state: Any,
          copy_text: Any) -> None:
    """The chat's events: asking, feedback, a new conversation, copying the answer. Asking runs without Gradio's
    one-at-a-time default: `Serving` gives the turns (extractive and generative answers in their own queues)."""

    def on_ask(q: str, msgs: list[dict[str, Any]], st: ChatState, b: str, pt: list[str], df: str, dt: str,
               cm: str, oc: bool, md: str, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        user = serving.user_of(request)
        if user is None:  # a session that ended while the page stayed open
            yield [*(msgs or []), {"role": "assistant", "content": error_html(SIGNED_OUT)}], q, gr.skip(), "", st, gr.skip()
            return
        yield from respond(assistant, q, msgs, st, b, pt, df, dt, cm, oc, md, serving, user)

    inputs = [c.question, c.chatbot, state, f.body, f.paper_types, f.date_from, f.date_to, f.committee,
              f.only_current, mode]
    outputs = [c.chatbot, c.question, c.sources, c.query_line, state, copy_text]
    c.question.submit(on_ask, inputs, outputs, api_visibility="private", concurrency_limit=None)
    # the load test (`bench.load`) drives this event through gradio_client, as a browser does
    c.send.click(on_ask, inputs, outputs, api_name="fragen", api_visibility="undocumented", concurrency_limit=None)
    c.up.click(lambda st, m: store_feedback(store, st, 1, m), [state, c.comment], [c.feedback_msg, c.comment],
               api_visibility="private")
    c.down.click(lambda st, m: store_feedback(store, st, -1, m), [state, c.comment], [c.feedback_msg, c.comment],
                 api_visibility="private")
    cleared = [c.chatbot, c.question, c.sources, c.query_line, state, copy_text, c.feedback_msg]
    c.new_chat.click(reset, None, cleared, api_visibility="private")
    c.chatbot.clear(reset, None, cleared, api_visibility="private")
    c.copy_btn.click(None, [copy_text], None, api_visibility="private",
                     js="(t) => { if (t) { navigator.clipboard.writeText(t); } return []; }")


def theme() -> Any:
    """Default look with system fonts only (no Google Fonts requests from the browser)."""
    return gr.themes.Default(font=["system-ui", "Segoe UI", "Roboto", "sans-serif"],
                             font_mono=["ui-monospace", "monospace"])
