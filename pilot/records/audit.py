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


def entries(conn: Connection, actor: str | None = None, action: str | None = None,
            entity: str | None = None, since: datetime | None = None,
            until: datetime | None = None, limit: int = 500) -> list[dict]:
    """Audit rows, newest first, filtered (each filter a fixed fragment with a bind)."""
    filters = {"actor": ("actor = :actor", actor), "action": ("action = :action", action),
               "entity": ("entity = :entity", entity), "since": ("occurred_at >= :since", since),
               "until": ("occurred_at < :until", until)}
    where = [sql for sql, value in filters.values() if value is not None]
    params = {k: v for k, (_, v) in filters.items() if v is not None}
    params["limit"] = limit
    sql = ("SELECT id, occurred_at, actor, action, entity, entity_id, before_json, after_json, reason "
           "FROM audit_log WHERE " + (" AND ".join(where) or "TRUE") + " ORDER BY id DESC LIMIT :limit")
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def record_view(conn: Connection, actor: Scope, view: str, filters: dict[str, Any] | None = None) -> None:
    """One "read" row for one showing of a list with names (participants, companies, my week, a
    picker), with the filter it was shown with. A typed search goes under "search", where
    anonymisation finds it (pilot/records/privacy.py)."""
    # A search is typed text: a code in it is masked, not refused (the list still shows).
    shown = {k: mask_hetu(v) if isinstance(v, str) else v
             for k, v in (filters or {}).items() if v not in (None, "", [], ())}
    record(conn, actor, "read", view, None, after=shown or None)
