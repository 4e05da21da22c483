"""A participant's story in one chronological view, and the dated notes that belong to it.

Events: sessions booked (with attendance), assessments, adaptations (one event per stage
reached), employment changes, follow-ups after exit (``code`` is the status found, None when the
person was not reached; ``status`` is the source) and notes. Each event is a dict with ``on`` (date), ``kind``,
``code`` (a code to label, e.g. the session kind), ``detail`` and ``status``.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope, require_editor
from pilot.domain.work_checks import STAGE_DATE
from pilot.records import adaptations, audit, participants

KINDS = ("session", "assessment", "adaptation", "employment", "followup", "note")


def add_note(conn: Connection, actor: Scope, participant_id: int, values: dict[str, Any]) -> int:
    """Append a dated note to the participant's timeline (notes are never changed in place)."""
    require_editor(actor)
    if participants.get_participant(conn, actor, participant_id) is None:
        raise LookupError(participant_id)
    marked = bool(values.get("for_report"))  # may be quoted in the report (checked by check_note)
    row = {"participant_id": participant_id, "noted_on": values["noted_on"], "body": values["body"],
           "author": actor.username, "for_report": marked,
           "report_theme": values.get("report_theme") if marked else None}
    new_id = int(conn.execute(sa.text(
        "INSERT INTO participant_notes (participant_id, noted_on, body, author, for_report, report_theme) "
        "VALUES (:participant_id, :noted_on, :body, :author, :for_report, :report_theme) RETURNING id"),
        row).scalar_one())
    audit.record(conn, actor, "create", "participant_note", new_id, after=row)
    return new_id


def _sessions(conn: Connection, scope: Scope, pid: int) -> list[dict[str, Any]]:
    # The participant's own attendance is theirs; a session's topics belong to its company, so a
    # caseload participant's sessions in a company outside the scope show without them.
    rows = conn.execute(sa.text(
        "SELECT s.held_on, s.kind, s.minutes, s.topics, s.company_id, a.status FROM attendance a "
        "JOIN sessions s ON s.id = a.session_id WHERE a.participant_id = :p"), {"p": pid})
    return [{"on": r.held_on, "kind": "session", "code": r.kind, "status": r.status,
             "detail": " · ".join(x for x in (f"{r.minutes} min",
                                              (r.topics or "") if scope.covers_company(r.company_id) else "") if x)}
            for r in rows]


def _assessments(conn: Connection, pid: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.text(
        "SELECT assessed_on, skill, level, source FROM assessments WHERE participant_id = :p"), {"p": pid})
    return [{"on": r.assessed_on, "kind": "assessment", "code": r.skill, "status": r.source,
             "detail": r.level} for r in rows]


def _adaptations(conn: Connection, scope: Scope, pid: int) -> list[dict[str, Any]]:
    out = []
    for row in adaptations.list_adaptations(conn, scope, participant_id=pid):
        for stage, column in STAGE_DATE.items():
            if row.get(column):
                detail = row["description"] + (f" ({row['effect']}/5)" if stage == "evaluated" else "")
                out.append({"on": row[column], "kind": "adaptation", "code": row["type"], "status": stage,
                            "detail": detail})
    return out


def _employment(conn: Connection, pid: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.text(
        "SELECT effective_on, status, weekly_hours, employer_business_id FROM employment "
        "WHERE participant_id = :p"), {"p": pid})
    return [{"on": r.effective_on, "kind": "employment", "code": r.status, "status": None,
             "detail": " · ".join(x for x in (f"{r.weekly_hours} h" if r.weekly_hours is not None else "",
                                              r.employer_business_id or "") if x)} for r in rows]


def _followups(conn: Connection, pid: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.text(
        "SELECT contacted_on, reached, status, weekly_hours, source, notes FROM followups "
        "WHERE participant_id = :p"), {"p": pid})
    return [{"on": r.contacted_on, "kind": "followup", "code": r.status if r.reached else None,
             "status": r.source, "reached": bool(r.reached),
             "detail": " · ".join(x for x in (f"{r.weekly_hours} h" if r.weekly_hours is not None else "",
                                              r.notes or "") if x)} for r in rows]


def _notes(conn: Connection, pid: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.text(
        "SELECT noted_on, body, author FROM participant_notes WHERE participant_id = :p"), {"p": pid})
    return [{"on": r.noted_on, "kind": "note", "code": None, "status": r.author, "detail": r.body} for r in rows]


def for_participant(conn: Connection, scope: Scope, participant_id: int, kinds: tuple[str, ...] = KINDS,
                    since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
    """The events of one participant in the scope, newest first, filtered by kind and dates."""
    if participants.get_participant(conn, scope, participant_id) is None:
        return []
    sources = {"session": lambda: _sessions(conn, scope, participant_id),
               "assessment": lambda: _assessments(conn, participant_id),
               "adaptation": lambda: _adaptations(conn, scope, participant_id),
               "employment": lambda: _employment(conn, participant_id),
               "followup": lambda: _followups(conn, participant_id),
               "note": lambda: _notes(conn, participant_id)}
    events = [e for kind in KINDS if kind in kinds for e in sources[kind]()]
    events = [e for e in events if (since is None or e["on"] >= since) and (until is None or e["on"] <= until)]
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(events, key=lambda e: (e["on"], -order[e["kind"]]), reverse=True)
