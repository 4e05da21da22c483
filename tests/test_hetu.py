"""No henkilötunnus anywhere: one detector, and every write that takes free text refuses one.

The corpus proves both sides: the ways people actually type a code are caught, ordinary numbers
(phones, dates, Y-tunnus, IBANs, amounts, order numbers) pass.
"""
from __future__ import annotations

import sqlalchemy as sa
from datetime import date

import pytest

from pilot import auth, cli, db
from pilot.access import Scope
from pilot.domain import identifiers
from pilot.domain.identifiers import IdentityCodeFound
from pilot.records import audit, privacy, sessions, users
from tests import work_seed

CODE = "131052-308T"


@pytest.mark.parametrize("text", [
    CODE,
    "131052308T",                       # separator left out
    "HETU131052-308T",                  # a prefix glued to the date
    "hetu:131052-308t",                 # lower-case check character
    "131052\u2010308T",                 # Unicode hyphen
    "131052\u2013308T",                 # en dash
    "131052\u2014308T",                 # em dash
    "131052\u2212308T",                 # minus sign
    "\uff11\uff13\uff11\uff10\uff15\uff12-\uff13\uff10\uff18\uff34",  # full-width digits and letter
    "131052\uff0d308T",                 # full-width hyphen
    "131052\u200b-308T",                # a zero-width space inside
    "Asiakas 131052-308T soitti",
    "010594Y9032",                      # new century signs (2023)
    "010504A903" + "0123456789ABCDEFHJKLMNPRSTUVWXY"[int("010504903") % 31],
])
def test_identity_codes_are_found(text: str) -> None:
    assert identifiers.contains_hetu(text)
    found = identifiers.find_hetu(text)
    assert found is not None and found in text  # as written, so it can be masked in place


@pytest.mark.parametrize("text", [
    "+358 40 123 4567", "040-1234567", "0401234567", "puhelin (09) 816 21",
    "13.10.1952", "13.10.52", "1952-10-13",
    "Y-tunnus 0101263-6", "0101263-6",
    "FI21 1234 5600 0007 85", "FI2112345600000785",
    "tilaus 2024-000123", "order no. 55512345", "PO-131052",
    "1 234,56 €", "12345.60", "3 000 000",
    "131052-308U",                      # wrong check character
    "300299-123X",                      # 30.2. is no date
    "131052-001T",                      # individual numbers 000 and 001 are not used
    "x131052-308Tx",                    # part of a longer word
    "P-0042", "",
])
def test_ordinary_numbers_pass(text: str) -> None:
    assert not identifiers.contains_hetu(text)


def test_mask_in_place_across_normalisation() -> None:
    text = "soita \uff11\uff13\uff11\uff10\uff15\uff12\u2013\uff13\uff10\uff18\uff34 heti"
    start, end = identifiers.hetu_spans(text)[0]
    assert text[:start] == "soita " and text[end:] == " heti"


# --------------------------------------------------------------- every write path refuses one

def _count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def _audit_holds_code(engine) -> bool:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT actor, before_json, after_json, reason FROM audit_log")).all()
    return any(identifiers.contains_hetu(v) for r in rows for v in r if v)


@pytest.mark.parametrize("field", ["username", "display_name", "email"])
@pytest.mark.parametrize("variant", [CODE, "HETU131052308T", "131052\u2013308T"])
def test_new_account_with_a_code_is_refused(engine, admin, field: str, variant: str) -> None:
    values = {"username": "maija", "display_name": "Maija", "email": "maija@example.fi"}
    values[field] = variant if field != "email" else f"{variant}@example.fi"
    with pytest.raises(IdentityCodeFound):
        db.run_in_transaction(engine, lambda c: users.add_user(
            c, admin, values["username"], "coach", display_name=values["display_name"], email=values["email"]))
    assert _count(engine, "SELECT COUNT(*) FROM users") == 0
    assert not _audit_holds_code(engine)


@pytest.mark.parametrize("field", ["display_name", "email"])
def test_account_edit_with_a_code_is_refused(engine, admin, field: str) -> None:
    uid = db.run_in_transaction(engine, lambda c: users.add_user(c, admin, "maija", "coach"))
    with pytest.raises(IdentityCodeFound):
        db.run_in_transaction(engine, lambda c: users.update_account(c, admin, uid, 1, {field: f"x {CODE}"}))
    with engine.connect() as conn:
        assert users.get_by_id(conn, uid)[field] is None
    assert not _audit_holds_code(engine)


def test_old_session_edit_reason_with_a_code_is_refused(engine, coach) -> None:
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001")
    values = {"held_on": date(2024, 3, 5), "minutes": 90, "kind": "language_lesson", "mode": "onsite",
              "topics": "safety words", "notes": None}
    sid = db.run_in_transaction(engine, lambda c: sessions.log_session(c, coach, cid, values, {pid: "present"}))
    with pytest.raises(IdentityCodeFound):
        db.run_in_transaction(engine, lambda c: sessions.update_session(
            c, coach, sid, 1, {**values, "minutes": 60}, {pid: "present"}, date(2024, 4, 1),
            reason=f"asiakkaan {CODE} pyynnöstä"))
    assert _count(engine, "SELECT minutes FROM sessions WHERE id = :s", s=sid) == 90
    assert not _audit_holds_code(engine)


def test_caseload_reason_with_a_code_is_refused(engine, admin) -> None:
    first = db.run_in_transaction(engine, lambda c: users.add_user(c, admin, "coach-a", "coach"))
    second = db.run_in_transaction(engine, lambda c: users.add_user(c, admin, "coach-b", "coach"))
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001", coach_id=first)
    with pytest.raises(IdentityCodeFound):
        db.run_in_transaction(engine, lambda c: users.reassign_caseload(c, admin, [pid], second, f"{CODE} pyysi"))
    assert _count(engine, "SELECT coach_id FROM participants WHERE id = :p", p=pid) == first
    assert not _audit_holds_code(engine)


def test_anonymisation_reason_with_a_code_is_refused(engine, admin) -> None:
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001")
    with pytest.raises(IdentityCodeFound):
        privacy.anonymise(engine, admin, pid, f"pyyntö, hetu 131052308T")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT code, display_name FROM participants WHERE id = :p"), {"p": pid}).one()
    assert (row.code, row.display_name) == ("P-0001", "Name P-0001")
    assert not _audit_holds_code(engine)


@pytest.mark.parametrize("typed", [CODE, f"  {CODE} ", "HETU131052308T"])
def test_failed_sign_in_never_records_the_typed_text(engine, typed: str) -> None:
    result = db.run_in_transaction(engine, lambda c: auth.login(c, typed, "whatever-password"))
    assert result.reason == "invalid"
    with engine.connect() as conn:
        denied = audit.entries(conn, action="denied")
    assert [r["actor"] for r in denied] == ["unknown user"]
    assert not _audit_holds_code(engine)


def test_cli_user_add_with_a_code_stores_nothing(engine, capsys) -> None:
    assert cli.main(["user", "add", "maija", "--role", "coach", "--email", f"{CODE}@example.fi"]) == 1
    assert "henkilötunnus" in capsys.readouterr().err
    assert _count(engine, "SELECT COUNT(*) FROM users") == 0


def test_audit_reason_is_checked_for_every_caller(engine) -> None:
    with pytest.raises(IdentityCodeFound):
        db.run_in_transaction(engine, lambda c: audit.record(c, Scope("x", "admin"), "update", "company", 1,
                                                              after={"name": "Oy"}, reason=f"see {CODE}"))
    with pytest.raises(IdentityCodeFound):
        db.run_in_transaction(engine, lambda c: audit.record(c, "system", "update", "company", 1,
                                                              after={"notes": ["ok", f"x{CODE}"]}))
    assert _count(engine, "SELECT COUNT(*) FROM audit_log") == 0


@pytest.mark.parametrize("typed", [CODE, "HETU131052308T", "etsi 131052\u2013308T"])
def test_a_search_for_a_code_is_logged_masked_never_refused(engine, coach, typed: str) -> None:
    """A coach may type a code into a search box: the list still shows, the log keeps no code."""
    db.run_in_transaction(engine, lambda c: audit.record_view(c, coach, "company_list", {"search": typed}))
    with engine.connect() as conn:
        (row,) = audit.entries(conn, action="read")
    assert "*" in row["after_json"]
    assert not _audit_holds_code(engine)
