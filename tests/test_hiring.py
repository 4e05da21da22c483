"""The pilot's own question (issue 15): employer surveys and hires as records, and the indicators
hiring_readiness, companies_hiring, hires_total and hires_of_participants exactly as
shared/spec/INDICATORS.md defines them, on DuckDB and PostgreSQL."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from pilot import db, indicators
from pilot.access import AccessDenied, Scope
from pilot.records import audit, hires, removed, surveys
from pilot.records._versioned import DuplicateRecord
from pilot.records.bulk import ids_by_key, insert_many

A, B = "1111111-1", "2222222-2"
JOINED = date(2024, 3, 1)


@pytest.fixture
def ids(engine) -> dict[str, int]:
    with db.transaction(engine) as conn:
        insert_many(conn, "companies", [{"business_id": A, "name": "A Oy", "joined_on": JOINED},
                                        {"business_id": B, "name": "B Oy", "joined_on": JOINED}])
        company = ids_by_key(conn, "companies")
        insert_many(conn, "participants", [
            {"code": "P-A1", "company_id": company[A], "enrolled_on": JOINED, "first_language": "ar",
             "share_with_employer": True},
            {"code": "P-B1", "company_id": company[B], "enrolled_on": JOINED, "first_language": "ru",
             "share_with_employer": False}])
        return company


def employer_of(company_id: int) -> Scope:
    return Scope(username="boss", role="employer", company_ids=frozenset({company_id}))


def coach_of(company_id: int) -> Scope:
    return Scope(username="coach1", role="coach", user_id=None, company_ids=frozenset({company_id}))


def answer(engine, scope: Scope, company_id: int, on: date, readiness, planned=None, comment=None):
    clean, problems = surveys.check_survey({"answered_on": on, "readiness": readiness,
                                            "planned_hires_12m": planned, "comment": comment})
    assert not problems, problems
    return db.run_in_transaction(engine, lambda c: surveys.answer(c, scope, company_id, clean))


def hire(engine, scope: Scope, company_id: int, on: date, contract="permanent", code=None, hours=None):
    clean, problems = hires.check_hire({"hired_on": on, "contract": contract, "participant_code": code,
                                        "weekly_hours": hours})
    assert not problems, problems
    return db.run_in_transaction(engine, lambda c: hires.record_hire(c, scope, company_id, clean))


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("values, field, key", [
    ({"answered_on": "2024-03-01"}, "readiness", "error.required"),
    ({"answered_on": "2024-03-01", "readiness": 0}, "readiness", "error.range"),
    ({"answered_on": "2024-03-01", "readiness": 6}, "readiness", "error.range"),
    ({"answered_on": "2024-03-01", "readiness": "3,5"}, "readiness", "error.integer"),
    ({"answered_on": "2024-03-01", "readiness": 3, "planned_hires_12m": 1000}, "planned_hires_12m", "error.range"),
    ({"answered_on": "2024-03-01", "readiness": 3, "planned_hires_12m": -1}, "planned_hires_12m", "error.range"),
    ({"answered_on": "2024-03-01", "readiness": 3, "comment": "Matti 131052-308T"}, "comment", "error.hetu"),
    ({"readiness": 3}, "answered_on", "error.required"),
    ({"answered_on": (date.today() + timedelta(days=2)).isoformat(), "readiness": 3}, "answered_on", "hiring.error.future"),
])
def test_survey_checks(values, field, key):
    _clean, problems = surveys.check_survey(values)
    assert (field, key) in {(p.field, p.key) for p in problems}


@pytest.mark.parametrize("values, field, key", [
    ({"contract": "permanent"}, "hired_on", "error.required"),
    ({"hired_on": "2024-05-01"}, "contract", "error.required"),
    ({"hired_on": "2024-05-01", "contract": "work_trial"}, "contract", "error.choice"),
    ({"hired_on": "2024-05-01", "contract": "permanent", "weekly_hours": "61"}, "weekly_hours", "error.range"),
    ({"hired_on": "2024-05-01", "contract": "permanent", "weekly_hours": "20,55"}, "weekly_hours", "error.decimals"),
    ({"hired_on": "2024-05-01", "contract": "permanent", "participant_code": "ä"}, "participant_code",
     "error.participant_code"),
    ({"hired_on": "2024-05-01", "contract": "permanent", "occupation_code": "12345678"}, "occupation_code",
     "error.occupation"),
])
def test_hire_checks(values, field, key):
    _clean, problems = hires.check_hire(values)
    assert (field, key) in {(p.field, p.key) for p in problems}


def test_hire_contract_label_in_any_language_reads_as_code():
    clean, problems = hires.check_hire({"hired_on": "1.5.2024", "contract": "Määräaikainen työsuhde"})
    assert not problems and clean["contract"] == "fixed_term"


# ---------------------------------------------------------------- records: scope, versions, removal

def test_employer_answers_for_own_company_only(engine, ids):
    answer(engine, employer_of(ids[A]), ids[A], date(2024, 3, 5), 2, planned=1)
    with pytest.raises(AccessDenied):
        answer(engine, employer_of(ids[A]), ids[B], date(2024, 3, 5), 2)
    services = Scope(username="s", role="services")
    with pytest.raises(AccessDenied):
        answer(engine, services, ids[A], date(2024, 3, 6), 2)
    with engine.connect() as conn:
        assert [a["readiness"] for a in surveys.for_company(conn, employer_of(ids[A]), ids[A])] == [2]
        assert surveys.for_company(conn, employer_of(ids[B]), ids[A]) == []


def test_same_day_answer_replaces_and_is_audited(engine, ids):
    first, replaced = answer(engine, employer_of(ids[A]), ids[A], date(2024, 3, 5), 2)
    again, replaced2 = answer(engine, coach_of(ids[A]), ids[A], date(2024, 3, 5), 4, comment="by phone")
    assert (replaced, replaced2, again) == (False, True, first)
    with engine.connect() as conn:
        rows = surveys.for_company(conn, coach_of(ids[A]), ids[A])
        log = audit.entries(conn, entity="employer_survey")
    assert [(r["readiness"], r["comment"], r["version"]) for r in rows] == [(4, "by phone", 2)]
    assert {e["action"] for e in log} == {"create", "update"}


def test_answer_long_before_joining_is_refused(engine, ids):
    with pytest.raises(surveys.BeforeJoining):
        answer(engine, employer_of(ids[A]), ids[A], JOINED - timedelta(days=91), 3)
    answer(engine, employer_of(ids[A]), ids[A], JOINED - timedelta(days=90), 3)


def test_edit_survey_needs_the_version_seen_and_keeps_one_answer_a_day(engine, ids):
    sid, _ = answer(engine, employer_of(ids[A]), ids[A], date(2024, 3, 5), 2)
    answer(engine, employer_of(ids[A]), ids[A], date(2024, 9, 5), 3)
    edit = lambda version, values: db.run_in_transaction(  # noqa: E731
        engine, lambda c: surveys.edit_survey(c, employer_of(ids[A]), sid, version, values))
    assert edit(1, {"readiness": 3}) == 2
    with pytest.raises(db.WriteConflict):
        edit(1, {"readiness": 5})
    with pytest.raises(DuplicateRecord):
        edit(2, {"answered_on": date(2024, 9, 5)})


def test_hire_of_a_participant_of_another_company_is_refused(engine, ids):
    with pytest.raises(hires.NotOfCompany):
        hire(engine, coach_of(ids[A]), ids[A], date(2024, 5, 1), code="P-B1")
    with pytest.raises(AccessDenied):
        hire(engine, employer_of(ids[A]), ids[A], date(2024, 5, 1))
    with pytest.raises(AccessDenied):
        hire(engine, coach_of(ids[A]), ids[B], date(2024, 5, 1))


def test_hire_recorded_edited_removed_and_restored(engine, ids):
    hid = hire(engine, coach_of(ids[A]), ids[A], date(2024, 5, 1), code="P-A1", hours=Decimal("37.5"))
    with engine.connect() as conn:
        (row,) = hires.for_company(conn, coach_of(ids[A]), ids[A])
        assert (row["participant_code"], row["weekly_hours"], row["contract"]) == ("P-A1", Decimal("37.5"), "permanent")
        assert hires.for_company(conn, coach_of(ids[B]), ids[A]) == []
    v = db.run_in_transaction(engine, lambda c: hires.edit_hire(c, coach_of(ids[A]), hid, 1,
                                                                {"contract": "fixed_term", "participant_code": None}))
    assert v == 2
    with pytest.raises(db.WriteConflict):
        db.run_in_transaction(engine, lambda c: hires.remove_hire(c, coach_of(ids[A]), hid, 1, "typo"))
    db.run_in_transaction(engine, lambda c: hires.remove_hire(c, coach_of(ids[A]), hid, 2, "recorded twice"))
    admin = Scope(username="admin", role="admin")
    with engine.connect() as conn:
        assert hires.for_company(conn, admin, ids[A]) == []
        (gone,) = removed.list_removed(conn, admin)
    assert (gone["entity"], gone["day"]) == ("hire", date(2024, 5, 1))
    db.run_in_transaction(engine, lambda c: removed.restore(c, admin, gone["id"]))
    with engine.connect() as conn:
        (row,) = hires.for_company(conn, admin, ids[A])
    assert (row["contract"], row["participant_code"], row["version"]) == ("fixed_term", None, 3)


def test_survey_removed_and_restored(engine, ids):
    sid, _ = answer(engine, employer_of(ids[A]), ids[A], date(2024, 3, 5), 2)
    db.run_in_transaction(engine, lambda c: surveys.remove_survey(c, employer_of(ids[A]), sid, 1, "wrong company"))
    admin = Scope(username="admin", role="admin")
    with engine.connect() as conn:
        assert surveys.for_company(conn, admin, ids[A]) == []
        (gone,) = removed.list_removed(conn, admin)
    db.run_in_transaction(engine, lambda c: removed.restore(c, admin, gone["id"]))
    with engine.connect() as conn:
        assert [r["readiness"] for r in surveys.for_company(conn, admin, ids[A])] == [2]


def test_employer_sees_only_shared_participant_codes_of_hires(engine, ids):
    hire(engine, coach_of(ids[B]), ids[B], date(2024, 5, 1), code="P-B1")
    with engine.connect() as conn:
        (row,) = hires.for_company(conn, employer_of(ids[B]), ids[B])
    assert row["participant_code"] is None and row["of_participant"]


@pytest.mark.parametrize("answers, today, due", [
    ([], date(2024, 3, 1), True),
    ([date(2024, 3, 5)], date(2024, 9, 4), False),
    ([date(2024, 3, 5)], date(2024, 9, 5), True),
    ([date(2024, 3, 5), date(2024, 9, 10)], date(2024, 12, 1), False),
])
def test_the_employer_page_asks_again_after_six_months(answers, today, due):
    assert surveys.is_due([{"answered_on": d} for d in answers], today) is due


# ---------------------------------------------------------------- indicator definitions

R = date(2025, 6, 30)
D = JOINED  # the company's joined_on


@pytest.mark.parametrize("answers, as_of, expected", [
    # (answered_on, readiness) pairs of company A; expected (n, mean_change, improved_share)
    ([], R, (0, None, None)),
    ([(D, 2)], R, (0, None, None)),                                           # no follow-up
    ([(D, 2), (D + timedelta(days=90), 4)], R, (1, 2.0, 1.0)),                # exactly 90 days counts
    ([(D, 2), (D + timedelta(days=89), 4)], R, (0, None, None)),              # follow-up under 90 days
    ([(D + timedelta(days=60), 2), (D + timedelta(days=200), 3)], R, (1, 1.0, 1.0)),  # baseline on day 60
    ([(D + timedelta(days=61), 2), (D + timedelta(days=200), 3)], R, (0, None, None)),  # first answer late
    ([(D - timedelta(days=90), 3), (D + timedelta(days=100), 2)], R, (1, -1.0, 0.0)),  # before joining is fine
    ([(D, 2), (D + timedelta(days=100), 3), (D + timedelta(days=300), 5)], R, (1, 3.0, 1.0)),  # latest follow-up
    ([(D, 2), (D + timedelta(days=100), 3), (R + timedelta(days=1), 5)], R, (1, 1.0, 1.0)),  # after R ignored
    ([(D, 2), (D + timedelta(days=100), 3)], D + timedelta(days=99), (0, None, None)),  # follow-up after R
    ([(D, 3), (D + timedelta(days=100), 3)], R, (1, 0.0, 0.0)),
])
def test_hiring_readiness_definition(engine, ids, answers, as_of, expected):
    employer = employer_of(ids[A])
    for on, readiness in answers:
        clean, _ = surveys.check_survey({"answered_on": on, "readiness": readiness}, None)
        db.run_in_transaction(engine, lambda c: surveys.answer(c, employer, ids[A], clean))
    # company B's answers never count under A's filter, and count without it
    answer(engine, employer_of(ids[B]), ids[B], D, 1)
    answer(engine, employer_of(ids[B]), ids[B], D + timedelta(days=120), 5)
    with engine.connect() as conn:
        only_a = indicators.compute(conn, as_of, ids[A])["hiring_readiness"]
        both = indicators.compute(conn, R, None)["hiring_readiness"]
    assert (only_a["n"], only_a["mean_change"], only_a["improved_share"]) == expected
    assert both["n"] == (expected[0] if as_of == R else 1) + 1


@pytest.mark.parametrize("hired, as_of, expected", [
    # (hired_on, participant?) of company A; expected (companies_hiring, hires_total, hires_of_participants)
    ([], R, (0, 0, 0)),
    ([(D, False)], R, (1, 1, 0)),                                    # on the joining day counts
    ([(D - timedelta(days=1), True)], R, (0, 0, 0)),                 # before joining not counted
    ([(D + timedelta(days=10), True), (D + timedelta(days=20), False)], R, (1, 2, 1)),
    ([(D + timedelta(days=10), True), (R + timedelta(days=1), True)], R, (1, 1, 1)),  # after R ignored
    ([(R, True)], R, (1, 1, 1)),                                     # on R counts
])
def test_hire_indicators_definition(engine, ids, hired, as_of, expected):
    scope = Scope(username="admin", role="admin")
    for on, of_participant in hired:
        clean, _ = hires.check_hire({"hired_on": on, "contract": "fixed_term",
                                     "participant_code": "P-A1" if of_participant else None})
        clean["hired_on"] = on  # a hire after R may be in the future of today's date check
        db.run_in_transaction(engine, lambda c: hires.record_hire(c, scope, ids[A], clean))
    with engine.connect() as conn:
        got = indicators.compute(conn, as_of, ids[A])
        other = indicators.compute(conn, as_of, ids[B])
    assert (got["companies_hiring"], got["hires_total"], got["hires_of_participants"]) == expected
    assert (other["companies_hiring"], other["hires_total"]) == (0, 0)


def test_indicator_json_has_the_new_keys_in_spec_order(engine, ids):
    with engine.connect() as conn:
        out = indicators.as_json(indicators.compute(conn, R), R)
    assert list(out)[-4:] == ["hiring_readiness", "companies_hiring", "hires_total", "hires_of_participants"]
    assert out["hiring_readiness"] == {"n": 0, "mean_change": None, "improved_share": None}


# ---------------------------------------------------------------- brute force on random data

def _expected(companies, answers, hired, as_of, only=None):
    """INDICATORS.md read literally, in Python."""
    changes = []
    for cid, joined in companies.items():
        if only is not None and cid != only:
            continue
        mine = sorted(a for a in answers if a[0] == cid)
        if not mine:
            continue
        base_on, base = mine[0][1], mine[0][2]
        if base_on > joined + timedelta(days=60) or base_on > as_of:
            continue
        later = [a for a in mine if a[1] <= as_of and (a[1] - base_on).days >= 90]
        if later:
            changes.append(later[-1][2] - base)
    counted = [h for h in hired if (only is None or h[0] == only) and companies[h[0]] <= h[1] <= as_of]
    n = len(changes)
    return ({"n": n, "mean_change": round(sum(changes) / n, 2) if n else None,
             "improved_share": round(sum(1 for c in changes if c >= 1) / n, 3) if n else None},
            len({h[0] for h in counted}), len(counted), sum(1 for h in counted if h[2]))


def test_brute_force_cross_check(engine):
    rng = random.Random(15)
    start = date(2024, 1, 1)
    with db.transaction(engine) as conn:
        insert_many(conn, "companies", [{"business_id": f"{1000000 + i}-{0}", "name": f"C{i}",
                                         "joined_on": start + timedelta(days=rng.randint(0, 300))}
                                        for i in range(12)])
        rows = conn.execute(sa.text("SELECT id, joined_on FROM companies")).fetchall()
        companies = {int(r[0]): r[1] for r in rows}
        insert_many(conn, "participants", [{"code": f"P{cid}", "company_id": cid, "enrolled_on": joined,
                                            "first_language": "ar", "share_with_employer": False}
                                           for cid, joined in companies.items()])
        pids = {int(r[1]): int(r[0]) for r in conn.execute(sa.text("SELECT id, company_id FROM participants"))}
        answers, hired = [], []
        for cid, joined in companies.items():
            days = sorted(rng.sample(range(-90, 700), rng.randint(0, 5)))
            for d in days:
                answers.append((cid, joined + timedelta(days=d), rng.randint(1, 5)))
            for k in range(rng.randint(0, 3)):
                hired.append((cid, joined + timedelta(days=rng.randint(-60, 700)), rng.random() < 0.4))
        for cid, on, readiness in answers:
            conn.execute(sa.text("INSERT INTO employer_surveys (company_id, answered_on, readiness) "
                                 "VALUES (:c, :d, :r)"), {"c": cid, "d": on, "r": readiness})
        for i, (cid, on, of_p) in enumerate(hired):
            conn.execute(sa.text("INSERT INTO hires (ref, company_id, hired_on, contract, participant_id) "
                                 "VALUES (:ref, :c, :d, 'permanent', :p)"),
                         {"ref": f"H{i}", "c": cid, "d": on, "p": pids[cid] if of_p else None})
    with engine.connect() as conn:
        for as_of in [start + timedelta(days=d) for d in range(0, 1100, 45)]:
            for only in [None, *list(companies)[:3]]:
                got = indicators.compute(conn, as_of, only)
                readiness, hiring, total, of_participants = _expected(companies, answers, hired, as_of, only)
                assert got["hiring_readiness"]["n"] == readiness["n"], (as_of, only)
                for part, tolerance in (("mean_change", 0.01), ("improved_share", 0.001)):
                    want, have = readiness[part], got["hiring_readiness"][part]
                    assert (want is None) == (have is None) and (want is None or abs(want - have) <= tolerance)
                assert (got["companies_hiring"], got["hires_total"], got["hires_of_participants"]) == \
                    (hiring, total, of_participants), (as_of, only)


# ---------------------------------------------------------------- the demo pilot

@pytest.mark.parametrize("today", [date(2025, 9, 1), date(2026, 3, 1), date(2026, 11, 30)])
def test_demo_answers_and_hires_are_believable(today):
    from pilot import demo
    data = demo.build(2024, today)
    joined = {c["business_id"]: c["joined_on"] for c in data["companies"]}
    by_company: dict[str, list[dict]] = {}
    for row in data["employer_surveys"]:
        by_company.setdefault(row["business_id"], []).append(row)
    at_joining = [b for b, rows in by_company.items() if min(r["answered_on"] for r in rows) <= joined[b] + timedelta(days=60)]
    assert len(at_joining) > len(joined) / 2  # most answer when they join
    changes = [rows[-1]["readiness"] - rows[0]["readiness"] for rows in by_company.values() if len(rows) > 1]
    assert changes and sum(c > 0 for c in changes) > len(changes) / 2 and any(c <= 0 for c in changes)
    participants = {p["code"]: p for p in data["participants"]}
    hired = data["hires"]
    assert hired and any(h["participant_code"] for h in hired) and any(not h["participant_code"] for h in hired)
    for h in hired:
        assert h["hired_on"] >= joined[h["business_id"]]
        if h["participant_code"]:
            assert participants[h["participant_code"]]["business_id"] == h["business_id"]


# ---------------------------------------------------------------- the command line

def test_cli_json_and_table_carry_the_hiring_indicators(engine, ids, capsys):
    import json

    from pilot import cli
    for cid in (ids[A], ids[B]):
        answer(engine, employer_of(cid), cid, D, 2)
        answer(engine, employer_of(cid), cid, D + timedelta(days=120), 4)
    hire(engine, coach_of(ids[A]), ids[A], D + timedelta(days=5), code="P-A1")
    assert cli.main(["indicators", "--as-of", "2025-01-31", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hiring_readiness"] == {"n": 2, "mean_change": 2.0, "improved_share": 1.0}
    assert (out["companies_hiring"], out["hires_total"], out["hires_of_participants"]) == (1, 1, 1)
    assert cli.main(["indicators", "--as-of", "2025-01-31", "--format", "json", "--suppress"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hiring_readiness"] == {"n": "<5", "mean_change": None, "improved_share": None}
    assert (out["companies_hiring"], out["hires_total"], out["hires_of_participants"]) == ("<5", "<5", "<5")
    assert cli.main(["indicators", "--as-of", "2025-01-31", "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "Rekrytointivalmius" in table or "Hiring readiness" in table


def test_the_data_subjects_copy_holds_their_hire(engine, ids):
    from pilot.records import privacy
    hire(engine, coach_of(ids[A]), ids[A], D + timedelta(days=40), contract="apprenticeship", code="P-A1")
    with engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT id FROM participants WHERE code = 'P-A1'")).scalar_one()
    copy = db.run_in_transaction(engine, lambda c: privacy.export_participant(c, coach_of(ids[A]), pid))
    assert [(h["hired_on"], h["contract"], h["business_id"]) for h in copy["hires"]] == \
        [(D + timedelta(days=40), "apprenticeship", A)]
