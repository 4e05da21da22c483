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
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy.engine import Connection, Engine

from pilot import db
from pilot.access import SYSTEM, Scope
from pilot.domain import codes, identifiers
from pilot.domain.formulas import neutralise  # noqa: F401  (one rule for every export and download)
from pilot.domain.validation import Checker, participant_fields
from pilot.i18n import label_lookup, t
from pilot.records import attendance_totals, audit
from pilot.records import workbook_io as io_sql
from pilot.workbook_read import (SHEETS, Row, Sheet, Workbook, WorkbookFileError,  # noqa: F401
                                 help_text, read_workbook)

# Key columns and optional columns of each sheet (SHEETS, in write order, is in pilot.workbook_read).
KEYS: dict[str, tuple[str, ...]] = {
    "companies": ("business_id",), "participants": ("code",), "sessions": ("ref",),
    "attendance": ("session_ref", "participant_code"), "adaptations": ("ref",),
    "assessments": ("participant_code", "skill", "assessed_on", "source"),
    "employment": ("participant_code", "effective_on"), "feedback": ("business_id", "given_on"),
    "costs": ("ref",),
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
}
_BOOLEANS = {"share_with_employer", "subsidised"}
_ENTITY = {"companies": "company", "participants": "participant", "sessions": "session",
           "attendance": "attendance", "adaptations": "adaptation", "assessments": "assessment",
           "employment": "employment", "feedback": "feedback", "costs": "cost"}
# DuckDB cannot change a foreign-key or indexed column of a row that other rows reference
# (migration 006 took held_on out of the sessions index, so a session's date stays editable).
_LOCKED_WHEN_REFERENCED = {"participants": ("business_id", "coach"),
                           "sessions": ("business_id", "coach")}


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
    unchanged: int = 0


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


_CHECKS: dict[str, Callable[[Checker], None]] = {
    "companies": _check_companies, "participants": _check_participants, "sessions": _check_sessions,
    "attendance": _check_attendance, "adaptations": _check_adaptations,
    "assessments": _check_assessments, "employment": _check_employment,
    "feedback": _check_feedback, "costs": _check_costs,
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


def _check_rows(wb: Workbook, errors: _Errors) -> dict[str, list[tuple[Row, dict[str, Any], bool]]]:
    """Each row's own checks; returns (row, clean values, row is valid) per sheet."""
    out: dict[str, list[tuple[Row, dict[str, Any], bool]]] = {}
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
            c = Checker(row.values)
            _CHECKS[name](c)
            problems = [p for p in c.problems if not (p.field in missing and p.key == "error.required")]
            for p in problems:
                errors.add(name, row.number, p.field, row.values.get(p.field), p.key, **p.params)
            key = tuple(c.clean.get(k) for k in KEYS[name])
            if all(k is not None for k in key):
                if key in seen:
                    errors.add(name, row.number, KEYS[name][0], row.values.get(KEYS[name][0]),
                               "workbook.error.duplicate_key", first=str(seen[key]))
                else:
                    seen[key] = row.number
            checked.append((row, c.clean, not problems))
        out[name] = checked
    return out


def validate(conn: Connection, wb: Workbook, lang: str = "fi") -> Report:
    """Check every row of the workbook and plan the import (nothing is written)."""
    errors = _Errors()
    checked = _check_rows(wb, errors)
    wanted = _wanted({name: [clean for _, clean, _ in rows] for name, rows in checked.items()})
    stored = {name: io_sql.sheet_rows(conn, name, SYSTEM, sorted(wanted[name])) for name in SHEETS}
    users = io_sql.user_ids(conn)

    def keyed(name: str, rows: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
        return {tuple(r[k] for k in KEYS[name]): r for r in rows}

    stored_by_key = {name: keyed(name, rows) for name, rows in stored.items()}
    file_by_key = {name: {tuple(clean.get(k) for k in KEYS[name]): clean for _, clean, _ in rows}
                   for name, rows in checked.items()}

    def known(sheet: str, value: Any) -> dict[str, Any] | None:
        """The row with this one-column key in the file, else in the database."""
        return file_by_key.get(sheet, {}).get((value,)) or stored_by_key[sheet].get((value,))

    for name, rows in checked.items():
        for row, clean, _ in rows:
            def bad(column: str, key: str, **params: Any) -> None:
                errors.add(name, row.number, column, row.values.get(column), key, **params)

            if clean.get("business_id") and name != "companies" and not known("companies", clean["business_id"]):
                bad("business_id", "error.unknown_company")
            if clean.get("coach") and clean["coach"] not in users:
                bad("coach", "error.unknown_coach")
            code = clean.get("participant_code")
            participant = known("participants", code) if code else None
            if code and participant is None:
                bad("participant_code", "workbook.error.unknown_participant")
            if name == "attendance" and clean.get("session_ref"):
                session = known("sessions", clean["session_ref"])
                if session is None:
                    bad("session_ref", "workbook.error.unknown_session")
                elif participant is not None and session.get("held_on") and participant.get("enrolled_on"):
                    held = session["held_on"]
                    exited = participant.get("exited_on")
                    if participant["enrolled_on"] > held or (exited is not None and exited < held):
                        bad("participant_code", "workbook.error.not_enrolled", held_on=held.strftime("%d.%m.%Y"))

    plans: dict[str, _Plan] = {}
    counts: dict[str, Counts] = {}
    if not errors.items:
        locked = _locked_ids(conn, stored)
        for name, rows in checked.items():
            plan = _plan(name, [(row, clean) for row, clean, _ in rows], stored_by_key[name],
                         locked.get(name), errors)
            plans[name] = plan
            counts[name] = Counts(len(plan.added), len(plan.updated), plan.unchanged)
    return Report(errors.sorted(), counts if not errors.items else {}, lang, plans)


def _wanted(cleans: dict[str, list[dict[str, Any]]]) -> dict[str, set[str]]:
    """Per sheet, the key values (io_sql.KEY_FILTER) of the stored rows a file can touch or name:
    its own keys, and the companies, participants and sessions its rows point at."""
    want: dict[str, set[str]] = {name: set() for name in SHEETS}
    own = {"companies": "business_id", "participants": "code", "sessions": "ref", "attendance": "session_ref",
           "adaptations": "ref", "assessments": "participant_code", "employment": "participant_code",
           "feedback": "business_id", "costs": "ref"}
    for name, rows in cleans.items():
        for clean in rows:
            if clean.get(own[name]):
                want[name].add(clean[own[name]])
            for column, parent in (("business_id", "companies"), ("participant_code", "participants"),
                                   ("session_ref", "sessions")):
                if clean.get(column):
                    want[parent].add(clean[column])
    return want


def _locked_ids(conn: Connection, stored: dict[str, list[dict[str, Any]]]) -> dict[str, set[int]]:
    if conn.engine.dialect.name.startswith("postgres"):
        return {}
    return {"participants": io_sql.referenced_participant_ids(conn, [r["id"] for r in stored["participants"]]),
            "sessions": io_sql.referenced_session_ids(conn, [r["id"] for r in stored["sessions"]])}


def _plan(name: str, rows: list[tuple[Row, dict[str, Any]]], stored: dict[tuple, dict[str, Any]],
          locked: set[int] | None, errors: _Errors) -> _Plan:
    """Compare each file row with the stored row of its key: add, update or leave alone."""
    plan = _Plan()
    columns = [c for c in SHEETS[name] if c not in KEYS[name]]
    for row, clean in rows:
        key = tuple(clean.get(k) for k in KEYS[name])
        old = stored.get(key)
        if old is None:
            plan.added.append(clean)
            continue
        changed = tuple(c for c in columns if clean.get(c) != old.get(c))
        if not changed:
            plan.unchanged += 1
            continue
        if locked is not None and old["id"] in locked:
            for column in changed:
                if column in _LOCKED_WHEN_REFERENCED.get(name, ()):
                    errors.add(name, row.number, column, row.values.get(column),
                               "workbook.error.locked_reference")
        plan.updated.append((old, clean, changed))
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


def _write(conn: Connection, actor: Scope, plans: dict[str, _Plan]) -> None:
    """Write the plan sheet by sheet, parents first; ids of new parents are read once after each."""
    ids: dict[str, dict[str, int]] = {"users": io_sql.user_ids(conn)}
    wanted = _wanted({name: [c for c in plan.added] + [c for _, c, _ in plan.updated]
                      for name, plan in plans.items()})
    for parent in ("companies", "participants", "sessions"):
        ids[parent] = io_sql.ids_by_key(conn, parent, sorted(wanted[parent]))
    for name in SHEETS:
        plan = plans.get(name)
        if plan is None:
            continue
        entity = _ENTITY[name]
        added = [_table_row(name, clean, ids) for clean in plan.added]
        io_sql.insert_rows(conn, name, added)
        io_sql.audit_rows(conn, actor.username, "import", entity,
                          [(_entity_id(name, clean), None, clean) for clean in plan.added])
        # One UPDATE per set of changed columns: DuckDB must not see an unchanged FK column set.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for old, clean, changed in plan.updated:
            row = _table_row(name, clean, ids)
            row["id"] = old["id"]
            groups.setdefault(tuple(_TABLE_COLUMN.get(c, c) for c in changed), []).append(row)
        for columns, rows in groups.items():
            io_sql.update_rows(conn, name, columns, rows)
        if name == "attendance":  # the sessions carry their totals of marks
            attendance_totals.refresh(conn, attendance_totals.by_session(
                added + [row for rows in groups.values() for row in rows]))
        io_sql.audit_rows(conn, actor.username, "update", entity,
                          [(_entity_id(name, clean), *audit.changed(old, {c: clean.get(c) for c in changed}))
                           for old, clean, changed in plan.updated])
        if name in ("companies", "participants", "sessions") and plan.added:
            ids[name] = io_sql.ids_by_key(conn, name, sorted(wanted[name]))


def _entity_id(name: str, clean: dict[str, Any]) -> str:
    return "/".join(v.isoformat() if isinstance(v, date) else str(v) for v in
                    (clean.get(k) for k in KEYS[name]))


def import_workbook(engine: Engine, path: Path | str, actor: Scope, dry_run: bool = False,
                    lang: str = "fi") -> ImportResult:
    """Validate the whole file and, when it has no error and this is no dry run, write it.

    All or nothing in one transaction: with any error nothing is written.
    """
    try:
        wb = read_workbook(path)
    except WorkbookFileError as exc:
        return ImportResult([RowError("", 0, "", "", exc.key, exc.params)], {}, dry_run, False)
    if dry_run:
        with engine.connect() as conn:
            report = validate(conn, wb, lang)
            conn.rollback()
        return ImportResult(report.errors, report.counts, True, False)
    with db.transaction(engine) as conn:
        report = validate(conn, wb, lang)
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
    data = export_rows(conn, scope)
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
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
