"""Company pickers of the cost correction form and the admin's user forms are search-first
(issue 16 follow-up): at most widgets.CHOICES companies are listed, a search box above the form
finds any company of the reader's scope, and the companies already chosen stay listed.
CHOICES is made small here instead of seeding thousands of rows."""
from __future__ import annotations

from datetime import date

import pytest

from pilot import db
from pilot.access import Scope
from pilot.records import companies, costs, users
from pilot.ui import widgets
from tests import work_seed
from tests.forms_support import one, open_page, submit, texts, world  # noqa: F401

ADMIN = Scope(username="seed-admin", role="admin")
USERS = "pages/admin_users.py"


@pytest.fixture
def three(world, monkeypatch):
    """Three companies by name: Delta Ab, Espoo Works (the world's), Gamma Oy; two listed at once."""
    monkeypatch.setattr(widgets, "CHOICES", 2)
    world["delta"] = work_seed.company(world["engine"], "2617416-4", "Delta Ab", date(2023, 1, 1))
    world["gamma"] = work_seed.company(world["engine"], "1572860-0", "Gamma Oy", date(2023, 1, 1))
    return world


def _labels(options) -> str:
    return " | ".join(str(o) for o in options)


# ---- the cost correction form ----

@pytest.mark.parametrize("lang, saved", [("en", "Correction saved."), ("fi", None), ("sv", None)])
def test_a_costs_company_is_changed_to_one_beyond_the_first_page(three, lang, saved):
    world = three
    clean, _ = costs.check_cost({"category": "staff", "amount_eur": "120.00", "incurred_on": date(2024, 3, 4),
                                 "company_id": world["delta"]})
    cost_id = db.run_in_transaction(world["engine"], lambda c: costs.add_cost(c, ADMIN, clean)[0])
    at = open_page(world, "pages/costs.py", "admin-olli", lang)
    at.selectbox(key="costs_year").set_value(2024).run()
    at.selectbox(key="costs_pick").set_value(cost_id).run()
    prefix = f"form_undo_costs_{cost_id}_v1"
    picker = at.selectbox(key=f"{prefix}_company")
    # "no company" and the first two by name: Gamma Oy is beyond the first page.
    assert len(picker.options) == 3 and "Gamma Oy" not in _labels(picker.options), picker.options
    assert at.selectbox(key=f"{prefix}_company").value == world["delta"]
    at.text_input(key=f"{prefix}_company_find").input("gamma").run()
    assert not at.exception, at.exception
    options = at.selectbox(key=f"{prefix}_company").options
    assert "Gamma Oy (1572860-0)" in options and "Delta Ab (2617416-4)" in options, options  # the cost's own stays
    assert "Espoo Works" not in _labels(options)
    at.selectbox(key=f"{prefix}_company").set_value(world["gamma"])
    submit(at, f"{prefix}_edit")
    assert not at.error, texts(at.error)
    if saved:
        assert saved in texts(at.success)
    assert one(world, "SELECT company_id FROM costs WHERE id = :i", i=cost_id) == world["gamma"]


def test_a_cost_without_a_company_keeps_none(three):
    world = three
    clean, _ = costs.check_cost({"category": "grant", "amount_eur": "50", "incurred_on": date(2024, 5, 6)})
    cost_id = db.run_in_transaction(world["engine"], lambda c: costs.add_cost(c, ADMIN, clean)[0])
    at = open_page(world, "pages/costs.py", "admin-olli", "en")
    at.selectbox(key="costs_year").set_value(2024).run()
    at.selectbox(key="costs_pick").set_value(cost_id).run()
    prefix = f"form_undo_costs_{cost_id}_v1"
    assert at.selectbox(key=f"{prefix}_company").value is None
    at.text_input(key=f"{prefix}_amount").input("60")
    submit(at, f"{prefix}_edit")
    assert one(world, "SELECT company_id FROM costs WHERE id = :i", i=cost_id) is None
    assert one(world, "SELECT amount_eur FROM costs WHERE id = :i", i=cost_id) == 60


# ---- the admin's user forms ----

def test_add_user_finds_companies_beyond_the_first_page_and_keeps_each_pick(three):
    world = three
    at = open_page(world, USERS, "admin-olli", "en")
    picker = at.multiselect(key="user_add_companies")
    assert len(picker.options) == 2 and "Gamma Oy" not in _labels(picker.options), picker.options
    at.text_input(key="user_add_companies_find").input("gamma").run()
    assert at.multiselect(key="user_add_companies").options == ["Gamma Oy (1572860-0)"]
    at.multiselect(key="user_add_companies").select(world["gamma"]).run()
    at.text_input(key="user_add_companies_find").input("delta").run()
    picker = at.multiselect(key="user_add_companies")
    # The pick made under the earlier search stays listed and chosen, the new match follows.
    assert picker.options == ["Gamma Oy (1572860-0)", "Delta Ab (2617416-4)"], picker.options
    assert picker.value == [world["gamma"]]
    picker.select(world["delta"]).run()
    at.text_input(key="user_add_username").set_value("coach-new")
    submit(at, "form_user_add")
    assert any("coach-new" in s.value for s in at.success), texts(at.success)
    with world["engine"].connect() as conn:
        new = users.get_by_username(conn, "coach-new")
        assert sorted(users.company_ids(conn, new["id"])) == sorted([world["gamma"], world["delta"]])
    assert at.multiselect(key="user_add_companies").value == []  # an empty form for the next account


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_edit_user_adds_a_company_beyond_the_first_page_and_keeps_the_bound_ones(three, lang):
    world = three
    with db.transaction(world["engine"]) as conn:
        anna = users.get_by_username(conn, "coach-anna")["id"]
        users.set_companies(conn, ADMIN, anna, [world["company"], world["delta"]])
    at = open_page(world, USERS, "admin-olli", lang)
    at.selectbox(key="user_pick").set_value(anna).run()
    key = next(m.key for m in at.multiselect if m.key and m.key.startswith(f"user_edit_{anna}_"))
    picker = at.multiselect(key=key)
    assert sorted(picker.value) == sorted([world["company"], world["delta"]])
    assert "Gamma Oy" not in _labels(picker.options), picker.options
    at.text_input(key=f"{key}_find").input("1572860").run()  # by Y-tunnus
    picker = at.multiselect(key=key)
    # Both bound companies stay listed and chosen though the search matches neither.
    assert sorted(picker.value) == sorted([world["company"], world["delta"]])
    assert len(picker.options) == 3 and "Gamma Oy (1572860-0)" in picker.options, picker.options
    picker.select(world["gamma"]).run()
    submit(at, f"form_user_edit_{anna}")
    assert not at.error, texts(at.error)
    with world["engine"].connect() as conn:
        assert sorted(users.company_ids(conn, anna)) == sorted([world["company"], world["delta"], world["gamma"]])


def test_saving_a_user_keeps_bound_companies_outside_the_search(three):
    world = three
    with db.transaction(world["engine"]) as conn:
        anna = users.get_by_username(conn, "coach-anna")["id"]
        users.set_companies(conn, ADMIN, anna, [world["company"], world["gamma"]])
    at = open_page(world, USERS, "admin-olli", "en")
    at.selectbox(key="user_pick").set_value(anna).run()
    key = next(m.key for m in at.multiselect if m.key and m.key.startswith(f"user_edit_{anna}_"))
    at.text_input(key=f"{key}_find").input("delta").run()  # matches neither bound company
    submit(at, f"form_user_edit_{anna}")  # saves the other fields only
    assert "Saved" in texts(at.success), texts(at.success)
    with world["engine"].connect() as conn:
        assert sorted(users.company_ids(conn, anna)) == sorted([world["company"], world["gamma"]])


# ---- the data layer: several chosen companies kept ----

def test_company_choices_keeps_every_chosen_company_of_the_scope(engine):
    a = work_seed.company(engine, "0101263-6", "Alpha Works", date(2023, 1, 1))
    b = work_seed.company(engine, "1572860-0", "Beta Bakery", date(2023, 1, 1))
    c = work_seed.company(engine, "2617416-4", "Gamma Oy", date(2023, 1, 1))
    with db.transaction(engine) as conn:
        users.create_user(conn, "coach-ab", "coach", "AB", company_ids=[a, b])
        coach = users.scope_for(conn, users.get_by_username(conn, "coach-ab"))
    with engine.connect() as conn:
        # The chosen ones not among the matches come first, in the order chosen, then the matches.
        assert companies.company_choices(conn, ADMIN, "gamma", [b, a], limit=1) == [
            (b, "Beta Bakery (1572860-0)"), (a, "Alpha Works (0101263-6)"), (c, "Gamma Oy (2617416-4)")]
        # One already among the matches is not repeated; one outside the caller's scope is not shown.
        assert [i for i, _ in companies.company_choices(conn, ADMIN, None, [a, a], limit=2)] == [a, b]
        assert [i for i, _ in companies.company_choices(conn, coach, "alpha", [b, c], limit=5)] == [b, a]
        # A single id still works as before.
        assert [i for i, _ in companies.company_choices(conn, ADMIN, "beta", c, limit=5)] == [c, b]
