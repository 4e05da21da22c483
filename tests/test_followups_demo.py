"""The demo pilot holds believable follow-ups: most due ones made, some never made, some not
reached, none before exit or in the future, and the indicators measure them."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from pilot import demo, indicators
from pilot.domain import followups as rules

TODAY = date(2026, 3, 31)


def test_demo_followups(engine):
    data = demo.build(today=TODAY)
    exits = {p["code"]: p["exited_on"] for p in data["participants"] if p["exited_on"]}
    rows = data["followups"]
    assert rows and all(exits[r["participant_code"]] <= r["contacted_on"] <= TODAY for r in rows)
    assert any(not r["reached"] for r in rows) and any(r["reached"] for r in rows)
    assert all((r["status"] is None) == (not r["reached"]) for r in rows)
    begun = {c for c, e in exits.items() if rules.window(e)[0] <= TODAY}
    assert begun - {r["participant_code"] for r in rows}  # some due ones were never asked
    demo.load(engine, today=TODAY)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM followups")).scalar_one() == len(rows)
        result = indicators.compute(conn, TODAY)
    assert 0 < result["followup_6m_reached"] < result["followup_6m_due"]
    assert 0 < result["employed_6m_after_exit"] <= result["followup_6m_reached"]


def test_the_data_subjects_copy_holds_their_followups(engine):
    from pilot import db
    from pilot.access import Scope
    from pilot.records import followups, privacy
    from tests import work_seed
    admin = Scope(username="a", role="admin")
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001", enrolled=date(2023, 1, 2), exited=date(2023, 12, 15))
    with db.transaction(engine) as conn:
        followups.add(conn, admin, pid, {"contacted_on": date(2024, 6, 14), "reached": True, "status": "permanent",
                                         "source": "phone", "notes": "Soitettu"})
        data = privacy.export_participant(conn, admin, pid)
    assert [(f["contacted_on"], f["status"], f["notes"]) for f in data["followups"]] == [
        (date(2024, 6, 14), "permanent", "Soitettu")]
