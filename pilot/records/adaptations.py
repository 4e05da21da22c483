"""Job adaptations: proposed -> agreed -> in use -> evaluated, or dropped; a board per company."""
from __future__ import annotations

import secrets
import string
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope, require_company, require_editor
from pilot.domain.work_checks import check_move, check_step_back, current_stage
from pilot.domain.validation import Problem
from pilot.records import audit
from pilot.records._scope import bound, company_condition
from pilot.records._versioned import expect_version, update_versioned

FIELDS = ("type", "description", "owner", "proposed_on")
_COLUMNS = ("a.id, a.ref, a.company_id, c.name AS company_name, a.participant_id, p.code AS participant_code, "
            "a.type, a.description, a.owner, a.proposed_on, a.agreed_on, a.in_use_on, a.evaluated_on, "
            "a.dropped_on, a.effect, a.version")
_FROM = "adaptations a JOIN companies c ON c.id = a.company_id LEFT JOIN participants p ON p.id = a.participant_id"


class InvalidMove(Exception):
    """The requested stage change breaks a rule; ``problems`` say which, as i18n keys."""

    def __init__(self, problems: list[Problem]):
        super().__init__([p.key for p in problems])
        self.problems = problems


def new_ref(on: date) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return f"A-{on:%Y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def _with_stage(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out["stage"] = current_stage(out)
    return out


def propose(conn: Connection, actor: Scope, company_id: int, participant_id: int | None,
            values: dict[str, Any]) -> int:
    """A new adaptation for one participant of the company, or the whole workplace (None)."""
    require_editor(actor)
    require_company(actor, company_id)
    if participant_id is not None:
        at = conn.execute(sa.text("SELECT company_id FROM participants WHERE id = :p"),
                          {"p": participant_id}).scalar_one_or_none()
        if at != company_id:
            raise ValueError("the participant is not at this company")
    row = {f: values.get(f) for f in FIELDS}
    row.update(company_id=company_id, participant_id=participant_id, ref=new_ref(row["proposed_on"]))
    new_id = int(conn.execute(sa.text(
        "INSERT INTO adaptations (ref, company_id, participant_id, type, description, owner, proposed_on) "
        "VALUES (:ref, :company_id, :participant_id, :type, :description, :owner, :proposed_on) RETURNING id"),
        row).scalar_one())
    audit.record(conn, actor, "create", "adaptation", new_id, after=row)
    return new_id


def get_adaptation(conn: Connection, scope: Scope, adaptation_id: int) -> dict[str, Any] | None:
    cond, params = company_condition(scope, "a.company_id")
    params["id"] = adaptation_id
    row = conn.execute(bound(f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.id = :id AND {cond}", params), params).first()
    return _with_stage(row) if row else None


def move(conn: Connection, actor: Scope, adaptation_id: int, version: int, stage: str, on: date | None,
         effect: Any = None) -> int:
    """Move to the next stage (or dropped) on a date; evaluated needs an effect rating 1-5."""
    require_editor(actor)
    before = get_adaptation(conn, actor, adaptation_id)
    if before is None:
        raise LookupError(adaptation_id)
    # The version first: a second coach moving the same adaptation is told that someone else moved
    # it, not that the stage they chose no longer follows the (other's) new one.
    expect_version("adaptations", adaptation_id, before["version"], version)
    changes, problems = check_move(before, stage, on, effect)
    if problems:
        raise InvalidMove(problems)
    new_version = update_versioned(conn, "adaptations", adaptation_id, version, changes)
    old, new = audit.changed(before, changes)
    audit.record(conn, actor, "update", "adaptation", adaptation_id, before={**old, "stage": before["stage"]},
                 after={**new, "stage": stage})
    return new_version


def step_back(conn: Connection, actor: Scope, adaptation_id: int, version: int, reason: str) -> int:
    """Undo the latest step of an adaptation (a move recorded by mistake): its date is cleared,
    and an evaluation's effect with it; the reason is kept in the audit log. Guarded by the
    version the editor saw, like a move, so two coaches cannot clobber each other."""
    require_editor(actor)
    before = get_adaptation(conn, actor, adaptation_id)
    if before is None:
        raise LookupError(adaptation_id)
    expect_version("adaptations", adaptation_id, before["version"], version)
    changes, problems = check_step_back(before, reason)
    if problems:
        raise InvalidMove(problems)
    text = changes.pop("reason")
    new_version = update_versioned(conn, "adaptations", adaptation_id, version, changes)
    old, new = audit.changed(before, changes)
    after_stage = current_stage({**before, **changes})
    audit.record(conn, actor, "update", "adaptation", adaptation_id, before={**old, "stage": before["stage"]},
                 after={**new, "stage": after_stage}, reason=text)
    return new_version


def list_adaptations(conn: Connection, scope: Scope, company_id: int | None = None,
                     participant_id: int | None = None, open_only: bool = False) -> list[dict[str, Any]]:
    """Adaptations in the scope with their current stage, oldest proposal first."""
    cond, params = company_condition(scope, "a.company_id")
    where = [cond]
    if company_id is not None:
        where.append("a.company_id = :company_id")
        params["company_id"] = company_id
    if participant_id is not None:
        # A participant's own adaptations and the ones for their whole workplace.
        where.append("(a.participant_id = :pid OR (a.participant_id IS NULL AND a.company_id = "
                     "(SELECT company_id FROM participants WHERE id = :pid)))")
        params["pid"] = participant_id
    if open_only:
        where.append("a.evaluated_on IS NULL AND a.dropped_on IS NULL")
    sql = f"SELECT {_COLUMNS} FROM {_FROM} WHERE {' AND '.join(where)} ORDER BY a.proposed_on, a.id"
    return [_with_stage(r) for r in conn.execute(bound(sql, params), params)]


def board(conn: Connection, scope: Scope, company_id: int) -> dict[str, list[dict[str, Any]]]:
    """A company's adaptations by stage (every stage present, possibly empty)."""
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in ("proposed", "agreed", "in_use", "evaluated", "dropped")}
    for row in list_adaptations(conn, scope, company_id=company_id):
        out[row["stage"]].append(row)
    return out
