"""Page timings for ``python -m pilot bench``: the services dashboard and one employer page, run
with Streamlit's AppTest signed in through a real login session (as tests/helpers_app.py does).

It lives in pilot/ui/ because only the UI layer may import Streamlit; pilot/bench.py calls it.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import streamlit as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from pilot import auth, db
from pilot.records import users

ROOT = Path(__file__).resolve().parents[2]


def page_seconds(db_url: str, username: str, page: str, timeout: float = 600) -> dict[str, float]:
    """Seconds for the first and the second run of ``page`` (relative to the repository) as
    ``username``; the sign-in run before them is not counted. Raises when the page fails."""
    os.environ["PILOT_DB"] = db_url
    st_config.set_option("global.appTest", True)  # the login gate's AppTest hook (pilot/ui/session.py)
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = db.shared_engine(db_url)
    with db.transaction(engine) as conn:
        token = auth.open_session(conn, users.get_by_username(conn, username)["id"])
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    at.session_state["_apptest_login_token"] = token
    at.query_params["lang"] = "en"
    at.run()
    started = time.perf_counter()
    at.switch_page(page).run()
    first = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception}")
    started = time.perf_counter()
    at.run()
    second = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception}")
    return {"first": first, "second": second}
