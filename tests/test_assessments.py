"""Assessments: recording per skill and source, replacing the same day, and the chart."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pilot import charts, db
from pilot.access import Scope
from pilot.domain.work_checks import check_assessment
from pilot.records import assessments, audit
from tests import work_seed

A = {"skill": "speaking", "level": "A2.1", "source": "coach", "assessed_on": date(2024, 2, 1)}


@pytest.mark.parametrize("change, fields, level", [
    ({}, [], "A2.1"),
    ({"level": "c1.2"}, [], "C1"),
    ({"level": "X"}, ["level"], None),
    ({"level": None}, ["level"], None),
    ({"skill": "singing"}, ["skill"], "A2.1"),
    ({"source": "friend"}, ["source"], "A2.1"),
    ({"assessed_on": None}, ["assessed_on"], "A2.1"),
])
def test_check_assessment(change, fields, level):
    clean, problems = check_assessment({**A, **change})
    assert [p.field for p in problems] == fields
    assert clean["level"] == level


def test_record_then_the_same_key_again_is_a_conflict(engine, coach):
    """A second assessment with the same skill, date and source is another coach's record: a
    conflict to reload and edit, never a silent replacement of its level."""
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001")
    with db.transaction(engine) as conn:
        first = assessments.record_assessment(conn, coach, pid, A)
        assessments.record_assessment(conn, coach, pid, {**A, "source": "self", "level": "B1.1"})
    with pytest.raises(db.WriteConflict):
        with db.transaction(engine) as conn:
            assessments.record_assessment(conn, coach, pid, {**A, "level": "A2.2"})
    with db.transaction(engine) as conn:
        assessments.edit_assessment(conn, coach, first, 1, {"level": "A2.2"})
    with engine.connect() as conn:
        rows = assessments.for_participant(conn, coach, pid)
        assert [(r["source"], r["level"]) for r in rows] == [("coach", "A2.2"), ("self", "B1.1")]
        assert audit.entries(conn, entity="assessment")[0]["action"] == "update"
        outsider = Scope(username="x", role="coach", company_ids=frozenset({cid + 1}))
        assert assessments.for_participant(conn, outsider, pid) == []


def _frame(rows):
    return pd.DataFrame(rows, columns=["assessed_on", "skill", "level", "source"])


TITLES = {"title": "Progress", "assessed": "Assessed", "self": "Self-assessment", "level": "Level",
          "target": "Target", **{f"skill.{s}": s.title() for s in ("speaking", "listening", "reading", "writing")}}


def test_chart_draws_self_assessment_apart():
    fig = charts.assessment_progression(_frame([
        (date(2024, 1, 1), "speaking", "A1.3", "coach"), (date(2024, 5, 1), "speaking", "A2.2", "yki"),
        (date(2024, 2, 1), "speaking", "B1.1", "self"), (date(2024, 3, 1), "reading", "A2.1", "coach"),
    ]), TITLES)
    by_name = {}
    for trace in fig.data:
        by_name.setdefault(trace.name, []).append(trace)
    assessed = [t for t in by_name["Assessed"] if len(t.x) == 2][0]
    assert list(assessed.y) == [3, 5]
    self_trace = by_name["Self-assessment"][0]
    assert self_trace.line.dash == "dash" and list(self_trace.y) == [6]
    assert self_trace.line.color != assessed.line.color
    assert fig.layout.title.text == "Progress"
    assert "Speaking" in [a.text for a in fig.layout.annotations]


def test_chart_with_no_rows_is_empty_but_titled():
    fig = charts.assessment_progression(_frame([]), TITLES)
    assert fig.layout.title.text == "Progress" and len(fig.data) == 0
