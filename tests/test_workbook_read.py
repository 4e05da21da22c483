"""Reading a workbook never crashes, hangs or exhausts memory (issue 13, items 10, 11, 12).

Every bad file is refused in one sentence (a file-level error, or sheet/row/column errors) and
nothing is written; numbers are never converted before their text passed the length check.
"""
from __future__ import annotations

import decimal
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from pilot import workbook, workbook_read
from pilot.access import SYSTEM
from pilot.domain import numbers, text
from pilot.i18n import LANGUAGES, t
from tests.workbook_files import (B1, members, patch_zip_headers, rezip, shared_strings, sheet_part, small,
                                  snapshot, write_folder, write_zip, xlsx_bytes, zip_with_member)

MB = 1024 * 1024


def refused(engine: Engine, path: Path) -> list[workbook.RowError]:
    """Import the file; it must be refused with every error a translated sentence, nothing written."""
    before = snapshot(engine)
    result = workbook.import_workbook(engine, path, SYSTEM)
    assert not result.ok and not result.written
    assert snapshot(engine) == before
    for lang in LANGUAGES:
        for line in result.lines(lang):
            assert "Traceback" not in line and not line.startswith(("workbook.", "importlimits.", "text."))
    return result.errors


def file_error(engine: Engine, path: Path) -> str:
    errors = refused(engine, path)
    assert len(errors) == 1 and errors[0].sheet == "", errors
    return errors[0].key


def cell_errors(engine: Engine, path: Path) -> set[tuple[str, int, str, str]]:
    return {(e.sheet, e.row, e.column, e.key) for e in refused(engine, path)}


def write_xlsx(tmp_path: Path, data: dict, patch=None, name: str = "book.xlsx") -> Path:
    parts = members(xlsx_bytes(data))
    if patch:
        patch(parts)
    path = tmp_path / name
    path.write_bytes(rezip(parts))
    return path


def replace_in_sheet(sheet: str, old: bytes, new: bytes):
    def patch(parts: dict[str, bytes]) -> None:
        part = sheet_part(parts, sheet)
        assert old in parts[part]
        parts[part] = parts[part].replace(old, new, 1)
    return patch


@pytest.fixture
def decimal_inputs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the number parser hands to Decimal."""
    seen: list[str] = []
    real = decimal.Decimal

    class Meta(type):
        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, real)

    class Spy(metaclass=Meta):
        def __new__(cls, value: object = "0", context: object = None) -> decimal.Decimal:
            if isinstance(value, str):
                seen.append(value)
            return real(value, context)

    monkeypatch.setattr(numbers, "Decimal", Spy)
    return seen


# ---------------------------------------------------------------- 10. numbers

@pytest.mark.parametrize("minutes", ["inf", "NaN", "1e999999", "-inf", "9" * 5000, "1" + "0" * 40])
def test_number_cells_of_a_csv_are_refused_in_their_row_before_any_conversion(
        engine: Engine, tmp_path: Path, minutes: str, decimal_inputs: list[str]) -> None:
    data = small()
    data["sessions"][1]["minutes"] = minutes
    errors = cell_errors(engine, write_folder(data, tmp_path / "in"))
    assert errors == {("sessions", 3, "minutes", "error.integer")}
    assert all(len(s) <= numbers.MAX_CHARS for s in decimal_inputs)


@pytest.mark.parametrize("stored", [b"inf", b"NaN", b"1e999999", b"-1E+400", b"9" * 5000, b"\xef\xbc\x99\xef\xbc\x90"])
def test_numeric_xlsx_cells_are_read_from_ascii_digits_with_a_length_limit(
        engine: Engine, tmp_path: Path, stored: bytes, decimal_inputs: list[str]) -> None:
    data = small()
    data["sessions"][1]["minutes"] = 45
    path = write_xlsx(tmp_path, data, replace_in_sheet("sessions", b"<v>45</v>", b"<v>" + stored + b"</v>"))
    errors = cell_errors(engine, path)
    assert {e[:3] for e in errors} == {("sessions", 3, "minutes")}
    assert "error.integer" in {e[3] for e in errors}
    assert all(len(s) <= numbers.MAX_CHARS for s in decimal_inputs)


def test_numeric_xlsx_cells_in_exponent_form_and_date_serials_are_read(engine: Engine, tmp_path: Path) -> None:
    data = small()
    data["sessions"][1]["minutes"] = 45
    path = write_xlsx(tmp_path, data, replace_in_sheet("sessions", b"<v>45</v>", b"<v>4.5E1</v>"))
    wb = workbook_read.read_workbook(path)
    assert wb.sheets["sessions"].rows[1].values["minutes"] == 45
    from datetime import date
    data = small()
    data["companies"][0]["joined_on"] = date(2024, 1, 15)
    wb = workbook_read.read_workbook(write_xlsx(tmp_path, data, name="dates.xlsx"))
    assert wb.sheets["companies"].rows[0].values["joined_on"] == date(2024, 1, 15)


def test_a_date_serial_out_of_range_is_a_date_error_of_its_row(engine: Engine, tmp_path: Path) -> None:
    from datetime import date
    data = small()
    data["companies"][0]["joined_on"] = date(2024, 1, 15)
    path = write_xlsx(tmp_path, data, replace_in_sheet("companies", b"<v>45306</v>", b"<v>1e308</v>"))
    assert cell_errors(engine, path) == {("companies", 2, "joined_on", "error.date")}


# ---------------------------------------------------------------- 11. zip bombs and limits

@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip of CSV whose sessions.csv unpacks to just over 200 MB; about 200 KB on disk."""
    folder = tmp_path_factory.mktemp("bomb")
    header = b"ref,business_id,held_on,minutes,kind,mode\n"
    path = zip_with_member(folder / "bomb.zip", "sessions.csv", workbook_read.MAX_UNPACKED_BYTES + 1,
                           fill=b"S-1,x,2024-01-01,90,other,onsite,", prefix=header)
    assert path.stat().st_size < 2 * MB
    return path


def test_a_zip_bomb_is_refused_before_anything_is_read_into_memory(engine: Engine, bomb: Path) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(workbook_read.WorkbookFileError) as caught:
            workbook_read.read_workbook(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.key == "importlimits.too_big" and caught.value.params["name"] == "sessions.csv"
    assert peak < 5 * MB
    assert file_error(engine, bomb) == "importlimits.too_big"


def test_a_member_that_lies_about_its_size_is_refused_as_damaged(engine: Engine, tmp_path: Path) -> None:
    path = zip_with_member(tmp_path / "liar.zip", "companies.csv", 4 * MB, prefix=b"business_id,name,joined_on\n")
    raw = bytearray(path.read_bytes())
    cd = raw.rfind(b"PK\x01\x02")  # the central directory says how big the member unpacks: say 1000 bytes
    assert struct.unpack_from("<I", raw, cd + 24)[0] == 4 * MB
    struct.pack_into("<I", raw, cd + 24, 1000)
    path.write_bytes(bytes(raw))
    tracemalloc.start()
    try:
        assert file_error(engine, path) == "importlimits.damaged"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB


@pytest.mark.parametrize("member", ["sheet", "xl/sharedStrings.xml"])
def test_the_members_of_an_xlsx_have_the_same_cap(engine: Engine, tmp_path: Path, member: str) -> None:
    parts = members(xlsx_bytes(small()))
    shared_strings(parts)
    name = sheet_part(parts, "companies") if member == "sheet" else member
    body = parts.pop(name)
    path = zip_with_member(tmp_path / "bomb.xlsx", name, workbook_read.MAX_UNPACKED_BYTES + 1, fill=b" ",
                           prefix=body[:-1], others=parts)
    assert file_error(engine, path) == "importlimits.too_big"


def test_too_many_rows_in_a_sheet_is_refused_naming_the_sheet(engine: Engine, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook_read, "MAX_ROWS", 3)
    data = small()
    data["sessions"] = [dict(data["sessions"][0], ref=f"S-{i}") for i in range(4)]
    for path in (write_zip(data, tmp_path / "rows.zip"), write_xlsx(tmp_path, data)):
        errors = refused(engine, path)
        assert [(e.key, e.params.get("sheet")) for e in errors] == [("importlimits.too_many_rows", "sessions")]


def test_an_archive_with_thousands_of_entries_is_refused_before_its_directory_is_read(
        engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(workbook_read.MAX_MEMBERS + 1):
            archive.writestr(f"x/{i}.txt", b"")
    assert file_error(engine, path) == "importlimits.too_many_files"


def test_a_csv_line_past_the_limit_is_refused(engine: Engine, tmp_path: Path) -> None:
    data = small()
    data["companies"][0]["name"] = "x," * (workbook_read.MAX_LINE_CHARS // 2 + 1)
    errors = refused(engine, write_folder(data, tmp_path / "in"))
    assert [(e.key, e.params.get("sheet")) for e in errors] == [("importlimits.line_too_long", "companies")]


# ---------------------------------------------------------------- 12. damaged archives and XML

def test_an_encrypted_member_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "locked.zip"
    path.write_bytes(patch_zip_headers(write_zip(small(), tmp_path / "plain.zip", zipfile.ZIP_STORED).read_bytes(),
                                       flag_bits=0x1))
    assert file_error(engine, path) == "importlimits.encrypted"


@pytest.mark.parametrize("method", [9, 14, 99])  # deflate64, LZMA, AES
def test_an_unknown_compression_is_refused(engine: Engine, tmp_path: Path, method: int) -> None:
    path = tmp_path / "odd.zip"
    path.write_bytes(patch_zip_headers(write_zip(small(), tmp_path / "plain.zip").read_bytes(), method=method))
    assert file_error(engine, path) == "importlimits.compression"


def test_an_xlsx_with_an_encrypted_part_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(patch_zip_headers(rezip(members(xlsx_bytes(small())), zipfile.ZIP_STORED), flag_bits=0x1))
    assert file_error(engine, path) == "importlimits.encrypted"


def test_malformed_sheet_xml_is_refused(engine: Engine, tmp_path: Path) -> None:
    def patch(parts: dict[str, bytes]) -> None:
        part = sheet_part(parts, "sessions")
        parts[part] = parts[part][: len(parts[part]) // 2]
    assert file_error(engine, write_xlsx(tmp_path, small(), patch)) == "importlimits.damaged"


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10)) + b"]>\n")


@pytest.mark.parametrize("part", ["sheet", "xl/sharedStrings.xml", "xl/workbook.xml"])
def test_a_dtd_in_the_xml_is_refused(engine: Engine, tmp_path: Path, part: str) -> None:
    def patch(parts: dict[str, bytes]) -> None:
        shared_strings(parts)
        name = sheet_part(parts, "companies") if part == "sheet" else part
        body = parts[name]
        start = body.index(b"?>") + 2 if body.startswith(b"<?xml") else 0
        parts[name] = LAUGHS + body[start:].lstrip()
    assert file_error(engine, write_xlsx(tmp_path, small(), patch)) == "importlimits.dtd"


def test_a_file_that_is_not_a_zip_is_refused(engine: Engine, tmp_path: Path) -> None:
    for name in ("junk.xlsx", "junk.zip"):
        (tmp_path / name).write_bytes(b"PK\x03\x04 not really a zip")
        assert file_error(engine, tmp_path / name) in ("importlimits.damaged", "workbook.error.unreadable")


# ---------------------------------------------------------------- 12. control characters, digits, invisible characters

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("bad", ["Oy\x00", "Oy\x1b[31m", "Oy\x7f", "Oy\x85"])
def test_control_characters_are_refused_in_every_cell(engine: Engine, tmp_path: Path, kind: str, bad: str) -> None:
    data = small()
    data["companies"][1]["name"] = bad
    if kind == "csv":
        path = write_folder(data, tmp_path / "in")
    else:  # openpyxl will not write a control character; the file can still hold one (_x001B_ or raw)
        data["companies"][1]["name"] = "PLACEHOLDER"
        escaped = "".join(f"_x{ord(c):04X}_" if ord(c) < 32 else c for c in bad).encode()
        def patch(parts: dict[str, bytes]) -> None:
            shared_strings(parts)
            parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace(b"PLACEHOLDER", escaped)
        path = write_xlsx(tmp_path, data, patch)
    assert cell_errors(engine, path) == {("companies", 3, "name", "text.error.control")}


def test_tabs_newlines_and_any_script_stay_in_free_text(engine: Engine, tmp_path: Path) -> None:
    data = small()
    data["companies"][1]["name"] = "مطعم\tKeittiö\r\nÅsa ١٢٣"
    assert workbook.import_workbook(engine, write_folder(data, tmp_path / "in"), SYSTEM).ok


@pytest.mark.parametrize("sheet,index,column,value,row", [
    ("sessions", 0, "held_on", "２０２４-03-05", 2),            # full-width digits in a date
    ("sessions", 0, "held_on", "٢٠٢٤-03-05", 2),                # Arabic-Indic digits
    ("sessions", 1, "minutes", "٤٥", 3),
    ("companies", 0, "business_id", "１０００００１-" + B1[-1], 2),  # a full-width Y-tunnus
    ("participants", 0, "code", "P-٠٠١", 2),
])
def test_non_ascii_digits_are_refused_in_keys_codes_dates_and_numbers(
        engine: Engine, tmp_path: Path, sheet: str, index: int, column: str, value: str, row: int) -> None:
    data = small()
    data[sheet][index][column] = value
    errors = cell_errors(engine, write_folder(data, tmp_path / "in"))
    assert (sheet, row, column, "text.error.digits") in errors


@pytest.mark.parametrize("invisible", ["\u200b", "\u200d", "\ufeff", "\u202e", "\u2060"])
def test_an_invisible_character_cannot_make_a_look_alike_key(engine: Engine, tmp_path: Path, invisible: str) -> None:
    data = small()
    data["sessions"].append(dict(data["sessions"][0], ref="S-1" + invisible))
    assert ("sessions", 4, "ref", "text.error.invisible") in cell_errors(engine, write_folder(data, tmp_path / "in"))


def test_codes_are_nfkc_normalised(engine: Engine, tmp_path: Path) -> None:
    data = small()
    data["sessions"][1]["kind"] = "ｏｎ＿ｔｈｅ＿ｊｏｂ"  # full-width Latin letters
    data["sessions"][1]["mode"] = "remote\u00a0"
    wb = workbook_read.read_workbook(write_folder(data, tmp_path / "in"))
    assert wb.sheets["sessions"].rows[1].values["kind"] == "on_the_job"
    assert workbook.import_workbook(engine, tmp_path / "in", SYSTEM).ok


@pytest.mark.parametrize("value,key", [
    ("S-1", None), (" S-1 ", None), ("S\u200b1", "text.error.invisible"), ("S-\u0661", "text.error.digits"),
    ("S-１", "text.error.digits"), ("S-²", "text.error.digits"), ("S\x00", "text.error.control"),
    ("S\t1", "text.error.control"), ("S\ud800", "text.error.control"), ("Ääkkönen", None),
])
def test_check_key(value: str, key: str | None) -> None:
    if key is None:
        assert text.check_key(value) == value.strip()
    else:
        with pytest.raises(text.TextError) as caught:
            text.check_key(value)
        assert caught.value.key == key


@pytest.mark.parametrize("value,ok", [
    ("Åsa\tÖberg\nrivi", True), ("مطعم ١٢٣", True), ("a\u200bb", True), ("a\x00", False), ("a\x1b", False),
    ("a\x9b", False), ("a\ufffe", False), ("a\ud83d", False),
])
def test_clean_text(value: str, ok: bool) -> None:
    if ok:
        assert text.clean_text(value) == value
    else:
        with pytest.raises(text.TextError):
            text.clean_text(value)


def test_every_refusal_has_a_sentence_in_every_language() -> None:
    keys = ["importlimits.too_big", "importlimits.too_many_rows", "importlimits.too_many_files",
            "importlimits.encrypted", "importlimits.compression", "importlimits.damaged", "importlimits.dtd",
            "importlimits.line_too_long", "importlimits.too_many_columns",
            "text.error.control", "text.error.invisible", "text.error.digits"]
    params = {"name": "sessions.csv", "mb": 200, "sheet": "sessions", "max": 2000000, "row": 7}
    for lang in LANGUAGES:
        for key in keys:
            line = t(key, lang, **params)
            assert line != key and line.endswith(".") and line.count(". ") == 0, (lang, key, line)


# ---------------------------------------------------------------- 15. memory of the reading layer

def test_reading_streams_and_keeps_a_compact_row(tmp_path: Path) -> None:
    """20 000 session rows in a zip: the reader's Python allocations stay under 500 bytes a row
    (the whole-file reader before it peaked at about 870: the bytes, the text, lists and dicts)."""
    from datetime import date, timedelta

    from pilot.bench import write_sessions_zip
    sample = [{"business_id": f"{i:07d}-1", "held_on": date(2024, 1, 1) + timedelta(days=i % 300)} for i in range(500)]
    path = tmp_path / "sessions.zip"
    write_sessions_zip(path, sample, 20_000)
    tracemalloc.start()
    try:
        wb = workbook_read.read_workbook(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(wb.sheets["sessions"].rows) == 20_000
    assert wb.sheets["sessions"].rows[-1].values["ref"] == "BM20000"
    assert peak < 20_000 * 500


def test_the_bench_reads_and_imports_a_zip_of_sessions_each_in_a_process_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pilot import bench, db
    from pilot.records import benchdata
    url = str(tmp_path / "bench.duckdb")
    engine = db.make_engine(url)
    db.migrate(engine)
    benchdata.generate(engine, benchdata.SCALES["pilot"])
    sessions_before = benchdata.counts(engine)["sessions"]
    engine.dispose()
    db.dispose_shared()
    monkeypatch.setenv("PILOT_BENCH_MILLION_ROWS", "2000")
    figures = bench.import_million(url, "pilot")
    assert figures["million_rows"] == 2000
    assert "read_million_errors" not in figures and "import_million_errors" not in figures, figures
    for key in ("read_million_s", "read_million_peak_mb", "import_million_s", "import_million_peak_mb"):
        assert figures[key] > 0
    engine = db.make_engine(url)
    assert benchdata.counts(engine)["sessions"] == sessions_before  # the imported rows are taken out again
    engine.dispose()


@pytest.mark.parametrize("typed,read", [("２０２４-03-05", None), ("٢٠٢٤-03-05", None), ("5.3.２０２４", None),
                                        ("2024-03-05", "2024-03-05"), (" 5.3.2024 ", "2024-03-05")])
def test_dates_take_ascii_digits_only_in_forms_too(typed: str, read: str | None) -> None:
    from pilot.domain.dates import parse_date
    parsed = parse_date(typed)
    assert (parsed.isoformat() if parsed else None) == read


def test_a_y_tunnus_takes_ascii_digits_only_in_forms_too() -> None:
    from pilot.domain.identifiers import is_valid_business_id
    assert is_valid_business_id(B1)
    assert not is_valid_business_id("".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in B1))
    assert not is_valid_business_id("".join(chr(ord(c) + 0x0630) if c.isdigit() else c for c in B1))
