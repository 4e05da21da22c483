"""The pilot's own question on screen (issue 15): the employer's one-question survey (one click per
answer), the coach's forms for an answer given on paper or by phone and for a hire, and the
company's answers and hires as tables. The records are pilot/records/surveys.py and hires.py;
the forms are single-column so that they work at phone width."""
from __future__ import annotations

from typing import Any

import streamlit as st

from pilot.access import Scope
from pilot.domain.dates import today
from pilot.records import hires, surveys
from pilot.ui import core, safe, widgets
from pilot.ui.core import t

READINESS = (1, 2, 3, 4, 5)
ANSWER_COLUMNS = {"answered_on": "hiring.col.answered_on", "readiness": "hiring.col.readiness",
                  "planned_hires_12m": "hiring.col.planned", "comment": "outcomes.employer.comment"}
HIRE_COLUMNS = {"hired_on": "hiring.col.hired_on", "contract": "hiring.col.contract",
                "weekly_hours": "field.weekly_hours", "participant_code": "hiring.col.participant",
                "of_participant": "hiring.col.of_participant", "occupation_code": "field.occupation_code"}


def _show_problems(problems: list[Any]) -> None:
    for p in problems:
        st.error(t(p.key, **p.params))


def _save_answer(scope: Scope, company_id: int, values: dict[str, Any]) -> bool:
    """Check and save one answer; problems and refusals become sentences. True when saved."""
    clean, problems = surveys.check_survey(values, core.lang())
    if problems:
        _show_problems(problems)
        return False

    def work(conn):  # noqa: ANN001, ANN202
        try:
            return surveys.answer(conn, scope, company_id, clean)
        except surveys.BeforeJoining:
            return "before_joining"

    saved = core.write(work)
    if saved == "before_joining":
        st.error(t("hiring.error.before_joining"))
        return False
    return saved is not None


def survey_prompt(scope: Scope, company_id: int, answers: list[dict[str, Any]]) -> None:
    """The employer's question, shown when the company has no answer yet or the latest is over six
    months old. Each readiness button saves the answer at once (with the planned hires if typed)."""
    if not surveys.is_due(answers, today()):
        return
    with st.container(border=True, key="hiring_survey"):
        st.subheader(t("hiring.survey.title"))
        if answers:
            st.caption(t("hiring.survey.again"))
        st.markdown(t("hiring.survey.question"))
        planned = widgets.number_field("hiring.survey.planned", f"survey_planned_{company_id}", decimals=0)
        st.caption(t("hiring.survey.click"))
        for value in READINESS:
            if st.button(t(f"hiring.readiness.{value}"), key=f"survey_readiness_{value}", width="stretch"):
                if _save_answer(scope, company_id, {"answered_on": today(), "readiness": value,
                                                    "planned_hires_12m": planned}):
                    core.flash("hiring.survey.thanks")
                    st.rerun()


def answers_table(answers: list[dict[str, Any]], key: str) -> None:
    """The company's answers, oldest first."""
    widgets.table(answers, ANSWER_COLUMNS, key=key)


def hires_table(rows: list[dict[str, Any]], key: str) -> None:
    """The company's hires, newest first (no names are ever recorded)."""
    widgets.table(rows, HIRE_COLUMNS, {"contract": "employment_status"}, key=key)


def coach_survey_form(scope: Scope, company_id: int) -> None:
    """A coach records the employer's answer given on paper or by phone."""
    prefix = f"form_survey_{company_id}"
    with st.form(prefix, clear_on_submit=True):
        answered_on = widgets.date_field("hiring.col.answered_on", f"{prefix}_on")
        readiness = st.radio(t("hiring.survey.question"), list(READINESS), index=None, key=f"{prefix}_readiness",
                             format_func=lambda v: t(f"hiring.readiness.{v}"))
        planned = widgets.number_field("hiring.survey.planned", f"{prefix}_planned", decimals=0)
        comment = st.text_area(t("outcomes.employer.comment"), key=f"{prefix}_comment", max_chars=2000)
        sent = st.form_submit_button(t("common.save"), type="primary")
    if sent and _save_answer(scope, company_id, {"answered_on": answered_on, "readiness": readiness,
                                                 "planned_hires_12m": planned, "comment": comment}):
        core.flash("common.saved")
        st.rerun()


def hire_form(scope: Scope, company_id: int, participant_codes: list[str]) -> None:
    """A coach records a hire: date, contract, hours, the participant when one was hired, the
    occupation. One column, so it fits a phone."""
    prefix = f"form_hire_{company_id}"
    problems = st.session_state.get(f"{prefix}_problems", [])
    st.caption(t("hiring.hire.note"))
    with st.form(prefix):
        hired_on = widgets.date_field("hiring.col.hired_on", f"{prefix}_on")
        widgets.field_errors(problems, "hired_on")
        contract = widgets.code_select("hiring.col.contract", "employment_status", hires.CONTRACTS,
                                       f"{prefix}_contract", empty=True)
        widgets.field_errors(problems, "contract")
        hours = widgets.number_field("field.weekly_hours", f"{prefix}_hours", decimals=1,
                                     problems=problems, field="weekly_hours")
        options: list[str | None] = [None, *participant_codes]
        code = st.selectbox(t("hiring.field.participant"), options, key=f"{prefix}_participant",
                            format_func=lambda c: t("hiring.field.no_participant") if c is None else c)
        occupation = st.text_input(t("field.occupation_code"), key=f"{prefix}_occupation")
        widgets.field_errors(problems, "occupation_code")
        sent = st.form_submit_button(t("common.save"), type="primary")
    if not sent:
        return
    clean, problems = hires.check_hire({"hired_on": hired_on, "contract": contract, "weekly_hours": hours,
                                        "participant_code": code, "occupation_code": occupation}, core.lang())
    st.session_state[f"{prefix}_problems"] = problems
    if problems:
        st.rerun()

    def work(conn):  # noqa: ANN001, ANN202
        try:
            return hires.record_hire(conn, scope, company_id, clean)
        except hires.NotOfCompany:
            return "not_of_company"

    saved = core.write(work)
    if saved == "not_of_company":
        st.error(t("hiring.error.not_of_company"))
    elif saved is not None:
        for name in ("hours", "occupation", "participant", "contract"):
            st.session_state.pop(f"{prefix}_{name}", None)
        core.flash("hiring.hire.saved")
        st.rerun()


def company_section(scope: Scope, company_id: int, participant_codes: list[str]) -> None:
    """The companies page's hiring part: answers and hires, and the coach's two forms."""
    st.subheader(t("hiring.section"))
    answers = core.read(lambda c: surveys.for_company(c, scope, company_id))
    st.markdown(f"**{t('hiring.answers')}**")
    answers_table(answers, key=f"company_answers_{company_id}")
    with st.expander(t("hiring.coach.survey")):
        coach_survey_form(scope, company_id)
    st.markdown(f"**{t('hiring.hires')}**")
    hires_table(core.read(lambda c: hires.for_company(c, scope, company_id)), key=f"company_hires_{company_id}")
    with st.expander(t("hiring.coach.hire")):
        hire_form(scope, company_id, participant_codes)


def employer_section(tables: dict[str, list[dict[str, Any]]]) -> None:
    """The employer page's hiring part (pilot.dashboard.employer_page): their own answers over
    time and their hires."""
    st.header(t("hiring.section"))
    st.markdown(f"**{t('hiring.answers')}**")
    answers_table(tables["readiness_answers"], key="employer_answers")
    st.markdown(f"**{t('hiring.hires')}**")
    hires_table(tables["hires"], key="employer_hires")


# ---- the services dashboard's hiring section (pilot.dashboard.services_page, under the rule) ----

def _tiles(tiles: dict[str, Any]) -> None:
    from pilot import indicators
    from pilot.ui.outcomes import show_value
    names, definitions = indicators.labels(core.lang()), indicators.definitions(core.lang())
    readiness = tiles["hiring_readiness"]
    columns = st.columns(4)
    with columns[0]:
        st.metric(names["hiring_readiness"], show_value("mean_gain", readiness["mean_change"]),
                  help=definitions["hiring_readiness"], border=True,
                  delta=t("hiring.readiness_delta", n=show_value("n", readiness["n"]),
                          share=show_value("improved_share", readiness["improved_share"])),
                  delta_color="off", delta_arrow="off")
    for key, column in zip(("companies_hiring", "hires_total", "hires_of_participants"), columns[1:]):
        with column:
            st.metric(names[key], show_value(key, tiles[key]), help=definitions[key], border=True)


def dashboard_section(page: Any) -> None:
    """Readiness at baseline and follow-up (a dumbbell), the distribution of changes, hires per
    quarter and planned against actual hires: each chart with its table and CSV (pilot.ui.outcomes)."""
    import pandas as pd

    from pilot import charts as figures
    from pilot.records.outcomes import any_masked
    from pilot.ui import outcomes as view

    _tiles(page.tiles)
    data, empty = page.charts, page.all_hidden
    pairs = data["readiness_pairs"]
    labels = [p["company"] or t("hiring.all_companies") for p in pairs]
    fig = figures.readiness_dumbbell(labels, [p["base_readiness"] for p in pairs],
                                     [p["follow_readiness"] for p in pairs],
                                     {"before": t("hiring.col.base"), "after": t("hiring.col.follow")},
                                     {"title": t("hiring.chart.pairs"), "x": t("hiring.axis.readiness"),
                                      "y": t("field.company")})
    columns = {"company": "field.company", "base_on": "hiring.col.base_on", "base_readiness": "hiring.col.base",
               "follow_on": "hiring.col.follow_on", "follow_readiness": "hiring.col.follow",
               "planned": "hiring.col.planned"}
    shown = [{**p, "company": p["company"] or t("hiring.all_companies")} for p in pairs]
    view.block(fig, view._table_frame(shown, {k: v for k, v in columns.items() if any(k in p for p in pairs)}),
               "readiness_pairs", note=None if page.exact else t("hiring.pairs_rule"), empty=not pairs)

    changes = data["readiness_changes"]
    frame = pd.DataFrame(changes, columns=["change", "n"])
    frame["change"] = frame["change"].map(lambda c: f"{c:+d}" if c else "0")
    fig = figures.outcome_bars(frame, "change", {"n": t("hiring.axis.companies")},
                               {"title": t("hiring.chart.changes"), "x": t("hiring.col.change"),
                                "y": t("hiring.axis.companies")})
    view.block(fig, view._table_frame(frame.to_dict("records"), {"change": "hiring.col.change", "n": "hiring.axis.companies"}),
               "readiness_changes", any_masked(changes), empty="readiness_changes" in empty)

    quarters = data["hires_by_quarter"]
    frame = pd.DataFrame(quarters, columns=["quarter", "hires", "of_participants"])
    fig = figures.outcome_bars(frame, "quarter", {"hires": t("hiring.col.hires"),
                                                  "of_participants": t("hiring.col.of_participants")},
                               {"title": t("hiring.chart.quarters"), "x": t("hiring.col.quarter"),
                                "y": t("hiring.col.hires")})
    view.block(fig, view._table_frame(quarters, {"quarter": "hiring.col.quarter", "hires": "hiring.col.hires",
                                                 "of_participants": "hiring.col.of_participants"}),
               "hires_by_quarter", any_masked(quarters), empty="hires_by_quarter" in empty)

    planned = [{**r, "what": t(f"hiring.what.{r['what']}")} for r in data["planned_vs_actual"]]
    frame = pd.DataFrame(planned, columns=["what", "n"])
    fig = figures.outcome_bars(frame, "what", {"n": t("hiring.col.n")},
                               {"title": t("hiring.chart.planned"), "x": t("hiring.col.what"), "y": t("hiring.col.n")})
    view.block(fig, view._table_frame(planned, {"what": "hiring.col.what", "n": "hiring.col.n"}), "planned_vs_actual",
               any_masked(planned), note=t("hiring.planned_note"), empty="planned_vs_actual" in empty or not planned)


# ---- what works (pages/what_works.py) ----------------------------------------------------------

def what_works_view(rows: list[dict[str, Any]]) -> None:
    """The companies as a sortable table (click a header) and one chart: hours per participant
    against the readiness change."""
    import pandas as pd

    from pilot import charts as figures
    from pilot.domain.codes import SESSION_KINDS
    from pilot.ui import outcomes as view

    if not rows:
        st.info(t("common.empty"))
        return
    fig = figures.what_works_scatter([r["company"] for r in rows], [r["hours_per_participant"] for r in rows],
                                     [r["readiness_change"] for r in rows],
                                     {"title": t("whatworks.chart"), "x": t("whatworks.col.hours_per_participant"),
                                      "y": t("hiring.col.change")})
    st.plotly_chart(figures.localise(fig, core.lang()), key="chart_what_works")
    shown = [{**r, "adaptation_types": ", ".join(core.label("adaptation_type", a) for a in r["adaptation_types"])}
             for r in rows]
    columns = {"company": "field.company", "readiness_change": "hiring.col.change", "hires": "hiring.col.hires",
               "participants": "whatworks.col.participants",
               "hours_per_participant": "whatworks.col.hours_per_participant",
               "adaptation_types": "whatworks.col.adaptation_types", "mean_effect": "whatworks.col.mean_effect",
               "sessions": "whatworks.col.sessions",
               **{f"share_{k}": f"code.kind.{k}" for k in SESSION_KINDS}}
    frame = view._table_frame(shown, columns)
    for k in SESSION_KINDS:  # shares as numbers, so that the column sorts; the header says "%"
        label = t(f"code.kind.{k}")
        frame[label] = pd.to_numeric(frame[label], errors="coerce") * 100
    safe.dataframe(frame, hide_index=True, width="stretch", key="table_what_works",
                   column_config={t(f"code.kind.{k}"): st.column_config.NumberColumn(format="%.0f %%")
                                for k in SESSION_KINDS})
    st.caption(t("whatworks.shares_note"))
