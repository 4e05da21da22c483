"""Extra HTTP routes mounted next to Streamlit with st.App (app.py): sign-in (password, then the
second factor at /account/totp when the account needs one), sign-out, health; and SignInGuard,
the middleware that checks the Host, adds the security headers and keeps /media/*,
/_stcore/metrics and /_stcore/host-config for signed-in browsers.

The sign-in form is a small HTML page of its own (no JavaScript): a real form posted to
/account/login, which sets an HttpOnly, SameSite=Lax cookie holding a random session token and
redirects back into the app. The paths are /account/... because Streamlit's own st.login (single
sign-on) owns /auth/login, /auth/logout and /oauth2callback. Streamlit pages read the cookie from st.context.cookies and validate
it against the login_sessions table on every run (pilot/ui/session.py).
"""
from __future__ import annotations

import base64
import functools
import html
import importlib.util
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
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
    """Mark the cookie Secure when the browser reached us over HTTPS, directly or through a trusted
    proxy: the server (uvicorn) takes X-Forwarded-Proto into the scheme only from the addresses of
    FORWARDED_ALLOW_IPS (default loopback); the header from anyone else changes nothing."""
    return request.url.scheme == "https"


def _with_lang(target: str, lang: str) -> str:
    parts = urlsplit(target)
    if "lang=" in parts.query:
        return target
    query = f"{parts.query}&lang={lang}" if parts.query else f"lang={lang}"
    return f"{parts.path}?{query}"


def _streamlit_font() -> str:
    """The path Streamlit serves its text font (Source Sans) at, so the sign-in page is set in the
    app's font from the app's own host; empty when it cannot be found (the system font then)."""
    spec = importlib.util.find_spec("streamlit")  # located, not imported: pilot/ has no streamlit
    if spec is None or spec.origin is None:
        return ""
    found = sorted((Path(spec.origin).parent / "static" / "static" / "media").glob("SourceSansVF-Upright*.woff2"))
    return f"/static/media/{found[0].name}" if found else ""


_FONT = _streamlit_font()
# The favicon of the app's pages (pilot/ui/streamlit_texts.py), inline: no request leaves the host.
_ICON = "data:image/svg+xml;base64," + base64.b64encode(
    (Path(__file__).parent / "ui" / "favicon.svg").read_bytes()).decode("ascii")
# The app's look (.streamlit/config.toml, pilot/ui/a11y.py): its font, text colour, the sidebar's
# grey, the primary colour; the language picker stays in view at any width, a phone's too.
_STYLE = ("""@font-face { font-family: "Source Sans"; src: url("%s") format("woff2"); font-weight: 200 900; }
""" % _FONT if _FONT else "") + """
body { font-family: "Source Sans", system-ui, sans-serif; background: #fff; margin: 0; color: #2f2d2b;
       font-size: 1rem; line-height: 1.6; }
header { background: #f8f8f7; border-bottom: 1px solid #e6e6e3; padding: .75rem 1.25rem; display: flex;
         justify-content: flex-end; }
.subtitle { color: #55534f; font-size: .9rem; margin: 0 0 1rem 0; }
nav.lang { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem; font-size: .95rem; }
nav.lang a { color: #0050bb; padding: .2rem .6rem; border-radius: .5rem; border: 1px solid #d5d5d2;
             text-decoration: none; background: #fff; }
nav.lang a[aria-current] { background: #0050bb; color: #fff; border-color: #0050bb; font-weight: 600; }
main { max-width: 26rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 2rem; font-weight: 700; margin: 0 0 .25rem 0; line-height: 1.2; }
h2 { font-size: 1.4rem; font-weight: 600; }
label { display: block; margin-top: 1rem; font-size: .9rem; }
input { width: 100%; box-sizing: border-box; padding: .55rem .7rem; font: inherit; margin-top: .25rem;
        background: #f0f0ee; border: 1px solid #8d8b87; border-radius: .5rem; color: inherit; }
input:focus-visible, a:focus-visible, button:focus-visible { outline: 3px solid #0050bb; outline-offset: 2px; }
button, a.button { display: block; text-align: center; text-decoration: none; margin-top: 1.4rem; width: 100%;
          box-sizing: border-box; padding: .6rem; font: inherit; font-weight: 600; background: #0050bb; color: #fff;
          border: 0; border-radius: .5rem; cursor: pointer; }
.error { background: #fde8e8; color: #8a1c1c; padding: .6rem .8rem; border-radius: .5rem; }
code, .codes { font-family: ui-monospace, monospace; font-size: 1rem; word-break: break-all; }
.codes { columns: 2; padding-left: 1.2rem; } .qr svg { width: 12rem; height: 12rem; }
"""


def _page(lang: str, title: str, content: str, status_code: int = 200, switch_path: str | None = None,
          headers: dict[str, str] | None = None) -> HTMLResponse:
    """One page of the sign-in flow (no JavaScript) in the user's language, with the app's header,
    look and language picker, so it reads as the same app before and after a failed attempt."""
    t = lambda key, **p: html.escape(i18n.t(key, lang, **p))  # noqa: E731
    switch = ""
    if switch_path is not None:
        links = "".join(
            f'<a href="{html.escape(switch_path)}{"&" if "?" in switch_path else "?"}lang={code}" hreflang="{code}"'
            f' lang="{code}"{" aria-current=true" if code == lang else ""}>{name}</a>'
            for code, name in LANG_NAMES.items())
        switch = f'<nav class="lang" aria-label="{t("app.language")}"><span>{t("app.language")}:</span>{links}</nav>'
    body = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · {t("app.title")}</title>
<link rel="icon" href="{_ICON}">
<style>{_STYLE}</style></head>
<body>
<header>{switch}</header>
<main>
<h1>{t("app.title")}</h1>
<p class="subtitle">{t("app.subtitle")}</p>
{content}
</main></body></html>"""
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store", **(headers or {})})


def _error(lang: str, key: str | None, **params: object) -> str:
    if not key:
        return ""
    return f'<p class="error" role="alert">{html.escape(i18n.t(key, lang, **params))}</p>'


def login_page(lang: str, next_path: str = "/", error: str | None = None, username: str = "",
               status_code: int = 200, sso: bool = False, **params: object) -> HTMLResponse:
    """The sign-in form in the user's language, with links to the other two languages (and to
    single sign-on when it is configured)."""
    t = lambda key, **p: html.escape(i18n.t(key, lang, **p))  # noqa: E731
    sso_link = f'<p><a class="button" href="/account/sso">{t("auth.sso")}</a></p>' if sso else ""
    content = f"""<h2>{t("auth.title")}</h2>
<p>{t("auth.intro")}</p>
{_error(lang, error, **params)}
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
{sso_link}"""
    return _page(lang, i18n.t("auth.title", lang), content, status_code,
                 switch_path="/account/login?" + urlencode({"next": next_path}))


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (segno is pure Python); empty if it cannot be drawn."""
    try:
        import segno
        svg = segno.make(uri, error="m").svg_inline(scale=4, border=2)
    except Exception:  # the key and the link are shown as text anyway
        return ""
    return svg


def totp_page(lang: str, info: dict, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    """The second step: a code (verify), or the new key with its QR code and a first code (enrol)."""
    t = lambda key, **p: html.escape(i18n.t(key, lang, **p))  # noqa: E731
    enrol = info["purpose"] == "enrol"
    title = i18n.t("signin.enrol_title" if enrol else "signin.verify_title", lang)
    setup = ""
    if enrol:
        qr = _qr_svg(info["uri"])
        setup = f"""<p>{t("signin.enrol_intro")}</p>
{f'<div class="qr" role="img" aria-label="{t("signin.qr_alt")}">{qr}</div>' if qr else ""}
<p>{t("signin.secret")}: <code id="totp-secret">{html.escape(info["secret"])}</code></p>
<p>{t("signin.uri")}: <code id="totp-uri">{html.escape(info["uri"])}</code></p>"""
    else:
        setup = f'<p>{t("signin.verify_intro")}</p>'
    content = f"""<h2>{html.escape(title)}</h2>
{setup}
{_error(lang, error)}
<form method="post" action="/account/totp">
<input type="hidden" name="ui_lang" value="{lang}">
<label for="code">{t("signin.code")}</label>
<input id="code" name="code" autocomplete="one-time-code" inputmode="{"numeric" if enrol else "text"}"
 required autofocus maxlength="32">
<button type="submit">{t("signin.confirm")}</button>
</form>"""
    return _page(lang, title, content, status_code, switch_path="/account/totp")


def recovery_page(lang: str, codes: tuple[str, ...], next_path: str) -> str:
    t = lambda key, **p: html.escape(i18n.t(key, lang, **p))  # noqa: E731
    items = "".join(f"<li>{html.escape(c)}</li>" for c in codes)
    return f"""<h2>{t("signin.recovery_title")}</h2>
<p>{t("signin.recovery_intro")}</p>
<ol class="codes" id="recovery-codes">{items}</ol>
<a class="button" href="{html.escape(_with_lang(next_path, lang))}">{t("signin.continue")}</a>"""


def _current_token(request: Request) -> str | None:
    return request.cookies.get(auth.COOKIE_NAME)


def client_address(request: Request) -> str:
    """The address failed attempts are counted against (the TCP peer; behind a reverse proxy all
    clients share the proxy's address, so run the proxy with a per-client limit of its own)."""
    return (request.client.host if request.client else "-")[:64]


SsoStart = Callable[[], "str | None"]


async def login_form(request: Request, sso_start: SsoStart | None = None) -> Response:
    lang = _lang(request.query_params.get("lang"))
    next_path = auth.safe_next(request.query_params.get("next"))
    token = _current_token(request)
    if token:
        engine = db.shared_engine()

        def role_of_session() -> str | None:
            with engine.connect() as conn:
                user = auth.session_user(conn, token)
                return user["role"] if user is not None else None
        role = await run_in_threadpool(role_of_session)
        if role is not None:
            return RedirectResponse(_with_lang(auth.after_sign_in(next_path, role), lang), status_code=303)
    return login_page(lang, next_path, sso=sso_start is not None and sso_start() is not None)


async def sso_redirect(request: Request, sso_start: SsoStart | None = None) -> Response:
    """Start single sign-on (Streamlit's st.login flow); back to the form when it is not configured."""
    target = sso_start() if sso_start is not None else None
    lang = _lang(request.query_params.get("lang"))
    return RedirectResponse(target or f"/account/login?{urlencode({'lang': lang})}", status_code=303)


def _set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(auth.COOKIE_NAME, token, httponly=True, samesite="lax", secure=_secure(request),
                        path="/", max_age=int(settings().session_idle_hours * 3600) + 3600)


def _clear_challenge(request: Request, response: Response) -> None:
    response.delete_cookie(auth.CHALLENGE_COOKIE, path="/account", httponly=True, samesite="strict",
                           secure=_secure(request))


def _refused(lang: str, next_path: str, result: auth.LoginResult, username: str = "") -> HTMLResponse:
    """The answer to a refused attempt: the same for every username, known or not."""
    if result.reason == "throttled":
        seconds = result.retry_seconds()
        page = login_page(lang, next_path, "signin.throttled", username, status_code=429, seconds=seconds)
        page.headers["Retry-After"] = str(seconds)
        return page
    if result.reason == "expired":
        return login_page(lang, next_path, "signin.expired", username, status_code=401)
    return login_page(lang, next_path, "auth.invalid", username, status_code=401)


async def login_submit(request: Request) -> Response:
    form = await request.form()
    lang = _lang(str(form.get("ui_lang") or request.query_params.get("lang") or ""))
    next_path = auth.safe_next(str(form.get("next") or "/"))
    if not auth.same_origin(request.headers):
        # A form on another site must not sign a browser in (login CSRF) or guess passwords through it.
        return login_page(lang, next_path, "auth.cross_origin", status_code=403)
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")[:1024]
    client = client_address(request)
    engine = db.shared_engine()
    result = await run_in_threadpool(
        db.run_in_transaction, engine,
        lambda conn: auth.login(conn, username, password, client=client, next_path=next_path))
    if result.reason == "second_factor":
        response = RedirectResponse(f"/account/totp?{urlencode({'lang': lang})}", status_code=303)
        response.set_cookie(auth.CHALLENGE_COOKIE, result.challenge or "", httponly=True, samesite="strict",
                            secure=_secure(request), path="/account", max_age=auth.CHALLENGE_MINUTES * 60)
        response.headers["Cache-Control"] = "no-store"
        return response
    if not result.ok:
        return _refused(lang, next_path, result, username)
    # result.next_path: the role's start page for "/" (auth.after_sign_in), a deep link kept.
    response = RedirectResponse(_with_lang(result.next_path, lang), status_code=303)
    _set_session_cookie(request, response, result.token or "")
    return response


def _challenge_info(request: Request) -> dict | None:
    challenge = request.cookies.get(auth.CHALLENGE_COOKIE)
    client = client_address(request)
    engine = db.shared_engine()
    with engine.connect() as conn:
        return auth.challenge_info(conn, challenge, client)


async def totp_form(request: Request) -> Response:
    """The second step of signing in: enter a code, or set up the authenticator app first."""
    lang = _lang(request.query_params.get("lang"))
    info = await run_in_threadpool(_challenge_info, request)
    if info is None:
        response = login_page(lang, "/", "signin.expired", status_code=401)
        _clear_challenge(request, response)
        return response
    return totp_page(lang, info)


async def totp_submit(request: Request) -> Response:
    form = await request.form()
    lang = _lang(str(form.get("ui_lang") or request.query_params.get("lang") or ""))
    if not auth.same_origin(request.headers):
        return login_page(lang, "/", "auth.cross_origin", status_code=403)
    challenge = request.cookies.get(auth.CHALLENGE_COOKIE)
    code = str(form.get("code") or "")[:64]
    client = client_address(request)
    engine = db.shared_engine()
    info = await run_in_threadpool(_challenge_info, request)
    result = await run_in_threadpool(
        db.run_in_transaction, engine, lambda conn: auth.second_factor(conn, challenge, code, client=client))
    if result.reason == "invalid" and info is not None:
        return totp_page(lang, info, "signin.invalid_code", status_code=401)
    if not result.ok:
        response = _refused(lang, info["next_path"] if info else "/", result,
                            info["username"] if info else "")
        _clear_challenge(request, response)
        return response
    if result.recovery_codes:
        # Shown once, on this page only (no-store); the database keeps their hashes.
        response: Response = _page(lang, i18n.t("signin.recovery_title", lang),
                                   recovery_page(lang, result.recovery_codes, result.next_path))
    else:
        response = RedirectResponse(_with_lang(result.next_path, lang), status_code=303)
    _set_session_cookie(request, response, result.token or "")
    _clear_challenge(request, response)
    return response


async def logout(request: Request) -> Response:
    """Revoke the session and clear the cookie: only a POST from our own pages (a link or an image
    on another site must not sign anyone out; GET is answered 405 by the router)."""
    form = await request.form()
    lang = _lang(str(form.get("ui_lang") or request.query_params.get("lang") or ""))
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


async def logout_get(request: Request) -> Response:
    """A GET never signs anyone out (405): Streamlit's catch-all would otherwise answer it with the app."""
    lang = _lang(request.query_params.get("lang"))
    return PlainTextResponse(i18n.t("signin.logout_post", lang), status_code=405,
                             headers={"Allow": "POST", "Cache-Control": "no-store"})


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


SECURITY_HEADERS = (
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
# Answer only to a valid login session: files handed out for download (reports, data-subject
# exports, CSVs), the server's metrics and its host configuration.
SESSION_ONLY = ("/media/", "/_stcore/metrics", "/_stcore/host-config")
# Paths that are not pages of the app: Streamlit's own, its assets, our routes, single sign-on.
NOT_PAGES = ("/_stcore/", "/static/", "/media/", "/account/", "/api/", "/auth/", "/oauth2callback",
             "/component/", "/app/static/")


def host_name(host_header: str) -> str:
    """``example.org:8501`` -> ``example.org``; ``[::1]:8501`` -> ``::1``."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host_header: str | None, allowed: tuple[str, ...]) -> bool:
    if not host_header:
        return False
    return "*" in allowed or host_name(host_header) in allowed


class SignInGuard:
    """Every route, Streamlit's own included: a Host outside PILOT_ALLOWED_HOSTS gets 400; every
    response carries the security headers; /media/*, /_stcore/metrics and /_stcore/host-config
    answer only to a valid login session (401 otherwise); a page asked for without one is
    redirected to the sign-in form (Streamlit's page cannot start without its host-config).

    ``sso_email`` (given by app.py, which may read Streamlit's single sign-on cookie) returns
    the email of a browser signed in with single sign-on, or None.
    """

    def __init__(self, app: ASGIApp, sso_email: Callable[[HTTPConnection], str | None] | None = None) -> None:
        self.app = app
        self.sso_email = sso_email

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request = HTTPConnection(scope)  # a websocket too (Request is for http only)
        lang = _lang(request.query_params.get("lang"))
        if not host_allowed(request.headers.get("host"), settings().allowed_hosts):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await self._plain(400, i18n.t("signin.bad_host", lang))(scope, receive, send)
            return
        if scope["type"] == "http":
            path = scope.get("path", "")
            if path.startswith(SESSION_ONLY) or path in SESSION_ONLY:
                if not await run_in_threadpool(self._signed_in, request):
                    await self._plain(401, i18n.t("signin.need_session", lang))(scope, receive, send)
                    return
            elif scope.get("method") in ("GET", "HEAD") and self._is_page(path):
                if not await run_in_threadpool(self._signed_in, request):
                    query = f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""
                    target = "/account/login?" + urlencode({"lang": lang, "next": auth.safe_next(path + query)})
                    await self._with_headers(RedirectResponse(target, status_code=303))(scope, receive, send)
                    return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_wrapper)

    @staticmethod
    def _is_page(path: str) -> bool:
        last = path.rsplit("/", 1)[-1]
        return not path.startswith(NOT_PAGES) and "." not in last

    def _signed_in(self, request: HTTPConnection) -> bool:
        token = request.cookies.get(auth.COOKIE_NAME)
        email = None
        if not token and self.sso_email is not None:
            email = self.sso_email(request)
            if not email:
                return False
        elif not token:
            return False
        engine = db.shared_engine()
        with engine.connect() as conn:
            if token:
                return auth.session_user(conn, token) is not None
            return auth.sso_account(conn, email or "") is not None

    @staticmethod
    def _with_headers(response: Response) -> Response:
        for key, value in SECURITY_HEADERS:
            response.headers[key.decode()] = value.decode()
        response.headers["Cache-Control"] = "no-store"
        return response

    def _plain(self, status: int, text: str) -> Response:
        return self._with_headers(PlainTextResponse(text, status_code=status))


def routes(sso_start: SsoStart | None = None) -> list[Route]:
    """The extra routes. ``sso_start`` (from app.py) gives the URL that starts single sign-on, or
    None when it is not configured."""
    return [
        Route("/api/health", api_health, methods=["GET"]),
        Route("/account/login", functools.partial(login_form, sso_start=sso_start), methods=["GET"]),
        Route("/account/sso", functools.partial(sso_redirect, sso_start=sso_start), methods=["GET"]),
        Route("/account/login", login_submit, methods=["POST"]),
        Route("/account/totp", totp_form, methods=["GET"]),
        Route("/account/totp", totp_submit, methods=["POST"]),
        Route("/account/logout", logout, methods=["POST"]),
        Route("/account/logout", logout_get, methods=["GET"]),
    ]
