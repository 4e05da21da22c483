"""The report's qualitative findings (issue 14): employer feedback comments and coach timeline
notes that their author marked for the report, by theme.

Only the text, its date, its theme and its kind of source ("employer" or "coach") leave this
module: never a participant, a company or an author. A text with a henkilötunnus cannot be
stored (the Checker refuses it on write), so the texts are returned as stored.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.domain import codes

PER_THEME = 5  # the report quotes at most this many texts per theme, newest first

_MARKED = (
    "SELECT f.given_on AS said_on, f.report_theme AS theme, f.comment AS body, 'employer' AS source, "
    "f.id AS id FROM feedback f "
    "WHERE f.for_report = TRUE AND f.given_on <= :r AND f.comment IS NOT NULL {feedback_company} "
    "UNION ALL "
    "SELECT n.noted_on AS said_on, n.report_theme AS theme, n.body AS body, 'coach' AS source, "
    "n.id AS id FROM participant_notes n JOIN participants p ON p.id = n.participant_id "
    "WHERE n.for_report = TRUE AND n.noted_on <= :r {note_company} "
    "ORDER BY said_on DESC, source, id DESC")


def marked(conn: Connection, as_of: date, company_id: int | None = None,
           per_theme: int = PER_THEME) -> dict[str, list[dict[str, Any]]]:
    """Theme -> the marked texts dated on or before ``as_of`` (of one company when given), newest
    first, at most ``per_theme`` each; themes in the code list's order, only those with a text.
    Each text is {"on": date, "source": "employer" | "coach", "text": str}."""
    company = company_id is not None
    sql = sa.text(_MARKED.format(feedback_company="AND f.company_id = :c" if company else "",
                                 note_company="AND p.company_id = :c" if company else ""))
    params: dict[str, Any] = {"r": as_of, **({"c": company_id} if company else {})}
    found: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(sql, params):
        theme = row.theme if row.theme in codes.REPORT_THEMES else "other"
        texts = found.setdefault(theme, [])
        if len(texts) < per_theme and (row.body or "").strip():
            texts.append({"on": row.said_on, "source": row.source, "text": row.body.strip()})
    return {theme: found[theme] for theme in codes.REPORT_THEMES if found.get(theme)}
