"""Extra HTTP routes mounted next to Streamlit with st.App (app.py): sign-in, sign-out, health.

The sign-in form is a small HTML page of its own (no JavaScript): a real form posted to
/account/login, which sets an HttpOnly, SameSite=Lax cookie holding a random session token and
redirects back into the app. The paths are /account/... because Streamlit's own st.login (single
sign-on) owns /auth/login, /auth/logout and /oauth2callback. Streamlit pages read the cookie from st.context.cookies and validate
it against the login_sessions table on every run (pilot/ui/session.py).
"""
from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pilot import auth, db, i18n
from pilot.config import settings

LANG_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


async def api_health(request: Request) -> JSONResponse:
    """Liveness of the app and its database (Streamlit's own /_stcore/health covers the server)."""
    try:
        engine = db.shared_engine()
        db.ping(engine)
        return JSONResponse({"status": "ok", "database": db.backend(engine)})
    except Exception:
        return JSONResponse({"status": "error"}, status_code=503)


def _lang(value: str | None) -> str:
    return i18n.normalise_lang(value)


def _secure(request: Request) -> bool:
    """Mark the cookie Secure when the browser reached us over HTTPS (directly or via a proxy)."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _with_lang(target: str, lang: str) -> str:
    parts = urlsplit(target)
    if "lang=" in parts.query:
        return target
    query = f"{parts.query}&lang={lang}" if parts.query else f"lang={lang}"
    return f"{parts.path}?{query}"


def login_page(lang: str, next_path: str = "/", error: str | None = None, username: str = "",
               status_code: int = 200) -> HTMLResponse:
    """The sign-in form in the user's language, with links to the other two languages."""
    t = lambda key, **p: html.escape(i18n.t(key, lang, **p))  # noqa: E731
    switch = " · ".join(
        f'<a href="/account/login?{html.escape(urlencode({"lang": code, "next": next_path}))}"'
        f'{" aria-current=page" if code == lang else ""}>{name}</a>'
        for code, name in LANG_NAMES.items())
    message = f'<p class="error" role="alert">{t(error, minutes=settings().lockout_minutes)}</p>' if error else ""
    body = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t("auth.title")} · {t("app.title")}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; color: #1b1f24; }}
main {{ max-width: 24rem; margin: 8vh auto; background: #fff; padding: 2rem; border-radius: .5rem;
        box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.4rem; margin-top: 0; }} label {{ display: block; margin-top: 1rem; font-weight: 600; }}
input {{ width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem; margin-top: .3rem; }}
button {{ margin-top: 1.4rem; width: 100%; padding: .65rem; font-size: 1rem; background: #0b5cad; color: #fff;
          border: 0; border-radius: .3rem; cursor: pointer; }}
.error {{ background: #fde8e8; color: #8a1c1c; padding: .6rem; border-radius: .3rem; }}
nav {{ margin-bottom: 1rem; font-size: .9rem; }} nav a[aria-current] {{ font-weight: 700; }}
</style></head>
<body><main>
<nav aria-label="{t("app.language")}">{switch}</nav>
<h1>{t("app.title")}</h1>
<p>{t("auth.intro")}</p>
{message}
<form method="post" action="/account/login">
<input type="hidden" name="ui_lang" value="{lang}">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="username">{t("auth.username")}</label>
<input id="username" name="username" autocomplete="username" required value="{html.escape(username)}"
 {"" if username else "autofocus"}>
<label for="password">{t("auth.password")}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required
 {"autofocus" if username else ""}>
<button type="submit">{t("auth.sign_in")}</button>
</form>
</main></body></html>"""
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})


def _current_token(request: Request) -> str | None:
    return request.cookies.get(auth.COOKIE_NAME)


async def login_form(request: Request) -> Response:
    lang = _lang(request.query_params.get("lang"))
    next_path = auth.safe_next(request.query_params.get("next"))
    token = _current_token(request)
    if token:
        engine = db.shared_engine()

        def still_valid() -> bool:
            with engine.connect() as conn:
                return auth.session_user(conn, token) is not None
        if await run_in_threadpool(still_valid):
            return RedirectResponse(_with_lang(next_path, lang), status_code=303)
    return login_page(lang, next_path)


async def login_submit(request: Request) -> Response:
    form = await request.form()
    lang = _lang(str(form.get("ui_lang") or request.query_params.get("lang") or ""))
    next_path = auth.safe_next(str(form.get("next") or "/"))
    if not auth.same_origin(request.headers):
        # A form on another site must not sign a browser in (login CSRF) or guess passwords through it.
        return login_page(lang, next_path, "auth.cross_origin", status_code=403)
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")[:1024]
    engine = db.shared_engine()
    result = await run_in_threadpool(
        db.run_in_transaction, engine, lambda conn: auth.login(conn, username, password))
    if not result.ok:
        key = "auth.locked" if result.reason == "locked" else "auth.invalid"
        return login_page(lang, next_path, key, username, status_code=429 if result.reason == "locked" else 401)
    response = RedirectResponse(_with_lang(next_path, lang), status_code=303)
    response.set_cookie(auth.COOKIE_NAME, result.token, httponly=True, samesite="lax", secure=_secure(request),
                        path="/", max_age=int(settings().session_idle_hours * 3600) + 3600)
    return response


async def logout(request: Request) -> Response:
    """Revoke the session and clear the cookie. GET works from a plain link; a cross-site POST is refused."""
    lang = _lang(request.query_params.get("lang"))
    if request.method == "POST":
        form = await request.form()
        lang = _lang(str(form.get("ui_lang") or lang))
        if not auth.same_origin(request.headers):
            return login_page(lang, "/", "auth.cross_origin", status_code=403)
    token = _current_token(request)
    if token:
        engine = db.shared_engine()
        await run_in_threadpool(db.run_in_transaction, engine, lambda conn: auth.logout(conn, token))
    response = RedirectResponse(f"/account/login?{urlencode({'lang': lang})}", status_code=303)
    response.delete_cookie(auth.COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    return response


class NoStoreHTML:
    """Mark HTML responses ``Cache-Control: no-store``: after a logout the Back button must not
    show a page from the browser's cache (no-store also keeps pages out of the back/forward cache)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_wrapper)


def routes() -> list[Route]:
    return [
        Route("/api/health", api_health, methods=["GET"]),
        Route("/account/login", login_form, methods=["GET"]),
        Route("/account/login", login_submit, methods=["POST"]),
        Route("/account/logout", logout, methods=["GET", "POST"]),
    ]
