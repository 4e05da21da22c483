"""Property: whatever is done to a valid workbook, the import refuses it in sentences or imports it.

Hypothesis mutates a valid workbook (a cell, a header, the zip structure, raw bytes) in each of
its forms (a zip of CSV, an xlsx with inline strings, an xlsx with shared strings). The import
must return: either refused, every error a translated sentence that names sheet and row (or one
file-level sentence), and the database exactly as before; or imported. Never a traceback.
Derandomized, so CI runs the same examples every time.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from pilot import db, workbook
from pilot.access import SYSTEM
from pilot.i18n import LANGUAGES, catalogue
from tests.workbook_files import (csv_bytes, members, patch_zip_headers, rezip, shared_strings, small, snapshot,
                                  xlsx_bytes)

FUZZ = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

NASTY = ["inf", "NaN", "1e999999", "9" * 400, "-0", "２０２４-03-05", "٤٥", "S-1\u200b", "\x00", "\x1b[2J",
         "=1+2", "'=x", "131052-308T", "\ud800", "\ufffe", "", " ", "\t", "a" * 5000, "1,5", "45.0", "yes"]


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        eng = db.make_engine(str(Path(folder) / "fuzz.duckdb"))
        db.migrate(eng)
        yield eng
        eng.dispose()
        db.dispose_shared()


def check(engine: Engine, data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"book{suffix}"
        path.write_bytes(data)
        before = snapshot(engine)
        result = workbook.import_workbook(engine, path, SYSTEM)
    if result.ok:
        assert result.written
        return
    assert not result.written and snapshot(engine) == before
    assert result.errors
    file_level = [e for e in result.errors if e.sheet == ""]
    if file_level:
        assert len(result.errors) == 1
    for e in result.errors:
        assert all(e.key in catalogue(lang) for lang in LANGUAGES), e.key
        if e.sheet:
            assert e.sheet in workbook.SHEETS or e.sheet == "about"
            assert e.row >= 0
        for lang in LANGUAGES:
            assert e.line(lang).strip()


def _data_with(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    data = small()
    for _ in range(draw(st.integers(0, 3))):
        sheet = draw(st.sampled_from(sorted(data)))
        row = draw(st.integers(0, len(data[sheet]) - 1))
        column = draw(st.sampled_from(workbook.SHEETS[sheet]))
        value = draw(st.one_of(st.sampled_from(NASTY), st.text(max_size=30),
                               st.integers(-10**20, 10**20).map(str),
                               st.floats(allow_nan=True, allow_infinity=True).map(repr)))
        data[sheet][row][column] = value
    return data


@st.composite
def csv_zips(draw: st.DrawFn) -> bytes:
    data = _data_with(draw)
    parts = {f"{sheet}.csv": csv_bytes(sheet, rows) for sheet, rows in data.items()}
    if draw(st.booleans()):  # the header: a column renamed, dropped or doubled
        sheet = draw(st.sampled_from(sorted(parts)))
        header, _, rest = parts[sheet].partition(b"\r\n")
        names = header.split(b",")
        i = draw(st.integers(0, len(names) - 1))
        how = draw(st.sampled_from(["rename", "drop", "double", "blank"]))
        if how == "rename":
            names[i] = draw(st.text(max_size=12)).encode("utf-8", "surrogatepass")
        elif how == "drop":
            del names[i]
        elif how == "double":
            names.append(names[i])
        else:
            names[i] = b""
        parts[sheet] = b",".join(names) + b"\r\n" + rest
    return rezip(parts)


@st.composite
def xlsx_files(draw: st.DrawFn) -> bytes:
    data = _data_with(draw)
    parts = members(xlsx_bytes({s: [{k: _safe_for_openpyxl(v) for k, v in r.items()} for r in rows]
                                for s, rows in data.items()}))
    if draw(st.booleans()):
        shared_strings(parts)
    if draw(st.booleans()):  # a part of the package damaged, dropped or replaced
        name = draw(st.sampled_from(sorted(parts)))
        how = draw(st.sampled_from(["drop", "truncate", "junk", "dtd"]))
        if how == "drop":
            del parts[name]
        elif how == "truncate":
            parts[name] = parts[name][: draw(st.integers(0, len(parts[name])))]
        elif how == "junk":
            parts[name] = draw(st.binary(max_size=200))
        else:
            parts[name] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>' + parts[name]
    return rezip(parts)


def _safe_for_openpyxl(value: Any) -> Any:
    """openpyxl refuses to write control characters and surrogates: keep those for the CSV path."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " and not "\ud800" <= ch <= "\udfff") or None
    return value


@st.composite
def damaged(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    """Raw damage on top of a file: bytes flipped, the end cut off, or zip headers changed."""
    data = bytearray(draw(base))
    how = draw(st.sampled_from(["flip", "cut", "flags", "method", "none"]))
    if how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif how == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "flags":
        data = bytearray(patch_zip_headers(bytes(data), flag_bits=draw(st.sampled_from([1, 8, 0x41]))))
    elif how == "method":
        data = bytearray(patch_zip_headers(bytes(data), method=draw(st.sampled_from([0, 1, 9, 12, 14, 99]))))
    return bytes(data)


@FUZZ
@given(data=csv_zips())
def test_a_zip_of_csv_with_changed_cells_and_headers(engine: Engine, data: bytes) -> None:
    check(engine, data, ".zip")


@FUZZ
@given(data=xlsx_files())
def test_an_xlsx_with_changed_cells_and_parts(engine: Engine, data: bytes) -> None:
    check(engine, data, ".xlsx")


@FUZZ
@given(data=damaged(st.one_of(csv_zips(), xlsx_files())), suffix=st.sampled_from([".zip", ".xlsx"]))
def test_damaged_bytes(engine: Engine, data: bytes, suffix: str) -> None:
    check(engine, data, suffix)


def test_the_fuzzed_base_files_import() -> None:
    """The mutations start from files that import cleanly (else the property proves little)."""
    with tempfile.TemporaryDirectory() as folder:
        eng = db.make_engine(str(Path(folder) / "base.duckdb"))
        db.migrate(eng)
        for suffix, data in ((".zip", rezip({f"{s}.csv": csv_bytes(s, r) for s, r in small().items()})),
                             (".xlsx", xlsx_bytes(small()))):
            path = Path(folder) / f"base{suffix}"
            path.write_bytes(data)
            result = workbook.import_workbook(eng, path, SYSTEM)
            assert result.ok, result.lines("en")
        parts = members(xlsx_bytes(small()))
        shared_strings(parts)
        (Path(folder) / "shared.xlsx").write_bytes(rezip(parts))
        assert workbook.import_workbook(eng, Path(folder) / "shared.xlsx", SYSTEM).ok
        eng.dispose()
