"""Search: a participant (code or name), a company (name or Y-tunnus), a session or an adaptation
(ref), and open it. Coaches and admins only (pilot/records/search.py says why)."""
import streamlit as st

from pilot.ui import core, search
from pilot.ui.core import t

scope = core.require_role("coach", "admin")
st.title(t("work17.search.title"))
search.box(scope)
