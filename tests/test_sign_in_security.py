"""Signing in cannot be turned against others: the throttle per username and client address with
a growing delay (an injected clock, no sleeping), the same work for unknown and known usernames,
and the second factor (TOTP enrolment, verification, replay, recovery codes, the roles that need it)."""
from __future__ import annotations

from datetime import timedelta, timezone

import pyotp
import pytest
import sqlalchemy as sa

from pilot import auth, db
from pilot.records import sign_in, users

PASSWORD = "correct horse battery"
ALICE, MALLORY = "10.0.0.1", "203.0.113.9"


@pytest.fixture
def accounts(engine):
    with db.transaction(engine) as conn:
        users.create_user(conn, "anna", "coach", password_hash=auth.hash_password(PASSWORD))
        users.create_user(conn, "root", "admin", password_hash=auth.hash_password(PASSWORD))
    return engine


def attempt(engine, username, password, now, client=MALLORY, next_path="/"):
    return db.run_in_transaction(engine, lambda c: auth.login(c, username, password, now, client=client,
                                                              next_path=next_path))


def code(engine, challenge, value, now, client=ALICE):
    return db.run_in_transaction(engine, lambda c: auth.second_factor(c, challenge, value, now, client=client))


def audit(engine):
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT actor, action, entity, reason FROM audit_log ORDER BY id"))]


@pytest.mark.parametrize("failures, delay_seconds", [
    (0, 0), (4, 0), (5, 30), (6, 60), (7, 120), (9, 480), (10, 900), (40, 900), (100, 900),
])
def test_the_delay_grows_with_each_failure_up_to_the_cap(failures, delay_seconds) -> None:
    assert auth.throttle_delay(failures) == timedelta(seconds=delay_seconds)


def test_a_stranger_cannot_lock_the_owner_out(accounts) -> None:
    start = db.utcnow()
    results = [attempt(accounts, "root", f"guess-{i}", start + timedelta(seconds=i)) for i in range(12)]
    # five free mistakes, then the stranger's client waits: 30 s after the fifth failure
    assert [r.reason for r in results[:5]] == ["invalid"] * 5
    assert all(r.reason == "throttled" for r in results[5:])
    assert results[5].retry_at == start + timedelta(seconds=4) + timedelta(seconds=30)
    # ... and even the right password is refused from that client while it waits
    assert attempt(accounts, "anna", PASSWORD, start + timedelta(seconds=20)).ok  # other username: own pair
    assert attempt(accounts, "root", PASSWORD, start + timedelta(seconds=20)).reason == "throttled"
    # the owner, on a client without failures, signs in at the same moment
    owner = attempt(accounts, "root", PASSWORD, start + timedelta(seconds=20), client=ALICE)
    assert owner.reason == "second_factor" and owner.purpose == "enrol"
    owner_anna = attempt(accounts, "anna", PASSWORD, start + timedelta(seconds=20), client=ALICE)
    assert owner_anna.ok


def test_the_stranger_waits_longer_after_every_failure(accounts) -> None:
    now = db.utcnow()
    for _ in range(5):
        attempt(accounts, "anna", "nope", now)
    waits = []
    for _ in range(4):
        result = attempt(accounts, "anna", "nope", now)
        assert result.reason == "throttled"
        waits.append((result.retry_at - now).total_seconds())
        now = result.retry_at  # the client tries again the moment it may: one more failure
        assert attempt(accounts, "anna", "nope", now).reason == "invalid"
    assert waits == [30, 60, 120, 240]


def test_waiting_out_the_delay_lets_the_right_password_in_and_clears_the_count(accounts) -> None:
    now = db.utcnow()
    for _ in range(5):
        attempt(accounts, "anna", "nope", now)
    assert attempt(accounts, "anna", PASSWORD, now + timedelta(seconds=29)).reason == "throttled"
    assert attempt(accounts, "anna", PASSWORD, now + timedelta(seconds=31)).ok
    with accounts.connect() as conn:
        assert sign_in.throttle_row(conn, "anna", MALLORY) is None


def test_settings_change_the_free_attempts_and_the_delay(accounts, monkeypatch) -> None:
    monkeypatch.setenv("PILOT_LOCKOUT_ATTEMPTS", "2")
    monkeypatch.setenv("PILOT_THROTTLE_SECONDS", "10")
    monkeypatch.setenv("PILOT_LOCKOUT_MINUTES", "1")
    assert [auth.throttle_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [0, 10, 20, 40, 60]
    now = db.utcnow()
    attempt(accounts, "anna", "x", now)
    attempt(accounts, "anna", "x", now)
    assert attempt(accounts, "anna", PASSWORD, now + timedelta(seconds=9)).reason == "throttled"


@pytest.mark.parametrize("username", ["nobody", "ANNA-not", "x" * 80])
def test_unknown_and_known_usernames_get_the_same_answer_and_the_same_work(accounts, monkeypatch,
                                                                           username) -> None:
    verified: list[str] = []
    real_verify = auth._safe_verify

    def spy(hash_, password):
        verified.append(hash_)
        return real_verify(hash_, password)
    monkeypatch.setattr(auth, "_safe_verify", spy)
    now = db.utcnow()
    unknown = [attempt(accounts, username, "guess", now) for _ in range(6)]
    dummy_checks = list(verified)
    verified.clear()
    known = [attempt(accounts, "anna", "guess", now) for _ in range(6)]
    with accounts.connect() as conn:
        anna_hash = users.credentials(conn, "anna")["password_hash"]
    # one argon2 verification per answered attempt: the dummy hash for the unknown name
    assert dummy_checks == [auth._DUMMY_HASH] * 5 and verified == [anna_hash] * 5
    assert [r.reason for r in unknown] == [r.reason for r in known] == ["invalid"] * 5 + ["throttled"]
    assert unknown[-1].retry_at == known[-1].retry_at
    rows = audit(accounts)
    assert all(r["actor"] in ("unknown user", "anna") for r in rows)
    assert not any(username in r["actor"] for r in rows if username != "anna")


def _enrolled(engine, now, client=ALICE):
    """root signs in for the first time, enrols, and gets the recovery codes."""
    first = attempt(engine, "root", PASSWORD, now, client=client, next_path="/admin-users")
    assert first.reason == "second_factor" and first.purpose == "enrol" and not first.ok
    with engine.connect() as conn:
        info = auth.challenge_info(conn, first.challenge, client, now)
    assert info["purpose"] == "enrol" and info["username"] == "root"
    assert info["uri"].startswith("otpauth://totp/") and f"secret={info['secret']}" in info["uri"]
    totp = pyotp.TOTP(info["secret"])
    assert code(engine, first.challenge, "000000" if totp.at(now) != "000000" else "111111", now,
                client).reason == "invalid"
    done = code(engine, first.challenge, totp.at(now), now, client)
    assert done.ok and done.next_path == "/admin-users" and len(done.recovery_codes) == 10
    return totp, done


def test_admin_enrols_on_first_sign_in_then_needs_a_code(accounts) -> None:
    now = db.utcnow()
    totp, done = _enrolled(accounts, now)
    with accounts.connect() as conn:
        stored = conn.execute(sa.text("SELECT code_hash FROM totp_recovery_codes")).scalars().all()
    assert len(stored) == 10 and not set(done.recovery_codes) & set(stored)  # only hashes are kept
    later = now + timedelta(minutes=2)
    second = attempt(accounts, "root", PASSWORD, later, client=ALICE)
    assert second.reason == "second_factor" and second.purpose == "verify"
    assert code(accounts, second.challenge, totp.at(later), later).ok
    assert ("root", "create", "totp", None) in {tuple(r.values()) for r in audit(accounts)}


def test_a_code_is_good_once(accounts) -> None:
    now = db.utcnow()
    totp, _ = _enrolled(accounts, now)
    later = now + timedelta(minutes=1)
    first = attempt(accounts, "root", PASSWORD, later, client=ALICE)
    assert code(accounts, first.challenge, totp.at(later), later).ok
    again = attempt(accounts, "root", PASSWORD, later + timedelta(seconds=5), client=ALICE)
    replay = code(accounts, again.challenge, totp.at(later), later + timedelta(seconds=5))
    assert replay.reason == "invalid"
    # the next step's code works
    nxt = later + timedelta(seconds=30)
    assert code(accounts, again.challenge, totp.at(nxt), nxt).ok


@pytest.mark.parametrize("drift_seconds, ok", [(-31, True), (0, True), (31, True), (-95, False), (95, False)])
def test_one_step_of_clock_drift_is_accepted(accounts, drift_seconds, ok) -> None:
    now = db.utcnow()
    totp, _ = _enrolled(accounts, now)
    # the middle of a 30-second step, so that 31 s is one step away and 95 s three, whatever the
    # clock says (at 00:00:00.07, 31 s earlier was two steps back and the test failed)
    later = now + timedelta(minutes=5)
    later -= timedelta(seconds=later.replace(tzinfo=timezone.utc).timestamp() % auth.TOTP_STEP - 15)
    pending = attempt(accounts, "root", PASSWORD, later, client=ALICE)
    assert code(accounts, pending.challenge, totp.at(later + timedelta(seconds=drift_seconds)), later).ok is ok


def test_recovery_codes_work_once(accounts) -> None:
    now = db.utcnow()
    _, done = _enrolled(accounts, now)
    recovery = done.recovery_codes[3]
    first = attempt(accounts, "root", PASSWORD, now, client=ALICE)
    assert code(accounts, first.challenge, recovery.lower().replace("-", " "), now).ok
    again = attempt(accounts, "root", PASSWORD, now, client=ALICE)
    assert code(accounts, again.challenge, recovery, now).reason == "invalid"
    with accounts.connect() as conn:
        assert sign_in.unused_recovery_codes(conn, users.get_by_username(conn, "root")["id"]) == 9
    assert any(r["reason"] == "recovery_code" and r["action"] == "login" for r in audit(accounts))


def test_wrong_codes_use_up_the_challenge_and_count_as_failures(accounts) -> None:
    now = db.utcnow()
    totp, _ = _enrolled(accounts, now)
    pending = attempt(accounts, "root", PASSWORD, now, client=ALICE)
    # wrong for every step the server accepts (the one before and after count too), not only now's
    accepted = {totp.at(now + timedelta(seconds=auth.TOTP_STEP * k)) for k in (-1, 0, 1)}
    wrong = next(c for c in ("123456", "654321", "111111", "999999") if c not in accepted)
    reasons = [code(accounts, pending.challenge, wrong, now).reason for _ in range(auth.CHALLENGE_TRIES)]
    assert reasons == ["invalid"] * (auth.CHALLENGE_TRIES - 1) + ["expired"]
    assert code(accounts, pending.challenge, totp.at(now), now).reason == "expired"
    # five failures from this client: it now waits before its next try
    assert attempt(accounts, "root", PASSWORD, now, client=ALICE).reason == "throttled"


@pytest.mark.parametrize("client, minutes, reason", [(MALLORY, 0, "expired"), (ALICE, 6, "expired")])
def test_a_challenge_belongs_to_its_client_and_expires(accounts, client, minutes, reason) -> None:
    now = db.utcnow()
    totp, _ = _enrolled(accounts, now)
    pending = attempt(accounts, "root", PASSWORD, now, client=ALICE)
    at = now + timedelta(minutes=minutes)
    assert code(accounts, pending.challenge, totp.at(at), at, client=client).reason == reason


def test_roles_that_need_a_second_factor_and_reset(accounts) -> None:
    now = db.utcnow()
    assert attempt(accounts, "anna", PASSWORD, now, client=ALICE).ok
    db.run_in_transaction(accounts, lambda c: auth.set_totp_roles(c, "admin", {"admin", "coach"}))
    assert attempt(accounts, "anna", PASSWORD, now, client=ALICE).purpose == "enrol"
    db.run_in_transaction(accounts, lambda c: auth.set_totp_roles(c, "admin", {"coach"}))
    assert attempt(accounts, "root", PASSWORD, now, client=ALICE).ok  # admin no longer required
    # an enrolled account keeps using its factor; after a reset it enrols again, its sessions end
    db.run_in_transaction(accounts, lambda c: auth.set_totp_roles(c, "admin", {"admin"}))
    _, done = _enrolled(accounts, now)
    with accounts.connect() as conn:
        root_id = users.get_by_username(conn, "root")["id"]
        assert root_id in auth.totp_enrolled(conn)
    assert db.run_in_transaction(accounts, lambda c: auth.reset_totp(c, "admin", root_id))
    with accounts.connect() as conn:
        assert auth.session_user(conn, done.token) is None and root_id not in auth.totp_enrolled(conn)
    assert attempt(accounts, "root", PASSWORD, now, client=ALICE).purpose == "enrol"
    actions = {(r["action"], r["entity"]) for r in audit(accounts)}
    assert {("update", "totp_roles"), ("delete", "totp")} <= actions


def test_demo_admin_signs_in_with_the_known_secret(engine) -> None:
    from pilot import demo
    demo.load(engine)
    auth.set_demo_passwords(engine)
    now = db.utcnow()
    pending = attempt(engine, "admin", demo.DEMO_PASSWORD, now, client=ALICE)
    assert pending.purpose == "verify"
    assert code(engine, pending.challenge, pyotp.TOTP(auth.DEMO_TOTP_SECRET).at(now), now).ok
    for spec in demo.DEMO_USERS:
        if spec["role"] != "admin":
            assert attempt(engine, spec["username"], demo.DEMO_PASSWORD, now, client=ALICE).ok


def test_the_typed_username_is_never_stored_by_the_throttle(accounts) -> None:
    """An identity code typed as a username counts failures without being written anywhere."""
    typed = "131052-308T"
    now = db.utcnow()
    for _ in range(6):
        attempt(accounts, typed, "nope", now)
    assert attempt(accounts, typed, "nope", now).reason == "throttled"
    with accounts.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text("SELECT username, client FROM login_throttle"))]
    assert stored and all(typed.lower() not in name and "131052" not in name for name, _ in stored)
    assert all(a["actor"] == "unknown user" for a in audit(accounts) if a["action"] != "login")
