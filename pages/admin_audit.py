"""Admin: the audit log, read-only and filterable (who did what, when, to which record), in the
user's words: Helsinki time, targets and actions translated (the target filter finds them by the
translated name), records by P-code or company name, before and after as "field: old → new"."""
from datetime import timedelta

import streamlit as st

from pilot import names
from pilot.names import AUDIT_ACTIONS
from pilot.records import audit
from pilot.ui import core, widgets
from pilot.ui import names as ui_names
from pilot.ui.core import t

scope = core.require_role("admin")
st.title(t("admin.audit.title"))
st.caption(t("admin.audit.intro") + " " + t("names.audit.times"))
lang = core.lang()

c1, c2, c3, c4, c5 = st.columns(5)
actor = c1.text_input(t("admin.audit.actor"), key="audit_actor").strip() or None
action = c2.selectbox(t("admin.audit.action"), [None, *AUDIT_ACTIONS], key="audit_action",
                      format_func=lambda a: t("common.all") if a is None else names.audit_action(a, lang))
target = c3.text_input(t("names.audit.target"), key="audit_entity", help=t("names.audit.target_help")).strip()
with c4:
    since = widgets.date_field("admin.audit.since", "audit_since", optional=True)
with c5:
    until = widgets.date_field("admin.audit.until", "audit_until", optional=True)

# Typed text finds targets by their name in the user's language ("osallistuja"), or by the code.
entities = names.targets_matching(target, lang, core.read(audit.targets)) if target else None
rows = core.read(lambda c: audit.entries(
    c, actor=actor, action=action, entities=entities,
    since=names.helsinki_day_start(since) if since else None,
    until=names.helsinki_day_start(until + timedelta(days=1)) if until else None, limit=1000))
st.caption(t("common.rows", count=len(rows)))
found = ui_names.lookups()
shown = [{"occurred_at": names.timestamp(r["occurred_at"], lang, seconds=True), "actor": r["actor_name"],
          "action": names.audit_action(r["action"], lang), "entity": names.audit_target(r["entity"], lang),
          "record": r["target_name"] or r["entity_id"],
          "changes": names.changes(r["before_json"], r["after_json"], lang, found), "reason": names.audit_reason(r["reason"], lang)}
         for r in rows]
widgets.table(shown, {"occurred_at": "admin.audit.when", "actor": "admin.audit.actor",
                      "action": "admin.audit.action", "entity": "names.audit.target",
                      "record": "names.audit.record", "changes": "names.audit.changes",
                      "reason": "admin.field.reason"}, key="audit_table")
if rows:
    st.caption(t("admin.audit.newest", when=names.timestamp(rows[0]["occurred_at"], lang)))
