"""Data protection: the data subject's export, anonymisation that keeps the indicators, retention."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from pilot import db, demo, indicators
from pilot.access import AccessDenied, Scope
from pilot.records import audit, participants, privacy, users


@pytest.fixture
def pilot(engine):
    demo.load(engine)
    return engine


def scope_of(engine, username: str) -> Scope:
    with engine.connect() as conn:
        return users.scope_for(conn, users.get_by_username(conn, username))


def named_participant(engine) -> dict:
    """A participant with a display name, attendance and assessments (the richest record)."""
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT p.id, p.code, p.display_name FROM participants p WHERE p.display_name IS NOT NULL "
            "AND EXISTS (SELECT 1 FROM attendance a WHERE a.participant_id = p.id) "
            "AND EXISTS (SELECT 1 FROM assessments s WHERE s.participant_id = p.id) ORDER BY p.id")).first()
    return dict(row._mapping)


def test_export_holds_every_record_and_is_audited(pilot) -> None:
    person = named_participant(pilot)
    admin = scope_of(pilot, "admin")
    data = db.run_in_transaction(pilot, lambda c: privacy.export_participant(c, admin, person["id"]))
    assert data["participant"]["code"] == person["code"]
    assert data["participant"]["display_name"] == person["display_name"]
    with pilot.connect() as conn:
        for table, key in [("attendance", "attendance"), ("assessments", "assessments"),
                           ("employment", "employment"), ("adaptations", "adaptations")]:
            count = conn.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE participant_id = :p"),
                                 {"p": person["id"]}).scalar_one()
            assert len(data[key]) == count
        logged = audit.entries(conn, action="export")
    assert [(r["actor"], r["entity_id"]) for r in logged] == [("admin", str(person["id"]))]
    parsed = json.loads(privacy.as_json(data))
    assert parsed["participant"]["code"] == person["code"]


@pytest.mark.parametrize("username, outcome", [
    ("admin", "data"), ("coach", "data"), ("services", AccessDenied), ("employer", AccessDenied),
])
def test_export_by_role(pilot, username, outcome) -> None:
    scope = scope_of(pilot, username)
    pid = named_participant(pilot)["id"]
    if outcome is AccessDenied:
        with pytest.raises(AccessDenied), pilot.connect() as conn:
            privacy.export_participant(conn, scope, pid)
    else:
        with pilot.connect() as conn:
            assert privacy.export_participant(conn, scope, pid) is not None


def test_export_outside_scope_gives_nothing(pilot) -> None:
    coach2 = scope_of(pilot, "coach2")
    with pilot.connect() as conn:
        outside = conn.execute(sa.text("SELECT id FROM participants WHERE NOT (company_id IN :c) "
                                       "AND (coach_id IS NULL OR coach_id <> :u) ORDER BY id").bindparams(
            sa.bindparam("c", expanding=True)), {"c": list(coach2.company_ids), "u": coach2.user_id}).scalar()
        assert privacy.export_participant(conn, coach2, outside) is None


def test_anonymise_erases_identity_and_keeps_indicators(pilot) -> None:
    person = named_participant(pilot)
    admin = scope_of(pilot, "admin")
    as_of = date.today()
    with pilot.connect() as conn:
        before = indicators.compute(conn, as_of)
        counts_before = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t} WHERE participant_id = :p"),
                                         {"p": person["id"]}).scalar_one()
                         for t in ("attendance", "assessments", "employment")}
    new_code = privacy.anonymise(pilot, admin, person["id"], "retention ended")
    with pilot.connect() as conn:
        row = conn.execute(sa.text("SELECT code, display_name, notes, job_title, anonymised_at, enrolled_on "
                                   "FROM participants WHERE id = :p"), {"p": person["id"]}).first()
        after = indicators.compute(conn, as_of)
        counts_after = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t} WHERE participant_id = :p"),
                                        {"p": person["id"]}).scalar_one()
                        for t in ("attendance", "assessments", "employment")}
        descriptions = conn.execute(sa.text("SELECT DISTINCT description FROM adaptations "
                                            "WHERE participant_id = :p"), {"p": person["id"]}).scalars().all()
        logged = audit.entries(conn, action="anonymise")[0]
    assert row.code == new_code != person["code"] and row.display_name is None and row.notes is None
    assert row.job_title is None and row.anonymised_at is not None and row.enrolled_on is not None
    assert descriptions in ([], [privacy.ERASED])
    assert counts_after == counts_before
    assert dict(after) == dict(before)
    assert logged["reason"] == "retention ended" and person["display_name"] not in (logged["after_json"] or "")


@pytest.mark.parametrize("username, reason, error", [
    ("coach", "asked", AccessDenied), ("services", "asked", AccessDenied), ("admin", " ", ValueError),
])
def test_anonymise_rules(pilot, username, reason, error) -> None:
    scope = scope_of(pilot, username)
    with pytest.raises(error):
        privacy.anonymise(pilot, scope, named_participant(pilot)["id"], reason)


@pytest.mark.parametrize("exited_years_ago, years, anonymised, due", [
    (6, 5, False, True),
    (5, 5, False, True),      # exactly the retention period
    (4, 5, False, False),
    (6, 5, True, False),      # already anonymised
    (2, 1, False, True),      # a shorter configured period
])
def test_retention_list(engine, exited_years_ago, years, anonymised, due) -> None:
    today = date(2031, 6, 15)
    exited = date(today.year - exited_years_ago, today.month, today.day)
    with db.transaction(engine) as conn:
        company = conn.execute(sa.text("INSERT INTO companies (business_id, name, joined_on) "
                                       "VALUES ('1234567-1', 'Oy', '2020-01-01') RETURNING id")).scalar_one()
        conn.execute(sa.text("INSERT INTO participants (code, company_id, enrolled_on, exited_on, first_language, "
                             "anonymised_at) VALUES ('P-1', :c, :e, :x, 'so', :a)"),
                     {"c": company, "e": exited - timedelta(days=300), "x": exited,
                      "a": db.utcnow() if anonymised else None})
    with engine.connect() as conn:
        assert bool(privacy.retention_due(conn, today, years)) is due


def test_anonymise_takes_the_person_out_of_the_audit_log(engine, tmp_path) -> None:
    """Names, notes, free text and the old code leave the audit rows about the person (app writes
    and an import alike); who did what and when stays, and nobody else's rows change."""
    from pilot import workbook
    from pilot.access import SYSTEM
    from pilot.records import adaptations, timeline
    from tests import work_seed

    cid = work_seed.company(engine)
    admin = Scope(username="dpo", role="admin")
    pid = work_seed.participant(engine, cid, "P-ANNA")
    other = work_seed.participant(engine, cid, "P-OTHER")
    with db.transaction(engine) as conn:
        version = participants.get_participant(conn, admin, pid)["version"]
        participants.update_participant(conn, admin, pid, version, {"display_name": "Anna Virtanen",
                                                                    "notes": "asuu Tapiolassa"})
        timeline.add_note(conn, admin, pid, {"noted_on": date(2024, 2, 1), "body": "Annan lapsi sairas"})
        adaptations.propose(conn, admin, cid, pid, {"type": "visual_instructions", "description": "Annan ohjeet kuvina",
                                                    "proposed_on": date(2024, 2, 2)})
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "employment.csv").write_text("participant_code,effective_on,status\nP-ANNA,2024-03-01,training\n"
                                           "P-OTHER,2024-03-01,training\n", encoding="utf-8")
    assert workbook.import_workbook(engine, folder, SYSTEM, lang="en").ok

    def log() -> list[dict]:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(
                "SELECT id, actor, action, entity, entity_id, before_json, after_json FROM audit_log ORDER BY id"))]

    before = log()
    text = json.dumps(before, default=str)
    for secret in ("Anna Virtanen", "Tapiolassa", "lapsi sairas", "ohjeet kuvina", "P-ANNA"):
        assert secret in text                                    # the test really put them there
    new_code = privacy.anonymise(engine, admin, pid, "asked for erasure")
    after = log()
    text = json.dumps(after, default=str)
    for secret in ("Anna Virtanen", "Tapiolassa", "lapsi sairas", "ohjeet kuvina", "P-ANNA"):
        assert secret not in text
    assert new_code in text
    assert [(r["id"], r["actor"], r["action"], r["entity"]) for r in after[:len(before)]] == \
        [(r["id"], r["actor"], r["action"], r["entity"]) for r in before]
    untouched = [r for r in before if str(other) == r["entity_id"] or "P-OTHER" in (r["entity_id"] or "")]
    assert untouched and all(r in after for r in untouched)
