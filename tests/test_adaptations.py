"""Adaptations: the life cycle, the effect rating needed to evaluate, the board and conflicts."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest

from pilot import db
from pilot.domain.work_checks import check_adaptation, check_move, next_stages
from pilot.records import adaptations, audit
from tests import work_seed

D = date(2024, 2, 1)
NEW = {"type": "plain_language", "description": "Safety sheet in selkokieli", "owner": "HR Liisa",
       "proposed_on": D}


@pytest.mark.parametrize("row, stages", [
    ({"proposed_on": D}, ("agreed", "dropped")),
    ({"proposed_on": D, "agreed_on": D}, ("in_use", "dropped")),
    ({"proposed_on": D, "agreed_on": D, "in_use_on": D}, ("evaluated", "dropped")),
    ({"proposed_on": D, "agreed_on": D, "in_use_on": D, "evaluated_on": D, "effect": 4}, ()),
    ({"proposed_on": D, "dropped_on": D}, ()),
])
def test_next_stages(row, stages):
    assert next_stages(row) == stages


IN_USE = {"proposed_on": D, "agreed_on": D, "in_use_on": date(2024, 3, 1)}


@pytest.mark.parametrize("row, stage, on, effect, problem_fields", [
    (IN_USE, "evaluated", date(2024, 4, 1), None, ["effect"]),
    (IN_USE, "evaluated", date(2024, 4, 1), 0, ["effect"]),
    (IN_USE, "evaluated", date(2024, 4, 1), 6, ["effect"]),
    (IN_USE, "evaluated", date(2024, 4, 1), 4, []),
    (IN_USE, "evaluated", date(2024, 2, 1), 4, ["on"]),       # before in use
    (IN_USE, "agreed", date(2024, 4, 1), None, ["stage"]),     # backwards
    ({"proposed_on": D}, "in_use", date(2024, 4, 1), None, ["stage"]),  # skips a step
    ({"proposed_on": D}, "dropped", date(2024, 4, 1), None, []),
    ({"proposed_on": D}, "agreed", None, None, ["on"]),
])
def test_check_move(row, stage, on, effect, problem_fields):
    _, problems = check_move(row, stage, on, effect)
    assert [p.field for p in problems] == problem_fields


@pytest.mark.parametrize("change, field", [({"description": " "}, "description"), ({"type": "magic"}, "type"),
                                           ({"proposed_on": None}, "proposed_on")])
def test_check_adaptation(change, field):
    _, problems = check_adaptation({**NEW, **change})
    assert [p.field for p in problems] == [field]


def _proposed(engine, coach, participant=False):
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001") if participant else None
    with db.transaction(engine) as conn:
        aid = adaptations.propose(conn, coach, cid, pid, NEW)
    return cid, pid, aid


def test_cannot_reach_evaluated_without_effect_and_moves_on_board_with_one(engine, coach):
    cid, _, aid = _proposed(engine, coach)
    steps = [("agreed", date(2024, 2, 10)), ("in_use", date(2024, 3, 1))]
    version = 1
    for stage, on in steps:
        with db.transaction(engine) as conn:
            version = adaptations.move(conn, coach, aid, version, stage, on)
    with pytest.raises(adaptations.InvalidMove) as err, db.transaction(engine) as conn:
        adaptations.move(conn, coach, aid, version, "evaluated", date(2024, 5, 1))
    assert [p.field for p in err.value.problems] == ["effect"]
    with engine.connect() as conn:
        assert [r["id"] for r in adaptations.board(conn, coach, cid)["in_use"]] == [aid]
    with db.transaction(engine) as conn:
        adaptations.move(conn, coach, aid, version, "evaluated", date(2024, 5, 1), effect=4)
    with engine.connect() as conn:
        board = adaptations.board(conn, coach, cid)
        assert board["in_use"] == [] and [r["id"] for r in board["evaluated"]] == [aid]
        assert board["evaluated"][0]["effect"] == 4
        last = audit.entries(conn, entity="adaptation")[0]
        assert json.loads(last["before_json"])["stage"] == "in_use"
        assert json.loads(last["after_json"]) == {"effect": 4, "evaluated_on": "2024-05-01", "stage": "evaluated"}


def test_ref_and_whole_workplace(engine, coach):
    cid, _, aid = _proposed(engine, coach)
    with engine.connect() as conn:
        row = adaptations.get_adaptation(conn, coach, aid)
    assert row["participant_id"] is None and row["stage"] == "proposed"
    assert re.fullmatch(r"A-20240201-[a-z0-9]{6}", row["ref"])


def test_participant_list_includes_workplace_adaptations(engine, coach):
    cid, pid, own = _proposed(engine, coach, participant=True)
    with db.transaction(engine) as conn:
        whole = adaptations.propose(conn, coach, cid, None, {**NEW, "type": "glossary"})
    other = work_seed.company(engine, "1927400-1", "Kone")
    with db.transaction(engine) as conn:
        adaptations.propose(conn, coach, other, None, NEW)
    with engine.connect() as conn:
        assert {r["id"] for r in adaptations.list_adaptations(conn, coach, participant_id=pid)} == {own, whole}


def test_stale_version_conflicts(engine, coach):
    _, _, aid = _proposed(engine, coach)
    with db.transaction(engine) as conn:
        adaptations.move(conn, coach, aid, 1, "agreed", date(2024, 2, 5))
    with pytest.raises(db.WriteConflict), db.transaction(engine) as conn:
        adaptations.move(conn, coach, aid, 1, "dropped", date(2024, 2, 6))
