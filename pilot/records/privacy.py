"""Data protection: a participant's own data export, anonymisation, and the retention list.

Anonymisation erases what identifies the person (display name, notes, job title, timeline notes,
the free text of adaptations made for them), coarsens the occupation to its major group and replaces
the code by a random one, in one transaction, but keeps every date, status, level and attendance
row, so the pilot's indicators stay exactly the same. The audit log
is rewritten for that person only: its rows keep who did what and when, without the erased values
or the old code (a name kept in the log would undo the anonymisation).
"""
from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pilot.access import AccessDenied, Scope, can_edit_records
from pilot.db import run_in_transaction, utcnow
from pilot.domain.dates import add_months
from pilot.domain.identifiers import refuse_hetu
from pilot.records import audit, participants, removed
from pilot.records._scope import bound, participant_condition

ERASED = "-"  # adaptations.description is NOT NULL: the erased text becomes a dash


def _rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def _participant(conn: Connection, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    cond, params = participant_condition(scope, "p.company_id", "p.coach_id")
    params["id"] = participant_id
    sql = ("SELECT p.id, p.code, p.display_name, p.notes, p.job_title, p.occupation_code, p.first_language, "
           "p.enrolled_on, p.exited_on, p.share_with_employer, p.anonymised_at, c.business_id, "
           "c.name AS company_name, u.username AS coach FROM participants p "
           "JOIN companies c ON c.id = p.company_id LEFT JOIN users u ON u.id = p.coach_id "
           f"WHERE p.id = :id AND {cond}")
    row = conn.execute(bound(sql, params), params).first()
    return dict(row._mapping) if row else None


def export_participant(conn: Connection, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    """Everything the pilot holds about one participant (the data subject's copy), or None when
    the participant is outside the caller's scope. Coaches and admins only; the export is audited."""
    if not can_edit_records(scope):
        raise AccessDenied(scope.role)
    person = _participant(conn, scope, participant_id)
    if person is None:
        return None
    p = {"p": participant_id}
    data = {
        "participant": person,
        "employment": _rows(conn, "SELECT effective_on, status, weekly_hours, subsidised, employer_business_id "
                                  "FROM employment WHERE participant_id = :p ORDER BY effective_on", p),
        "assessments": _rows(conn, "SELECT assessed_on, skill, source, level FROM assessments "
                                   "WHERE participant_id = :p ORDER BY assessed_on, skill", p),
        "attendance": _rows(conn, "SELECT s.held_on, s.kind, s.mode, s.minutes, a.status FROM attendance a "
                                  "JOIN sessions s ON s.id = a.session_id WHERE a.participant_id = :p "
                                  "ORDER BY s.held_on", p),
        "adaptations": _rows(conn, "SELECT type, description, proposed_on, agreed_on, in_use_on, evaluated_on, "
                                   "dropped_on, effect, owner FROM adaptations WHERE participant_id = :p "
                                   "ORDER BY proposed_on", p),
    }
    if _has_table(conn, "followups"):  # what was asked after exit and what was found
        data["followups"] = _rows(conn, "SELECT contacted_on, reached, status, weekly_hours, subsidised, source, notes "
                                        "FROM followups WHERE participant_id = :p ORDER BY contacted_on", p)
    if _has_table(conn, "hires"):  # the participant's hire, recorded without a name (issue 15)
        data["hires"] = _rows(conn, "SELECT h.hired_on, h.contract, h.weekly_hours, h.occupation_code, c.business_id "
                                    "FROM hires h JOIN companies c ON c.id = h.company_id WHERE h.participant_id = :p "
                                    "ORDER BY h.hired_on", p)
    if _has_table(conn, "participant_notes"):
        data["notes"] = _rows(conn, "SELECT noted_on, body, author FROM participant_notes WHERE participant_id = :p "
                                    "ORDER BY noted_on, id", p)
    # Records removed within the last 30 days are still held (and restorable): they belong in the copy.
    data["removed"] = removed.about_participant(conn, participant_id)
    audit.record(conn, scope, "export", "participant", participant_id)
    return data


def as_json(data: dict[str, Any]) -> str:
    """The export as JSON text (dates as ISO strings, decimals as strings)."""
    return audit._json(data) or "{}"


# Values in audit rows that identify a participant: erased, or (codes) replaced by the new code.
_PERSONAL_TEXT = ("display_name", "notes", "job_title", "body", "description")
_CODES = ("code", "participant_code")
_KEYED_BY_CODE = ("participant", "attendance", "assessment", "employment")


def _redact_audit(conn: Connection, participant_id: int, old_code: str, new_code: str,
                  note_ids: list[int], adaptation_ids: list[int], followup_ids: list[int] = ()) -> None:
    """Rewrite the audit rows about one participant so they no longer identify them: names, notes,
    job title and free text become ERASED and the old code becomes the new one. Who did what and
    when stays; only the personal values go (the log is otherwise never changed)."""
    ids = {"participant": {str(participant_id)}, "employment": {str(participant_id)},
           "participant_note": {str(i) for i in note_ids}, "adaptation": {str(i) for i in adaptation_ids},
           "followup": {str(i) for i in followup_ids}}
    # Codes are letters, digits and dashes only, so the code needs no escaping inside LIKE.
    rows = _rows(conn, "SELECT id, entity, entity_id, before_json, after_json FROM audit_log "
                       "WHERE entity_id = :pid OR entity_id LIKE :code OR before_json LIKE :code "
                       "OR after_json LIKE :code", {"pid": str(participant_id), "code": f"%{old_code}%"})
    if note_ids or adaptation_ids or followup_ids:
        params = {"ids": [str(i) for i in (*note_ids, *adaptation_ids, *followup_ids)]}
        rows += _rows(conn, "SELECT id, entity, entity_id, before_json, after_json FROM audit_log "
                            "WHERE entity IN ('participant_note', 'adaptation', 'followup') "
                            "AND entity_id IN (SELECT UNNEST(CAST(:ids AS VARCHAR[])))", params)
    for row in {r["id"]: r for r in rows}.values():
        parts = (row["entity_id"] or "").split("/")
        # An imported row is keyed by the code ("P-001", "S-1/P-001", "P-001/2024-01-01"...).
        by_code = row["entity"] in _KEYED_BY_CODE and old_code in parts
        data = {c: json.loads(row[c]) if row[c] else None for c in ("before_json", "after_json")}
        names_code = any(isinstance(d, dict) and any(d.get(k) == old_code for k in _CODES) for d in data.values())
        if not (by_code or names_code or row["entity_id"] in ids.get(row["entity"], set())):
            continue
        values = {}
        for column, value in data.items():
            if isinstance(value, dict):
                for key in _PERSONAL_TEXT:
                    if value.get(key) not in (None, ""):
                        value[key] = ERASED
                for key in _CODES:
                    if value.get(key) == old_code:
                        value[key] = new_code
            values[column] = audit._json(value)
        entity_id = "/".join(new_code if part == old_code else part for part in parts) if by_code else row["entity_id"]
        conn.execute(sa.text("UPDATE audit_log SET entity_id = :e, before_json = :b, after_json = :a WHERE id = :id"),
                     {"e": entity_id, "b": values["before_json"], "a": values["after_json"], "id": row["id"]})


class ReasonRefused(ValueError):
    """The anonymisation's reason is empty or names the person; ``key`` is the message to show."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def check_reason(reason: str | None, code: str, display_name: str | None) -> str:
    """The reason as it will be stored, or ReasonRefused / IdentityCodeFound.

    A reason says why (retention ended, the person asked); it must not hold an identity code, the
    person's name (or a part of it) or their code, or the audit row would undo the anonymisation."""
    text = (reason or "").strip()
    if not text:
        raise ReasonRefused("privacy2.reason_missing")
    refuse_hetu(text)
    folded = text.casefold()
    parts = [code, display_name or "", *(display_name or "").split()]
    if any(len(part) >= 3 and part.casefold() in folded for part in parts) or code.casefold() in folded:
        raise ReasonRefused("privacy2.reason_names_person")
    return text


def major_group(occupation_code: str | None) -> str | None:
    """ISCO-08 / Ammattiluokitus: the first digit is the major group, all the indicators need."""
    return occupation_code.strip()[:1] or None if occupation_code else None


def anonymise(engine: Engine, actor: Scope, participant_id: int, reason: str) -> str:
    """Erase what identifies a participant and give them a random code; returns the new code.

    Admins only, with a reason that does not name the person (check_reason). Removed: display
    name, notes, job title, timeline notes, the free text and owner of their adaptations; the
    occupation is coarsened to its major group. Kept: dates, statuses, levels, hours and
    attendance, so every indicator stays the same. The audit rows about them keep who did what and
    when, with those values erased and the old code replaced by the new one (see _redact_audit).

    One transaction: the participant keeps its id, which every dependent row references, so no row
    is lifted out and put back. The code carries no index on participants (migration 010; its
    uniqueness is held in participant_codes), so DuckDB changes it in place. A crash at any point
    leaves the person either untouched or anonymised.
    """
    if actor.role != "admin":
        raise AccessDenied(actor.role)
    if not reason or not reason.strip():
        raise ReasonRefused("privacy2.reason_missing")
    new_code = "X-" + secrets.token_hex(5).upper()

    def work(conn: Connection) -> str:
        person = _participant(conn, actor, participant_id)
        if person is None:
            raise LookupError(participant_id)
        text = check_reason(reason, person["code"], person["display_name"])
        notes = _has_table(conn, "participant_notes")
        note_ids = [r["id"] for r in _rows(conn, "SELECT id FROM participant_notes WHERE participant_id = :p",
                                           {"p": participant_id})] if notes else []
        adaptation_ids = [r["id"] for r in _rows(conn, "SELECT id FROM adaptations WHERE participant_id = :p",
                                                 {"p": participant_id})]
        now = utcnow()
        conn.execute(sa.text(
            "UPDATE participants SET code = :code, display_name = NULL, notes = NULL, job_title = NULL, "
            "occupation_code = :occupation, anonymised_at = :now, updated_at = :now, version = version + 1 "
            "WHERE id = :p"),
            {"code": new_code, "occupation": major_group(person["occupation_code"]), "now": now, "p": participant_id})
        participants.claim_code(conn, participant_id, new_code)
        if notes:
            conn.execute(sa.text("DELETE FROM participant_notes WHERE participant_id = :p"), {"p": participant_id})
        conn.execute(sa.text("UPDATE adaptations SET description = :erased, owner = NULL WHERE participant_id = :p"),
                     {"erased": ERASED, "p": participant_id})
        followup_ids = _erase_followup_notes(conn, participant_id)
        _redact_audit(conn, participant_id, person["code"], new_code, note_ids, adaptation_ids, followup_ids)
        _redact_searches(conn, person["code"], person["display_name"])
        audit.record(conn, actor, "anonymise", "participant", participant_id, after={"code": new_code}, reason=text)
        return new_code

    return run_in_transaction(engine, work)


def _erase_followup_notes(conn: Connection, participant_id: int) -> list[int]:
    """The 6-month follow-ups keep date, reach, status and hours (the follow-up indicator) and lose
    their notes, in the live table and in removed ones waiting to be restored. Returns their ids."""
    if not _has_table(conn, "followups"):
        return []
    ids = [r["id"] for r in _rows(conn, "SELECT id FROM followups WHERE participant_id = :p", {"p": participant_id})]
    conn.execute(sa.text("UPDATE followups SET notes = NULL WHERE participant_id = :p AND notes IS NOT NULL"),
                 {"p": participant_id})
    if _has_table(conn, "removed_records"):
        for row in _rows(conn, "SELECT id, payload FROM removed_records WHERE entity = 'followup'", {}):
            payload = json.loads(row["payload"])
            kept = payload.get("row", {})
            if kept.get("participant_id") == participant_id and kept.get("notes") is not None:
                kept["notes"] = None
                if kept.get("id") is not None:  # its audit rows are redacted too
                    ids.append(int(kept["id"]))
                conn.execute(sa.text("UPDATE removed_records SET payload = :p WHERE id = :id"),
                             {"p": json.dumps(payload), "id": row["id"]})
    return ids


def _redact_searches(conn: Connection, old_code: str, name: str | None) -> None:
    """Reads of lists are logged with their filter (audit.record_view); a search typed for this
    person (their code or name) is erased from those rows."""
    needles = [n.casefold() for n in (old_code, name or "", *(name or "").split()) if len(n) >= 3 or n == old_code]
    for row in _rows(conn, "SELECT id, after_json FROM audit_log WHERE action = 'read' AND after_json LIKE :s",
                     {"s": '%"search"%'}):
        data = json.loads(row["after_json"])
        search = str(data.get("search") or "").casefold()
        if search and any(n in search for n in needles):
            data["search"] = ERASED
            conn.execute(sa.text("UPDATE audit_log SET after_json = :a WHERE id = :id"),
                         {"a": audit._json(data), "id": row["id"]})


def _has_table(conn: Connection, name: str) -> bool:
    return name in sa.inspect(conn).get_table_names()


def retention_due(conn: Connection, as_of: date, years: int) -> list[dict[str, Any]]:
    """Participants who exited at least ``years`` ago and are not anonymised yet, oldest first."""
    cutoff = add_months(as_of, -12 * years)
    return _rows(conn, "SELECT p.id, p.code, c.name AS company_name, p.enrolled_on, p.exited_on "
                       "FROM participants p JOIN companies c ON c.id = p.company_id "
                       "WHERE p.exited_on IS NOT NULL AND p.exited_on <= :cutoff AND p.anonymised_at IS NULL "
                       "ORDER BY p.exited_on, p.code", {"cutoff": cutoff})
