"""`council serve`: the web chat and the API in one FastAPI app (uvicorn), with the login in front.

Without accounts or a trusted header the server is one local user's desktop app: it listens on 127.0.0.1 only.
With `--accounts FILE` users sign in (a page in German, a session cookie; the API takes HTTP Basic or a token);
with `--trust-user-header` an authenticating reverse proxy names the user."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import gradio as gr
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from assistant.server.accounts import AccountError, AccountStore
from assistant.server.api import api_router
from assistant.server.auth import SESSION_COOKIE, SESSION_HOURS, Authenticator, TrustedHeader
from assistant.server.feeds import feeds_router
from assistant.server.pages import SIGNED_OUT, WRONG, login_page
from assistant.server.serving import Serving
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.web.app import CSS, build_app, theme

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
FAILED_LOGIN_DELAY_S = 0.5  # slows password guessing


class ServeError(ValueError):
    """A server that must not start as configured (German, for the command line)."""


def check_host(host: str, auth: Authenticator) -> None:
    if host not in LOCAL_HOSTS and auth.mode == "local":
        raise ServeError(f"--host {host} ohne Anmeldung: Der Server gäbe jedem im Netz alle Unterlagen. "
                         "Erst Konten anlegen (--accounts DATEI) oder --trust-user-header angeben.")


def build_server(assistant: Assistant, serving: Serving) -> FastAPI:
    app = FastAPI(title="Ratsinfo-Assistent", openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
                  description="Fragen an die Ratsdokumente mit geprüften Quellen. Anmeldung: HTTP Basic oder "
                  "Bearer-Token (`council accounts token NAME`).")
    _limits(app)
    _login_routes(app, serving)
    app.include_router(api_router(assistant, serving))
    if serving.subscriptions is not None:
        app.include_router(feeds_router(serving.subscriptions, serving, assistant.settings))
    blocks = build_app(assistant, serving=serving)
    blocks.queue(default_concurrency_limit=None)

    def gradio_user(request: Request) -> str | None:
        user = serving.user_of(request)
        return user.name if user else None

    return gr.mount_gradio_app(app, blocks, path="/", auth_dependency=gradio_user, css=CSS, theme=theme(),
                               footer_links=[], ssr_mode=False, show_error=False)


def _limits(app: FastAPI) -> None:
    """A body over MAX_BODY_BYTES, or one that is not UTF-8 text, gets a clear 4xx and nothing else happens."""

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/api/") and request.method == "POST":
            declared = request.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                return JSONResponse({"detail": f"Anfrage zu groß (höchstens {MAX_BODY_BYTES // 1024} kB)."}, 413)
            body = await request.body()
            if len(body) > MAX_BODY_BYTES:
                return JSONResponse({"detail": f"Anfrage zu groß (höchstens {MAX_BODY_BYTES // 1024} kB)."}, 413)
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                return JSONResponse({"detail": "Die Anfrage ist kein JSON-Text (UTF-8)."}, 400)
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # what was wrong and where, without echoing the input back
        problems = [{"ort": ".".join(str(x) for x in e.get("loc", ())), "fehler": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": "Ungültige Anfrage.", "probleme": problems}, 422)


def _login_routes(app: FastAPI, serving: Serving) -> None:
    auth = serving.auth

    @app.middleware("http")
    async def to_login(request: Request, call_next: Any) -> Response:
        """A browser without a session goes to the login page instead of Gradio's bare 401."""
        if auth.mode == "accounts" and request.method == "GET" and request.url.path == "/" \
                and serving.user_of(request) is None:
            return RedirectResponse("/login", 303)
        return await call_next(request)

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request) -> Response:
        if auth.mode != "accounts":
            return RedirectResponse("/", 303)
        return HTMLResponse(login_page(SIGNED_OUT if "abgemeldet" in request.query_params else ""))

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        sid = auth.sign_in(str(form.get("name") or "").strip(), str(form.get("password") or ""))
        if sid is None:
            time.sleep(FAILED_LOGIN_DELAY_S)
            return HTMLResponse(login_page(WRONG, error=True), 401)
        response = RedirectResponse("/", 303)
        response.set_cookie(SESSION_COOKIE, sid, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
        return response

    @app.get("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        auth.sessions.close(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login?abgemeldet=1", 303)
        response.delete_cookie(SESSION_COOKIE)
        return response


def authenticator(args: Any, settings: Settings) -> Authenticator:
    """From `--accounts` (or COUNCIL_ACCOUNTS) and `--trust-user-header` / `--role-header` / `--roles`."""
    header = getattr(args, "trust_user_header", None)
    if header:
        roles_file = getattr(args, "roles", None)
        roles = TrustedHeader.load_roles(roles_file) if roles_file else None
        role_header = getattr(args, "role_header", None)
        return Authenticator(header=TrustedHeader(header.lower(), role_header.lower() if role_header else None, roles))
    path = getattr(args, "accounts", None) or (settings.accounts_path if str(settings.accounts_path) not in {"", "."}
                                                 else None)
    if path:
        store = AccountStore(path)
        if not store.accounts():
            raise ServeError(f"Keine Konten in {path}: erst `council accounts add NAME --role ROLLE --accounts {path}`.")
        return Authenticator(accounts=store)
    return Authenticator()


def serve(args: Any, settings: Settings) -> int:
    """Entry of `council serve`."""
    from assistant.cli.errors import CliError
    from assistant.compose import make_assistant
    from assistant.web.background import start_background_ingest

    if getattr(args, "mode", None):
        settings = settings.with_(mode=args.mode)
    try:
        auth = authenticator(args, settings)
        check_host(args.host, auth)
    except (ServeError, AccountError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    assistant = make_assistant(settings)
    threading.Thread(target=assistant.warm, name="council-warm-vectors", daemon=True).start()
    if assistant.is_empty:
        log.warning("Der Index unter %s ist leer – der Chat weist darauf hin.", settings.index_dir)
    if getattr(args, "background", None):
        start_background_ingest(assistant, settings, list(args.background))
        print("Einbettungen laufen im Hintergrund; der Chat antwortet bereits mit BM25.", flush=True)
    app = build_server(assistant, Serving.of(settings, auth))
    who = {"local": "ein lokaler Nutzer", "accounts": "Anmeldung mit Konten", "header": f"Nutzer aus {args.trust_user_header}"}
    print(f"Web-Chat: http://{args.host}:{args.port}  (Index: {settings.index_dir}; {who[auth.mode]}; "
          f"API: /api/ask, /api/openapi.json)", flush=True)
    uvicorn.run(app, host=args.host, port=int(args.port), log_level="warning", timeout_keep_alive=30)
    return 0
