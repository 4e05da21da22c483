"""Backup and restore of the embedded DuckDB database, safe while the app runs.

Inside the app (the process that holds the file): every write holds ``db.WRITE_GATE`` shared; a
backup takes it exclusively, checkpoints the WAL into the file and copies the file, so the copy is
a consistent database. Reads go on meanwhile. A restore takes the gate, closes every connection,
swaps the file in and reopens. From the command line the same works when the app is stopped;
while it runs, DuckDB's lock makes the command say so in one sentence (use the admin page).
PostgreSQL is backed up with its own tools (pg_dump / pg_restore): we say so instead of guessing.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import Engine

from pilot import db
from pilot.access import Scope
from pilot.records import audit


class BackupNotPossible(Exception):
    """This backend or file cannot be backed up or restored here; ``key`` says why (i18n)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def backup(engine: Engine, target: Path) -> Path:
    """Write a consistent copy of the database to ``target`` (a .duckdb file)."""
    source = db.database_file(engine)
    if source is None:
        raise BackupNotPossible("backup.postgres")
    target = Path(target)
    if target.resolve() == source.resolve():
        raise BackupNotPossible("backup.same_file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with db.WRITE_GATE.exclusive():
        db.checkpoint(engine)
        shutil.copyfile(source, partial)
    partial.replace(target)  # never leave a half-written backup under the real name
    check = db.make_engine(str(target))
    try:
        db.schema_version(check)
    finally:
        check.dispose()
    return target


def validate_backup(path: Path) -> list[str]:
    """Open a backup read-only-ish and return its migrations; raise BackupNotPossible if unusable."""
    path = Path(path)
    if not path.is_file():
        raise BackupNotPossible("backup.missing")
    try:
        engine = db.make_engine(str(path))
    except Exception as exc:
        raise BackupNotPossible("backup.not_a_database") from exc
    try:
        return db.schema_version(engine)
    except Exception as exc:
        raise BackupNotPossible("backup.not_a_database") from exc
    finally:
        engine.dispose()


def restore(engine: Engine, source: Path, actor: Scope | str = "system", name: str | None = None) -> None:
    """Replace the database with a backup. The current file is kept beside it as ``*.before-restore``.

    On record in both: the replaced database's own log (in the ``.before-restore`` copy) ends with
    who replaced it with which file, and the restored database gets a row saying who restored
    which file when. ``name`` is the file's name as the user knows it (an upload's name).
    ``engine`` is closed: the caller opens a new one (the app clears its cached engine).
    """
    target = db.database_file(engine)
    if target is None:
        raise BackupNotPossible("backup.postgres")
    source = Path(source)
    if source.resolve() == target.resolve():
        raise BackupNotPossible("backup.same_file")
    if not source.is_file():
        raise BackupNotPossible("backup.missing")
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, staged)
    try:
        validate_backup(staged)
    except BackupNotPossible:
        staged.unlink()
        raise
    shown = name or source.name
    kept = target.with_name(target.name + ".before-restore")
    with db.WRITE_GATE.exclusive():
        with engine.begin() as conn:  # the gate is held: no writer of the app is in between
            audit.record(conn, actor, "export", "database", kept.name, after={"replaced_by": shown})
        db.checkpoint(engine)
        engine.dispose()
        db.dispose_shared()
        if target.exists():
            shutil.copyfile(target, kept)
        wal = target.with_name(target.name + ".wal")
        if wal.exists():
            wal.unlink()
        staged.replace(target)
    fresh = db.make_engine(str(target))
    try:
        db.migrate(fresh)  # a backup from an older version is brought up to date
        with fresh.begin() as conn:
            audit.record(conn, actor, "import", "database", shown, after={"restored_from": shown,
                                                                           "previous_kept_as": kept.name})
        db.checkpoint(fresh)
    finally:
        fresh.dispose()
