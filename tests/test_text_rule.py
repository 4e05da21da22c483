"""Issue 13.12 (forms side): the import's text rule holds in every form and the CLI, through Checker.

Free text refuses control characters (tab and newline are kept); keys, codes, dates and numbers
also refuse invisible format characters and digits other than 0-9. The import already applied the
rule when reading cells; these tables show the forms' own checks (check_participant, check_company,
check_employment, check_session, check_note) give the same TextError key as a field problem.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pilot.domain.validation import Checker, check_company, check_employment, check_participant
from pilot.domain.work_checks import check_note, check_session

ZWSP = "\u200b"
FULLWIDTH_BID = "\uff10\uff11\uff10\uff11\uff12\uff16\uff13-\uff16"  # 0101263-6 in full-width digits
ARABIC_INDIC_45 = "\u0664\u0665"  # 45

PARTICIPANT = {"code": "P-0042", "enrolled_on": "2025-01-15", "first_language": "ar",
               "job_title": "Kokki", "notes": "Hyvä alku."}
COMPANY = {"business_id": "0101263-6", "name": "Oy Testi Ab", "joined_on": "2025-01-01"}
SESSION = {"held_on": "2025-02-03", "minutes": "45", "kind": "language_lesson", "mode": "onsite",
           "notes": "Käytiin läpi työvuorolista."}


def _problem_keys(problems, name):
    return [p.key for p in problems if p.field == name]


@pytest.mark.parametrize("check, base, name, value, key", [
    (check_participant, PARTICIPANT, "code", f"P-00{ZWSP}42", "text.error.invisible"),
    (check_participant, PARTICIPANT, "code", f"{ZWSP}P-0042", "text.error.invisible"),
    (check_participant, PARTICIPANT, "enrolled_on", "2025-01-1\u0665", "text.error.digits"),
    (check_participant, PARTICIPANT, "first_language", "a\u200er", "text.error.invisible"),
    (check_participant, PARTICIPANT, "notes", "rivi\x00toinen", "text.error.control"),
    (check_participant, PARTICIPANT, "job_title", "Kokki\x1b[31m", "text.error.control"),
    (check_company, COMPANY, "business_id", FULLWIDTH_BID, "text.error.digits"),
    (check_company, COMPANY, "name", "Oy\x07 Testi", "text.error.control"),
    (check_company, COMPANY, "size_class", f"1-9{ZWSP}", "text.error.invisible"),
    (check_session, SESSION, "minutes", ARABIC_INDIC_45, "text.error.digits"),
    (check_session, SESSION, "minutes", "\uff14\uff15", "text.error.digits"),
    (check_session, SESSION, "notes", "\x00", "text.error.control"),
    (check_session, SESSION, "kind", f"on_the{ZWSP}_job", "text.error.invisible"),
    (check_employment, {"effective_on": "2025-03-01", "status": "permanent"},
     "weekly_hours", "3\u0660", "text.error.digits"),
    (check_note, {"noted_on": "2025-03-01"}, "body", "ok\x00", "text.error.control"),
])
def test_a_refused_character_is_the_fields_problem(check, base, name, value, key):
    clean, problems = check({**base, name: value})
    assert _problem_keys(problems, name) == [key]
    assert clean[name] is None  # nothing refused is kept as a clean value


@pytest.mark.parametrize("notes", [
    "Osallistuja kertoi työstään keittiössä; äidinkieli arabia.",
    "تحدثنا عن جدول العمل الأسبوعي",  # Arabic script
    "Rivi yksi\nrivi kaksi\tsarkain",
    "Åsa och Märta – bra början!",
    "٤٥ دقيقة",  # Arabic-Indic digits are letters of free text, not a number here
])
def test_ordinary_text_in_any_script_is_kept_as_typed(notes):
    clean, problems = check_participant({**PARTICIPANT, "notes": notes})
    assert problems == []
    assert clean["notes"] == notes


def test_accepted_keys_are_normalised_and_read():
    c = Checker({"code": " P-0042 ", "minutes": "45", "bid": "0101263-6", "day": "2025-01-15",
                 "hours": "37,5", "kind": "Remote"}, lang="fi")
    assert c.participant_code("code") == "P-0042"
    assert c.integer("minutes", 5, 480) == 45
    assert c.business_id("bid") == "0101263-6"
    assert c.date("day") == date(2025, 1, 15)
    assert c.decimal("hours", Decimal(0), Decimal(60), 1) == Decimal("37.5")
    assert c.choice("kind", ("onsite", "remote")) == "remote"
    assert c.problems == []


def test_a_typed_number_with_a_no_break_space_still_reads():
    """Finnish and Swedish group digits with a (narrow) no-break space: a space, not a refused character."""
    c = Checker({"a": "1\u00a0234", "b": "1\u202f234"}, lang="fi")
    assert c.integer("a", 0, 10_000) == 1234
    assert c.integer("b", 0, 10_000) == 1234
    assert c.problems == []


def test_the_checker_lists_every_refused_field_at_once():
    _, problems = check_session({**SESSION, "minutes": ARABIC_INDIC_45, "notes": "\x00",
                                 "held_on": f"2025-02-0{ZWSP}3"})
    assert {(p.field, p.key) for p in problems} == {
        ("minutes", "text.error.digits"), ("notes", "text.error.control"),
        ("held_on", "text.error.invisible")}
