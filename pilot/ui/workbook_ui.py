"""The workbook page's work: temporary files for uploads and exports, tables of errors and counts."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Connection

from pilot import i18n, workbook
from pilot.access import Scope
from pilot.ui.core import engine

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False)
def template(lang: str) -> bytes:
    return workbook.template_bytes(lang)


def _with_file(name: str, data: bytes, work):
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in (".xlsx", ".zip") else ".xlsx"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        return work(path)


def preview(name: str, data: bytes, actor: Scope, lang: str, overwrite: bool = False) -> workbook.ImportResult:
    """A dry run in the caller's scope: every error, or what would be added, updated and left alone."""
    return _with_file(name, data, lambda p: workbook.import_workbook(engine(), p, actor, dry_run=True,
                                                                      lang=lang, overwrite=overwrite))


def run_import(name: str, data: bytes, actor: Scope, lang: str, overwrite: bool = False) -> workbook.ImportResult:
    """The real import, all or nothing (the file is validated again inside the transaction)."""
    return _with_file(name, data, lambda p: workbook.import_workbook(engine(), p, actor, lang=lang,
                                                                      overwrite=overwrite))


def has_stale_rows(result: workbook.ImportResult) -> bool:
    """Whether some rows would undo changes made after the export (the overwrite box is offered)."""
    return any(e.key == workbook.STALE for e in result.errors)


def error_rows(result: workbook.ImportResult, lang: str) -> pd.DataFrame:
    return pd.DataFrame([{i18n.t("wbpage.col.sheet", lang): e.sheet, i18n.t("wbpage.col.row", lang): e.row or "",
             i18n.t("wbpage.col.column", lang): e.column, i18n.t("wbpage.col.value", lang): e.value,
             i18n.t("wbpage.col.message", lang): e.message(lang)} for e in result.errors])


def count_rows(result: workbook.ImportResult, lang: str) -> pd.DataFrame:
    return pd.DataFrame([{i18n.t("wbpage.col.sheet", lang): sheet, i18n.t("wbpage.col.added", lang): c.added,
             i18n.t("wbpage.col.updated", lang): c.updated, i18n.t("wbpage.col.unchanged", lang): c.unchanged}
            for sheet, c in result.counts.items()])


def export(conn: Connection, scope: Scope) -> bytes:
    """The whole workbook in the caller's scope as xlsx bytes (written in a transaction: it is audited)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pilot.xlsx"
        workbook.export_workbook(conn, scope, path, "xlsx")
        return path.read_bytes()
