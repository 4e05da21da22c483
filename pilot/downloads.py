"""Tables that leave the app (a CSV download, a table's own export): formulas neutralised.

Every CSV a page offers and every table a page draws goes through here, so a company named
``=HYPERLINK(…)`` reaches a spreadsheet as text (pilot/domain/formulas.py), the same way the
workbook export writes it.
"""
from __future__ import annotations

import pandas as pd

from pilot.domain.formulas import neutralise


def neutralised_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and headers a spreadsheet would not run as formulas."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as a CSV file for Excel and LibreOffice (UTF-8 with a byte-order mark)."""
    return neutralised_frame(frame).to_csv(index=False).encode("utf-8-sig")
