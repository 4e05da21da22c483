"""CSV downloads of tables (issue 17): in Finnish and Swedish a spreadsheet set to those locales
splits columns at ";" and reads "2,5" as a number, so the file uses both (with a byte-order mark);
English keeps "," and "."; the file is named in the user's language; a formula stays text."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pandas as pd
import pytest

from pilot import downloads
from pilot.ui import safe

FRAME = pd.DataFrame({
    "Kuukausi": ["01.2025", "02.2025", "=HYPERLINK(\"http://x\")"],
    "Osallistujia": [12, 7, 3],
    "Tunnit": [2.5, 10.0, 0.25],
    "Osuus": [Decimal("33.3"), "<5", None],  # a masked cell makes the column text
})


def rows(data: bytes, sep: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=sep))


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_finnish_and_swedish_use_semicolons_and_decimal_commas(lang) -> None:
    got = rows(downloads.csv_bytes(FRAME, lang), ";")
    assert got[0] == ["Kuukausi", "Osallistujia", "Tunnit", "Osuus"]
    assert got[1] == ["01.2025", "12", "2,5", "33,3"]
    assert got[2] == ["02.2025", "7", "10,0", "<5"]
    assert got[3] == ["'=HYPERLINK(\"http://x\")", "3", "0,25", ""]


def test_english_keeps_commas_and_decimal_points() -> None:
    data = downloads.csv_bytes(FRAME, "en")
    got = rows(data, ",")
    assert got[1] == ["01.2025", "12", "2.5", "33.3"]
    assert got[3][0] == "'=HYPERLINK(\"http://x\")"
    assert b";" not in data


@pytest.mark.parametrize("title, name", [
    ("Aktiivisuus kuukausittain", "aktiivisuus-kuukausittain.csv"),
    ("Työllistyminen ja palkkatuki (%)", "työllistyminen-ja-palkkatuki.csv"),
    ("Anställning <br>per kvartal", "anställning-per-kvartal.csv"),
    ("../../etc/passwd", "etc-passwd.csv"),
    ("", "taulukko.csv"),
])
def test_file_name_is_the_title_in_the_users_language(title, name) -> None:
    assert downloads.csv_file_name(title, "fi") == name


def test_the_download_button_gets_the_language_s_format_and_name(monkeypatch) -> None:
    seen = {}
    monkeypatch.setattr(safe.st, "download_button", lambda label, data, **kw: seen.update(data=data, **kw))
    monkeypatch.setattr("pilot.ui.core.lang", lambda: "sv")
    safe.download_csv("Ladda ner CSV", FRAME, "Timmar per månad", key="csv_x")
    assert seen["file_name"] == "timmar-per-månad.csv" and seen["mime"] == "text/csv"
    assert rows(seen["data"], ";")[1][2] == "2,5"
