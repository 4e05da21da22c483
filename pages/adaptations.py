"""Job adaptations of a company: propose one, see the board by stage, move one on."""
import streamlit as st

from pilot import i18n
from pilot.domain import codes
from pilot.domain.work_checks import check_adaptation
from pilot.records import adaptations, participants
from pilot.ui import core, widgets, work
from pilot.ui.core import t
from pilot.ui.safe import md

scope = core.require_role("coach", "admin")
st.title(t("work.adapt.title"))
core.show_flash()
work.company_from_url(scope, "adapt_company")
company_id = widgets.company_picker(scope, "adapt_company")
board = core.read(lambda c: adaptations.board(c, scope, company_id))

for stage, column in zip(board, st.columns(len(board))):
    with column:
        st.subheader(f"{core.label('stage', stage)} ({len(board[stage])})")
        for row in board[stage]:
            with st.container(border=True):
                st.markdown(f"**{core.label('adaptation_type', row['type'])}** · {md(row['participant_code']) or t('work.adapt.workplace')}")
                st.caption(work.adaptation_caption(row))

every_row = [r for stage in board for r in board[stage]]
with st.expander(t("work17.move_or_back"), expanded=bool(every_row)):
    row = work.adaptation_picker(every_row)
    if row:
        work.move_form(scope, row, adaptations.move)
        work.step_back_form(scope, row, adaptations.step_back)

with st.expander(t("work.adapt.propose"), expanded=not any(board.values())):
    people = core.read(lambda c: participants.list_participants(c, scope, company_id=company_id, status="active"))
    who = {p["id"]: work.person_name(p) for p in people}
    base = f"form_propose_{company_id}"
    prefix = work.fresh(base)
    problems = st.session_state.get(f"{prefix}_problems", [])
    widgets.keep_choice(f"{prefix}_who", [None] + list(who), lambda p, language: who[p] if p is not None
                        else i18n.t("work.adapt.workplace", language))
    with st.form(prefix):
        target = st.selectbox(t("work.adapt.for"), [None] + list(who), key=f"{prefix}_who",
                              format_func=core.mapper(who, "work.adapt.workplace"))
        values = {"type": widgets.code_select("field.adaptation_type", "adaptation_type", codes.ADAPTATION_TYPES,
                                              f"{prefix}_type"),
                  "description": st.text_area(t("field.description"), key=f"{prefix}_desc", height=80),
                  "owner": st.text_input(t("field.owner"), key=f"{prefix}_owner", help=t("work.adapt.owner_help")),
                  "proposed_on": widgets.date_field("field.proposed_on", f"{prefix}_date")}
        for name in values:
            widgets.field_errors(problems, name)
        proposed = st.form_submit_button(t("work.adapt.propose"), type="primary")
    if proposed:
        clean, st.session_state[f"{prefix}_problems"] = check_adaptation(values)
        if not st.session_state[f"{prefix}_problems"] and \
                core.write(lambda c: adaptations.propose(c, scope, company_id, target, clean)):
            work.reset_form(base)
            core.flash("work.adapt.proposed")
        st.rerun()
