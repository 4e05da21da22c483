"""Issue 16 and 17 (dashboard): the dashboard builds and sends only the section on screen, its data
is computed once per (scope, as-of, filters, data version) and a write anywhere shows at the next
rerun; a coach bound to several companies sees all of them together and nothing of any other.
AppTest with the demo pilot (tests/test_pages_outcomes.py's fixture)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from pilot import charts, db
from pilot import dashboard as page_data
from pilot.access import Scope
from pilot.records import audit, costs
from pilot.ui.outcomes import DASHBOARD_SECTIONS
from tests.helpers_app import each_section
from tests.test_pages_outcomes import DASHBOARD, open_page, pilot, scalar  # noqa: F401 (fixture)

ADMIN = Scope(username="admin", role="admin")


def test_the_dashboard_draws_only_the_section_on_screen(pilot):  # noqa: F811
    """All six tabs' figures were built and sent at once (14 figures and tables); now the first
    screen's one chart (as the employer page: what the browser draws after a sign-in), and each
    other section when chosen, with its choice in the address."""
    at = open_page(pilot, DASHBOARD, "services", lang="fi")
    assert len(at.get("plotly_chart")) == 1                    # activity: people active per month
    assert at.segmented_control(key="view").value == "activity"
    at.segmented_control(key="view").set_value("sessions").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2                    # hours by kind, attendance
    at.segmented_control(key="view").set_value("activity").run()
    drawn = {}
    for shown in each_section(at):
        section = shown.segmented_control(key="view").value
        drawn[section] = len(shown.get("plotly_chart")) + len([i for i in shown.info])
        assert len(shown.get("plotly_chart")) <= 4, section
        kept = shown.query_params.get("view")
        assert (kept in (None, [], "") if section == "activity" else kept in (section, [section])), (section, kept)
    assert set(drawn) == {value for value, _ in DASHBOARD_SECTIONS}
    assert all(n >= 1 for n in drawn.values()), drawn          # every section draws something


def test_page_data_is_computed_once_per_data_version_and_a_write_elsewhere_shows_at_once(pilot, monkeypatch):  # noqa: F811
    calls = []
    real = page_data.services_page

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003
        calls.append(args[2:])
        return real(*args, **kwargs)

    monkeypatch.setattr(page_data, "services_page", counted)
    at = open_page(pilot, DASHBOARD, "admin", lang="en")
    before = {m.label: m.value for m in at.metric}
    at.segmented_control(key="view").set_value("costs").run()
    at.run()
    assert not at.exception
    assert len(calls) == 1                                     # reruns reuse the computed page

    # Another process (a replica) saves a cost: no cache of this process is cleared by it.
    engine = db.shared_engine(pilot["db"])
    version = db.run_in_transaction(engine, audit.data_version)
    clean, problems = costs.check_cost({"category": "other", "amount_eur": "1000", "incurred_on": date.today(),
                                        "description": "x"})
    assert not problems
    db.run_in_transaction(engine, lambda c: costs.add_cost(c, ADMIN, clean))
    assert db.run_in_transaction(engine, audit.data_version) > version
    at.run()
    assert not at.exception
    assert len(calls) == 2
    after = {m.label: m.value for m in at.metric}
    total = "Costs in total"
    assert total in after and after[total] != before[total]
    was = Decimal(before[total].replace("\u00a0", "").replace(",", "").rstrip(" €"))
    now = Decimal(after[total].replace("\u00a0", "").replace(",", "").rstrip(" €"))
    assert now - was == Decimal("1000.00")


def test_a_read_leaves_the_data_version_as_it_is(pilot):  # noqa: F811
    engine = db.shared_engine(pilot["db"])
    version = db.run_in_transaction(engine, audit.data_version)
    db.run_in_transaction(engine, lambda c: audit.record_view(c, ADMIN, "participants", {"q": "x"}))
    assert db.run_in_transaction(engine, audit.data_version) == version


def test_a_coach_of_several_companies_sees_all_of_them_together_and_nothing_else(pilot):  # noqa: F811
    own = [r[0] for r in scalar(pilot, "SELECT uc.company_id FROM user_companies uc JOIN users u ON u.id = uc.user_id "
                                       "WHERE u.username = 'coach2' ORDER BY 1")]
    assert len(own) >= 2
    at = open_page(pilot, DASHBOARD, "coach2", lang="en")
    company = at.selectbox(key="dash_company")
    assert company.value is None and company.options[0] == "All my companies"
    assert sorted(company.options[1:]) == sorted(
        f"{r[0]} ({r[1]})" for r in scalar(pilot, "SELECT name, business_id FROM companies WHERE id IN ("
                                                  + ", ".join(map(str, own)) + ")"))
    tiles = {m.label: m.value for m in at.metric}
    enrolled = scalar(pilot, "SELECT COUNT(*) FROM participants WHERE enrolled_on <= CURRENT_DATE AND company_id IN ("
                      + ", ".join(map(str, own)) + ")")[0][0]
    everyone = scalar(pilot, "SELECT COUNT(*) FROM participants WHERE enrolled_on <= CURRENT_DATE")[0][0]
    assert enrolled < everyone
    assert tiles["Participants enrolled"] == str(enrolled)
    others = [r[0] for r in scalar(pilot, "SELECT name FROM companies WHERE id NOT IN ("
                                          + ", ".join(map(str, own)) + ")")]
    shown = ""
    for view in each_section(at):
        shown += "\n".join(d.value.to_csv() for d in view.dataframe)
    names = [r[0] for r in scalar(pilot, "SELECT name FROM companies WHERE id IN (" + ", ".join(map(str, own)) + ")")]
    assert [n for n in names if n in shown]                     # its own companies' rows are drawn
    assert not [n for n in others if n in shown]


@pytest.mark.parametrize("lang, separators", [("fi", ",\u00a0"), ("sv", ",\u00a0"), ("en", ".,")])
def test_axes_write_numbers_in_the_readers_language(lang, separators):
    import pandas as pd
    frame = pd.DataFrame({"month": ["2025-01", "2025-02"], "amount": [35000.0, 200000.0]})
    fig = charts.localise(charts.outcome_bars(frame, "month", {"amount": "€"}, {"title": "", "x": "", "y": ""}), lang)
    assert fig.layout.separators == separators
    assert fig.layout.yaxis.tickformat == ",~f"                  # 35 000, never 35k
    lines = charts.localise(charts.outcome_lines(frame, "month", {"amount": "€"}, {"title": "", "x": "", "y": ""}), lang)
    assert lines.layout.yaxis.tickformat == ",~f" and lines.layout.separators == separators


def test_the_dashboard_figures_carry_the_readers_separators(pilot):  # noqa: F811
    import json
    at = open_page(pilot, DASHBOARD, "admin", lang="sv")
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert figures and all(f["layout"].get("separators") == ",\u00a0" for f in figures)
