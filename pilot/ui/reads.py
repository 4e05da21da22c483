"""Reads of lists with names are on record: one audit row per view and filter, not per rerun.

A list page calls ``record_view(scope, "participant_list", {...filters})`` after it has read the
rows. Streamlit reruns the page on every click; the row is written once per browser session for the
same (user, view, filter), so the log says who looked at which list with which filter.
"""
from __future__ import annotations

import json
from typing import Any

import streamlit as st

from pilot import db
from pilot.access import Scope
from pilot.records import audit
from pilot.ui.core import engine

_SEEN = "_views_logged"


def record_view(scope: Scope, view: str, filters: dict[str, Any] | None = None) -> None:
    key = (scope.username, view, json.dumps(filters or {}, sort_keys=True, default=str))
    seen = st.session_state.setdefault(_SEEN, set())
    if key in seen:
        return
    db.run_in_transaction(engine(), lambda c: audit.record_view(c, scope, view, filters))
    seen.add(key)
