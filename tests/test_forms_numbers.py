"""Number fields read the user's locale: a Finnish decimal comma is a decimal comma (issue 13.5).

Typing ``12,50`` € once saved 1 250 € and weekly hours ``4,5`` saved 45 (st.number_input in a
browser drops the comma). Every number field is now the one text field of pilot/ui/widgets.py,
read by pilot/domain/numbers.py in the user's language, or refused with a message."""
from __future__ import annotations

from decimal import Decimal

import pytest

from pilot.domain.validation import check_employment
from pilot.records import costs
from tests.forms_support import one, open_page, submit, texts, world  # noqa: F401

COSTS = "pages/costs.py"


@pytest.mark.parametrize("lang, typed, stored", [
    ("fi", "12,50", Decimal("12.50")), ("sv", "12,50", Decimal("12.50")), ("en", "12.50", Decimal("12.50")),
    ("fi", "1 250,5", Decimal("1250.50")), ("en", "1,250.50", Decimal("1250.50")),
])
def test_cost_amount_is_read_in_the_users_locale(world, lang, typed, stored):
    at = open_page(world, COSTS, "admin-olli", lang)
    at.selectbox(key="cost_category").set_value("other")
    at.text_input(key="cost_amount").input(typed)
    submit(at, "form_cost")
    assert not at.error, texts(at.error)
    assert one(world, "SELECT amount_eur FROM costs") == stored


@pytest.mark.parametrize("lang, typed, message", [
    ("en", "12,50", "Enter a number."),         # a comma in English is grouping, and 12,50 is not
    ("fi", "12,5,0", "Anna luku."),
    ("fi", "12,505", "Enintään 2 desimaalia."),
])
def test_a_number_the_locale_cannot_read_is_refused_not_guessed(world, lang, typed, message):
    at = open_page(world, COSTS, "admin-olli", lang)
    at.selectbox(key="cost_category").set_value("other")
    at.text_input(key="cost_amount").input(typed)
    submit(at, "form_cost")
    assert message in texts(at.error)
    assert one(world, "SELECT COUNT(*) FROM costs") == 0


def test_appropriation_in_finnish(world):
    at = open_page(world, COSTS, "admin-olli", "fi")
    year = at.selectbox(key="costs_year").value
    key = f"appropriation_amount_{year}"
    assert at.text_input(key=key).value == "200000,00"   # shown in the user's locale
    at.text_input(key=key).input("210 000,50")
    submit(at, "form_appropriation")
    assert one(world, "SELECT amount_eur FROM appropriations WHERE year = :y", y=year) == Decimal("210000.50")


def test_weekly_hours_with_a_decimal_comma(world):
    pid = world["pids"][0]
    at = open_page(world, "pages/participant.py", params={"participant": str(pid)}, tab="employment")
    prefix = f"form_emp_{pid}_0"
    at.selectbox(key=f"{prefix}_status").set_value("fixed_term")
    at.text_input(key=f"{prefix}_hours").input("4,5")
    submit(at, prefix)
    assert not at.error, texts(at.error)
    assert one(world, "SELECT weekly_hours FROM employment WHERE participant_id = :p AND status = 'fixed_term'",
               p=pid) == Decimal("4.5")


def test_session_minutes_are_a_locale_number(world):
    cid = world["company"]
    at = open_page(world, "pages/log_session.py")
    prefix = f"form_log_{cid}_group_0"
    at.text_input(key=f"{prefix}_minutes").input("90,5")
    submit(at, prefix)
    assert "Anna kokonaisluku." in texts(at.error)
    assert one(world, "SELECT COUNT(*) FROM sessions") == 0
    at.text_input(key=f"{prefix}_minutes").input("90")
    submit(at, prefix)
    assert one(world, "SELECT minutes FROM sessions") == 90


@pytest.mark.parametrize("lang, typed, hours", [("fi", "4,5", Decimal("4.5")), ("sv", "37,5", Decimal("37.5")),
                                                ("en", "4.5", Decimal("4.5")), ("fi", "4.5", Decimal("4.5"))])
def test_check_employment_reads_hours_in_the_locale(lang, typed, hours):
    clean, problems = check_employment({"effective_on": "2024-01-01", "status": "fixed_term",
                                        "weekly_hours": typed}, lang)
    assert not problems and clean["weekly_hours"] == hours


def test_check_cost_never_drops_the_separator():
    clean, problems = costs.check_cost({"category": "other", "amount_eur": "12,50", "incurred_on": "2024-01-01"}, "fi")
    assert not problems and clean["amount_eur"] == Decimal("12.50")
    _, problems = costs.check_cost({"category": "other", "amount_eur": "12,50", "incurred_on": "2024-01-01"}, "en")
    assert [p.key for p in problems] == ["error.number"]


@pytest.mark.parametrize("lang, example", [("fi", "12,5"), ("en", "12.5")])
def test_the_empty_field_shows_a_plain_example_in_the_users_locale(world, lang, example):
    """A placeholder is plain text: its example is not escaped for Markdown (no '12\\.5')."""
    at = open_page(world, COSTS, "admin-olli", lang)
    placeholder = at.text_input(key="cost_amount").proto.placeholder
    assert example in placeholder and "\\" not in placeholder
