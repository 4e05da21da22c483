"""Reading the pilot workbook (shared/spec/DATA-FILES.md): an .xlsx, a folder or a .zip of CSV.

``read_workbook`` turns a file into rows that keep the row number the spreadsheet shows. It never
validates a value; ``pilot.workbook`` does that. A file it cannot read is a ``WorkbookFileError``
with one message key.
"""
from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

from pilot.domain.formulas import unescape
from pilot.domain.numbers import NumberError, parse_stored_number
from pilot.domain.text import TextError, check_key, clean_text, visible
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
    "employer_surveys": ("business_id", "answered_on", "readiness", "planned_hires_12m", "comment"),
    "hires": ("ref", "business_id", "hired_on", "contract", "weekly_hours", "participant_code", "occupation_code"),
    "followups": ("participant_code", "contacted_on", "reached", "status", "weekly_hours", "subsidised", "source",
                  "notes"),
}


class WorkbookFileError(Exception):
    """The file cannot be read as a pilot workbook; ``key`` is the i18n message."""

    def __init__(self, key: str, **params: Any):
        super().__init__(key)
        self.key = key
        self.params = params


# Free text keeps any letter (clean_text); every other column is a key, code, date or number (check_key).
FREE_TEXT = frozenset({"name", "contact_name", "job_title", "display_name", "topics", "notes",
                       "description", "comment", "owner"})

# ---------------------------------------------------------------- limits (DATA-FILES.md "Limits")

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""A file, or one archive member, that unpacks past this is refused before it is read."""
MAX_TOTAL_BYTES = 400 * 1024 * 1024
"""All the members read from one archive together (an xlsx's sheets and shared strings too)."""
MAX_ROWS = 2_000_000
"""Rows of one sheet below its header; the next one is refused while streaming."""
MAX_MEMBERS = 1000
"""Entries of an archive; counted from its end record before zipfile reads the directory."""
MAX_LINE_CHARS = 1_000_000
"""One physical line of a CSV file (a field itself stops at the csv module's 131 072)."""
MAX_COLUMNS = 200
"""Named columns in a header row (a sheet of the pilot has at most twelve)."""
_CHUNK = 1 << 16
_INTERN_CHARS = 40  # short texts (codes, dates, Y-tunnus) repeat: keep one copy of each
_INTERN_DISTINCT = 50_000  # a column with more distinct values is a key column: stop keeping copies


class Row:
    """One row as the spreadsheet numbers it (the header is row 1).

    The cells are kept as a tuple beside the sheet's one tuple of column names: a million rows
    then cost a tuple each instead of a dict each. ``values`` builds the dict on demand.
    ``refused`` maps a column to the message key of a cell that broke the text rule.
    """

    __slots__ = ("number", "_columns", "_cells", "refused")

    def __init__(self, number: int, values: dict[str, Any] | None = None, *,
                 columns: tuple[str, ...] = (), cells: tuple[Any, ...] = (),
                 refused: dict[str, str] | None = None):
        if values is not None:
            columns, cells = tuple(values), tuple(values.values())
        self.number = number
        self._columns = columns
        self._cells = cells
        self.refused: dict[str, str] = refused or _NO_REFUSALS

    @property
    def values(self) -> dict[str, Any]:
        return dict(zip(self._columns, self._cells))

    def __repr__(self) -> str:
        return f"Row({self.number}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and (self.number, self.values) == (other.number, other.values)


_NO_REFUSALS: dict[str, str] = {}


@dataclass
class Sheet:
    name: str
    columns: list[str]
    rows: list[Row]
    help_row: bool = False


@dataclass
class Workbook:
    sheets: dict[str, Sheet]
    # The export's about sheet (key -> value: format, exported_at); empty for a file made by hand.
    about: dict[str, str] = field(default_factory=dict)


ABOUT = "about"  # not a data sheet: pilot.workbook reads its meaning (the stale-workbook check)
_READ = frozenset(SHEETS) | {ABOUT}


# ---------------------------------------------------------------- one sheet, row by row

class _SheetBuilder:
    """Turns a header and rows of raw cells into a Sheet: blank rows and a help row skipped,
    text rules applied to each cell, the row limit counted as the rows stream in."""

    def __init__(self, name: str):
        self.name = name
        self.sheet = Sheet(name, [], [])
        self.columns: tuple[str, ...] = ()
        self.positions: tuple[int, ...] = ()
        self.kinds: tuple[bool, ...] = ()  # True: free text
        self.seen = 0
        self.has_header = False
        self._intern: list[dict[str, str] | None] = []

    def header(self, cells: list[Any]) -> None:
        names = [str(h).strip().lower() if h is not None else "" for h in cells]
        named = [n for n in names if n]
        if len(named) > MAX_COLUMNS:
            raise WorkbookFileError("importlimits.too_many_columns", sheet=self.name, max=MAX_COLUMNS)
        last = {n: i for i, n in enumerate(names) if n}  # a repeated name: the last one counts
        self.columns = tuple(last)
        self.positions = tuple(last.values())
        self.kinds = tuple(c in FREE_TEXT for c in self.columns)
        self._intern = [{} for _ in self.columns]
        self.sheet.columns = named
        self.has_header = True

    def row(self, number: int, cells: list[Any] | dict[int, Any]) -> None:
        self.seen += 1
        if self.seen > MAX_ROWS:
            raise WorkbookFileError("importlimits.too_many_rows", sheet=self.name, max=MAX_ROWS)
        if isinstance(cells, dict):
            raw = [cells.get(p) for p in self.positions]
        else:
            raw = [cells[p] if p < len(cells) else None for p in self.positions]
        if all(is_blank(v) for v in raw):
            return
        if number == 2 and not self.sheet.rows and _is_help_row(self.name, dict(zip(self.columns, raw))):
            self.sheet.help_row = True
            return
        refused: dict[str, str] | None = None
        out = []
        for i, (column, free, value) in enumerate(zip(self.columns, self.kinds, raw)):
            if isinstance(value, str):
                try:
                    value = self._text(value, free, i)
                except TextError as exc:
                    refused = refused or {}
                    refused[column] = exc.key
                    value = visible(value)[:200]
            out.append(value)
        self.sheet.rows.append(Row(number, columns=self.columns, cells=tuple(out), refused=refused))

    def _text(self, value: str, free: bool, position: int) -> str | None:
        value = unescape(value)  # the apostrophe our export puts before a formula (domain/formulas.py)
        value = clean_text(value) if free else check_key(value)
        if value == "" or value.isspace():
            return None
        seen = self._intern[position]
        if seen is not None and len(value) <= _INTERN_CHARS:
            value = seen.setdefault(value, value)
            if len(seen) > _INTERN_DISTINCT:  # unique values (refs, codes): copies save nothing
                self._intern[position] = None
        return value


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


# ---------------------------------------------------------------- archives

class _Archive:
    """A zip read member by member, each checked and capped before a byte of it is unpacked."""

    def __init__(self, path: Path):
        with path.open("rb") as fp:
            end = zipfile._EndRecData(fp)  # the end record alone: the directory is not read yet
        if end is None:
            raise WorkbookFileError("importlimits.damaged")
        if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_MEMBERS or end[zipfile._ECD_SIZE] > MAX_MEMBERS * 1024:
            raise WorkbookFileError("importlimits.too_many_files", max=MAX_MEMBERS)
        self.zip = zipfile.ZipFile(path)
        self.names = {info.filename: info for info in self.zip.infolist()}
        self.total = 0

    def open(self, info: zipfile.ZipInfo) -> IO[bytes]:
        if info.flag_bits & 0x1:
            raise WorkbookFileError("importlimits.encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookFileError("importlimits.compression")
        _check_size(info.file_size, Path(info.filename).name)
        self.total += info.file_size
        if self.total > MAX_TOTAL_BYTES:
            raise WorkbookFileError("importlimits.too_big", name=Path(info.filename).name,
                                    mb=MAX_TOTAL_BYTES // (1024 * 1024))
        # zipfile stops at the size the directory states; a member that holds more fails its CRC.
        return self.zip.open(info)

    def close(self) -> None:
        self.zip.close()


def _check_size(size: int, name: str) -> None:
    if size > MAX_UNPACKED_BYTES:
        raise WorkbookFileError("importlimits.too_big", name=name, mb=MAX_UNPACKED_BYTES // (1024 * 1024))


# ---------------------------------------------------------------- CSV

def _read_csv(stream: IO[bytes], builder: _SheetBuilder) -> None:
    """Stream one CSV file into the builder, never holding more than one line of it."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    records = 0

    def lines() -> Iterator[str]:
        while True:
            line = text.readline(MAX_LINE_CHARS + 1)
            if not line:
                return
            if len(line) > MAX_LINE_CHARS:
                raise WorkbookFileError("importlimits.line_too_long", sheet=builder.name, row=records + 1)
            yield line

    for cells in csv.reader(lines()):
        records += 1
        if records == 1:
            builder.header(cells)
        else:
            builder.row(records, cells)


# ---------------------------------------------------------------- xlsx

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_ROW_NUMBER = re.compile(r"[0-9]{1,7}")
_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_EXCEL_EPOCH = date(1899, 12, 30)
_MAC_EPOCH = date(1904, 1, 1)
_LAST_SERIAL = 2958465  # 9999-12-31


@lru_cache(maxsize=1024)  # a package uses a few dozen tag names, millions of times
def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


def _unescape(text: str) -> str:
    """Excel writes a character XML cannot hold as _xHHHH_ (the text rules then judge it)."""
    return _XML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _forbid_dtd(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(name: str, *args: Any) -> None:
    raise EntitiesForbidden(name, None, None, None, None, None)


def _forbid_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> None:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _parse(archive: _Archive, name: str, target: Any) -> None:
    """Feed one archive member, chunk by chunk, to an expat parser that calls ``target``.

    The parser refuses a DTD, any entity declaration and any external reference with
    defusedxml's own handlers and exceptions (what its ``forbid_dtd=True`` parser sets), but
    calls the target directly instead of through ElementTree's pure-Python wrapper (a quarter
    less time on a large sheet). Names come as ``namespace}local``.
    """
    info = archive.names.get(name)
    if info is None:
        raise WorkbookFileError("importlimits.damaged")
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _forbid_dtd
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_entity
    parser.ExternalEntityRefHandler = _forbid_external
    parser.StartElementHandler = target.start
    parser.EndElementHandler = target.end
    parser.CharacterDataHandler = target.data
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


class _Collect:
    """Target that records (tag, attributes) of start tags, for the small parts of a package."""

    def __init__(self, wanted: set[str]):
        self.wanted = wanted
        self.found: list[tuple[str, dict[str, str]]] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if _local(tag) in self.wanted and len(self.found) < 100_000:
            self.found.append((_local(tag), attrib))

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def _relations(archive: _Archive, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, archive path) of a part, from its .rels file."""
    folder, _, base = part.rpartition("/")
    rels = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    if rels not in archive.names:
        return {}
    found = _Collect({"Relationship"})
    _parse(archive, rels, found)
    out = {}
    for _, attrib in found.found:
        target = attrib.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[attrib.get("Id", "")] = (attrib.get("Type", ""), path)
    return out


class _Strings:
    """The shared strings, each kept once."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._parts: list[str] | None = None
        self._in_t = False
        self._phonetic = 0
        self._intern: dict[str, str] = {}

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name == "si":
            self._parts = []
        elif name == "rPh":
            self._phonetic += 1
        elif name == "t" and self._parts is not None and not self._phonetic:
            self._in_t = True

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "t":
            self._in_t = False
        elif name == "rPh":
            self._phonetic -= 1
        elif name == "si" and self._parts is not None:
            text = _unescape("".join(self._parts))
            self.items.append(self._intern.setdefault(text, text) if len(text) <= _INTERN_CHARS else text)
            self._parts = None

    def data(self, text: str) -> None:
        if self._in_t and self._parts is not None:
            self._parts.append(text)

    def close(self) -> None:
        pass


class _Styles:
    """Which cell styles (the s attribute, an index into cellXfs) show a date."""

    def __init__(self) -> None:
        self.formats: dict[str, str] = {}
        self.xf_formats: list[str] = []
        self._in_xfs = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name == "numFmt":
            self.formats[attrib.get("numFmtId", "")] = attrib.get("formatCode", "")
        elif name == "cellXfs":
            self._in_xfs = True
        elif name == "xf" and self._in_xfs:
            self.xf_formats.append(attrib.get("numFmtId", "0"))

    def end(self, tag: str) -> None:
        if _local(tag) == "cellXfs":
            self._in_xfs = False

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass

    def date_styles(self) -> list[bool]:
        out = []
        for format_id in self.xf_formats:
            code = self.formats.get(format_id)
            if code is None and _ROW_NUMBER.fullmatch(format_id):
                code = BUILTIN_FORMATS.get(int(format_id))
            out.append(bool(code) and is_date_format(code))
        return out


class _SheetReader:
    """Streams one worksheet's rows into a builder: no cell is kept beyond its row."""

    def __init__(self, builder: _SheetBuilder, strings: list[str], date_styles: list[bool], epoch: date):
        self.builder = builder
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = epoch
        self.row_number = 0
        self.cells: dict[int, Any] = {}
        self.column = -1
        self.cell: tuple[str | None, str | None] | None = None  # (type, style)
        self.texts: dict[str, list[str]] = {}
        self.collect: str | None = None
        self.wanted: frozenset[int] | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name == "c":
            ref = _CELL_REF.fullmatch(attrib.get("r", ""))
            self.column = _column_index(ref.group(1)) if ref else self.column + 1
            self.cell = (attrib.get("t"), attrib.get("s"))
            self.texts = {}
        elif name in ("v", "f", "t") and self.cell is not None:
            self.collect = name
            self.texts.setdefault(name, [])
        elif name == "row":
            number = attrib.get("r", "")
            self.row_number = int(number) if _ROW_NUMBER.fullmatch(number) else self.row_number + 1
            self.cells = {}
            self.column = -1
        elif name == "rPh":
            self.collect = None

    def data(self, text: str) -> None:
        if self.collect is not None:
            self.texts[self.collect].append(text)

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name in ("v", "f", "t"):
            self.collect = None
        elif name == "c" and self.cell is not None:
            if self.wanted is None or self.column in self.wanted:
                self.cells[self.column] = self._value()
            self.cell = None
        elif name == "row":
            if not self.builder.has_header:
                width = max(self.cells, default=-1) + 1
                self.builder.header([self.cells.get(i) for i in range(width)])
                self.wanted = frozenset(self.builder.positions)
            else:
                self.builder.row(self.row_number, self.cells)

    def close(self) -> None:
        pass

    def _value(self) -> Any:
        kind, style = self.cell or (None, None)
        texts = {k: "".join(v) for k, v in self.texts.items()}
        if "f" in texts:  # formulas are not executed: the cell reads as its formula text
            return "=" + texts["f"]
        value = texts.get("v")
        if kind == "inlineStr":
            return _unescape(texts.get("t", ""))
        if value is None:
            return None
        if kind == "s":
            if not _ROW_NUMBER.fullmatch(value) or int(value) >= len(self.strings):
                raise WorkbookFileError("importlimits.damaged")
            return self.strings[int(value)]
        if kind in ("str", "e"):
            return _unescape(value)
        if kind == "b":
            return {"1": True, "0": False}.get(value, value)
        if kind == "d":  # an ISO date and time as text
            return value.partition("T")[0]
        try:
            number = parse_stored_number(value)
        except NumberError:
            return value  # the checks of its column refuse it as text, in its row
        if style is not None and _ROW_NUMBER.fullmatch(style) and int(style) < len(self.date_styles) \
                and self.date_styles[int(style)]:
            return self._date(number, value)
        return int(number) if number == number.to_integral_value() else number

    def _date(self, serial: Decimal, text: str) -> date | str:
        if not 0 < serial <= _LAST_SERIAL:
            return text
        days = int(serial)
        if self.epoch == _EXCEL_EPOCH and days < 60:
            days += 1  # Excel counts a 29 February 1900 that never was
        return self.epoch + timedelta(days=days)


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _read_xlsx(archive: _Archive) -> dict[str, Sheet]:
    root = _relations(archive, "")
    book = next((path for kind, path in root.values() if kind.endswith("/officeDocument")), "xl/workbook.xml")
    found = _Collect({"sheet", "workbookPr"})
    _parse(archive, book, found)
    relations = _relations(archive, book)
    epoch = _EXCEL_EPOCH
    sheets: list[tuple[str, str]] = []
    for tag, attrib in found.found:
        if tag == "workbookPr" and attrib.get("date1904", "").lower() in ("1", "true"):
            epoch = _MAC_EPOCH
        elif tag == "sheet":
            name = attrib.get("name", "").strip().lower()
            relation = relations.get(attrib.get(_REL_ID, ""))
            if name in _READ and relation is not None:
                sheets.append((name, relation[1]))
    if not sheets:
        return {}
    strings = _Strings()
    styles = _Styles()
    for kind, path in relations.values():
        if kind.endswith("/sharedStrings"):
            _parse(archive, path, strings)
        elif kind.endswith("/styles"):
            _parse(archive, path, styles)
    date_styles = styles.date_styles()
    out = {}
    for name, path in sheets:
        builder = _SheetBuilder(name)
        _parse(archive, path, _SheetReader(builder, strings.items, date_styles, epoch))
        out[name] = builder.sheet
    return out


# ---------------------------------------------------------------- the entry point

def read_workbook(path: Path | str) -> Workbook:
    """Read an .xlsx, a folder of <sheet>.csv or a .zip of them. Unknown sheets are ignored.

    Any file that breaks a limit or cannot be read is a WorkbookFileError with one message key;
    a cell that breaks the text rule is kept in its row's ``refused`` for the validation report.
    """
    path = Path(path)
    sheets: dict[str, Sheet] = {}
    try:
        if path.is_dir():
            for file in sorted(path.iterdir()):
                if file.suffix.lower() == ".csv" and file.stem.lower() in _READ and file.is_file():
                    _check_size(file.stat().st_size, file.name)
                    builder = _SheetBuilder(file.stem.lower())
                    with file.open("rb") as stream:
                        _read_csv(stream, builder)
                    sheets[builder.name] = builder.sheet
        elif path.suffix.lower() in (".zip", ".xlsx", ".xlsm"):
            if not path.is_file():
                raise FileNotFoundError(path)
            _check_size(path.stat().st_size, path.name)
            archive = _Archive(path)
            try:
                if path.suffix.lower() == ".zip":
                    for info in archive.names.values():
                        stem, _, ext = Path(info.filename).name.rpartition(".")
                        if ext.lower() == "csv" and stem.lower() in _READ:
                            builder = _SheetBuilder(stem.lower())
                            with archive.open(info) as stream:
                                _read_csv(stream, builder)
                            sheets[builder.name] = builder.sheet
                else:
                    sheets = _read_xlsx(archive)
            finally:
                archive.close()
        elif not path.exists():
            raise WorkbookFileError("workbook.error.not_found", path=str(path))
        else:
            raise WorkbookFileError("workbook.error.format")
    except DefusedXmlException as exc:
        raise WorkbookFileError("importlimits.dtd") from exc
    except (expat.ExpatError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise WorkbookFileError("importlimits.damaged") from exc
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise WorkbookFileError("workbook.error.not_found", path=str(path)) from exc
        raise WorkbookFileError("workbook.error.unreadable") from exc
    about = sheets.pop(ABOUT, None)
    if not sheets:
        raise WorkbookFileError("workbook.error.no_sheets")
    return Workbook({name: sheets[name] for name in SHEETS if name in sheets}, _about(about))


def _about(sheet: Sheet | None) -> dict[str, str]:
    """The about sheet's key and value columns as text."""
    if sheet is None:
        return {}
    pairs = ((r.values.get("key"), r.values.get("value")) for r in sheet.rows)
    return {str(k).strip(): "" if v is None else str(v).strip() for k, v in pairs if k is not None}
