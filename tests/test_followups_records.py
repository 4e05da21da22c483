"""Follow-up records: scoped like employment rows, audited, versioned (no silent overwrite),
removable with a reason and restorable by an admin; notes refuse an identity code."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from pilot import db
from pilot.access import AccessDenied, Scope
from pilot.records import audit, followups, removed
from pilot.records._versioned import DuplicateRecord
from tests import work_seed

ADMIN = Scope(username="a", role="admin")
DAY = date(2024, 6, 14)


@pytest.fixture
def person(engine):
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001", enrolled=date(2023, 1, 2), exited=date(2023, 12, 15))
    active = work_seed.participant(engine, cid, "P-0002")
    return {"cid": cid, "pid": pid, "active": active}


def _add(engine, scope, pid, **values):
    with db.transaction(engine) as conn:
        return followups.add(conn, scope, pid, {"contacted_on": DAY, "reached": True, "status": "permanent",
                                                "source": "phone", **values})


def test_scope_role_and_rules(engine, person):
    outsider = Scope(username="x", role="coach", company_ids=frozenset({person["cid"] + 1}))
    with pytest.raises(LookupError):
        _add(engine, outsider, person["pid"])
    with pytest.raises(AccessDenied):
        _add(engine, Scope(username="s", role="services"), person["pid"])
    with pytest.raises(followups.InvalidFollowup) as refused:
        _add(engine, ADMIN, person["active"])
    assert [p.key for p in refused.value.problems] == ["error.followup_not_exited"]
    with pytest.raises(followups.InvalidFollowup) as refused:
        _add(engine, ADMIN, person["pid"], notes="hetu 131052-308T")
    assert [p.key for p in refused.value.problems] == ["error.hetu"]
    _add(engine, ADMIN, person["pid"])
    with pytest.raises(DuplicateRecord):
        _add(engine, ADMIN, person["pid"], reached=False, status=None)
    with engine.connect() as conn:
        assert len(followups.for_participant(conn, outsider, person["pid"])) == 0
        assert [e["action"] for e in audit.entries(conn, entity="followup")] == ["create"]


def test_edit_with_version_remove_and_restore(engine, person):
    fid = _add(engine, ADMIN, person["pid"])
    with db.transaction(engine) as conn:
        version = followups.edit(conn, ADMIN, fid, 1, {"status": "fixed_term", "weekly_hours": "20"})
    assert version == 2
    with pytest.raises(db.WriteConflict):  # a form still holding version 1
        with db.transaction(engine) as conn:
            followups.edit(conn, ADMIN, fid, 1, {"status": "unemployed"})
    with pytest.raises(followups.InvalidFollowup):  # not reached with a status left in place
        with db.transaction(engine) as conn:
            followups.edit(conn, ADMIN, fid, 2, {"reached": False})
    with db.transaction(engine) as conn:
        followups.remove(conn, ADMIN, fid, 2, "Entered for the wrong person")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM followups")).scalar_one() == 0
        rid = conn.execute(sa.text("SELECT id FROM removed_records WHERE entity = 'followup'")).scalar_one()
    with db.transaction(engine) as conn:
        removed.restore(conn, ADMIN, rid)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT status, weekly_hours FROM followups WHERE id = :i"), {"i": fid}).one()
    assert row[0] == "fixed_term" and float(row[1]) == 20.0
