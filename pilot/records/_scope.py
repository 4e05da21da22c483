"""The scope of a caller as a SQL condition, so access is applied inside every query."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pilot.access import Scope


def company_condition(scope: Scope, column: str, name: str = "scope_companies") -> tuple[str, dict[str, Any]]:
    """A WHERE fragment limiting ``column`` (a company id) to the scope, and its binds.

    ``column`` is always a literal column name written in records code, never user input.
    """
    if scope.company_ids is None:
        return "TRUE", {}
    return f"{column} IN :{name}", {name: list(scope.company_ids) or [-1]}


def participant_condition(scope: Scope, company_column: str, coach_column: str) -> tuple[str, dict[str, Any]]:
    """Participants of the scope's companies, plus a coach's own caseload."""
    cond, params = company_condition(scope, company_column)
    if scope.coach_user_id is not None and scope.company_ids is not None:
        cond = f"({cond} OR {coach_column} = :scope_coach)"
        params["scope_coach"] = scope.coach_user_id
    return cond, params


def bound(sql: str, params: dict[str, Any]) -> sa.TextClause:
    """text() with the list binds expanded (portable IN lists)."""
    clause = sa.text(sql)
    expanding = [sa.bindparam(k, expanding=True) for k, v in params.items() if isinstance(v, list)]
    return clause.bindparams(*expanding) if expanding else clause


def like_pattern(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, lower-cased, with the user's % and _ taken literally;
    use it with ``ESCAPE '!'`` (portable: DuckDB and PostgreSQL alike)."""
    escaped = text.strip().lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"
