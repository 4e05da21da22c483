"""Log a session on the day: company, date, minutes, kind, mode, topics, notes and attendance."""
import streamlit as st

from pilot import i18n
from pilot.domain.attendance import needs_reason
from pilot.domain.dates import today
from pilot.domain.work_checks import check_session
from pilot.records import sessions
from pilot.ui import core, undo, widgets, work
from pilot.ui.core import t

scope = core.require_role("coach", "admin")
st.title(t("work.log.title"))
core.show_flash()
company_id = widgets.company_picker(scope, "log_company")
hours = core.read(lambda c: sessions.company_hours(c, scope, company_id))
st.caption(t("work.log.company_hours", hours=hours["coaching_hours"]))
new_tab, edit_tab = st.tabs([t("work.log.new"), t("work.log.edit")], key="log_tabs")

with new_tab:
    one_to_one = st.toggle(t("work.log.one_to_one"), key="log_one_to_one", help=t("work.log.one_to_one_help"))
    base = f"form_log_{company_id}_{'one' if one_to_one else 'group'}"  # own fields for each default
    prefix = work.fresh(base)
    problems = st.session_state.get(f"{prefix}_problems", [])
    people = core.read(lambda c: sessions.booking_defaults(c, scope, company_id, today()))
    with st.form(prefix):
        values = work.session_fields(prefix, problems, None)
        st.markdown(f"**{t('work.log.attendance')}**")
        booked = work.attendance_picker(prefix, people, {}, work.NOT_BOOKED if one_to_one else "present")
        widgets.field_errors(problems, "attendance")
        submitted = st.form_submit_button(t("work.log.save"), type="primary", width="stretch")
    if submitted:
        clean, problems = check_session(values, core.lang())
        st.session_state[f"{prefix}_problems"] = problems
        if problems:
            st.rerun()
        # Committed together with other coaches' saves of the same moment (group commit).
        new_id = core.attempt(lambda: sessions.log_session_together(core.engine(), scope, company_id, clean, booked))
        if new_id:
            rate = core.read(lambda c: sessions.session_attendance_rate(c, new_id))
            core.flash("work.log.saved", rate=i18n.format_percent_value(rate, core.lang(), 0)
                       if rate is not None else "–", booked=len(booked))
            work.reset_form(base)
            st.rerun()

with edit_tab:
    recent = core.read(lambda c: sessions.list_sessions(c, scope, company_id=company_id))[:50]
    by_id = {r["id"]: r for r in recent}

    def session_name(sid, language):
        r = by_id[sid]
        return f"{i18n.format_date(r['held_on'])} · {i18n.label('kind', r['kind'], language)} · {r['booked']}"
    labels = {sid: session_name(sid, core.lang()) for sid in by_id}
    widgets.keep_choice("log_edit_pick", list(labels), session_name)
    chosen = st.selectbox(t("work.log.choose"), list(labels), index=None, key="log_edit_pick",
                          placeholder=t("common.choose"),
                          format_func=core.mapper(labels))
    current = core.read(lambda c: sessions.get_session(c, scope, chosen)) if chosen else None
    if current:
        holder = f"form_session_{current['id']}"
        version = work.held_version(holder, current["version"])
        prefix = f"{holder}_v{version}"  # fresh fields after a save or a reload
        problems = st.session_state.get(f"{prefix}_problems", [])
        booked_now = core.read(lambda c: sessions.booked_people(c, scope, current["id"]))
        extra = [p for p in core.read(lambda c: sessions.booking_defaults(c, scope, company_id, current["held_on"]))
                 if p["id"] not in {b["id"] for b in booked_now}]
        with st.form(prefix):
            values = work.session_fields(prefix, problems, current)
            st.markdown(f"**{t('work.log.attendance')}**")
            booked = work.attendance_picker(prefix, booked_now + extra, {b["id"]: b["status"] for b in booked_now},
                                            work.NOT_BOOKED)
            reason = st.text_input(t("field.reason"), key=f"{prefix}_reason", help=t("work.log.reason_help"))
            widgets.field_errors(problems, "reason")
            saved = st.form_submit_button(t("common.save"), type="primary", width="stretch")
        if saved:
            clean, problems = check_session(values, core.lang())
            old = needs_reason(current["held_on"], today()) or (clean["held_on"] and needs_reason(clean["held_on"], today()))
            if old and not reason.strip():
                problems.append(widgets.Problem("reason", "work.error.reason"))
            st.session_state[f"{prefix}_problems"] = problems
            if problems:
                st.rerun()
            if core.write(lambda c: sessions.update_session(c, scope, current["id"], version, clean, booked,
                                                            today(), reason)):
                work.release(holder)
                core.flash("common.saved")
                st.rerun()
        undo.session_remover(scope, current["id"], version, prefix)
