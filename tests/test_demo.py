"""The demo seed: deterministic, obeys every rule of DATA-FILES.md, loads once and only once."""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from pilot import cli, demo
from pilot.domain import codes, dates, identifiers
from pilot.domain.levels import LEVELS
from pilot.records import users

# Several seeds and reference days: the rules must hold for any of them, not one lucky draw.
CASES = [(2024, date(2025, 3, 15)), (2024, date(2024, 12, 31)), (7, date(2026, 7, 1)), (99, date(2025, 2, 28))]
TABLES = ("companies", "participants", "sessions", "attendance", "adaptations", "assessments",
          "employment", "feedback", "costs", "appropriations", "users", "employer_surveys", "hires", "followups")

# The columns of each sheet, exactly as shared/spec/DATA-FILES.md names them.
SHEET_COLUMNS = {
    "companies": ("business_id", "name", "industry", "size_class", "joined_on", "left_on", "contact_name",
                  "contact_email"),
    "participants": ("code", "business_id", "enrolled_on", "exited_on", "first_language", "job_title",
                     "occupation_code", "share_with_employer", "coach", "display_name"),
    "sessions": ("ref", "business_id", "held_on", "minutes", "kind", "mode", "coach", "topics", "notes"),
    "attendance": ("session_ref", "participant_code", "status"),
    "adaptations": ("ref", "business_id", "participant_code", "type", "description", "proposed_on", "agreed_on",
                    "in_use_on", "evaluated_on", "dropped_on", "effect", "owner"),
    "assessments": ("participant_code", "skill", "assessed_on", "source", "level"),
    "employment": ("participant_code", "effective_on", "status", "weekly_hours", "subsidised",
                   "employer_business_id"),
    "feedback": ("business_id", "given_on", "score", "comment"),
    "costs": ("ref", "incurred_on", "category", "amount_eur", "description", "business_id"),
    "employer_surveys": ("business_id", "answered_on", "readiness", "planned_hires_12m", "comment"),
    "hires": ("ref", "business_id", "hired_on", "contract", "weekly_hours", "participant_code", "occupation_code"),
    "followups": ("participant_code", "contacted_on", "reached", "status", "weekly_hours", "subsidised", "source",
                  "notes"),
}
SHEET_KEYS = {
    "companies": ("business_id",), "participants": ("code",), "sessions": ("ref",),
    "attendance": ("session_ref", "participant_code"), "adaptations": ("ref",),
    "assessments": ("participant_code", "skill", "assessed_on", "source"),
    "employment": ("participant_code", "effective_on"), "feedback": ("business_id", "given_on"),
    "costs": ("ref",), "appropriations": ("year",), "users": ("username",),
    "employer_surveys": ("business_id", "answered_on"), "hires": ("ref",),
    "followups": ("participant_code", "contacted_on"),
}
# Code columns and the values they allow.
CODE_COLUMNS = [
    ("companies", "size_class", codes.SIZE_CLASSES), ("sessions", "kind", codes.SESSION_KINDS),
    ("sessions", "mode", codes.MODES), ("attendance", "status", codes.ATTENDANCE),
    ("adaptations", "type", codes.ADAPTATION_TYPES), ("assessments", "skill", codes.SKILLS),
    ("assessments", "source", codes.SOURCES), ("assessments", "level", LEVELS),
    ("employment", "status", codes.EMPLOYMENT_STATUSES), ("costs", "category", codes.COST_CATEGORIES),
    ("users", "role", codes.ROLES),
]
DATE_COLUMNS = [("companies", "joined_on"), ("participants", "enrolled_on"), ("participants", "exited_on"),
                ("sessions", "held_on"), ("adaptations", "proposed_on"), ("adaptations", "agreed_on"),
                ("adaptations", "in_use_on"), ("adaptations", "evaluated_on"), ("adaptations", "dropped_on"),
                ("assessments", "assessed_on"), ("employment", "effective_on"), ("feedback", "given_on"),
                ("costs", "incurred_on")]


@pytest.fixture(scope="module", params=CASES, ids=[f"{s}-{d}" for s, d in CASES])
def case(request: pytest.FixtureRequest) -> tuple[dict[str, list[dict[str, Any]]], date]:
    seed, today = request.param
    return demo.build(seed, today), today


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}


def test_build_is_deterministic() -> None:
    today = date(2025, 3, 15)
    assert demo.build(2024, today) == demo.build(2024, today)
    assert demo.build(2024, today) != demo.build(2025, today)


@pytest.mark.parametrize("sheet", sorted(SHEET_COLUMNS))
def test_sheets_have_exactly_the_documented_columns(case, sheet: str) -> None:
    data, _ = case
    assert data[sheet], sheet
    assert all(tuple(row) == SHEET_COLUMNS[sheet] for row in data[sheet])


@pytest.mark.parametrize("sheet", sorted(SHEET_KEYS))
def test_keys_are_unique(case, sheet: str) -> None:
    data, _ = case
    keys = [tuple(row[k] for k in SHEET_KEYS[sheet]) for row in data[sheet]]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("sheet,column,allowed", CODE_COLUMNS)
def test_code_columns_hold_codes(case, sheet: str, column: str, allowed: tuple[str, ...]) -> None:
    data, _ = case
    assert {row[column] for row in data[sheet] if row[column] is not None} <= set(allowed)


@pytest.mark.parametrize("sheet,column", DATE_COLUMNS)
def test_no_date_after_today(case, sheet: str, column: str) -> None:
    data, today = case
    assert all(row[column] is None or row[column] <= today for row in data[sheet])


def test_size_and_variety(case) -> None:
    data, _ = case
    assert len(data["companies"]) == 8 and len(data["participants"]) == 40
    assert len({p["first_language"] for p in data["participants"]}) >= 12
    assert any(p["display_name"] for p in data["participants"]) and any(
        p["display_name"] is None for p in data["participants"])
    shares = {p["share_with_employer"] for p in data["participants"]}
    assert shares == {True, False}
    assert {s["kind"] for s in data["sessions"]} == set(codes.SESSION_KINDS)
    assert {a["status"] for a in data["attendance"]} == set(codes.ATTENDANCE)
    assert {a["source"] for a in data["assessments"]} >= {"coach", "self", "yki"}


def test_companies_and_employers_have_valid_business_ids(case) -> None:
    data, _ = case
    ids = [c["business_id"] for c in data["companies"]]
    ids += [e["employer_business_id"] for e in data["employment"] if e["employer_business_id"]]
    assert all(identifiers.is_valid_business_id(i) for i in ids)
    assert all(re.fullmatch(r"[A-U]|\d{2}(\.?\d{1,3})?", c["industry"]) for c in data["companies"])
    assert all(c["left_on"] is None or c["left_on"] >= c["joined_on"] for c in data["companies"])
    assert all(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", c["contact_email"]) for c in data["companies"])


def test_participants_fields(case) -> None:
    data, _ = case
    companies = {c["business_id"] for c in data["companies"]}
    coaches = {u["username"] for u in data["users"] if u["role"] == "coach"}
    for p in data["participants"]:
        assert re.fullmatch(r"P-\d{4}", p["code"]) and identifiers.is_valid_participant_code(p["code"])
        assert p["business_id"] in companies and p["coach"] in coaches
        assert p["exited_on"] is None or p["exited_on"] >= p["enrolled_on"]
        assert re.fullmatch(r"[a-z]{2,3}", p["first_language"])
        assert re.fullmatch(r"\d{1,5}", p["occupation_code"])


def test_attendance_only_for_participants_enrolled_on_the_day(case) -> None:
    data, _ = case
    sessions = {s["ref"]: s for s in data["sessions"]}
    people = {p["code"]: p for p in data["participants"]}
    for a in data["attendance"]:
        session, p = sessions[a["session_ref"]], people[a["participant_code"]]
        assert p["business_id"] == session["business_id"]
        assert p["enrolled_on"] <= session["held_on"]
        assert p["exited_on"] is None or p["exited_on"] >= session["held_on"]


def test_sessions_minutes_and_coach(case) -> None:
    data, _ = case
    assert all(5 <= s["minutes"] <= 480 for s in data["sessions"])
    assert {s["coach"] for s in data["sessions"]} == {"coach", "coach2"}


def test_adaptations_dates_ordered_and_effect_exactly_when_evaluated(case) -> None:
    data, _ = case
    people = {p["code"]: p for p in data["participants"]}
    order = ("proposed_on", "agreed_on", "in_use_on", "evaluated_on", "dropped_on")
    for a in data["adaptations"]:
        present = [a[c] for c in order if a[c] is not None]
        assert present == sorted(present), a["ref"]
        assert (a["effect"] is None) == (a["evaluated_on"] is None), a["ref"]
        assert a["effect"] is None or 1 <= a["effect"] <= 5
        assert a["description"].strip()
        if a["participant_code"]:
            assert people[a["participant_code"]]["business_id"] == a["business_id"]


def test_every_adaptation_stage_is_present_today(case) -> None:
    data, today = case
    stages = {codes.adaptation_stage(today, a["proposed_on"], a["agreed_on"], a["in_use_on"],
                                     a["evaluated_on"], a["dropped_on"]) for a in data["adaptations"]}
    assert stages == set(codes.ADAPTATION_STAGES)
    assert any(a["participant_code"] is None for a in data["adaptations"])
    assert any(a["participant_code"] for a in data["adaptations"])


def test_assessments_within_enrolment_and_showing_progress(case) -> None:
    data, today = case
    people = {p["code"]: p for p in data["participants"]}
    for a in data["assessments"]:
        p = people[a["participant_code"]]
        assert p["enrolled_on"] <= a["assessed_on"] <= (p["exited_on"] or today)
    coach = defaultdict(list)
    for a in data["assessments"]:
        if a["source"] == "coach":
            coach[(a["participant_code"], a["skill"])].append((a["assessed_on"], LEVELS.index(a["level"])))
    gains = [max(v)[1] - min(v)[1] for v in coach.values() if len(v) >= 2]
    assert gains and all(g >= 0 for g in gains) and sum(g > 0 for g in gains) > len(gains) / 2


def _work_trials(rows: list[dict[str, Any]], today: date) -> list[tuple[str, date, date]]:
    """(employer, start, end) of each work trial: it lasts until the next row, or until today."""
    trials = []
    for i, row in enumerate(rows):
        if row["status"] == "work_trial":
            end = rows[i + 1]["effective_on"] if i + 1 < len(rows) else today
            trials.append((row["employer_business_id"], row["effective_on"], end))
    return trials


def test_employment_rows_follow_the_rules(case) -> None:
    data, today = case
    by_person = defaultdict(list)
    for e in data["employment"]:
        by_person[e["participant_code"]].append(e)
        if e["subsidised"]:
            assert e["status"] in codes.EMPLOYED
        assert e["weekly_hours"] is None or Decimal(0) <= e["weekly_hours"] <= Decimal(60)
    for p in data["participants"]:
        rows = sorted(by_person[p["code"]], key=lambda e: e["effective_on"])
        assert rows[0]["effective_on"] == p["enrolled_on"], p["code"]
        if p["exited_on"]:
            assert p["exited_on"] in {e["effective_on"] for e in rows}, p["code"]
        trials = _work_trials(rows, today)
        per_employer: dict[str, int] = defaultdict(int)
        for employer, start, end in trials:
            assert end <= dates.add_months(start, 6), p["code"]
            per_employer[employer] += (end - start).days
        assert all(days <= 184 for days in per_employer.values()), p["code"]
        assert sum(per_employer.values()) <= 366, p["code"]
    assert {e["status"] for e in data["employment"]} >= {"work_trial", "permanent", "fixed_term", "unemployed"}
    assert any(e["subsidised"] for e in data["employment"])


def test_exits_include_due_six_month_follow_ups(case) -> None:
    data, today = case
    exited = [p for p in data["participants"] if p["exited_on"]]
    due = [p for p in exited if dates.add_months(p["exited_on"], 6) <= today]
    assert len(due) >= 5 and len(exited) > len(due)
    followed = {e["participant_code"] for e in data["employment"]
                for p in due if e["participant_code"] == p["code"] and e["effective_on"] > p["exited_on"]}
    assert 0 < len(followed) < len(due)  # most are followed up, one is left as at exit


def test_feedback_scores(case) -> None:
    data, _ = case
    assert all(1 <= f["score"] <= 5 for f in data["feedback"])
    assert {f["business_id"] for f in data["feedback"]} == {c["business_id"] for c in data["companies"]}


def test_costs_positive_two_decimals_and_like_the_city_report(case) -> None:
    data, today = case
    for c in data["costs"]:
        assert isinstance(c["amount_eur"], Decimal) and c["amount_eur"] > 0
        assert c["amount_eur"] == c["amount_eur"].quantize(Decimal("0.01"))
        assert c["amount_eur"].as_tuple().exponent == -2
    assert {c["category"] for c in data["costs"]} == set(codes.COST_CATEGORIES)
    assert [a["year"] for a in data["appropriations"]] == list(range(dates.add_months(today, -18).year,
                                                                      today.year + 1))
    # The last twelve months cost about 180 000 EUR, as in the city's 2023 report.
    year_ago = today - timedelta(days=365)
    total = sum(c["amount_eur"] for c in data["costs"] if c["incurred_on"] > year_ago)
    assert Decimal(160000) < total < Decimal(200000)


def test_no_henkilotunnus_in_any_text(case) -> None:
    data, _ = case
    texts = [v for rows in data.values() for row in rows for v in row.values() if isinstance(v, str)]
    assert texts and not any(identifiers.contains_hetu(t) for t in texts)


def test_demo_users_one_per_role() -> None:
    assert {u["role"] for u in demo.DEMO_USERS} == set(codes.ROLES)
    by_name = {u["username"]: u for u in demo.DEMO_USERS}
    assert by_name["coach"]["whole_pilot"] and by_name["coach"]["display_name"] == "Demo Coach"
    assert by_name["employer"]["companies"] == [demo.COMPANY_IDS[0]]
    assert by_name["coach2"]["companies"] and not by_name["coach2"]["whole_pilot"]
    first = demo.build(2024, date(2025, 3, 15))["companies"][0]
    assert first["business_id"] == demo.COMPANY_IDS[0] and first["industry"].startswith("81")
    assert demo.DEMO_PASSWORD == "demo-password"


def test_load_writes_build_in_full(engine) -> None:
    today = date(2025, 3, 15)
    data = demo.build(2024, today)
    counts = demo.load(engine, 2024, today)
    assert counts == {t: len(data[t]) for t in TABLES}
    assert table_counts(engine) == counts
    with engine.connect() as conn:
        employer = users.get_by_username(conn, "employer")
        coach2 = users.get_by_username(conn, "coach2")
        company = conn.execute(sa.text("SELECT id FROM companies WHERE business_id = :b"),
                               {"b": demo.COMPANY_IDS[0]}).scalar_one()
        assert users.company_ids(conn, employer["id"]) == [company]
        assert len(users.company_ids(conn, coach2["id"])) == 3
        assert users.get_by_username(conn, "coach")["whole_pilot"] is True
    with pytest.raises(ValueError):
        demo.load(engine, 2024, today)
    assert table_counts(engine) == counts


@pytest.mark.parametrize("argv", [["demo"], ["init", "--demo"]])
def test_cli_loads_into_an_empty_database(engine, argv: list[str]) -> None:
    assert cli.main(argv) == 0
    counts = table_counts(engine)
    assert counts["companies"] == 8 and counts["participants"] == 40 and counts["users"] == 5


def test_cli_demo_refuses_a_database_with_data(engine) -> None:
    assert cli.main(["demo"]) == 0
    before = table_counts(engine)
    assert cli.main(["demo"]) != 0
    assert table_counts(engine) == before


def test_cli_init_demo_twice_leaves_counts_unchanged(engine) -> None:
    assert cli.main(["init", "--demo"]) == 0
    before = table_counts(engine)
    assert cli.main(["init", "--demo"]) == 0
    assert table_counts(engine) == before
