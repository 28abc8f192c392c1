"""The chat's subscriptions: "Thema abonnieren" for the question just answered, the user's list with feed links,
and "Neu seit Ihrem letzten Besuch"."""

from __future__ import annotations

import html
import json
import time
from dataclasses import asdict
from typing import Any

import gradio as gr

from assistant.server.auth import User
from assistant.server.serving import Serving
from assistant.subscriptions.digest import links
from assistant.subscriptions.records import Kind
from assistant.subscriptions.store import SubscriptionError, SubscriptionStore
from assistant.types import Filters, parse_filters

NEW_SHOWN = 10


def filters_json(filters: Filters | None) -> str:
    if filters is None:
        return ""
    return json.dumps({k: v for k, v in asdict(filters).items() if v}, ensure_ascii=False)


def subscribe_topic(store: SubscriptionStore, serving: Serving, user: User, question: str,
                    filters: Filters | None) -> str:
    try:
        sub = store.add(user.name, user.role, Kind.TOPIC, question, serving.email_of(user.name), filters_json(filters))
    except SubscriptionError as exc:
        return str(exc)
    mail = "per E-Mail und " if sub.email else ""
    return f"Abo {sub.id} angelegt: Neues zu „{sub.target}“ erfahren Sie {mail}im Feed und hier im Chat."


def unsubscribe(store: SubscriptionStore, user: User, number: str) -> str:
    try:
        store.remove(int(str(number).strip()), user=user.name)
    except (ValueError, SubscriptionError):
        return f"Kein Abo mit der Nummer {html.escape(str(number))}."
    return f"Abo {int(str(number).strip())} gelöscht."


def list_html(store: SubscriptionStore, user: User, base_url: str) -> str:
    subs = store.all(user.name)
    if not subs:
        return '<div class="abos leer">Noch keine Abos. „Thema abonnieren“ nach einer Antwort legt eines an.</div>'
    rows = []
    for sub in subs:
        feed, _stop = links(base_url, sub)
        rows.append(f'<li data-abo="{sub.id}"><b>{sub.id}</b> {html.escape(sub.label)} · '
                    f'<a href="{html.escape(feed)}" target="_blank" rel="noopener">Feed</a></li>')
    return '<ul class="abos">' + "".join(rows) + "</ul>"


def new_since_html(store: SubscriptionStore, user: User) -> str:
    """What the user's subscriptions found since the last visit; the visit is recorded now."""
    key = f"visit:{user.name}"
    since = float(store.get_state(key, "0") or 0)
    store.set_state(key, str(time.time()))
    found = [(sub, f) for sub, f in store.found_since(user.name, since) if user.role.allows(f.access)]
    if not found or since == 0:
        return ""
    items = "".join(
        f'<li>{"geändert: " if f.changed else ""}'
        + (f'<a href="{html.escape(f.paper_url)}" target="_blank" rel="noopener">{html.escape(f.label)}</a>'
           if f.paper_url.startswith(("http://", "https://")) else html.escape(f.label))
        + f' <small>({html.escape(sub.label)})</small></li>' for sub, f in found[:NEW_SHOWN])
    more = f"<p><small>und {len(found) - NEW_SHOWN} weitere</small></p>" if len(found) > NEW_SHOWN else ""
    return f'<div class="neu-seit"><b>Neu seit Ihrem letzten Besuch</b><ul>{items}</ul>{more}</div>'


def build_subscriptions(serving: Serving, state: Any, filter_inputs: list[Any]) -> tuple[Any, Any]:
    """The "Thema abonnieren" button and the "Meine Abos" list (inside the chat's Blocks); returns (the list, the
    "Neu seit …" box) for the page's load event, or (None, None) without a subscription store."""
    store = serving.subscriptions
    if store is None:
        return None, None
    news = gr.HTML("", elem_id="neu-seit")
    with gr.Row():
        subscribe = gr.Button("🔔 Thema abonnieren", size="sm", elem_id="abonnieren")
        message = gr.Markdown("", elem_id="abo-meldung")
    with gr.Accordion("Meine Abos", open=False):
        listing = gr.HTML("", elem_id="abos")
        with gr.Row():
            number = gr.Textbox(label="Abo-Nummer", scale=1, elem_id="abo-nummer")
            remove = gr.Button("Abo löschen", size="sm", scale=1, elem_id="abo-loeschen")

    def on_subscribe(st: Any, body: str, paper_types: list[str], date_from: str, date_to: str, committee: str,
                     only_current: bool, request: gr.Request) -> tuple[str, str]:
        user = serving.user_of(request)
        if user is None:
            return "Bitte anmelden.", ""
        shown = list_html(store, user, serving.public_url)
        if st is None or st.last is None:
            return "Erst eine Frage stellen: sie wird das Thema des Abos.", shown
        try:
            filters = parse_filters(body, paper_types, date_from, date_to, committee, only_current)
        except ValueError as exc:
            return str(exc), shown
        return subscribe_topic(store, serving, user, st.last.question, filters), list_html(store, user, serving.public_url)

    def on_remove(value: str, request: gr.Request) -> tuple[str, str]:
        user = serving.user_of(request)
        if user is None:
            return "Bitte anmelden.", ""
        return unsubscribe(store, user, value), list_html(store, user, serving.public_url)

    subscribe.click(on_subscribe, [state, *filter_inputs], [message, listing], api_visibility="private")
    remove.click(on_remove, [number], [message, listing], api_visibility="private")
    return listing, news


def on_load_subscriptions(serving: Serving, user: User | None) -> list[str]:
    if serving.subscriptions is None or user is None:
        return ["", ""]
    return [list_html(serving.subscriptions, user, serving.public_url), new_since_html(serving.subscriptions, user)]
