"""Admin: the audit log, read-only and filterable (who did what, when, to which record)."""
from datetime import datetime, time, timedelta

import streamlit as st

from pilot import i18n
from pilot.records import audit
from pilot.ui import core, widgets
from pilot.ui.core import t

ACTIONS = ("create", "update", "delete", "read", "export", "denied", "login", "logout", "import", "anonymise")

scope = core.require_role("admin")
st.title(t("admin.audit.title"))
st.caption(t("admin.audit.intro"))

c1, c2, c3, c4, c5 = st.columns(5)
actor = c1.text_input(t("admin.audit.actor"), key="audit_actor").strip() or None
action = c2.selectbox(t("admin.audit.action"), [None, *ACTIONS], key="audit_action",
                      format_func=lambda a: t("common.all") if a is None else t(f"admin.action.{a}"))
entity = c3.text_input(t("admin.audit.entity"), key="audit_entity").strip() or None
with c4:
    since = widgets.date_field("admin.audit.since", "audit_since", optional=True)
with c5:
    until = widgets.date_field("admin.audit.until", "audit_until", optional=True)

rows = core.read(lambda c: audit.entries(
    c, actor=actor, action=action, entity=entity,
    since=datetime.combine(since, time.min) if since else None,
    until=datetime.combine(until + timedelta(days=1), time.min) if until else None, limit=1000))
st.caption(t("common.rows", count=len(rows)))
shown = [{**r, "occurred_at": r["occurred_at"].strftime("%d.%m.%Y %H:%M:%S") + " UTC",
          "action": t(f"admin.action.{r['action']}")} for r in rows]
widgets.table(shown, {"occurred_at": "admin.audit.when", "actor": "admin.audit.actor",
                      "action": "admin.audit.action", "entity": "admin.audit.entity",
                      "entity_id": "admin.audit.entity_id", "before_json": "admin.audit.before",
                      "after_json": "admin.audit.after", "reason": "admin.field.reason"}, key="audit_table")
if rows:
    st.caption(t("admin.audit.newest", when=i18n.format_date(rows[0]["occurred_at"].date(), core.lang())))
