"""AppTest of issue 15's screens with the demo pilot: the employer answers the one-question survey
(one click, their own company only, asked again after six months) and a coach records a hire and
an answer given by phone on the companies page."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from pilot import db
from pilot.domain.dates import add_months, today
from tests.test_pages_outcomes import EMPLOYER, open_page, pilot, scalar, submit  # noqa: F401 (fixture)

COMPANIES = "pages/companies.py"


def employer_company(pilot) -> int:
    return scalar(pilot, "SELECT uc.company_id FROM user_companies uc JOIN users u ON u.id = uc.user_id "
                         "WHERE u.username = 'employer'")[0][0]


def keep_answers(pilot, company_id: int, *days) -> None:
    """The employer's company holds exactly these answers (readiness 2)."""
    with db.transaction(pilot["engine"]) as conn:
        conn.execute(sa.text("DELETE FROM employer_surveys WHERE company_id = :c"), {"c": company_id})
        for day in days:
            conn.execute(sa.text("INSERT INTO employer_surveys (company_id, answered_on, readiness) "
                                 "VALUES (:c, :d, 2)"), {"c": company_id, "d": day})


def survey_buttons(at) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith("survey_readiness_")]


def test_employer_without_an_answer_answers_with_one_click(pilot):
    own = employer_company(pilot)
    keep_answers(pilot, own)
    others = scalar(pilot, "SELECT COUNT(*) FROM employer_surveys WHERE company_id <> :c", c=own)[0][0]
    at = open_page(pilot, EMPLOYER, "employer", lang="fi")
    assert survey_buttons(at) == [f"survey_readiness_{v}" for v in range(1, 6)]
    at.text_input(key=f"survey_planned_{own}").input("3")
    at.button(key="survey_readiness_4").click().run()
    assert not at.exception, at.exception
    rows = scalar(pilot, "SELECT answered_on, readiness, planned_hires_12m, answered_by FROM employer_surveys "
                         "WHERE company_id = :c", c=own)
    assert [tuple(r) for r in rows] == [(today(), 4, 3, "employer")]
    assert scalar(pilot, "SELECT COUNT(*) FROM employer_surveys WHERE company_id <> :c", c=own)[0][0] == others
    assert survey_buttons(at) == []  # answered: not asked again today
    assert any("Kiitos vastauksesta" in str(s.value) for s in at.success)


def test_employer_is_asked_again_only_after_six_months(pilot):
    own = employer_company(pilot)
    keep_answers(pilot, own, today() - timedelta(days=150))
    assert survey_buttons(open_page(pilot, EMPLOYER, "employer")) == []
    keep_answers(pilot, own, add_months(today(), -6))
    at = open_page(pilot, EMPLOYER, "employer", lang="sv")
    assert len(survey_buttons(at)) == 5
    assert any("över ett halvt år" in str(c.value) for c in at.caption)


def test_a_bad_planned_number_is_one_sentence_and_nothing_is_saved(pilot):
    own = employer_company(pilot)
    keep_answers(pilot, own)
    at = open_page(pilot, EMPLOYER, "employer", lang="en")
    at.text_input(key=f"survey_planned_{own}").input("lots")
    at.button(key="survey_readiness_2").click().run()
    assert not at.exception, at.exception
    assert at.error and scalar(pilot, "SELECT COUNT(*) FROM employer_surveys WHERE company_id = :c", c=own)[0][0] == 0


def open_company(pilot, user: str, company_id: int, lang: str = "fi"):
    at = open_page(pilot, COMPANIES, user, lang=lang)
    at.session_state["company_open"] = company_id
    at.run()
    assert not at.exception, at.exception
    return at


def test_coach_records_a_hire_of_a_participant(pilot):
    company_id, code = scalar(pilot, "SELECT company_id, code FROM participants ORDER BY id LIMIT 1")[0]
    before = scalar(pilot, "SELECT COUNT(*) FROM hires")[0][0]
    at = open_company(pilot, "coach", company_id)
    prefix = f"form_hire_{company_id}"
    at.selectbox(key=f"{prefix}_contract").set_value("fixed_term")
    at.text_input(key=f"{prefix}_hours").input("32,5")
    at.selectbox(key=f"{prefix}_participant").set_value(code)
    at.text_input(key=f"{prefix}_occupation").input("9112")
    submit(at, prefix)
    rows = scalar(pilot, "SELECT h.hired_on, h.contract, h.weekly_hours, p.code, h.occupation_code, h.created_by "
                         "FROM hires h LEFT JOIN participants p ON p.id = h.participant_id "
                         "WHERE h.created_by = 'coach' AND h.company_id = :c", c=company_id)
    assert [(r[0], r[1], float(r[2]), r[3], r[4]) for r in rows] == [(today(), "fixed_term", 32.5, code, "9112")]
    assert scalar(pilot, "SELECT COUNT(*) FROM hires")[0][0] == before + 1


def test_a_hire_without_a_contract_is_refused_under_the_field(pilot):
    company_id = scalar(pilot, "SELECT MIN(id) FROM companies")[0][0]
    before = scalar(pilot, "SELECT COUNT(*) FROM hires")[0][0]
    at = open_company(pilot, "coach", company_id, lang="en")
    submit(at, f"form_hire_{company_id}")
    assert at.error and scalar(pilot, "SELECT COUNT(*) FROM hires")[0][0] == before


def test_coach_records_an_answer_given_by_phone(pilot):
    company_id = scalar(pilot, "SELECT MIN(id) FROM companies")[0][0]
    keep_answers(pilot, company_id)
    at = open_company(pilot, "coach", company_id)
    prefix = f"form_survey_{company_id}"
    at.radio(key=f"{prefix}_readiness").set_value(3)
    at.text_area(key=f"{prefix}_comment").input("puhelimessa")
    submit(at, prefix)
    rows = scalar(pilot, "SELECT answered_on, readiness, comment, answered_by FROM employer_surveys "
                         "WHERE company_id = :c", c=company_id)
    assert [tuple(r) for r in rows] == [(today(), 3, "puhelimessa", "coach")]


def test_the_dashboards_hiring_tab_under_each_rule(pilot):
    columns = {}
    for user in ("services", "coach"):
        at = open_page(pilot, "pages/dashboard.py", user, lang="en")
        at.segmented_control(key="view").set_value("hiring").run()  # the section drawn on its own
        assert not at.exception, at.exception
        text = "\n".join(str(e.value) for e in at.markdown) + "\n".join(m.label for m in at.metric)
        assert "Hiring readiness" in text and "Hires" in text, user
        columns[user] = {c for d in at.dataframe for c in d.value.columns}
    # a company's own baseline and follow-up dates: for exact readers only (services see means)
    assert "Baseline date" in columns["coach"] and "Baseline date" not in columns["services"]


def test_the_employer_sees_their_own_answers_and_hires(pilot):
    own = employer_company(pilot)
    keep_answers(pilot, own, today() - timedelta(days=30))
    at = open_page(pilot, EMPLOYER, "employer", lang="en")
    at.segmented_control(key="view").set_value("hiring").run()
    tables = [d.value for d in at.dataframe]
    assert any("Readiness (1–5)" in frame.columns for frame in tables)
    assert any("Hired on" in frame.columns for frame in tables)


def test_what_works_for_coaches_exact_and_for_services_under_the_rule(pilot):
    from pilot.access import Scope
    from pilot.records import hiring_outcomes
    with pilot["engine"].connect() as conn:
        exact = hiring_outcomes.what_works(conn, Scope("coach", "coach"), today(), True)
        ruled = hiring_outcomes.what_works(conn, Scope("services", "services"), today(), False)
    assert [r["company"] for r in exact] == [r["company"] for r in ruled] and exact
    for e, r in zip(exact, ruled):
        for column in ("participants", "hires", "evaluated"):
            assert r[column] == ("<5" if 1 <= e[column] <= 4 else e[column])
        if e["participants"] < 5:
            assert r["hours_per_participant"] is None
        assert r["readiness_change"] == e["readiness_change"]
        shares = [e[k] for k in e if k.startswith("share_") and e[k] is not None]
        assert not shares or abs(sum(shares) - 1) < 0.01
    assert any(e["readiness_change"] is not None for e in exact) and any(e["adaptation_types"] for e in exact)
    for user in ("coach", "services"):
        at = open_page(pilot, "pages/what_works.py", user, lang="en")
        assert any("not a causal estimate" in str(w.value) for w in at.warning)
        assert at.dataframe and len(at.dataframe[0].value) == len(exact)
        assert (user == "services") == any("small-number rule" in str(c.value) for c in at.caption)


def test_the_admin_sees_a_removed_hire_and_answer_by_name(pilot):
    from pilot.access import Scope
    from pilot.records import hires, surveys
    admin = Scope("admin", "admin")
    hire_id, version = scalar(pilot, "SELECT id, version FROM hires ORDER BY id LIMIT 1")[0]
    answer_id, answer_version = scalar(pilot, "SELECT id, version FROM employer_surveys ORDER BY id LIMIT 1")[0]
    db.run_in_transaction(pilot["engine"], lambda c: hires.remove_hire(c, admin, hire_id, version, "recorded twice"))
    db.run_in_transaction(pilot["engine"], lambda c: surveys.remove_survey(c, admin, answer_id, answer_version, "wrong day"))
    at = open_page(pilot, "pages/admin_removed.py", "admin", lang="en")
    shown = "\n".join(d.value.to_csv() for d in at.dataframe)
    assert "Hire" in shown and "Employer's answer" in shown
