"""Admin: the records removed in the last 30 days, each restorable as it was."""
import streamlit as st

from pilot.records import removed
from pilot.ui import core, undo, widgets
from pilot.ui.core import t

scope = core.require_role("admin")
st.title(t("undo.admin.title"))
st.caption(t("undo.admin.intro"))
core.show_flash()
rows = core.read(lambda c: removed.list_removed(c, scope))
shown = undo.removed_rows(rows)
widgets.table(shown, {"entity": "undo.col.entity", "day": "undo.col.day", "company_name": "undo.col.company",
                      "reason": "undo.col.reason", "removed_by": "undo.col.removed_by",
                      "removed_at": "undo.col.removed_at", "days_left": "undo.col.days_left"}, key="removed_table")
if rows:
    names = {r["id"]: undo.dated(r, "day", r["entity"], r["reason"]) for r in shown}
    with st.form("form_restore"):
        chosen = st.selectbox(t("undo.admin.choose"), list(names), index=None, key="restore_pick",
                              placeholder=t("common.choose"), format_func=core.mapper(names))
        go = st.form_submit_button(t("undo.admin.restore"), type="primary")
    if go and chosen is not None and undo.restore(scope, chosen):
        core.flash("undo.admin.restored")
        st.rerun()
