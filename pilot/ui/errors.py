"""What a user sees when a page fails unexpectedly: one sentence in their language, never a traceback."""
from __future__ import annotations

import logging

import streamlit as st

from pilot import i18n

log = logging.getLogger("pilot")


def show_unexpected(exc: BaseException) -> bool:
    """st.App's on_script_error: log the details, show a translated sentence, hide Streamlit's own box."""
    log.exception("page failed", exc_info=exc)
    lang = i18n.normalise_lang(st.session_state.get("lang"))
    st.error(i18n.t("error.page_failed", lang), icon=":material/error:")
    return True
