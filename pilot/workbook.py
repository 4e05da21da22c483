"""The pilot workbook (shared/spec/DATA-FILES.md): import, validation report, export, template.

``read_workbook`` reads an ``.xlsx``, a folder or a ``.zip`` of ``<sheet>.csv`` into rows that keep
the row number the spreadsheet shows. ``validate`` checks every row (its own values, across sheets
and against the database) and plans what an import would add, update and leave alone.
``import_workbook`` writes that plan in one transaction, all or nothing. ``export_workbook``
writes the same sheets back, and ``template_bytes`` is the empty workbook with a help row.
All SQL is in ``pilot.records.workbook_io``.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Callable

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy.engine import Connection, Engine

from pilot import db
from pilot.access import SYSTEM, AccessDenied, Scope, can_edit_records
from pilot.domain import codes, identifiers
from pilot.domain import followups as followup_rules
from pilot.domain.formulas import neutralise  # noqa: F401  (one rule for every export and download)
from pilot.domain.dates import HELSINKI
from pilot.domain.validation import Checker, Problem, participant_fields
from pilot.i18n import label_lookup, t
from pilot.records import attendance_totals, audit, costs, feedback, hires, surveys
from pilot.records import workbook_io as io_sql
from pilot.workbook_read import (ABOUT, SHEETS, Row, Sheet, Workbook, WorkbookFileError,  # noqa: F401
                                 help_text, read_workbook)

# Key columns and optional columns of each sheet (SHEETS, in write order, is in pilot.workbook_read).
KEYS: dict[str, tuple[str, ...]] = {
    "companies": ("business_id",), "participants": ("code",), "sessions": ("ref",),
    "attendance": ("session_ref", "participant_code"), "adaptations": ("ref",),
    "assessments": ("participant_code", "skill", "assessed_on", "source"),
    "employment": ("participant_code", "effective_on"), "feedback": ("business_id", "given_on"),
    "costs": ("ref",),
    "employer_surveys": ("business_id", "answered_on"), "hires": ("ref",),
    "followups": ("participant_code", "contacted_on"),
}
OPTIONAL: dict[str, frozenset[str]] = {
    "companies": frozenset({"industry", "size_class", "left_on", "contact_name", "contact_email"}),
    "participants": frozenset({"exited_on", "job_title", "occupation_code", "share_with_employer",
                               "coach", "display_name"}),
    "sessions": frozenset({"coach", "topics", "notes"}),
    "attendance": frozenset(),
    "adaptations": frozenset({"participant_code", "agreed_on", "in_use_on", "evaluated_on",
                              "dropped_on", "effect", "owner"}),
    "assessments": frozenset(),
    "employment": frozenset({"weekly_hours", "subsidised", "employer_business_id"}),
    "feedback": frozenset({"comment"}),
    "costs": frozenset({"description", "business_id"}),
    "employer_surveys": frozenset({"planned_hires_12m", "comment"}),
    "hires": frozenset({"weekly_hours", "participant_code", "occupation_code"}),
    "followups": frozenset({"weekly_hours", "subsidised", "notes"}),
}
_BOOLEANS = {"share_with_employer", "subsidised", "reached"}
_ENTITY = {"companies": "company", "participants": "participant", "sessions": "session",
           "attendance": "attendance", "adaptations": "adaptation", "assessments": "assessment",
           "employment": "employment", "feedback": "feedback", "costs": "cost",
           "employer_surveys": "employer_survey", "hires": "hire", "followups": "followup"}
# DuckDB cannot change a foreign-key or indexed column of a row that other rows reference
# (migration 006 took held_on out of the sessions index, so a session's date stays editable).
_LOCKED_WHEN_REFERENCED = {"participants": ("business_id", "coach"),
                           "sessions": ("business_id", "coach")}
FORMAT = "pilot-workbook-2"  # the about sheet's format row


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return t(self.key, lang, **self.params)

    def line(self, lang: str) -> str:
        if not self.sheet:
            return self.message(lang)
        return t("workbook.error_line", lang, sheet=self.sheet, row=str(self.row), column=self.column,
                 value=self.value, message=self.message(lang))


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Plan:
    added: list[dict[str, Any]] = field(default_factory=list)
    # (stored row with id, new clean row, changed columns)
    updated: list[tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]] = field(default_factory=list)
    updated_rows: list[int] = field(default_factory=list)  # the sheet's row number of each update
    unchanged: int = 0
    # Updates that set a column DuckDB cannot change while other rows reference the record:
    # (row number, stored id, [(column, the file's value)]), checked by ``_check_locked``.
    sets_locked: list[tuple[int, int, list[tuple[str, Any]]]] = field(default_factory=list)


@dataclass
class Report:
    errors: list[RowError]
    counts: dict[str, Counts]
    lang: str = "fi"
    plans: dict[str, _Plan] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self, lang: str | None = None) -> list[str]:
        return [e.line(lang or self.lang) for e in self.errors]


@dataclass
class ImportResult:
    errors: list[RowError]
    counts: dict[str, Counts]
    dry_run: bool
    written: bool

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self, lang: str) -> list[str]:
        if self.errors:
            return [e.line(lang) for e in self.errors]
        return [t("workbook.counts", lang, sheet=s, added=c.added, updated=c.updated,
                  unchanged=c.unchanged) for s, c in self.counts.items()]


# ---------------------------------------------------------------- checks of one row

@lru_cache(maxsize=None)
def _labels(code_list: str) -> dict[str, str]:
    return label_lookup(code_list, codes.CODE_LISTS[code_list])


def _optional_code(c: Checker, name: str) -> None:
    if c.raw(name) is None:
        c.clean[name] = None
    else:
        c.participant_code(name)


def _check_companies(c: Checker) -> None:
    c.business_id("business_id")
    c.text("name", required=True, max_len=200)
    c.industry("industry")
    c.choice("size_class", codes.SIZE_CLASSES, labels=_labels("size_class"))
    c.date("joined_on", required=True)
    c.date("left_on")
    c.not_before("left_on", "joined_on")
    c.text("contact_name", max_len=200)
    c.email("contact_email")


def _check_participants(c: Checker) -> None:
    participant_fields(c)
    c.business_id("business_id")
    c.text("coach", max_len=64)


def _check_sessions(c: Checker) -> None:
    c.text("ref", required=True, max_len=64)
    c.business_id("business_id")
    c.date("held_on", required=True)
    c.not_future("held_on")  # the same rule as the form: a session is logged after it is held
    c.integer("minutes", 5, 480, required=True)
    c.choice("kind", codes.SESSION_KINDS, required=True, labels=_labels("kind"))
    c.choice("mode", codes.MODES, required=True, labels=_labels("mode"))
    c.text("coach", max_len=64)
    c.text("topics", max_len=4000)
    c.text("notes", max_len=4000)


def _check_attendance(c: Checker) -> None:
    c.text("session_ref", required=True, max_len=64)
    c.participant_code("participant_code")
    c.choice("status", codes.ATTENDANCE, required=True, labels=_labels("attendance"))


def _check_adaptations(c: Checker) -> None:
    c.text("ref", required=True, max_len=64)
    c.business_id("business_id")
    _optional_code(c, "participant_code")
    c.choice("type", codes.ADAPTATION_TYPES, required=True, labels=_labels("adaptation_type"))
    c.text("description", required=True, max_len=4000)
    c.date("proposed_on", required=True)
    previous = "proposed_on"
    for name in ("agreed_on", "in_use_on", "evaluated_on", "dropped_on"):
        c.date(name)
        c.not_before(name, previous)
        if c.clean.get(name) is not None:
            previous = name
    effect = c.integer("effect", 1, 5)
    if c.clean.get("evaluated_on") is not None and effect is None and c.raw("effect") is None:
        c.fail("effect", "workbook.error.effect_required")
    elif c.raw("effect") is not None and c.raw("evaluated_on") is None:
        c.fail("effect", "workbook.error.effect_without_evaluation")
    c.text("owner", max_len=200)


def _check_assessments(c: Checker) -> None:
    c.participant_code("participant_code")
    c.choice("skill", codes.SKILLS, required=True, labels=_labels("skill"))
    c.date("assessed_on", required=True)
    c.choice("source", codes.SOURCES, required=True, labels=_labels("source"))
    c.level("level")


def _check_employment(c: Checker) -> None:
    c.participant_code("participant_code")
    c.date("effective_on", required=True)
    status = c.choice("status", codes.EMPLOYMENT_STATUSES, required=True,
                      labels=_labels("employment_status"))
    c.decimal("weekly_hours", Decimal(0), Decimal(60), 1)
    if c.boolean("subsidised") and status is not None and status not in codes.EMPLOYED:
        c.fail("subsidised", "error.subsidised_status")
    c.business_id("employer_business_id", required=False)


def _check_feedback(c: Checker) -> None:
    c.business_id("business_id")
    c.date("given_on", required=True)
    c.integer("score", 1, 5, required=True)
    c.text("comment", max_len=4000)


def _check_costs(c: Checker) -> None:
    c.text("ref", required=True, max_len=64)
    c.date("incurred_on", required=True)
    c.choice("category", codes.COST_CATEGORIES, required=True, labels=_labels("cost_category"))
    c.decimal("amount_eur", Decimal(0), Decimal("9999999999.99"), 2, required=True, low_exclusive=True)
    c.text("description", max_len=4000)
    c.business_id("business_id", required=False)


def _check_employer_surveys(c: Checker) -> None:
    c.business_id("business_id")
    surveys.survey_fields(c)  # the same rules as the employer's and the coach's forms


def _check_followups(c: Checker) -> None:
    c.participant_code("participant_code")
    # The same rules as the coach's form; contacted_on >= exited_on is checked across sheets.
    followup_rules.followup_fields(c, labels={"employment_status": _labels("employment_status"),
                                              "followup_source": _labels("followup_source")})


def _check_hires(c: Checker) -> None:
    c.text("ref", required=True, max_len=64)
    c.business_id("business_id")
    hires.hire_fields(c)  # the same rules as the coach's form


_CHECKS: dict[str, Callable[[Checker], None]] = {
    "companies": _check_companies, "participants": _check_participants, "sessions": _check_sessions,
    "attendance": _check_attendance, "adaptations": _check_adaptations,
    "assessments": _check_assessments, "employment": _check_employment,
    "feedback": _check_feedback, "costs": _check_costs,
    "employer_surveys": _check_employer_surveys, "hires": _check_hires,
    "followups": _check_followups,
}


def mask_hetu(value: Any) -> str:
    """The value as text for a report, with every identity code replaced by asterisks."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    found = identifiers.find_hetu(text)
    while found:
        text = text.replace(found, "*" * len(found))
        found = identifiers.find_hetu(text)
    return text[:80] + ("…" if len(text) > 80 else "")


# ---------------------------------------------------------------- validation and plan

class _Errors:
    """Collects errors, one per sheet/row/column/key (a hetu error hides others of its cell)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, int, str, str], RowError] = {}

    def add(self, sheet: str, row: int, column: str, value: Any, key: str, **params: Any) -> None:
        self.items.setdefault((sheet, row, column, key),
                              RowError(sheet, row, column, mask_hetu(value), key, params))

    def sorted(self) -> list[RowError]:
        hetu_cells = {(s, r, c) for (s, r, c, k) in self.items if k == "error.hetu"}
        kept = [e for (s, r, c, k), e in self.items.items()
                if k == "error.hetu" or (s, r, c) not in hetu_cells]
        order = list(SHEETS)
        return sorted(kept, key=lambda e: (order.index(e.sheet) if e.sheet in order else -1, e.row,
                                           SHEETS.get(e.sheet, ()).index(e.column)
                                           if e.column in SHEETS.get(e.sheet, ()) else 99, e.key))


class _Clean(Mapping[str, Any]):
    """One row's clean values, held compactly until they are written: a tuple of values beside an
    index of names that every row of the sheet shares (a dict per row cost a million-row import
    some 300 bytes a row more). Reads like a read-only dict."""

    __slots__ = ("_index", "_values")
    _indexes: dict[tuple[str, ...], dict[str, int]] = {}

    def __init__(self, values: dict[str, Any]):
        names = tuple(values)
        index = self._indexes.get(names)
        if index is None:
            index = self._indexes.setdefault(names, {n: i for i, n in enumerate(names)})
        self._index = index
        self._values = tuple(values.values())

    def __getitem__(self, name: str) -> Any:
        return self._values[self._index[name]]

    def get(self, name: str, default: Any = None) -> Any:
        i = self._index.get(name)
        return default if i is None else self._values[i]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"_Clean({dict(self)!r})"


_NOT_FILLED: Mapping[str, Any] = MappingProxyType({})


@dataclass(slots=True)
class _Checked:
    row: Row
    clean: Mapping[str, Any]
    problems: Sequence[Problem]
    # Values of columns missing from the sheet, taken from the stored record the row matches.
    filled: Mapping[str, Any] = field(default_factory=lambda: _NOT_FILLED)


def _key(name: str, clean: dict[str, Any]) -> tuple:
    return tuple(clean.get(k) for k in KEYS[name])


def _check_one(name: str, values: dict[str, Any], missing: list[str]) -> tuple[_Clean, tuple[Problem, ...]]:
    c = Checker(values, texts_checked=True)  # pilot.workbook_read applied the text rule to each cell
    _CHECKS[name](c)
    if not c.problems:
        return _Clean(c.clean), ()
    return _Clean(c.clean), tuple(p for p in c.problems if not (p.field in missing and p.key == "error.required"))


def _check_rows(wb: Workbook, errors: _Errors) -> dict[str, list[_Checked]]:
    """Each row's own checks. Their problems are reported by ``validate`` once a row that matches a
    stored record has had the columns missing from its sheet filled in (``_fill_missing``)."""
    out: dict[str, list[_Checked]] = {}
    for name, sheet in wb.sheets.items():
        missing = [c for c in SHEETS[name] if c not in sheet.columns and c not in OPTIONAL[name]]
        for column in missing:
            errors.add(name, 1, column, "", "workbook.error.missing_column")
        seen: dict[tuple, int] = {}
        checked = []
        for row in sheet.rows:
            for column, key in row.refused.items():  # the text rule of pilot.domain.text, at reading
                errors.add(name, row.number, column, row.values.get(column), key)
            for column, value in row.values.items():
                if isinstance(value, str) and identifiers.contains_hetu(value):
                    errors.add(name, row.number, column, value, "error.hetu")
            clean, problems = _check_one(name, row.values, missing)
            key = _key(name, clean)
            if all(k is not None for k in key):
                if key in seen:
                    errors.add(name, row.number, KEYS[name][0], row.values.get(KEYS[name][0]),
                               "workbook.error.duplicate_key", first=str(seen[key]))
                else:
                    seen[key] = row.number
            checked.append(_Checked(row, clean, problems))
        out[name] = checked
    return out


def _as_cell(value: Any) -> Any:
    """A stored value as a cell of the file would hold it, for the row checks."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, (date, Decimal, int)):
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


def _fill_missing(wb: Workbook, checked: dict[str, list[_Checked]],
                  stored: dict[str, dict[tuple, dict[str, Any]]]) -> None:
    """Only what the file holds changes: a column missing from a sheet keeps each matched record's
    stored value. The row is checked again with those values, so rules across columns (an exit
    date after enrolment, an effect with its evaluation) see what the record will hold. Only
    records inside the caller's scope are read this way."""
    for name, items in checked.items():
        absent = [c for c in SHEETS[name] if c not in wb.sheets[name].columns]
        if not absent:
            continue
        for item in items:
            old = stored[name].get(_key(name, item.clean))
            if old is None or not old["in_scope"]:
                continue
            item.filled = {c: _as_cell(old.get(c)) for c in absent}
            item.clean, item.problems = _check_one(name, {**item.row.values, **item.filled}, [])


def _may_write(actor: Scope, sheet: str) -> bool:
    """The same rule as the app's own writes: costs are the admin's, feedback the employer's and
    the admin's, the other records the coaches' and the admin's."""
    if sheet == "costs":
        try:
            costs.require_admin(actor)
        except AccessDenied:
            return False
        return True
    if sheet == "feedback":
        return actor.role in feedback.GIVERS
    return can_edit_records(actor)


_UNKNOWN = {"companies": "error.unknown_company", "participants": "workbook.error.unknown_participant",
            "sessions": "workbook.error.unknown_session"}
OUTSIDE = "importscope.error.outside"
NOT_YOURS = "importscope.error.admin_only"
STALE = "importscope.error.stale"


def _check_references(actor: Scope, checked: dict[str, list[_Checked]],
                      stored: dict[str, dict[tuple, dict[str, Any]]], users: dict[str, int],
                      errors: _Errors) -> None:
    """Every reference resolves, and every row lies inside the caller's scope.

    ``in_scope`` of a stored row comes from SQL (``io_sql.stored_rows``). For a caller bound to
    companies, a company, participant or session that is not theirs reads exactly like one that
    does not exist (OUTSIDE), so the import never tells whether another company's record exists;
    a bound coach adds no companies (they would not be bound to them). Rows of a sheet the caller
    may not write are NOT_YOURS unless they leave an in-scope record as it is (``_plan``)."""
    scoped = actor.company_ids is not None
    in_file = {name: {_key(name, i.clean): i.clean for i in items} for name, items in checked.items()}

    def known(sheet: str, value: Any) -> dict[str, Any] | None:
        """The row with this one-column key in the file, else in the database."""
        return in_file.get(sheet, {}).get((value,)) or stored[sheet].get((value,))

    def reachable(sheet: str, value: Any) -> bool:
        if not scoped:
            return known(sheet, value) is not None
        old = stored[sheet].get((value,))
        if old is not None:
            return bool(old["in_scope"])
        new = in_file.get(sheet, {}).get((value,))
        return sheet != "companies" and new is not None and bool(new.get("business_id")) \
            and reachable("companies", new["business_id"])

    for name, items in checked.items():
        may_write = _may_write(actor, name)
        for item in items:
            row, clean = item.row, item.clean

            def bad(column: str, key: str, **params: Any) -> None:
                errors.add(name, row.number, column, {**row.values, **item.filled}.get(column), key, **params)

            old = stored[name].get(_key(name, clean))
            if not may_write and (old is None or not old["in_scope"]):
                bad(KEYS[name][0], NOT_YOURS)
                continue
            if name == "companies":
                if scoped and not (old is not None and old["in_scope"]):
                    bad("business_id", OUTSIDE)
                continue
            if clean.get("coach") and clean["coach"] not in users:
                bad("coach", "error.unknown_coach")
            refused = False
            bid = clean.get("business_id")
            # A caseload participant of another company stays where it is and stays reachable.
            stays = old is not None and old["in_scope"] and old.get("business_id") == bid
            if bid and not (reachable("companies", bid) or stays):
                bad("business_id", OUTSIDE if scoped else _UNKNOWN["companies"])
                refused = True
            for column, sheet in (("participant_code", "participants"), ("session_ref", "sessions")):
                if clean.get(column) and not reachable(sheet, clean[column]):
                    bad(column, OUTSIDE if scoped else _UNKNOWN[sheet])
                    refused = True
            if refused:
                continue
            if old is not None and not old["in_scope"]:
                bad(KEYS[name][0], OUTSIDE)  # a key already taken by a record outside the scope
                continue
            if name == "attendance":
                participant, session = known("participants", clean.get("participant_code")), \
                    known("sessions", clean.get("session_ref"))
                if participant and session and session.get("held_on") and participant.get("enrolled_on"):
                    held = session["held_on"]
                    exited = participant.get("exited_on")
                    if participant["enrolled_on"] > held or (exited is not None and exited < held):
                        bad("participant_code", "workbook.error.not_enrolled", held_on=held.strftime("%d.%m.%Y"))
            if name == "employer_surveys":  # DATA-FILES.md: answered_on >= joined_on - 90 days
                company = known("companies", bid)
                if company and company.get("joined_on") and clean.get("answered_on") \
                        and clean["answered_on"] < company["joined_on"] - surveys.EARLIEST_BEFORE_JOINING:
                    bad("answered_on", "hiring.error.before_joining")
            if name == "followups" and clean.get("participant_code"):  # contacted_on >= exited_on
                participant = known("participants", clean["participant_code"])
                if participant and "exited_on" in participant and clean.get("contacted_on"):
                    if participant["exited_on"] is None:
                        bad("contacted_on", "error.followup_not_exited")
                    elif clean["contacted_on"] < participant["exited_on"]:
                        bad("contacted_on", "error.followup_before_exit")
            if name == "hires" and clean.get("participant_code"):  # a participant of that company
                participant = known("participants", clean["participant_code"])
                if participant and participant.get("business_id") != bid:
                    bad("participant_code", "hiring.error.not_of_company")


def validate(conn: Connection, wb: Workbook, lang: str = "fi", actor: Scope = SYSTEM,
             overwrite: bool = False) -> Report:
    """Check every row of the workbook against ``actor``'s scope and plan the import (nothing is
    written). With an about sheet and no ``overwrite``, a row whose record changed after the
    export is an error."""
    errors = _Errors()
    if not can_edit_records(actor):
        errors.add("", 0, "", "", "importscope.error.role")
        return Report(errors.sorted(), {}, lang)
    checked = _check_rows(wb, errors)
    wanted = _wanted({name: [i.clean for i in items] for name, items in checked.items()})
    stored_rows = {name: io_sql.stored_rows(conn, name, actor, sorted(wanted[name])) for name in SHEETS}
    stored = {name: {_key(name, r): r for r in rows} for name, rows in stored_rows.items()}
    _fill_missing(wb, checked, stored)
    for name, items in checked.items():
        for item in items:
            values = {**item.row.values, **item.filled}
            for p in item.problems:
                errors.add(name, item.row.number, p.field, values.get(p.field), p.key, **p.params)
    _check_references(actor, checked, stored, io_sql.user_ids(conn), errors)
    since = _exported_at(wb, errors)

    plans: dict[str, _Plan] = {}
    if not errors.items:
        for name, items in checked.items():
            plans[name] = _plan(name, items, stored[name], set(wb.sheets[name].columns),
                                _may_write(actor, name), errors)
        _check_locked(conn, plans, errors)
        if since is not None and not overwrite:
            _check_stale(conn, actor, since, plans, errors)
    counts = {name: Counts(len(p.added), len(p.updated), p.unchanged) for name, p in plans.items()}
    return Report(errors.sorted(), counts if not errors.items else {}, lang, plans)


def _exported_at(wb: Workbook, errors: _Errors) -> datetime | None:
    """When the workbook was exported (naive UTC, as the database stores times); None without an
    about sheet. An about sheet whose time cannot be read is one error."""
    if not wb.about:
        return None
    try:
        stamp = datetime.fromisoformat(wb.about.get("exported_at", ""))
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        errors.add("about", 0, "exported_at", wb.about.get("exported_at", ""), "importscope.error.about")
        return None
    return stamp.astimezone(timezone.utc).replace(tzinfo=None)


# Whose audit rows tell that the app changed a sheet's record (pilot/records/*): the entity and
# the stored column its entity id comes from; the others log their own row's id.
_APP_AUDIT = {"attendance": ("session", "session_id"), "employment": ("employment", "participant_id"),
              "costs": ("cost", "ref")}


def _check_stale(conn: Connection, actor: Scope, since: datetime, plans: dict[str, _Plan],
                 errors: _Errors) -> None:
    """No silent overwrite: a row that would change a record changed after the export (in the app,
    or by another user's import) is an error naming when and by whom."""
    for name, plan in plans.items():
        if not plan.updated:
            continue
        entity, column = _APP_AUDIT.get(name, (_ENTITY[name], "id"))
        app_ids = [str(old[column]) for old, _, _ in plan.updated]
        keys = [_entity_id(name, old) for old, _, _ in plan.updated]
        found = io_sql.changes_since(conn, since, entity, app_ids, _ENTITY[name], keys, actor.username)
        for number, app_id, key in zip(plan.updated_rows, app_ids, keys):
            hits = [h for h in (found.get(("app", app_id)), found.get(("import", key))) if h]
            if hits:
                when, who = max(hits)
                local = when.replace(tzinfo=timezone.utc).astimezone(HELSINKI)
                errors.add(name, number, KEYS[name][0], key, STALE,
                           when=local.strftime("%d.%m.%Y %H:%M"), who=who)


def _wanted(cleans: dict[str, list[dict[str, Any]]]) -> dict[str, set[str]]:
    """Per sheet, the key values (io_sql.KEY_FILTER) of the stored rows a file can touch or name:
    its own keys, and the companies, participants and sessions its rows point at."""
    want: dict[str, set[str]] = {name: set() for name in SHEETS}
    own = {"companies": "business_id", "participants": "code", "sessions": "ref", "attendance": "session_ref",
           "adaptations": "ref", "assessments": "participant_code", "employment": "participant_code",
           "feedback": "business_id", "costs": "ref", "employer_surveys": "business_id", "hires": "ref",
           "followups": "participant_code"}
    for name, rows in cleans.items():
        for clean in rows:
            if clean.get(own[name]):
                want[name].add(clean[own[name]])
            for column, parent in (("business_id", "companies"), ("participant_code", "participants"),
                                   ("session_ref", "sessions")):
                if clean.get(column):
                    want[parent].add(clean[column])
    return want


_REFERENCED = {"participants": io_sql.referenced_participant_ids, "sessions": io_sql.referenced_session_ids}


def _check_locked(conn: Connection, plans: dict[str, _Plan], errors: _Errors) -> None:
    """DuckDB cannot set a foreign-key or indexed column of a record other rows reference: such a
    change is an error. Only the records an update would change that way are looked up (at
    national size, asking it of every participant a file names read their marks among 15 million)."""
    if conn.engine.dialect.name.startswith("postgres"):
        return
    for name, lookup in _REFERENCED.items():
        plan = plans.get(name)
        if plan is None or not plan.sets_locked:
            continue
        locked = lookup(conn, sorted({record_id for _, record_id, _ in plan.sets_locked}))
        for number, record_id, cells in plan.sets_locked:
            if record_id in locked:
                for column, value in cells:
                    errors.add(name, number, column, value, "workbook.error.locked_reference")


def _plan(name: str, items: list[_Checked], stored: dict[tuple, dict[str, Any]], present: set[str],
          may_write: bool, errors: _Errors) -> _Plan:
    """Compare each file row with the stored row of its key: add, update or leave alone. Only the
    columns the sheet holds are compared (a missing column changes nothing)."""
    plan = _Plan()
    columns = [c for c in SHEETS[name] if c not in KEYS[name] and c in present]
    for item in items:
        row, clean = item.row, item.clean
        old = stored.get(_key(name, clean))
        if old is None:
            plan.added.append(clean)
            continue
        changed = tuple(c for c in columns if clean.get(c) != old.get(c))
        if not changed:
            plan.unchanged += 1
            continue
        if not may_write:
            errors.add(name, row.number, KEYS[name][0], row.values.get(KEYS[name][0]), NOT_YOURS)
        cells = [(c, row.values.get(c)) for c in changed if c in _LOCKED_WHEN_REFERENCED.get(name, ())]
        if cells:
            plan.sets_locked.append((row.number, old["id"], cells))
        plan.updated.append((old, clean, changed))
        plan.updated_rows.append(row.number)
    return plan


# ---------------------------------------------------------------- writing

def _table_row(name: str, clean: dict[str, Any], ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    """A sheet row in table columns: natural keys resolved to ids."""
    row = dict(clean)
    if "business_id" in row and name != "companies":
        row["company_id"] = ids["companies"].get(row["business_id"]) if row["business_id"] else None
    if "coach" in row:
        row["coach_id"] = ids["users"].get(row["coach"]) if row["coach"] else None
    if "participant_code" in row:
        code = row["participant_code"]
        row["participant_id"] = ids["participants"].get(code) if code else None
    if "session_ref" in row:
        row["session_id"] = ids["sessions"].get(row["session_ref"])
    return row


_TABLE_COLUMN = {"business_id": "company_id", "coach": "coach_id", "participant_code": "participant_id",
                 "session_ref": "session_id"}


WRITE_CHUNK = 50_000
"""Rows of one sheet per write statement: the table rows and audit rows of one chunk are built,
written and dropped before the next, all in the import's one transaction (a million rows once held
every table row and audit row at once, and DuckDB a copy of each whole column as a bound array)."""

# The columns by which a sheet names a row of a parent sheet (a company's own business_id is its key).
_PARENT_COLUMNS = (("business_id", "companies"), ("participant_code", "participants"),
                   ("session_ref", "sessions"))


def _chunks(items: list[Any], size: int) -> Any:
    for start in range(0, len(items), max(1, size)):
        yield items[start:start + size]


def _named_parents(plans: dict[str, _Plan]) -> dict[str, set[str]]:
    """The companies, participants and sessions the rows to write point at: only their ids are read."""
    named: dict[str, set[str]] = {parent: set() for _, parent in _PARENT_COLUMNS}
    for name, plan in plans.items():
        columns = [(c, p) for c, p in _PARENT_COLUMNS if c in SHEETS[name] and p != name
                   and not (name == "companies" and c == "business_id")]
        if not columns:
            continue
        for clean in plan.added:
            for column, parent in columns:
                if clean.get(column):
                    named[parent].add(clean[column])
        for _, clean, _ in plan.updated:
            for column, parent in columns:
                if clean.get(column):
                    named[parent].add(clean[column])
    return named


def _write(conn: Connection, actor: Scope, plans: dict[str, _Plan]) -> None:
    """Write the plan sheet by sheet, parents first, WRITE_CHUNK rows per statement; the ids of the
    parents later sheets name are read once before and after each parent sheet."""
    ids: dict[str, dict[str, int]] = {"users": io_sql.user_ids(conn)}
    named = _named_parents(plans)
    for parent in ("companies", "participants", "sessions"):
        ids[parent] = io_sql.ids_by_key(conn, parent, sorted(named[parent]))
    marks = _new_session_marks(plans)
    for name in SHEETS:
        plan = plans.get(name)
        if plan is None:
            continue
        entity = _ENTITY[name]
        sessions: set[int] = set()  # attendance: the sessions whose totals of marks change
        for chunk in _chunks(plan.added, WRITE_CHUNK):
            rows = [_table_row(name, clean, ids) for clean in chunk]
            if name == "sessions":  # inserted with their totals: no second write of each new session
                for row in rows:
                    row.update(attendance_totals.counts(marks.get(row["ref"], ())))
            io_sql.insert_rows(conn, name, rows)
            io_sql.audit_rows(conn, actor.username, "import", entity,
                              [(_entity_id(name, clean), None, dict(clean)) for clean in chunk])
            if name == "attendance":
                sessions |= attendance_totals.by_session(rows)
        # One UPDATE per set of changed columns: DuckDB must not see an unchanged FK column set.
        groups: dict[tuple[str, ...], list[tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]]] = {}
        for update in plan.updated:
            groups.setdefault(tuple(_TABLE_COLUMN.get(c, c) for c in update[2]), []).append(update)
        for columns, updates in groups.items():
            for chunk in _chunks(updates, WRITE_CHUNK):
                rows = [{**_table_row(name, clean, ids), "id": old["id"]} for old, clean, _ in chunk]
                io_sql.update_rows(conn, name, columns, rows)
                if name == "attendance":
                    sessions |= attendance_totals.by_session(rows)
        if name == "attendance":  # the stored sessions whose marks changed are recounted
            new = {ids["sessions"][ref] for ref in marks if ref in ids["sessions"]}
            attendance_totals.refresh(conn, sessions - new)
        # Logged as "import" too, so the stale check tells an import's change from the app's.
        for chunk in _chunks(plan.updated, WRITE_CHUNK):
            io_sql.audit_rows(conn, actor.username, "import", entity,
                              [(_entity_id(name, clean), *audit.changed(old, {c: clean.get(c) for c in changed}))
                               for old, clean, changed in chunk])
        if name in named and plan.added:
            ids[name] = io_sql.ids_by_key(conn, name, sorted(named[name]))


def _new_session_marks(plans: dict[str, _Plan]) -> dict[str, list[str]]:
    """The marks (statuses) the file gives each session it adds, by ref: all of that session's
    marks, since no stored mark can name a session that does not exist yet. Sessions added without
    marks are here too (an empty list: totals of zero)."""
    added = plans.get("sessions")
    if added is None or not added.added:
        return {}
    marks: dict[str, list[str]] = {clean["ref"]: [] for clean in added.added}
    attendance = plans.get("attendance")
    for clean in attendance.added if attendance is not None else ():
        statuses = marks.get(clean["session_ref"])
        if statuses is not None:
            statuses.append(clean["status"])
    return marks


def _entity_id(name: str, clean: dict[str, Any]) -> str:
    return "/".join(v.isoformat() if isinstance(v, date) else str(v) for v in
                    (clean.get(k) for k in KEYS[name]))


def import_workbook(engine: Engine, path: Path | str, actor: Scope, dry_run: bool = False,
                    lang: str = "fi", overwrite: bool = False) -> ImportResult:
    """Validate the whole file as ``actor`` may change it and, when it has no error and this is no
    dry run, write it. ``overwrite`` applies rows whose records changed after the export.

    All or nothing in one transaction: with any error nothing is written.
    """
    try:
        wb = read_workbook(path)
    except WorkbookFileError as exc:
        return ImportResult([RowError("", 0, "", "", exc.key, exc.params)], {}, dry_run, False)
    if dry_run:
        with engine.connect() as conn:
            report = validate(conn, wb, lang, actor, overwrite)
            conn.rollback()
        # A dry run reads the stored records it compares with: on record, with the file and counts.
        with db.transaction(engine) as conn:
            audit.record(conn, actor, "read", "import_dry_run", Path(path).name[:64],
                         after={"counts": report.counts, "errors": len(report.errors)})
        return ImportResult(report.errors, report.counts, True, False)
    with db.transaction(engine) as conn:
        report = validate(conn, wb, lang, actor, overwrite)
        if report.errors:
            return ImportResult(report.errors, {}, False, False)
        _write(conn, actor, report.plans)
    return ImportResult([], report.counts, False, True)


# ---------------------------------------------------------------- export

def _export_value(column: str, value: Any, fmt: str) -> Any:
    if value is None:
        return "" if fmt == "csv" else None
    if column in _BOOLEANS:
        return "yes" if value else "no"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat() if fmt == "csv" else value
    if isinstance(value, Decimal):
        return str(value) if fmt == "csv" else value
    if isinstance(value, (int, float)):
        return str(value) if fmt == "csv" else value
    return neutralise(str(value))


def export_rows(conn: Connection, scope: Scope) -> dict[str, list[list[Any]]]:
    """Every sheet as rows of stored values in the sheet's column order (stable order)."""
    return {name: [[r.get(c) for c in SHEETS[name]] for r in io_sql.sheet_rows(conn, name, scope)]
            for name in SHEETS}


def export_workbook(conn: Connection, scope: Scope, path: Path | str, fmt: str = "xlsx") -> dict[str, int]:
    """Write the workbook (xlsx, or a folder of <sheet>.csv); returns the row count per sheet."""
    if fmt not in ("xlsx", "csv"):
        raise ValueError(fmt)
    path = Path(path)
    # Taken before the rows are read: a change made while they are read counts as after the export.
    exported_at = db.utcnow().replace(tzinfo=timezone.utc).isoformat()
    about = [["key", "value"], ["format", FORMAT], ["exported_at", exported_at]]
    data = export_rows(conn, scope)
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        with (path / f"{ABOUT}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(about)
        for name, rows in data.items():
            with (path / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(SHEETS[name])
                for row in rows:
                    writer.writerow([_export_value(c, v, "csv") for c, v in zip(SHEETS[name], row)])
    else:
        book = openpyxl.Workbook(write_only=True)
        for name, rows in data.items():
            ws = book.create_sheet(name)
            ws.append(SHEETS[name])
            for row in rows:
                cells = []
                for column, value in zip(SHEETS[name], row):
                    value = _export_value(column, value, "xlsx")
                    if isinstance(value, date):
                        cell = WriteOnlyCell(ws, value=value)
                        cell.number_format = "yyyy-mm-dd"
                        value = cell
                    cells.append(value)
                ws.append(cells)
        ws = book.create_sheet(ABOUT)  # last: the first sheet stays the companies
        for pair in about:
            ws.append(pair)
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    audit.record(conn, scope, "export", "workbook", None, after={n: len(r) for n, r in data.items()},
                 reason=fmt)
    return {name: len(rows) for name, rows in data.items()}


def template_bytes(lang: str = "fi") -> bytes:
    """The empty workbook: per sheet a header row (key columns bold) and a translated help row."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    italic = Font(italic=True, color="666666")
    for name, columns in SHEETS.items():
        ws = book.create_sheet(name)
        ws.append(list(columns))
        ws.append([help_text(name, c, lang) for c in columns])
        for i, column in enumerate(columns, start=1):
            if column in KEYS[name]:
                ws.cell(row=1, column=i).font = bold
            ws.cell(row=2, column=i).font = italic
            ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(14, len(column) + 4)
        ws.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
