"""My week: the coach's start page. What was done this week and what is waiting."""
import streamlit as st

from pilot import i18n
from pilot.domain.dates import today
from pilot.records import week
from pilot.ui import core, followup_ui, reads, widgets, work
from pilot.ui.core import t

LIMIT = 200  # rows per list: a whole-pilot view can hold tens of thousands
scope = core.require_role("coach", "admin")
st.title(t("work.week.title"))
core.show_flash()
day = today()
data = core.read(lambda c: week.my_week(c, scope, day))
reads.record_view(scope, "my_week", {"day": day})
monday, sunday = week.week_bounds(day)

c1, c2 = st.columns(2)
c1.metric(t("work.week.sessions"), len(data["sessions"]))
c1.metric(t("work.week.hours"), i18n.format_number(sum(r["minutes"] for r in data["sessions"]) / 60,
                                                            core.lang(), 1))
c2.metric(t("work.week.quiet"), len(data["quiet"]))
c2.metric(t("work.week.followups"), len(data["followups"]))
st.page_link(work.PAGE["log_session"], label=t("work.log.title"), icon=":material/edit_calendar:")

st.subheader(t("work.week.sessions_heading", start=i18n.format_date(monday),
               end=i18n.format_date(sunday)))
widgets.table(data["sessions"], {"held_on": "field.held_on", "company_name": "field.company", "kind": "field.kind",
                                 "minutes": "field.minutes", "booked": "work.col.booked",
                                 "present": "work.col.present"}, codes={"kind": "kind"}, key="week_sessions", limit=LIMIT)

st.subheader(t("work.week.quiet_heading", days=week.QUIET_DAYS))
st.caption(t("work17.week.open_hint"))
work.quiet_table(data["quiet"], LIMIT)

st.subheader(t("work.week.adaptations_heading"))
st.caption(t("work17.week.overdue_hint", days=week.OVERDUE_DAYS))
work.waiting_table(data["adaptations"], LIMIT)

followup_ui.due_list(scope, data["followups"], LIMIT // 4)
