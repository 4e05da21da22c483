"""Reading the pilot workbook (shared/spec/DATA-FILES.md): an .xlsx, a folder or a .zip of CSV.

``read_workbook`` turns a file into rows that keep the row number the spreadsheet shows. It never
validates a value; ``pilot.workbook`` does that. A file it cannot read is a ``WorkbookFileError``
with one message key.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from pilot.domain.validation import is_blank
from pilot.i18n import LANGUAGES, catalogue, t

# Sheets in write order (parents first), their columns, key columns and optional columns.
SHEETS: dict[str, tuple[str, ...]] = {
    "companies": ("business_id", "name", "industry", "size_class", "joined_on", "left_on",
                  "contact_name", "contact_email"),
    "participants": ("code", "business_id", "enrolled_on", "exited_on", "first_language", "job_title",
                     "occupation_code", "share_with_employer", "coach", "display_name"),
    "sessions": ("ref", "business_id", "held_on", "minutes", "kind", "mode", "coach", "topics", "notes"),
    "attendance": ("session_ref", "participant_code", "status"),
    "adaptations": ("ref", "business_id", "participant_code", "type", "description", "proposed_on",
                    "agreed_on", "in_use_on", "evaluated_on", "dropped_on", "effect", "owner"),
    "assessments": ("participant_code", "skill", "assessed_on", "source", "level"),
    "employment": ("participant_code", "effective_on", "status", "weekly_hours", "subsidised",
                   "employer_business_id"),
    "feedback": ("business_id", "given_on", "score", "comment"),
    "costs": ("ref", "incurred_on", "category", "amount_eur", "description", "business_id"),
}
# The export's own sheet (key, value rows: format, exported_at); pilot.workbook reads its meaning.
ABOUT = "about"
_READ = frozenset(SHEETS) | {ABOUT}
_ESCAPED_FORMULA = re.compile(r"^'+[=+\-@]")


class WorkbookFileError(Exception):
    """The file cannot be read as a pilot workbook; ``key`` is the i18n message."""

    def __init__(self, key: str, **params: Any):
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    values: dict[str, Any]


@dataclass
class Sheet:
    name: str
    columns: list[str]
    rows: list[Row]
    help_row: bool = False


@dataclass
class Workbook:
    sheets: dict[str, Sheet]
    about: dict[str, str] = field(default_factory=dict)  # empty: no about sheet (made by hand)


# ---------------------------------------------------------------- reading

def _cell(value: Any) -> Any:
    """One cell as the checks expect it; strips the apostrophe our export puts before formulas."""
    if isinstance(value, str):
        if _ESCAPED_FORMULA.match(value):
            value = value[1:]
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet(name: str, table: list[list[Any]]) -> Sheet | None:
    """Rows of one sheet: the header names the columns, blank rows are skipped, a help row too."""
    if not table:
        return Sheet(name, [], [])
    header = [str(h).strip().lower() if h is not None else "" for h in table[0]]
    rows: list[Row] = []
    for number, cells in enumerate(table[1:], start=2):
        values = {col: _cell(v) for col, v in zip(header, cells) if col}
        if all(is_blank(v) for v in values.values()):
            continue
        rows.append(Row(number, values))
    sheet = Sheet(name, [h for h in header if h], rows)
    if rows and rows[0].number == 2 and _is_help_row(name, rows[0].values):
        sheet.rows = rows[1:]
        sheet.help_row = True
    return sheet


def _is_help_row(sheet: str, values: dict[str, Any]) -> bool:
    """Every non-empty cell equals our help text of its column in some language."""
    filled = {c: v for c, v in values.items() if not is_blank(v)}
    if not filled:
        return False
    return all(str(v).strip() in _help_texts(sheet, c) for c, v in filled.items())


@lru_cache(maxsize=None)
def _help_texts(sheet: str, column: str) -> frozenset[str]:
    return frozenset(help_text(sheet, column, lang) for lang in LANGUAGES)


def help_text(sheet: str, column: str, lang: str) -> str:
    """The help row text of a column: a sheet-specific text if there is one, else the column's."""
    specific = f"workbook.help.{sheet}.{column}"
    return t(specific if specific in catalogue(lang) else f"workbook.help.{column}", lang)


def _csv_table(data: bytes) -> list[list[Any]]:
    text = data.decode("utf-8-sig")
    return [row for row in csv.reader(io.StringIO(text, newline=""))]


def read_workbook(path: Path | str) -> Workbook:
    """Read an .xlsx, a folder of <sheet>.csv or a .zip of them. Unknown sheets are ignored."""
    path = Path(path)
    tables: dict[str, list[list[Any]]] = {}
    try:
        if path.is_dir():
            for file in path.iterdir():
                if file.suffix.lower() == ".csv" and file.stem.lower() in _READ:
                    tables[file.stem.lower()] = _csv_table(file.read_bytes())
        elif path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    stem, _, ext = Path(info.filename).name.rpartition(".")
                    if ext.lower() == "csv" and stem.lower() in _READ:
                        tables[stem.lower()] = _csv_table(archive.read(info))
        elif path.suffix.lower() in (".xlsx", ".xlsm"):
            book = openpyxl.load_workbook(path, read_only=True, data_only=False)
            try:
                for ws in book.worksheets:
                    name = ws.title.strip().lower()
                    if name in _READ:
                        tables[name] = [list(r) for r in ws.iter_rows(values_only=True)]
            finally:
                book.close()
        elif not path.exists():
            raise WorkbookFileError("workbook.error.not_found", path=str(path))
        else:
            raise WorkbookFileError("workbook.error.format")
    except (UnicodeDecodeError, zipfile.BadZipFile, csv.Error, OSError, KeyError,
            InvalidFileException) as exc:
        if isinstance(exc, FileNotFoundError):
            raise WorkbookFileError("workbook.error.not_found", path=str(path)) from exc
        raise WorkbookFileError("workbook.error.unreadable") from exc
    about = _about(tables.pop(ABOUT, []))
    if not tables:
        raise WorkbookFileError("workbook.error.no_sheets")
    sheets = {name: _sheet(name, tables[name]) for name in SHEETS if name in tables}
    return Workbook({k: v for k, v in sheets.items() if v is not None}, about)


def _about(table: list[list[Any]]) -> dict[str, str]:
    """The about sheet's rows under its header (key, value) as text."""
    return {str(r[0]).strip(): "" if len(r) < 2 or r[1] is None else str(r[1]).strip()
            for r in table[1:] if r and r[0] is not None and str(r[0]).strip()}
