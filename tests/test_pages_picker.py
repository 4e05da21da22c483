"""Bounded pickers on the pages (issue 16): with more choices in scope than widgets.CHOICES, a
search box narrows the participant and company pickers and a caption says how many are shown;
?participant=<id> of one outside the first N still opens it; with at most N the page is as before.
CHOICES is made small here instead of seeding thousands of rows."""
from __future__ import annotations

from datetime import date

import pytest

from pilot.ui import widgets
from tests import work_seed
from tests.forms_support import open_page, world  # noqa: F401


def _texts(at) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_a_small_scope_has_no_search_box(world):
    a = world["pids"][0]
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(a)})
    assert not [w for w in at.text_input if w.key == "participant_pick_find"]
    assert len(at.selectbox(key="participant_pick").options) == 3
    assert "Showing the first" not in _texts(at)


def test_a_large_scope_gets_a_search_box_that_narrows(world, monkeypatch):
    monkeypatch.setattr(widgets, "CHOICES", 2)
    at = open_page(world, "pages/participant.py", lang="en")
    picker = at.selectbox(key="participant_pick")
    assert picker.options == ["P-0001 Name P-0001", "P-0002 Name P-0002"]
    assert "Showing the first 2 of 3" in _texts(at)
    at.text_input(key="participant_pick_find").input("0003").run()
    assert not at.exception
    assert at.selectbox(key="participant_pick").options == ["P-0003 Name P-0003"]
    assert "Showing the first" not in _texts(at)
    at.text_input(key="participant_pick_find").input("zzz").run()
    assert at.selectbox(key="participant_pick").options == []
    assert "Nothing matches" in _texts(at)


def test_the_url_opens_one_outside_the_first_n(world, monkeypatch):
    monkeypatch.setattr(widgets, "CHOICES", 2)
    c = world["pids"][2]
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(c)}, tab="details")
    assert at.selectbox(key="participant_pick").value == c
    assert at.text_input(key=f"form_details_{c}_v1_job")  # C's own forms are drawn
    # A search that leaves C out keeps C in the picker (the person open), plus the matches.
    at.text_input(key="participant_pick_find").input("0001").run()
    assert at.selectbox(key="participant_pick").value == c
    assert at.selectbox(key="participant_pick").options == ["P-0003 Name P-0003", "P-0001 Name P-0001"]
    # Picking a match writes the URL as before.
    at.selectbox(key="participant_pick").set_value(world["pids"][0]).run()
    assert at.query_params["participant"] == str(world["pids"][0])


@pytest.fixture
def companies3(world):
    for bid, name in (("1572860-0", "Gamma Oy"), ("2617416-4", "Delta Ab")):
        work_seed.company(world["engine"], bid, name, date(2023, 1, 1))
    return world


def test_company_picker_small_scope_unchanged(companies3):
    at = open_page(companies3, "pages/log_session.py", user="admin-olli", lang="en")
    assert not [w for w in at.text_input if w.key == "log_company_find"]
    assert at.selectbox(key="log_company").options == ["Delta Ab (2617416-4)", "Espoo Works (0101263-6)",
                                                       "Gamma Oy (1572860-0)"]
    assert at.selectbox(key="log_company").value is not None  # the first is chosen, as before


def test_company_picker_large_scope_searches(companies3, monkeypatch):
    monkeypatch.setattr(widgets, "CHOICES", 2)
    at = open_page(companies3, "pages/log_session.py", user="admin-olli", lang="en")
    assert at.selectbox(key="log_company").options == ["Delta Ab (2617416-4)", "Espoo Works (0101263-6)"]
    assert "Showing the first 2 of 3" in _texts(at)
    at.text_input(key="log_company_find").input("1572860").run()
    assert not at.exception
    # The company open stays in the list, the match follows; picking it opens its sessions.
    assert at.selectbox(key="log_company").options == ["Delta Ab (2617416-4)", "Gamma Oy (1572860-0)"]
    at.selectbox(key="log_company").select_index(1).run()
    assert not at.exception
    assert at.selectbox(key="log_company").value != companies3["company"]


def test_company_picker_on_adaptations_follows_the_url(companies3, monkeypatch):
    monkeypatch.setattr(widgets, "CHOICES", 1)
    at = open_page(companies3, "pages/adaptations.py", user="admin-olli", lang="en",
                   params={"company": str(companies3["company"])})
    # Espoo Works is the second by name, outside the first N: ?company= still opens it.
    assert at.selectbox(key="adapt_company").value == companies3["company"]
    assert at.text_input(key="adapt_company_find")


def test_only_the_open_tab_of_the_participant_page_runs(world):
    """The assessment chart and table, the employment table and the details form are not built
    while the timeline (the first tab) is open; each appears when its tab opens."""
    from pilot.records import assessments
    from tests.forms_support import open_tab
    pid = world["pids"][0]
    with world["engine"].begin() as conn:
        from pilot.access import Scope
        assessments.record_assessment(conn, Scope(username="seed", role="admin"), pid,
                                      {"assessed_on": date(2023, 3, 1), "skill": "speaking", "level": "A2.1",
                                       "source": "coach", "notes": None})
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(pid)})
    keys = {getattr(e, "key", None) for e in at.dataframe} | {w.key for w in at.text_input}
    assert not {"assess_table", "emp_table", f"form_details_{pid}_v1_job"} & keys
    assert not at.get("plotly_chart")
    assert at.multiselect(key="tl_kinds")  # the timeline is drawn
    open_tab(at, "language")
    assert at.get("plotly_chart")
    assert not [m for m in at.multiselect if m.key == "tl_kinds"]  # the timeline no longer runs
    open_tab(at, "details")
    assert at.text_input(key=f"form_details_{pid}_v1_job")
    assert not at.get("plotly_chart")


def test_dashboard_company_filter_is_bounded(companies3, monkeypatch):
    """The services dashboard's company filter: all companies together first, then at most N,
    a search box for a larger pilot, and a company found by search can be chosen."""
    monkeypatch.setattr(widgets, "CHOICES", 2)
    at = open_page(companies3, "pages/dashboard.py", user="admin-olli", lang="en")
    picker = at.selectbox(key="dash_company")
    assert picker.options == ["All companies", "Delta Ab (2617416-4)", "Espoo Works (0101263-6)"]
    assert "Showing the first 2 of 3" in _texts(at)
    at.text_input(key="dash_company_find").input("1572860").run()
    assert not at.exception
    assert at.selectbox(key="dash_company").options == ["All companies", "Gamma Oy (1572860-0)"]
    at.selectbox(key="dash_company").select_index(1).run()
    assert not at.exception
    assert at.selectbox(key="dash_company").value is not None
    # The chosen company stays listed when the search changes.
    at.text_input(key="dash_company_find").input("Delta").run()
    assert at.selectbox(key="dash_company").options == ["All companies", "Gamma Oy (1572860-0)",
                                                        "Delta Ab (2617416-4)"]


def test_dashboard_company_filter_small_pilot_unchanged(companies3):
    at = open_page(companies3, "pages/dashboard.py", user="admin-olli", lang="en")
    assert not [w for w in at.text_input if w.key == "dash_company_find"]
    assert len(at.selectbox(key="dash_company").options) == 4
