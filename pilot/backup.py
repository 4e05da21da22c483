"""Backup and restore of the embedded DuckDB database, safe while the app runs.

Inside the app (the process that holds the file): every write holds ``db.WRITE_GATE`` shared; a
backup takes it exclusively, checkpoints the WAL into the file and copies the file, so the copy is
a consistent database. Reads go on meanwhile. A restore takes the gate, closes every connection,
swaps the file in and reopens. From the command line the same works when the app is stopped;
while it runs, DuckDB's lock makes the command say so in one sentence (use the admin page).
PostgreSQL: ``backup`` runs pg_dump (custom format, no owners or privileges, so it restores
under another role) and ``restore`` runs pg_restore into an empty database, then migrates it
(``backup_postgres``, ``restore_postgres``). A database URL whose options set a search_path (one
schema of a shared database) dumps and restores that schema alone.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

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
        return backup_postgres(engine, target)
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
        restore_postgres(engine, Path(source), actor, name)
        return
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


class ToolFailed(BackupNotPossible):
    """pg_dump or pg_restore is missing or stopped with an error (its own lines went to stderr)."""

    def __init__(self, key: str, tool: str):
        super().__init__(key)
        self.tool = tool
        self.params = {"tool": tool}


def _libpq_env(engine: Engine) -> tuple[dict[str, str], str | None]:
    """The connection of ``engine`` as libpq's environment variables (the password never becomes an
    argument, which other users could read), and the schema its search_path names, if any."""
    url = engine.url
    env = {**os.environ}
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value not in (None, ""):
            env[name] = str(value)
    query = {k: (v[-1] if isinstance(v, tuple) else v) for k, v in url.query.items()}
    for key, name in (("host", "PGHOST"), ("port", "PGPORT"), ("sslmode", "PGSSLMODE")):
        if query.get(key):
            env[name] = unquote(str(query[key]))
    schema = None
    options = unquote(str(query.get("options") or ""))
    if options:
        env["PGOPTIONS"] = options
        found = re.search(r"search_path\s*=\s*([A-Za-z_][A-Za-z0-9_]*)", options)
        schema = found[1] if found else None
    return env, schema


def _run(tool: str, args: list[str], env: dict[str, str]) -> None:
    path = shutil.which(tool)
    if path is None:
        raise ToolFailed("golive.pg_tool_missing", tool)
    done = subprocess.run([path, *args], env=env, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise ToolFailed("golive.pg_failed", tool)


def backup_postgres(engine: Engine, target: Path) -> Path:
    """``pg_dump --format=custom`` of the database (or its one schema) to ``target``."""
    env, schema = _libpq_env(engine)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    args = ["--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
    if schema:
        args.append(f"--schema={schema}")
    try:
        _run("pg_dump", args, env)
    except BackupNotPossible:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target


def restore_postgres(engine: Engine, source: Path, actor: Scope | str = "system", name: str | None = None) -> None:
    """pg_restore a pg_dump file into the (empty) database of ``engine``, in one transaction, then
    bring it up to date (db.migrate) and record who restored which file."""
    source = Path(source)
    if not source.is_file():
        raise BackupNotPossible("backup.missing")
    env, schema = _libpq_env(engine)
    if db.has_tables(engine, schema):
        raise BackupNotPossible("golive.pg_not_empty")
    args = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
            f"--dbname={env.get('PGDATABASE') or env.get('PGUSER') or 'postgres'}", str(source)]
    if schema:  # the dump's schema is created by the restore itself (it is empty: checked above)
        db.drop_empty_schema(engine, schema)
    engine.dispose()
    _run("pg_restore", args, env)
    db.migrate(engine)  # a backup from an older version is brought up to date
    shown = name or source.name
    with engine.begin() as conn:
        audit.record(conn, actor, "import", "database", shown, after={"restored_from": shown})
