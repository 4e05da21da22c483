"""The ASGI app: Streamlit (streamlit_app.py) plus the extra routes of pilot/web.py.

`streamlit run app.py` detects this st.App and serves both: /account/login, /account/totp and
/account/logout set and clear the session cookie that the pages validate (pilot/ui/session.py);
pilot/web.py's SignInGuard checks the Host, adds the security headers and keeps /media/*,
/_stcore/metrics and /_stcore/host-config for signed-in browsers.
"""
import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from streamlit.runtime.pages_manager import PagesManager

from pilot import busy, golive, web
from pilot.ui.errors import show_unexpected

# A pages/ folder next to the entry script switches a fresh server into Streamlit's old multipage
# mode until some session has called st.navigation: the first browser to open /participants would
# run pages/participants.py directly, skipping the login gate of streamlit_app.py. The app always
# uses st.navigation, so the old mode is switched off before any session starts.
PagesManager.uses_pages_directory = False



def _sso_email(request: HTTPConnection) -> str | None:
    """The email of a browser signed in with single sign-on (st.login), read from Streamlit's
    signed user cookie, so the guard of pilot/web.py lets such a browser reach the app too.
    Streamlit 1.67 has no public call for this; its websocket handler reads the cookie the same way."""
    if "_streamlit_user" not in request.cookies:
        return None
    try:
        from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
        from streamlit.web.server.starlette.starlette_websocket import (
            _get_signed_cookie_with_chunks,
            _parse_decoded_user_cookie,
        )
        raw = _get_signed_cookie_with_chunks(dict(request.cookies), USER_COOKIE_NAME)
        if not raw:
            return None
        user = _parse_decoded_user_cookie(raw, f"{request.url.scheme}://{request.url.netloc}")
    except Exception:  # no [auth] secrets, a broken or forged cookie: not signed in
        return None
    return str(user["email"]) if user.get("is_logged_in") and user.get("email") else None


def _sso_start() -> str | None:
    """The URL that starts st.login's single sign-on, or None when secrets hold no [auth]."""
    try:
        if "auth" not in st.secrets:
            return None
        from streamlit.auth_util import validate_auth_credentials
        from streamlit.user_info import generate_login_redirect_url
        validate_auth_credentials("default")
        return generate_login_redirect_url("default")
    except Exception:  # no secrets file, or an incomplete [auth] section: password sign-in only
        return None


# The guard comes first: the Host allow-list, the security headers and the session-only paths
# hold for every route, Streamlit's own included (user middleware wraps Streamlit's).
# An unexpected error on a page is logged and shown as one translated sentence, never a traceback.
# The database is taken when the app starts (a command line started later is refused, not the app's
# first request); while another process holds it, routes answer 503 with one sentence (pilot/busy.py).
# At start the logs become JSON lines and the database is migrated and checked (pilot/golive.py).
app = st.App("streamlit_app.py", routes=web.routes(sso_start=_sso_start),
             middleware=[Middleware(busy.BusyAnswer), Middleware(web.SignInGuard, sso_email=_sso_email),
                         Middleware(web.NoStoreHTML)],
             on_script_error=show_unexpected, lifespan=golive.lifespan)
