"""Small valid pilot workbooks as files (CSV folder, zip of CSV, xlsx) and ways to damage them.

Shared by tests/test_workbook_read.py and tests/test_workbook_fuzz.py.
"""
from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from pathlib import Path
from typing import Any, Callable

import openpyxl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot.domain.identifiers import business_id_check_digit
from pilot.workbook_read import SHEETS


def bid(n: int) -> str:
    while True:
        body = f"{n:07d}"
        check = business_id_check_digit(body)
        if check is not None:
            return f"{body}-{check}"
        n += 1


B1, B2 = bid(1000001), bid(2000001)


def small() -> dict[str, list[dict[str, Any]]]:
    """Companies, participants, sessions and attendance that import cleanly into an empty database."""
    return {
        "companies": [
            {"business_id": B1, "name": "Siivous Ähtäri Oy", "joined_on": "2024-01-15"},
            {"business_id": B2, "name": "مطعم Keittiö", "joined_on": "2024-02-01"},
        ],
        "participants": [
            {"code": "P-001", "business_id": B1, "enrolled_on": "2024-02-01", "first_language": "ar"},
            {"code": "P-002", "business_id": B2, "enrolled_on": "2024-02-01", "first_language": "so"},
        ],
        "sessions": [
            {"ref": "S-1", "business_id": B1, "held_on": "2024-03-05", "minutes": "90",
             "kind": "language_lesson", "mode": "onsite", "topics": "Työturvallisuus\nja sanasto"},
            {"ref": "S-2", "business_id": B2, "held_on": "2024-04-10", "minutes": "45",
             "kind": "on_the_job", "mode": "remote"},
        ],
        "attendance": [
            {"session_ref": "S-1", "participant_code": "P-001", "status": "present"},
            {"session_ref": "S-2", "participant_code": "P-002", "status": "absent"},
        ],
    }


def csv_bytes(sheet: str, rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    columns = list(SHEETS[sheet])
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def write_folder(data: dict[str, list[dict[str, Any]]], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, rows in data.items():
        (folder / f"{sheet}.csv").write_bytes(csv_bytes(sheet, rows))
    return folder


def write_zip(data: dict[str, list[dict[str, Any]]], path: Path,
              compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for sheet, rows in data.items():
            archive.writestr(f"{sheet}.csv", csv_bytes(sheet, rows))
    return path


def xlsx_bytes(data: dict[str, list[dict[str, Any]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, rows in data.items():
        ws = book.create_sheet(sheet)
        columns = list(SHEETS[sheet])
        ws.append(columns)
        for row in rows:
            ws.append([row.get(c) for c in columns])
    out = io.BytesIO()
    book.save(out)
    parts = members(out.getvalue())
    parts.pop("docProps/core.xml", None)  # it holds the time of saving: the bytes must not change per run
    return rezip(parts)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, body in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), body, compression)
    return out.getvalue()


def sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    """The archive path of a sheet's XML in an openpyxl-written xlsx (sheets in data order)."""
    names = [n for n in parts if n.startswith("xl/worksheets/sheet")]
    book = parts["xl/workbook.xml"].decode()
    order = [chunk.split('"', 1)[0] for chunk in book.split('<sheet name="')[1:]]
    return sorted(names, key=lambda n: int(n[len("xl/worksheets/sheet"):-4]))[order.index(sheet)]


def patch_zip_headers(data: bytes, flag_bits: int | None = None, method: int | None = None) -> bytes:
    """Set the flag bits or the compression method of every entry, in local and central headers."""
    raw = bytearray(data)
    pos = 0
    while (pos := raw.find(b"PK\x03\x04", pos)) != -1:
        if flag_bits is not None:
            struct.pack_into("<H", raw, pos + 6, flag_bits)
        if method is not None:
            struct.pack_into("<H", raw, pos + 8, method)
        pos += 4
    pos = 0
    while (pos := raw.find(b"PK\x01\x02", pos)) != -1:
        if flag_bits is not None:
            struct.pack_into("<H", raw, pos + 8, flag_bits)
        if method is not None:
            struct.pack_into("<H", raw, pos + 10, method)
        pos += 4
    return bytes(raw)


def zip_with_member(path: Path, name: str, size: int, fill: bytes = b"a",
                    prefix: bytes = b"", others: dict[str, bytes] | None = None) -> Path:
    """A zip whose member ``name`` unpacks to ``size`` bytes (a bomb: small on disk), streamed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for other, body in (others or {}).items():
            archive.writestr(other, body)
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(prefix)
            chunk = fill * (1 << 20)
            left = size - len(prefix)
            while left > 0:
                member.write(chunk[:left])
                left -= len(chunk)
    return path


TABLES = tuple(SHEETS)


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every workbook table and the audit log, to compare before and after."""
    with engine.connect() as conn:
        out = {}
        for table in (*TABLES, "audit_log"):
            out[table] = sorted(tuple(map(repr, r)) for r in conn.execute(sa.text(f"SELECT * FROM {table}")))
        return out


Patch = Callable[[dict[str, bytes]], None]


_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S)


def shared_strings(parts: dict[str, bytes]) -> None:
    """Turn every inline string of the sheets into a shared string, as Excel and LibreOffice write."""
    table: list[bytes] = []

    def swap(m: re.Match[bytes]) -> bytes:
        table.append(m.group(3))
        return b'<c %st="s"%s><v>%d</v></c>' % (m.group(1), m.group(2), len(table) - 1)

    for name in [n for n in parts if n.startswith("xl/worksheets/")]:
        parts[name] = _INLINE.sub(swap, parts[name])
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="%d" uniqueCount="%d">' % (len(table), len(table))
        + b"".join(b'<si><t xml:space="preserve">%s</t></si>' % s for s in table) + b"</sst>")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdS" /></Relationships>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
