"""The report says how many of those due for the 6-month follow-up were reached, and gives the
6-month results over those reached (issue 14): "reached 5 of 7 due (71.4%); of them ..."."""
from __future__ import annotations

from datetime import date, timedelta

from pilot import db, report
from pilot.access import Scope
from pilot.records import followups
from tests import work_seed

ADMIN = Scope(username="a", role="admin")


def test_report_reads_reached_of_due(engine):
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    people = [work_seed.participant(engine, cid, f"P-{i:04d}", enrolled=date(2023, 2, 1), exited=date(2024, 1, 31))
              for i in range(1, 8)]
    with db.transaction(engine) as conn:
        for i, pid in enumerate(people[:5]):  # reached; P-0006 not reached; P-0007 never asked
            followups.add(conn, ADMIN, pid, {"contacted_on": date(2024, 7, 25) + timedelta(days=i), "reached": True,
                                             "status": "permanent", "source": "phone"})
        followups.add(conn, ADMIN, people[5], {"contacted_on": date(2024, 8, 1), "reached": False, "source": "phone"})
    with engine.connect() as conn:
        built = report.build(conn, date(2024, 12, 31), "en")
    page = report.to_html(built)
    assert ("6-month follow-up: reached 5 of 7 due (71.4%); of them 5 were employed (share 100.0%) "
            "and the situation of 5 had improved (share 100.0%). No status is assumed for those not reached.") in page
