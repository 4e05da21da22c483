"""Who is using the app: the login gate, the caller's scope, sign-out and access checks on URLs.

A session is valid when the browser's HttpOnly cookie (set by /account/login, pilot/web.py) holds
a token whose SHA-256 is an open, recently used row of login_sessions; or, when single sign-on
is configured in secrets ([auth]), when st.user is signed in with the email of an enabled account.
The scope is computed from the database on every run, so a logout, a disabled account, a new role
or a caseload reassignment holds at once.

Test hook: AppTest cannot send cookies (streamlit/testing/v1/app_test.py: "headers, cookies ...
come from the session's client, so AppTest.context cannot seed them"). Only while the option
``global.appTest`` is on — which Streamlit sets itself for AppTest runs and never for a served
app — the token is read from ``st.session_state[TEST_TOKEN_KEY]`` instead of the cookie. It is
still a real token validated against login_sessions, so tests exercise the same check.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

import streamlit as st

from pilot import auth, db
from pilot.access import Scope
from pilot.records import audit, companies, participants, users
from pilot.ui import nav
from pilot.ui.core import engine, lang, t

TEST_TOKEN_KEY = "_apptest_login_token"
# Query parameters that name a record: an id outside the caller's scope is refused and logged.
GUARDED_PARAMS = ("participant", "company")


def _in_apptest() -> bool:
    # AppTest patches streamlit.config.get_option (not the st.get_option alias) for its runs.
    from streamlit import config
    return config.get_option("global.appTest") is True


def _token() -> str | None:
    if _in_apptest():
        return st.session_state.get(TEST_TOKEN_KEY)
    return st.context.cookies.get(auth.COOKIE_NAME)


def sso_configured() -> bool:
    """Single sign-on is on when the secrets hold an [auth] section for st.login."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sso_scope() -> Scope | None:
    """An st.login user whose email belongs to an enabled account gets that account's role."""
    if not sso_configured() or not st.user.get("is_logged_in"):
        return None
    email = st.user.get("email")
    if not email:
        return None
    with engine().connect() as conn:
        user = users.get_by_email(conn, str(email))
        if user is None or user["disabled"]:
            return None
        scope = users.scope_for(conn, user)
    if st.session_state.get("_sso_logged") != user["id"]:
        db.run_in_transaction(engine(), lambda c: audit.record(c, scope, "login", "user", user["id"],
                                                               reason="sso"))
        st.session_state["_sso_logged"] = user["id"]
    return scope


def current_scope() -> Scope | None:
    """The signed-in caller's scope, or None (then the app shows only the sign-in page)."""
    token = _token()
    scope = None
    if token:
        with engine().connect() as conn:
            user = auth.session_user(conn, token)
            scope = users.scope_for(conn, user) if user else None
        if user is not None and auth.needs_touch(user):
            try:
                db.run_in_transaction(engine(), lambda c: auth.touch(c, token))
            except db.WriteConflict:  # another tab touched it at the same moment: fine
                pass
        st.session_state["_via_sso"] = False
    if scope is None:
        scope = _sso_scope()
        st.session_state["_via_sso"] = scope is not None
    if scope is None:
        st.session_state.pop("scope", None)
        return None
    st.session_state["scope"] = scope
    return scope


def _here() -> str:
    """The path and query the browser asked for (to come back to it after signing in)."""
    url = st.context.url
    if not url:
        return "/"
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login_url() -> str:
    return "/account/login?" + urlencode({"lang": lang(), "next": auth.safe_next(_here())})


def login_page() -> None:
    """What a caller without a valid session sees inside the app (the session ended while the page
    was open: the guard of pilot/web.py sends every new page load to /account/login itself): the
    browser is taken to that one sign-in page, which keeps the language, shows its language picker
    on a phone too, and is the page a failed attempt comes back to. The link is there for a
    browser that does not follow the script."""
    st.title(t("app.title"))
    st.caption(t("app.subtitle"))
    st.subheader(t("auth.title"))
    target = login_url()
    st.markdown(f"[{t('auth.open_login_page')}]({target})")
    quoted = json.dumps(target).replace("<", "\\u003c")  # no text of the address can close the script
    st.html(f"<script>window.location.replace({quoted});</script>", unsafe_allow_javascript=True)


def gate() -> Scope:
    """Stop the run with the sign-in page unless a valid session exists; return the scope."""
    scope = current_scope()
    if scope is None:
        # The sign-in page answers at every page path too, so a deep link (or a reload after the
        # session expired) shows the form instead of "page not found", and returns there after.
        paths = ["login"] + sorted({p.url_path for p in nav.PAGES} | {"home"})
        st.navigation([st.Page(login_page, title=t("auth.title"), icon=":material/login:",
                               url_path=path, default=path == "login") for path in paths],
                      position="hidden").run()
        st.stop()
    return scope


def account_box(scope: Scope) -> None:
    """Who is signed in, in which role, and the sign-out button."""
    with st.sidebar:
        st.caption(t("auth.signed_in_as", user=scope.username, role=t(f"auth.role.{scope.role}")))
        if st.session_state.get("_via_sso"):
            if st.button(t("auth.sign_out"), key="sso_logout"):
                st.logout()
        else:
            st.html(f"""<form method="post" action="/account/logout">
<input type="hidden" name="ui_lang" value="{lang()}">
<button type="submit" style="padding:.35rem .9rem">{t("auth.sign_out")}</button></form>""")


def welcome_page() -> None:
    """The start page of a role that has no pages of its own yet."""
    scope = st.session_state["scope"]
    st.title(t("app.title"))
    st.write(t("auth.welcome", user=scope.username, role=t(f"auth.role.{scope.role}")))


def pages(scope: Scope) -> dict[str, list]:
    """The role's pages for st.navigation; a role without pages gets the welcome page."""
    sections = nav.pages_for(scope.role, t)
    if not sections:
        sections = {"": [st.Page(welcome_page, title=t("auth.home"), icon=":material/home:",
                                 url_path="home", default=True)]}
    return sections


def _deny(scope: Scope, entity: str, entity_id: str) -> None:
    """Log a refused access once per browser session, and tell the user in one sentence."""
    seen = st.session_state.setdefault("_denied_logged", set())
    if (entity, entity_id) not in seen:
        db.run_in_transaction(engine(), lambda c: audit.record(c, scope, "denied", entity, entity_id[:64]))
        seen.add((entity, entity_id))
    st.error(t("common.not_allowed"))


def guard_request(scope: Scope) -> None:
    """Refuse record ids in the URL outside the scope, and pages of other roles, before any page runs.

    ``?participant=<id>`` and ``?company=<id>`` reach a page only when the scope covers them; any
    other value is removed from the URL and logged as "denied". A page path of another role is
    logged too (st.navigation already shows only the role's own pages).
    """
    for name in GUARDED_PARAMS:
        raw = st.query_params.get(name)
        if raw is None:
            continue
        allowed = False
        if raw.isdigit():
            with engine().connect() as conn:
                if name == "participant":
                    allowed = participants.get_participant(conn, scope, int(raw)) is not None
                else:
                    allowed = companies.get_company(conn, scope, int(raw)) is not None
        if not allowed:
            del st.query_params[name]
            _deny(scope, name, raw)
    path = urlsplit(st.context.url or "").path.strip("/")
    others = {p.url_path for p in nav.PAGES if scope.role not in p.roles}
    if path and path in others:
        _deny(scope, "page", path)


def record_read(scope: Scope, entity: str, entity_id: object, reason: str | None = None) -> None:
    """Log a read of personal data (opening a participant, an export, a report) once per session
    and record, so reruns of the same screen do not flood the audit log."""
    seen = st.session_state.setdefault("_reads_logged", set())
    key = (entity, str(entity_id), reason)
    if key in seen:
        return
    db.run_in_transaction(engine(), lambda c: audit.record(c, scope, "read", entity, entity_id, reason=reason))
    seen.add(key)
