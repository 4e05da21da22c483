"""Pure domain rules as tables."""
from __future__ import annotations

from datetime import date

import pytest

from pilot.domain import codes, identifiers, levels
from pilot.domain.dates import add_months, parse_date
from pilot.domain.validation import check_company, check_employment, check_participant, parse_bool


@pytest.mark.parametrize("value, valid", [
    ("0101263-6", True), ("0101263-5", False), ("1927400-1", True), ("1927400-2", False),
    *[(f"1000008-{d}", False) for d in range(10)],  # remainder 1: invalid whatever the digit
    ("0112038-9", True), ("2617416-4", True), ("123456-7", False), ("01012636", False), ("", False),
    (None, False), ("0101263-6 ", True), ("abcdefg-1", False),
])
def test_business_id(value, valid):
    assert identifiers.is_valid_business_id(value) is valid


def test_check_digit_remainder_cases():
    assert identifiers.business_id_check_digit("1000008") is None
    assert identifiers.business_id_check_digit("0101263") == 6


@pytest.mark.parametrize("text, found", [
    ("131052-308T", "131052-308T"),
    ("Asiakas 131052-308T soitti", "131052-308T"),
    ("hetu:010594Y9032", "010594Y9032"),
    ("uusi muoto 010594Y9021", "010594Y9021"),  # new century signs (2023)
    ("uusi muoto 010594Y9022", None),  # wrong check character
    ("020202A0203 syntynyt 2002", None),  # wrong check character
    ("010101A123N", "010101A123N"),
    ("300299-123X", None),  # 30.2. is not a date
    ("Y-tunnus 0101263-6", None),
    ("puhelin 040-1234567", None),
    ("P-0042", None),
    ("x131052-308Tx", None),
    ("", None),
])
def test_hetu_detection(text, found):
    assert identifiers.find_hetu(text) == found


def test_hetu_with_every_century_sign():
    for sign in "-UVWXY":
        body = "010594" + sign + "903"
        check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int("010594903") % 31]
        assert identifiers.contains_hetu(body + check)
    assert identifiers.contains_hetu("010504A903" + "0123456789ABCDEFHJKLMNPRSTUVWXY"[int("010504903") % 31])


@pytest.mark.parametrize("code, valid", [
    ("P-0042", True), ("AB", True), ("A", False), ("x" * 20, True), ("x" * 21, False), ("P 42", False),
    ("P_42", False), ("Ä-1", False),
])
def test_participant_code(code, valid):
    assert identifiers.is_valid_participant_code(code) is valid


@pytest.mark.parametrize("level, ordinal", [
    ("A1.1", 1), ("A1.3", 3), ("A2.2", 5), ("B1.1", 6), ("B2.2", 9), ("C1", 10), ("C1.1", 10),
    ("C1.2", 10), ("C2", 11), ("c2.1", 11), ("b1.1", 6),
])
def test_level_ordinal(level, ordinal):
    assert levels.ordinal(level) == ordinal


@pytest.mark.parametrize("level", ["X", "", "B3.1", "A1", None])
def test_level_not_on_scale(level):
    assert levels.normalise_level(level) is None


@pytest.mark.parametrize("start, months, expected", [
    (date(2024, 8, 31), 6, date(2025, 2, 28)), (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2024, 1, 15), 6, date(2024, 7, 15)), (date(2024, 12, 31), 2, date(2025, 2, 28)),
    (date(2024, 7, 31), 6, date(2025, 1, 31)),
])
def test_add_months_clamps(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize("value, expected", [
    ("2024-03-01", date(2024, 3, 1)), ("1.3.2024", date(2024, 3, 1)), ("01.03.2024", date(2024, 3, 1)),
    (date(2024, 3, 1), date(2024, 3, 1)), ("31.2.2024", None), ("2024/03/01", None), ("soon", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("yes", True), ("kyllä", True), ("ja", True), ("1", True), ("TRUE", True), (1, True),
    ("no", False), ("ei", False), ("nej", False), ("0", False), ("false", False), ("maybe", None),
])
def test_parse_bool(value, expected):
    assert parse_bool(value) is expected


def _fields(problems):
    return {(p.field, p.key) for p in problems}


@pytest.mark.parametrize("values, expected", [
    ({"business_id": "0101263-6", "name": "Espoo", "joined_on": "1.1.2024"}, set()),
    ({"business_id": "0101263-5", "name": "Espoo", "joined_on": "1.1.2024"}, {("business_id", "error.business_id")}),
    ({"business_id": "1000008-1", "name": "X", "joined_on": "1.1.2024"}, {("business_id", "error.business_id")}),
    ({"business_id": "0101263-6", "name": "", "joined_on": "1.1.2024"}, {("name", "error.required")}),
    ({"business_id": "0101263-6", "name": "E", "joined_on": "2024-02-01", "left_on": "2024-01-01"},
     {("left_on", "error.date_order")}),
    ({"business_id": "0101263-6", "name": "E", "joined_on": "x"}, {("joined_on", "error.date")}),
    ({"business_id": "0101263-6", "name": "E", "joined_on": "1.1.2024", "contact_email": "no-at"},
     {("contact_email", "error.email")}),
    ({"business_id": "0101263-6", "name": "E", "joined_on": "1.1.2024", "size_class": "huge"},
     {("size_class", "error.choice")}),
    ({"business_id": "0101263-6", "name": "E", "joined_on": "1.1.2024", "industry": "N"}, set()),
    ({"business_id": "0101263-6", "name": "E", "joined_on": "1.1.2024", "industry": "81210"}, set()),
    ({"business_id": "0101263-6", "name": "E", "joined_on": "1.1.2024", "contact_name": "Matti 131052-308T"},
     {("contact_name", "error.hetu")}),
])
def test_check_company(values, expected):
    assert _fields(check_company(values)[1]) == expected


@pytest.mark.parametrize("values, expected", [
    ({"code": "P-0001", "enrolled_on": "2024-01-01", "first_language": "ar"}, set()),
    ({"code": "P-0001", "enrolled_on": "2024-01-01", "first_language": "som"}, set()),
    ({"code": "P", "enrolled_on": "2024-01-01", "first_language": "ar"}, {("code", "error.participant_code")}),
    ({"code": "P-1", "enrolled_on": "2024-01-01", "first_language": "arabic"}, {("first_language", "error.language")}),
    ({"code": "P-1", "enrolled_on": "2024-01-01", "exited_on": "2023-12-31", "first_language": "ar"},
     {("exited_on", "error.date_order")}),
    ({"code": "P-1", "enrolled_on": "2024-01-01", "first_language": "ar", "notes": "hetu 131052-308T"},
     {("notes", "error.hetu")}),
    ({"code": "P-1", "enrolled_on": "2024-01-01", "first_language": "ar", "occupation_code": "91121"}, set()),
    ({"code": "P-1", "enrolled_on": "2024-01-01", "first_language": "ar", "occupation_code": "911211"},
     {("occupation_code", "error.occupation")}),
])
def test_check_participant(values, expected):
    assert _fields(check_participant(values)[1]) == expected


@pytest.mark.parametrize("values, expected", [
    ({"effective_on": "2024-01-01", "status": "permanent", "weekly_hours": 37.5, "subsidised": True}, set()),
    ({"effective_on": "2024-01-01", "status": "work_trial", "subsidised": True}, {("subsidised", "error.subsidised_status")}),
    ({"effective_on": "2024-01-01", "status": "unemployed", "subsidised": False}, set()),
    ({"effective_on": "2024-01-01", "status": "permanent", "weekly_hours": 61}, {("weekly_hours", "error.range")}),
    ({"effective_on": "2024-01-01", "status": "hired"}, {("status", "error.choice")}),
    ({"effective_on": "2024-01-01", "status": "fixed_term", "employer_business_id": "0101263-5"},
     {("employer_business_id", "error.business_id")}),
])
def test_check_employment(values, expected):
    assert _fields(check_employment(values)[1]) == expected


def test_work_trial_is_never_employment():
    assert not codes.is_employed("work_trial")
    assert codes.is_employed("apprenticeship")
    assert not codes.is_employed(None)


@pytest.mark.parametrize("as_of, expected", [
    (date(2024, 1, 1), "proposed"), (date(2024, 2, 1), "agreed"), (date(2024, 3, 1), "in_use"),
    (date(2024, 4, 1), "evaluated"), (date(2024, 5, 1), "dropped"),
])
def test_adaptation_stage(as_of, expected):
    stage = codes.adaptation_stage(as_of, date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1),
                                   date(2024, 4, 1), date(2024, 5, 1))
    assert stage == expected
