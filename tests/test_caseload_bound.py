"""Issue 16: the caseload (pages/participants.py) and the admin's privacy pickers no longer read and
send every participant in scope. The caseload grid draws at most widgets.CASELOAD_ROWS rows with a
caption of how many of how many match; the filters narrow the count; the edit picker (its tab runs only
when open) offers the same bounded rows plus the person chosen; the privacy pickers are bounded with a search box. The bounds
are made small here instead of seeding thousands of rows."""
from __future__ import annotations

from datetime import date

import pytest

from pilot.access import Scope
from pilot.records import participants
from pilot.ui import widgets
from tests import work_seed
from tests.forms_support import open_edit, open_page, world  # noqa: F401

ADMIN = Scope(username="adm", role="admin")


def _captions(at) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def _grid(at):
    return next(f.value for f in at.dataframe if "Code" in f.value.columns or "Koodi" in f.value.columns)


@pytest.fixture
def five(world):
    """world's company with P-0001..P-0003 (coach Anna), plus P-0004 exited and P-0005 at a second company."""
    other = work_seed.company(world["engine"], "1572860-0", "Gamma Oy", date(2023, 1, 1))
    world["exited"] = work_seed.participant(world["engine"], world["company"], "P-0004", enrolled=date(2023, 2, 1),
                                            exited=date(2024, 1, 31))
    world["other"] = work_seed.participant(world["engine"], other, "P-0005", enrolled=date(2023, 2, 1))
    world["other_company"] = other
    return world


def test_list_with_limit_and_count(engine, five):
    with engine.connect() as conn:
        rows = participants.list_participants(conn, ADMIN, limit=2)
        assert [r["code"] for r in rows] == ["P-0001", "P-0002"]
        assert participants.count_participants(conn, ADMIN) == 5
        assert [r["code"] for r in participants.list_participants(conn, ADMIN)] == \
            ["P-0001", "P-0002", "P-0003", "P-0004", "P-0005"]
        # The same filters in the list and in the count.
        assert participants.count_participants(conn, ADMIN, status="active") == 4
        assert participants.count_participants(conn, ADMIN, status="exited") == 1
        assert [r["code"] for r in participants.list_participants(conn, ADMIN, status="exited", limit=2)] == ["P-0004"]
        assert participants.count_participants(conn, ADMIN, company_id=five["other_company"]) == 1
        assert participants.count_participants(conn, ADMIN, search="p-000") == 5
        assert participants.count_participants(conn, ADMIN, search="0003") == 1
        assert participants.count_participants(conn, ADMIN, search="%") == 0  # the user's % is literal
        active = participants.list_participants(conn, ADMIN, company_id=five["company"], status="active", limit=10)
        assert [r["code"] for r in active] == ["P-0001", "P-0002", "P-0003"]


def test_caseload_grid_is_bounded_with_a_caption(five, monkeypatch):
    monkeypatch.setattr(widgets, "CASELOAD_ROWS", 2)
    at = open_edit(open_page(five, "pages/participants.py", user="admin-olli", lang="en"))  # active ones by default
    assert list(_grid(at)["Code"]) == ["P-0001", "P-0002"]
    assert "Showing the first 2 of 4" in _captions(at)
    assert at.selectbox(key="edit_pick").options == ["P-0001 · Name P-0001", "P-0002 · Name P-0002"]
    # The status filter narrows, and so does the count.
    at.radio(key="pf_status").set_value("exited").run()
    assert list(_grid(at)["Code"]) == ["P-0004"]
    assert "Showing the first" not in _captions(at) and "1 row" in _captions(at)
    assert at.selectbox(key="edit_pick").options == ["P-0004 · Name P-0004"]
    # The company filter.
    at.radio(key="pf_status").set_value("active").run()
    at.selectbox(key="pf_company").set_value(five["company"]).run()
    assert "Showing the first 2 of 3" in _captions(at)
    at.selectbox(key="pf_company").set_value(five["other_company"]).run()
    assert list(_grid(at)["Code"]) == ["P-0005"]
    # The search.
    at.selectbox(key="pf_company").set_value(None).run()
    at.text_input(key="pf_search").input("0003").run()
    assert list(_grid(at)["Code"]) == ["P-0003"]
    assert "Showing the first" not in _captions(at)


def test_caption_numbers_in_the_locale(five, monkeypatch):
    monkeypatch.setattr(widgets, "CASELOAD_ROWS", 2)
    at = open_page(five, "pages/participants.py", user="admin-olli", lang="fi")
    assert "Näytetään ensimmäiset 2 / 4" in _captions(at)  # active by default


def test_edit_picker_keeps_the_person_chosen(five, monkeypatch):
    monkeypatch.setattr(widgets, "CASELOAD_ROWS", 2)
    at = open_edit(open_page(five, "pages/participants.py", user="admin-olli", lang="en"))
    p2 = five["pids"][1]
    at.selectbox(key="edit_pick").set_value(p2).run()
    assert any((w.key or "").startswith(f"form_edit_{p2}") for w in at.text_input)  # P-0002's form is drawn
    # A search that leaves P-0002 out keeps it in the picker, chosen, with the matches.
    at.text_input(key="pf_search").input("0003").run()
    assert not at.exception
    picker = at.selectbox(key="edit_pick")
    assert picker.value == p2
    assert picker.options == ["P-0002 · Name P-0002", "P-0003 · Name P-0003"]
    # And one found by search beyond the first two can be chosen.
    picker.set_value(five["pids"][2]).run()
    assert at.selectbox(key="edit_pick").value == five["pids"][2]


def test_small_pilot_looks_as_before(five):
    at = open_page(five, "pages/participants.py", user="admin-olli", lang="en")
    assert "Showing the first" not in _captions(at)
    assert "4 rows" in _captions(at)
    # Only the open tab runs: the enrol form by default, the edit picker once its tab is opened.
    assert [w for w in at.text_input if w.key == "form_enrol_code"]
    assert not [w for w in at.selectbox if w.key == "edit_pick"]
    open_edit(at)
    assert not [w for w in at.text_input if w.key == "form_enrol_code"]
    assert len(at.selectbox(key="edit_pick").options) == 4
    adm = open_page(five, "pages/admin_privacy.py", user="admin-olli", lang="en")
    assert not [w for w in adm.text_input if w.key in ("export_pick_find", "anon_pick_find")]
    assert len(adm.selectbox(key="export_pick").options) == 5
    assert adm.selectbox(key="export_pick").options[0] == "P-0001 · Name P-0001 · Espoo Works"


def test_privacy_export_of_one_found_by_search(five, monkeypatch):
    monkeypatch.setattr(widgets, "CHOICES", 2)
    at = open_page(five, "pages/admin_privacy.py", user="admin-olli", lang="en")
    assert len(at.selectbox(key="export_pick").options) == 2
    assert "Showing the first 2 of 5" in _captions(at)
    at.text_input(key="export_pick_find").input("0005").run()
    assert at.selectbox(key="export_pick").options == ["P-0005 · Name P-0005 · Gamma Oy"]
    at.selectbox(key="export_pick").set_value(five["other"]).run()
    at.button(key="export_go").click().run()
    assert not at.exception, at.exception
    assert at.session_state["export_data"]["participant"]["code"] == "P-0005"
    assert [b for b in at.get("download_button")]
    # The anonymise picker is bounded the same way and finds the same person.
    assert len(at.selectbox(key="anon_pick").options) == 2
    at.text_input(key="anon_pick_find").input("0005").run()
    at.selectbox(key="anon_pick").set_value(five["other"]).run()
    assert any("P-0005" in w.label for w in at.text_input)
