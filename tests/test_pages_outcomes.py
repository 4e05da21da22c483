"""AppTest of the outcome screens with the demo pilot, signed in as the demo accounts:
dashboard (services, admin, coach), the employer's page, and costs (admin)."""
from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from pilot import db, demo
from pilot.domain.dates import today
from tests.helpers_app import app_as, each_section

DASHBOARD, EMPLOYER, COSTS = "pages/dashboard.py", "pages/employer.py", "pages/costs.py"


@pytest.fixture
def pilot(engine):
    """The demo pilot ending today (so the pages' default dates see it), in the test's database."""
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    from streamlit import config as st_config
    was = st_config.get_option("global.appTest")
    st_config.set_option("global.appTest", True)  # the login gate's AppTest hook (pilot/ui/session.py)
    demo.load(engine)
    yield {"engine": engine, "db": os.environ["PILOT_DB"]}
    st_config.set_option("global.appTest", was)
    st.cache_resource.clear()
    db.dispose_shared()


def open_page(pilot, page: str, user: str, lang: str = "en") -> AppTest:
    at = app_as(user, pilot["db"], timeout=90)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    """Everything the page shows as text: headings, captions, tiles, tables and picker options."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    parts += [e.value.to_csv() for e in at.dataframe]
    for box in at.selectbox:
        parts += [str(o) for o in box.options]
    return "\n".join(parts)


def scalar(pilot, sql: str, **params):
    with pilot["engine"].connect() as conn:
        return conn.execute(sa.text(sql), params).fetchall()


@pytest.mark.parametrize("user, lang, title", [
    ("services", "fi", "Kokeilun tulokset"), ("services", "sv", "Försökets resultat"),
    ("admin", "en", "Outcomes of the pilot"), ("coach", "fi", "Kokeilun tulokset"),
])
def test_dashboard_renders_for_each_role(pilot, user, lang, title):
    at = open_page(pilot, DASHBOARD, user, lang)
    assert at.title[0].value == title
    assert len(at.metric) >= 22
    assert all(m.help for m in at.metric)                    # every tile carries its definition
    # one CSV per chart, over the sections (one section is drawn at a time)
    assert sum(len(view.get("download_button")) for view in each_section(at)) >= 9


def test_services_dashboard_shows_no_names_and_small_numbers_as_under_five(pilot):
    at = open_page(pilot, DASHBOARD, "services")
    first = scalar(pilot, "SELECT id FROM companies ORDER BY id LIMIT 1")[0][0]
    at.selectbox(key="dash_company").set_value(first).run()
    assert not at.exception, at.exception
    text = "\n".join(page_text(view) for view in each_section(at))
    names = [r[0] for r in scalar(pilot, "SELECT display_name FROM participants WHERE display_name IS NOT NULL")]
    assert names and not [n for n in names if n in text]
    values = [m.value for m in at.metric]
    assert "<5" in values                                     # one workplace: several counts under five
    admin = open_page(pilot, DASHBOARD, "admin")
    admin.selectbox(key="dash_company").set_value(first).run()
    assert "<5" not in [m.value for m in admin.metric]        # admins see exact figures


def test_employer_page_of_company_a_shows_nothing_of_company_b(pilot):
    from pilot.ui.outcomes import EMPLOYER_SECTIONS
    at = open_page(pilot, EMPLOYER, "employer")  # one section is drawn at a time: every section's text
    text = "\n".join(page_text(view) for view in each_section(at, sections=EMPLOYER_SECTIONS))
    own = scalar(pilot, "SELECT c.id, c.name FROM companies c JOIN user_companies uc ON uc.company_id = c.id "
                        "JOIN users u ON u.id = uc.user_id WHERE u.username = 'employer'")
    assert len(own) == 1
    own_id, own_name = own[0]
    assert own_name in text
    others = scalar(pilot, "SELECT name FROM companies WHERE id <> :c", c=own_id)
    assert others and not [n for (n,) in others if n in text]
    other_codes = scalar(pilot, "SELECT code FROM participants WHERE company_id <> :c", c=own_id)
    assert not [c for (c,) in other_codes if c in text]
    private = scalar(pilot, "SELECT code FROM participants WHERE company_id = :c AND NOT share_with_employer", c=own_id)
    assert not [c for (c,) in private if c in text]          # only those who agreed to share
    shared = scalar(pilot, "SELECT code FROM participants WHERE company_id = :c AND share_with_employer "
                           "AND enrolled_on <= :r", c=own_id, r=today())
    assert shared and all(c in text for (c,) in shared)
    assert not [code for code in ("fixed_term", "permanent", "unemployed", "unknown") if code in text]  # labels
    names = [n for (n,) in scalar(pilot, "SELECT display_name FROM participants WHERE display_name IS NOT NULL")]
    assert not [n for n in names if n in text]
    other_descriptions = scalar(pilot, "SELECT description FROM adaptations WHERE company_id <> :c "
                                       "AND description NOT IN (SELECT description FROM adaptations "
                                       "WHERE company_id = :c)", c=own_id)
    assert not [d for (d,) in other_descriptions if d in text]


def submit(at: AppTest, form: str) -> AppTest:
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}-")).click().run()
    assert not at.exception, at.exception
    return at


def test_employer_feedback_twice_on_a_day_keeps_one_row(pilot):
    at = open_page(pilot, EMPLOYER, "employer")
    at.segmented_control(key="view").set_value("feedback").run()
    clear_today = "DELETE FROM feedback WHERE given_on = :d"  # a demo feedback may fall on today
    with db.transaction(pilot["engine"]) as conn:
        conn.execute(sa.text(clear_today), {"d": today()})
    before = scalar(pilot, "SELECT COUNT(*) FROM feedback")[0][0]
    at.radio(key="feedback_score").set_value(2)
    at.text_area(key="feedback_comment").input("Vuorolistat vielä vaikeita")
    submit(at, "form_feedback")
    at.radio(key="feedback_score").set_value(4)
    submit(at, "form_feedback")
    rows = scalar(pilot, "SELECT f.score, f.comment FROM feedback f JOIN user_companies uc ON uc.company_id = "
                         "f.company_id JOIN users u ON u.id = uc.user_id WHERE u.username = 'employer' "
                         "AND f.given_on = :d", d=today())
    assert scalar(pilot, "SELECT COUNT(*) FROM feedback")[0][0] == before + 1
    assert [tuple(r) for r in rows] == [(4, None)]


def test_feedback_without_a_score_is_refused(pilot):
    at = open_page(pilot, EMPLOYER, "employer", lang="fi")
    at.segmented_control(key="view").set_value("feedback").run()
    before = scalar(pilot, "SELECT COUNT(*) FROM feedback")[0][0]
    submit(at, "form_feedback")
    assert at.error and scalar(pilot, "SELECT COUNT(*) FROM feedback")[0][0] == before


def spent(pilot, year: int) -> Decimal:
    return Decimal(scalar(pilot, "SELECT COALESCE(SUM(amount_eur), 0) FROM costs WHERE incurred_on >= :a "
                                 "AND incurred_on < :b", a=date(year, 1, 1), b=date(year + 1, 1, 1))[0][0])


def fill_cost(at: AppTest, amount: float) -> AppTest:
    at.selectbox(key="cost_category").set_value("other")
    at.text_input(key="cost_amount").input(f"{amount:.2f}")  # an English page: a decimal point
    at.text_input(key="cost_description").input("Tulkkaus")
    return submit(at, "form_cost")


def test_costs_page_saves_a_cost_within_budget(pilot):
    at = open_page(pilot, COSTS, "admin")
    before = spent(pilot, today().year)
    fill_cost(at, 123.45)
    assert spent(pilot, today().year) == before + Decimal("123.45")
    refs = scalar(pilot, "SELECT ref FROM costs WHERE amount_eur = 123.45")
    assert refs[0][0].startswith(f"C-{today():%Y%m%d}-")


def test_costs_page_warns_before_overspending_and_saves_only_when_confirmed(pilot):
    at = open_page(pilot, COSTS, "admin")
    before = spent(pilot, today().year)
    fill_cost(at, 250000.00)
    assert at.warning and "250,000.00 €" in at.warning[0].value
    assert spent(pilot, today().year) == before                # nothing saved yet
    at.button(key="cost_cancel").click().run()
    assert not at.warning and spent(pilot, today().year) == before
    fill_cost(at, 250000.00)
    at.button(key="cost_confirm").click().run()
    assert not at.exception, at.exception
    assert spent(pilot, today().year) == before + Decimal("250000.00")


def test_costs_page_edits_the_appropriation(pilot):
    at = open_page(pilot, COSTS, "admin")
    at.text_input(key=f"appropriation_amount_{today().year}").input("210000")
    submit(at, "form_appropriation")
    assert scalar(pilot, "SELECT amount_eur FROM appropriations WHERE year = :y", y=today().year)[0][0] == \
        Decimal("210000.00")
