"""The subscriptions' web side: the Atom feed of a subscription (/feeds/ID.atom?token=…) and the unsubscribe link
of the e-mails (/abo/ID/abbestellen?token=…: a page with a button, so that a mail scanner following links
unsubscribes nobody). Both are reached by the subscription's secret token, without signing in; a feed shows only
what the owner may read now."""

from __future__ import annotations

import hmac
import html

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from assistant.server.serving import Serving
from assistant.settings import Settings
from assistant.subscriptions.feed import atom
from assistant.subscriptions.records import Subscription
from assistant.subscriptions.store import SubscriptionStore

PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Abo – Ratsinfo-Assistent</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 34rem; margin: 12vh auto; }}
button {{ padding: .5rem 1rem; font-size: 1rem; }}</style></head><body><h1>Ratsinfo-Assistent</h1>{body}</body></html>"""


def feeds_router(store: SubscriptionStore, serving: Serving, settings: Settings) -> APIRouter:
    router = APIRouter()

    def owned(sub_id: int, token: str) -> Subscription:
        sub = store.get(sub_id)
        if sub is None or not hmac.compare_digest(sub.token, token or ""):
            raise HTTPException(status_code=404, detail="Kein solches Abo.")
        return sub

    @router.get("/feeds/{sub_id}.atom", include_in_schema=False)
    def feed(sub_id: int, token: str = "") -> Response:
        sub = owned(sub_id, token)
        role = sub.role_now(serving.auth.accounts.role_of if serving.auth.accounts is not None else None)
        items = [f for f in store.found(sub.id) if role is not None and role.allows(f.access)]
        return Response(atom(sub, items, settings.public_url), media_type="application/atom+xml; charset=utf-8")

    @router.get("/abo/{sub_id}/abbestellen", include_in_schema=False)
    def confirm(sub_id: int, token: str = "") -> HTMLResponse:
        sub = owned(sub_id, token)
        body = (f"<p>Abo „{html.escape(sub.label)}“ abbestellen?</p>"
                f'<form method="post"><input type="hidden" name="token" value="{html.escape(token)}">'
                '<button type="submit" id="abbestellen">Abbestellen</button></form>')
        return HTMLResponse(PAGE.format(body=body))

    @router.post("/abo/{sub_id}/abbestellen", include_in_schema=False)
    async def unsubscribe(sub_id: int, request: Request) -> HTMLResponse:
        form = await request.form()
        sub = owned(sub_id, str(form.get("token") or ""))
        store.remove(sub.id)
        return HTMLResponse(PAGE.format(body=f"<p>Das Abo „{html.escape(sub.label)}“ ist abbestellt.</p>"))

    return router
