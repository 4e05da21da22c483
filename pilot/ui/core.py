"""Per-session context for pages: the engine, the language, the caller's scope, messages."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine

from pilot import db, i18n
from pilot.access import Scope
from pilot.domain.identifiers import IdentityCodeFound
from pilot.ui.safe import md_params

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return db.shared_engine(url)


def engine() -> Engine:
    """The shared engine (pooled: each session's thread gets its own connection).

    While another process holds the DuckDB file, the page says so in one sentence and stops."""
    from pilot.config import settings
    try:
        return _engine(settings().db)
    except db.DatabaseBusy:
        st.error(t("error.busy"))
        st.stop()
        raise  # st.stop() raises; this line is for type checkers


def lang() -> str:
    """The user's language: the URL's ?lang= first (so a link keeps it), then the session."""
    chosen = st.query_params.get("lang") or st.session_state.get("lang")
    chosen = i18n.normalise_lang(chosen)
    st.session_state["lang"] = chosen
    if st.query_params.get("lang") != chosen:
        st.query_params["lang"] = chosen
    return chosen


def t(key: str, **params: Any) -> str:
    """A message in the user's language. Its parameters are values (a name, a code, a count),
    never markup: texts among them are escaped for Markdown (pilot/ui/safe.py), since messages
    land in captions, alerts, labels and flash messages that Streamlit renders as Markdown."""
    return i18n.t(key, lang(), **md_params(params))


def label(code_list: str, code: str | None) -> str:
    return i18n.label(code_list, code, lang())


def labeller(code_list: str, none_key: str | None = None) -> Callable[[Any], str]:
    """A format_func for pickers with the language fixed now.

    Widgets keep their format_func beyond the script run (AppTest calls it later), so it must not
    read the session's language itself.
    """
    current = lang()
    none_text = i18n.t(none_key, current) if none_key else "—"
    return lambda code: none_text if code is None else i18n.label(code_list, code, current)


def mapper(names: dict[Any, str], none_key: str | None = None) -> Callable[[Any], str]:
    """A format_func from a dict of option -> text, with a translated text for None."""
    none_text = i18n.t(none_key, lang()) if none_key else "—"
    return lambda key: none_text if key is None else names.get(key, str(key))


def scope() -> Scope:
    """The caller's scope, set by streamlit_app.py after login."""
    current = st.session_state.get("scope")
    if not isinstance(current, Scope):
        st.error(t("common.not_allowed"))
        st.stop()
    return current


def require_role(*roles: str) -> Scope:
    """Every page checks the role again: a page reached by URL shows nothing to others."""
    current = scope()
    if current.role not in roles:
        st.error(t("common.not_allowed"))
        st.stop()
    return current


def read(work: Callable[[sa.engine.Connection], T]) -> T:
    with engine().connect() as conn:
        return work(conn)


def write(work: Callable[[sa.engine.Connection], T]) -> T | None:
    """Run a write in a transaction. Conflicts and errors become a sentence, never a traceback.

    Returns the work's result, or None after showing the error (nothing was saved).
    """
    return attempt(lambda: db.run_in_transaction(engine(), work))


def attempt(action: Callable[[], T]) -> T | None:
    """Run an action that writes through its own transactions (import, backup, restore).

    Conflicts, a busy database and unexpected errors become a sentence; None means nothing changed.
    """
    try:
        result = action()
    except db.WriteConflict:
        st.error(t("error.conflict"))
        st.button(t("common.reload"), key=f"reload_{id(action)}", on_click=_forget_forms)
        return None
    except db.DatabaseBusy:
        st.error(t("error.busy"))
        return None
    except IdentityCodeFound:  # an account field or a reason held a henkilötunnus: nothing was saved
        st.error(t("error.hetu"))
        return None
    except Exception:  # the user sees a sentence; the log keeps the details
        import logging
        logging.getLogger("pilot").exception("write failed")
        st.error(t("error.unexpected"))
        return None
    clear_caches()
    return result


def _forget_forms() -> None:
    for key in [k for k in st.session_state if str(k).startswith("form_")]:
        del st.session_state[key]


def clear_caches() -> None:
    st.cache_data.clear()


def flash(key: str, **params: Any) -> None:
    """A message shown once on the next run (after st.rerun)."""
    st.session_state["_flash"] = (key, params)


def show_flash() -> None:
    pending = st.session_state.pop("_flash", None)
    if pending:
        st.success(t(pending[0], **pending[1]))
