"""Backups from the app: files under data/backups/ next to the database, restore from an upload."""
from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import streamlit as st

from pilot import backup, db
from pilot.domain.dates import HELSINKI
from pilot.records import audit
from pilot.ui.core import engine, scope


def _folder() -> Path:
    source = db.database_file(engine())
    if source is None:
        raise backup.BackupNotPossible("backup.postgres")
    return source.parent / "backups"


def make_backup() -> Path:
    stamp = datetime.now(HELSINKI).strftime("%Y%m%d-%H%M%S")
    return backup.backup(engine(), _folder() / f"pilot-{stamp}.duckdb")


def list_backups() -> list[Path]:
    try:
        folder = _folder()
    except backup.BackupNotPossible:
        return []
    return sorted(folder.glob("pilot-*.duckdb"), reverse=True) if folder.exists() else []


def read_backup(name: str) -> bytes:
    path = _folder() / Path(name).name  # a name from the list, never a path from the user
    return path.read_bytes()


def record_download(name: str) -> None:
    """The download button's on_click: a backup holds everyone's data, so taking one is on record."""
    db.run_in_transaction(engine(), lambda c: audit.record(c, scope(), "export", "backup", Path(name).name))


def restore_from(data: bytes, name: str = "upload.duckdb") -> bool:
    """Restore an uploaded backup; every session reconnects to the restored database."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.duckdb"
        path.write_bytes(data)
        backup.restore(engine(), path, scope(), Path(name).name)
    st.cache_resource.clear()
    return True
