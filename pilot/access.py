"""Who may see and change what: one place.

Every query that returns personal or company data takes a ``Scope`` as an argument and applies it
inside the SQL (``pilot.records._scope``), so a page reached by URL or a forged query parameter
still returns nothing outside the caller's scope.
"""
from __future__ import annotations

from dataclasses import dataclass

from pilot.domain.codes import ROLES


class AccessDenied(Exception):
    """The caller's scope does not cover the record."""


@dataclass(frozen=True)
class Scope:
    """The caller: who they are and which companies they reach (None = the whole pilot)."""

    username: str
    role: str
    user_id: int | None = None
    company_ids: frozenset[int] | None = None
    # coach only: participants on their own caseload are visible even outside company_ids
    coach_user_id: int | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(self.role)

    @property
    def whole_pilot(self) -> bool:
        return self.company_ids is None

    @property
    def sees_names(self) -> bool:
        """Display names are for the coach's and admin's own views; never for services."""
        return self.role in ("coach", "admin")

    @property
    def exact_figures(self) -> bool:
        """Coaches and admins see exact counts; others get the small-number rule."""
        return self.role in ("coach", "admin")

    def covers_company(self, company_id: int | None) -> bool:
        return self.company_ids is None or company_id in self.company_ids


def can_edit_records(scope: Scope) -> bool:
    """Companies, participants, sessions and adaptations are changed by coaches and admins."""
    return scope.role in ("coach", "admin")


def require_company(scope: Scope, company_id: int | None) -> None:
    if not scope.covers_company(company_id):
        raise AccessDenied(company_id)


def require_editor(scope: Scope) -> None:
    if not can_edit_records(scope):
        raise AccessDenied(scope.role)


SYSTEM = Scope(username="system", role="admin")
