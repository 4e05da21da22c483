"""The audit log: append-only rows of who did what, when, with the values before and after."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope
from pilot.db import utcnow
from pilot.domain.identifiers import mask_hetu, refuse_hetu


def _json(value: Any) -> str | None:
    if value is None:
        return None

    def default(o: Any) -> Any:
        if isinstance(o, (date, datetime)):
            return o.isoformat()
        if isinstance(o, Decimal):
            return str(o)
        return str(o)

    return json.dumps(value, default=default, ensure_ascii=False, sort_keys=True)


def record(conn: Connection, actor: Scope | str, action: str, entity: str, entity_id: Any = None,
           before: dict | None = None, after: dict | None = None, reason: str | None = None) -> None:
    """Write one audit row. ``actor`` is the caller's scope (or a bare username for the system).

    Every reason (edits of old sessions, caseload moves, anonymisation) and every new value lands
    here, so an identity code in them is refused here: the row and the write around it roll back.
    """
    refuse_hetu(reason, after)
    username = actor.username if isinstance(actor, Scope) else actor
    conn.execute(sa.text(
        "INSERT INTO audit_log (occurred_at, actor, action, entity, entity_id, before_json, after_json, reason) "
        "VALUES (:at, :actor, :action, :entity, :entity_id, :before, :after, :reason)"),
        {"at": utcnow(), "actor": username, "action": action, "entity": entity,
         "entity_id": None if entity_id is None else str(entity_id),
         "before": _json(before), "after": _json(after), "reason": reason})


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, before and after (keeps the log readable)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


# What an audit row is about, by name: a participant's code (for rows about the participant or
# about one of their records), a company's name, an account's display name. entity_id is text
# (an id, or a code for imported rows), so the ids are compared as text on both backends.
_TARGET_JOINS = (
    "LEFT JOIN assessments t_as ON a.entity = 'assessment' AND CAST(t_as.id AS VARCHAR(32)) = a.entity_id "
    "LEFT JOIN adaptations t_ad ON a.entity = 'adaptation' AND CAST(t_ad.id AS VARCHAR(32)) = a.entity_id "
    "LEFT JOIN followups t_fu ON a.entity = 'followup' AND CAST(t_fu.id AS VARCHAR(32)) = a.entity_id "
    "LEFT JOIN participant_notes t_pn ON a.entity = 'participant_note' "
    "  AND CAST(t_pn.id AS VARCHAR(32)) = a.entity_id "
    "LEFT JOIN hires t_hi ON a.entity = 'hire' AND CAST(t_hi.id AS VARCHAR(32)) = a.entity_id "
    "LEFT JOIN sessions t_se ON a.entity = 'session' AND CAST(t_se.id AS VARCHAR(32)) = a.entity_id "
    "LEFT JOIN participants t_p ON CAST(t_p.id AS VARCHAR(32)) = CASE "
    "  WHEN a.entity IN ('participant', 'employment') THEN a.entity_id "
    "  WHEN a.entity = 'assessment' THEN CAST(t_as.participant_id AS VARCHAR(32)) "
    "  WHEN a.entity = 'adaptation' THEN CAST(t_ad.participant_id AS VARCHAR(32)) "
    "  WHEN a.entity = 'followup' THEN CAST(t_fu.participant_id AS VARCHAR(32)) "
    "  WHEN a.entity = 'participant_note' THEN CAST(t_pn.participant_id AS VARCHAR(32)) "
    "  WHEN a.entity = 'hire' THEN CAST(t_hi.participant_id AS VARCHAR(32)) END "
    "LEFT JOIN companies t_c ON CAST(t_c.id AS VARCHAR(32)) = CASE "
    "  WHEN a.entity = 'company' THEN a.entity_id "
    "  WHEN a.entity = 'session' THEN CAST(t_se.company_id AS VARCHAR(32)) "
    "  WHEN a.entity = 'adaptation' THEN CAST(t_ad.company_id AS VARCHAR(32)) "
    "  WHEN a.entity = 'hire' THEN CAST(t_hi.company_id AS VARCHAR(32)) END "
    "LEFT JOIN users t_u ON a.entity IN ('user', 'login', 'totp') AND CAST(t_u.id AS VARCHAR(32)) = a.entity_id "
    "LEFT JOIN users t_actor ON t_actor.username = a.actor ")
_TARGET_NAME = ("COALESCE(t_p.code, t_c.name, t_u.display_name, t_u.username) AS target_name, "
                "COALESCE(t_actor.display_name, a.actor) AS actor_name")


def entries(conn: Connection, actor: str | None = None, action: str | None = None,
            entity: str | None = None, since: datetime | None = None,
            until: datetime | None = None, limit: int = 500,
            entities: list[str] | None = None) -> list[dict]:
    """Audit rows, newest first, filtered (each filter a fixed fragment with a bind).

    ``entities`` keeps rows about any of the listed targets (the page's filter by a target's
    translated name); an empty list keeps none. Each row names what it is about in
    ``target_name`` (a participant's code, a company's name, an account's name; None when the
    record is gone or the target is a list) and who did it in ``actor_name``."""
    filters = {"actor": ("a.actor = :actor", actor), "action": ("a.action = :action", action),
               "entity": ("a.entity = :entity", entity), "since": ("a.occurred_at >= :since", since),
               "until": ("a.occurred_at < :until", until)}
    where = [sql for sql, value in filters.values() if value is not None]
    params: dict[str, Any] = {k: v for k, (_, v) in filters.items() if v is not None}
    if entities is not None:
        where.append("a.entity IN :entities")
        params["entities"] = list(entities) or [""]
    params["limit"] = limit
    sql = ("SELECT a.id, a.occurred_at, a.actor, a.action, a.entity, a.entity_id, a.before_json, a.after_json, "
           f"a.reason, {_TARGET_NAME} FROM audit_log a {_TARGET_JOINS}"
           "WHERE " + (" AND ".join(where) or "TRUE") + " ORDER BY a.id DESC LIMIT :limit")
    clause = sa.text(sql)
    if entities is not None:
        clause = clause.bindparams(sa.bindparam("entities", expanding=True))
    return [dict(r._mapping) for r in conn.execute(clause, params)]


def targets(conn: Connection) -> list[str]:
    """Every target the log holds rows about (for the filter by translated name)."""
    return [r[0] for r in conn.execute(sa.text("SELECT DISTINCT entity FROM audit_log ORDER BY entity"))]


def record_view(conn: Connection, actor: Scope, view: str, filters: dict[str, Any] | None = None) -> None:
    """One "read" row for one showing of a list with names (participants, companies, my week, a
    picker), with the filter it was shown with. A typed search goes under "search", where
    anonymisation finds it (pilot/records/privacy.py)."""
    # A search is typed text: a code in it is masked, not refused (the list still shows).
    shown = {k: mask_hetu(v) if isinstance(v, str) else v
             for k, v in (filters or {}).items() if v not in (None, "", [], ())}
    record(conn, actor, "read", view, None, after=shown or None)


# Audit actions that change no record: reading, signing in and out, refusals and exports.
NOT_WRITES = ("read", "login", "logout", "denied", "export")


def data_version(conn: Connection) -> int:
    """A number that moves on with every write: the id of the newest audit row of a write (every
    write path records one, in its own transaction). Cached page data is keyed on it, so a save in
    any process or replica is seen at the next rerun. Reads and sign-ins leave it as it is."""
    placeholders = ", ".join(f":a{i}" for i in range(len(NOT_WRITES)))
    value = conn.execute(sa.text(f"SELECT max(id) FROM audit_log WHERE action NOT IN ({placeholders})"),
                         {f"a{i}": a for i, a in enumerate(NOT_WRITES)}).scalar()
    return int(value or 0)
