"""The database: an engine from PILOT_DB, transactions, migrations.

The only module that knows which backend runs: a file path means embedded DuckDB, a
``postgresql://`` URL means PostgreSQL. Everything else talks SQLAlchemy Core with ``text()``
and named binds, in portable SQL.
"""
from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pilot.config import settings

MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")


class DatabaseBusy(Exception):
    """Another process (usually the running app) holds the DuckDB file."""


class SchemaTooNew(Exception):
    """The database holds migrations this code does not know: a newer version wrote it."""

    def __init__(self, versions: list[str]):
        super().__init__(", ".join(versions))
        self.versions = versions


class WriteConflict(Exception):
    """Someone else changed the record first; the caller should reload."""


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgresql+", "postgres://"))


def _utc_session(dbapi_conn: Any, _record: Any) -> None:
    with dbapi_conn.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_conn.commit()


def make_engine(url: str | None = None) -> Engine:
    """Create an engine. DuckDB is opened with external access and extension loading off."""
    url = url or settings().db
    if is_postgres(url):
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        # Timestamps are naive UTC (utcnow); the schema's DEFAULT CURRENT_TIMESTAMP follows the
        # session's zone, which is the server's or the role's (Europe/Helsinki stored them 2-3 h
        # ahead). DuckDB without ICU already works in UTC.
        sa.event.listen(engine, "connect", _utc_session)
        return engine
    path = Path(url)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "enable_external_access": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "memory_limit": settings().memory_limit,
    }
    engine = sa.create_engine(f"duckdb:///{path}", connect_args={"config": config},
                              pool_size=10, max_overflow=20)
    # A per-connection setting: long statements (a migration's backfill) draw no progress bar on
    # the app's terminal or the command line's output.
    sa.event.listen(engine, "connect", lambda dbapi_conn, _record: dbapi_conn.execute(
        "SET enable_progress_bar = false"))
    try:
        with engine.connect():
            pass
    except Exception as exc:  # duckdb raises IOException "Could not set lock on file"
        if "lock" in str(exc).lower():
            engine.dispose()
            raise DatabaseBusy(str(path)) from exc
        raise
    return engine


_shared: dict[str, Engine] = {}
_shared_lock = threading.Lock()


def shared_engine(url: str | None = None) -> Engine:
    """One migrated engine per URL for the whole process (the app's sessions and its routes).

    A process-wide pool is the point here: DuckDB lets one process hold the file, and every
    Streamlit session is a thread of that process, each checking out its own connection.
    """
    url = url or settings().db
    with _shared_lock:
        engine = _shared.get(url)
        if engine is None:
            engine = make_engine(url)
            migrate(engine)
            _shared[url] = engine
        return engine


def dispose_shared() -> None:
    """Close the process's engines (tests, and restore of a backup)."""
    with _shared_lock:
        for engine in _shared.values():
            engine.dispose()
        _shared.clear()


def backend(engine: Engine) -> str:
    return "postgresql" if engine.dialect.name.startswith("postgres") else "duckdb"


def utcnow() -> datetime:
    """Timestamps are stored as naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _is_retryable(exc: BaseException) -> bool:
    text = str(exc).lower()
    # A duplicate key is retried too: two people adding the same record at once (the same first
    # assessment, say) collide on its natural key, PostgreSQL at the INSERT and DuckDB at COMMIT.
    # The retry sees the other's row, so the records code can tell it as a conflict or merge it.
    return ("conflict" in text and "write-write" in text) or "conflict on" in text \
        or "could not serialize" in text or "deadlock" in text or "duplicate key" in text


class _WriteGate:
    """Many writers at once, or one backup alone (a readers-writer lock with writers as readers).

    Every write of the app goes through transaction()/run_in_transaction(), which hold the gate
    shared; a backup or restore holds it exclusively, so the file it copies is consistent.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._writers = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._writers += 1
        try:
            yield
        finally:
            with self._cond:
                self._writers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self, timeout: float = 30.0) -> Iterator[None]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._exclusive:
                if not self._cond.wait(max(0.0, deadline - time.monotonic())):
                    raise DatabaseBusy("backup in progress")
            self._exclusive = True  # new writers wait from now on
            while self._writers:
                if not self._cond.wait(max(0.0, deadline - time.monotonic())):
                    self._exclusive = False
                    self._cond.notify_all()
                    raise DatabaseBusy("writes did not finish")
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


WRITE_GATE = _WriteGate()


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back on any error."""
    with WRITE_GATE.shared(), engine.begin() as conn:
        yield conn


def run_in_transaction(engine: Engine, work: Callable[[Connection], T], attempts: int = 4) -> T:
    """Run ``work(conn)`` in a transaction, retrying when a concurrent write conflicts at commit.

    DuckDB detects write-write conflicts at COMMIT; the whole unit of work is retried, so the
    retry sees the other writer's result. After the last attempt WriteConflict is raised.
    """
    for attempt in range(attempts):
        try:
            with transaction(engine) as conn:
                return work(conn)
        except sa.exc.DBAPIError as exc:
            if not _is_retryable(exc):
                raise
            if attempt == attempts - 1:
                raise WriteConflict(str(exc)) from exc
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements (no semicolons inside our literals)."""
    sql = re.sub(r"--[^\n]*", "", sql)
    return [s.strip() for s in sql.split(";") if s.strip()]


def _python_migration(path: Path) -> Callable[[Connection, str], None]:
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"pilot_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.upgrade


def migrate(engine: Engine) -> list[str]:
    """Apply the migrations not yet recorded, in order. Running it twice changes nothing."""
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version VARCHAR(64) PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"))
        done = {r[0] for r in conn.execute(sa.text("SELECT version FROM schema_migrations"))}
    applied = []
    # A migration is a file of portable SQL, or (where one backend cannot say it in SQL, e.g. DuckDB
    # dropping a UNIQUE constraint) a Python file with ``upgrade(conn, backend)``.
    paths = sorted([*MIGRATIONS.glob("*.sql"), *MIGRATIONS.glob("[0-9]*.py")], key=lambda p: p.stem)
    unknown = sorted(done - {p.stem for p in paths})
    if unknown:  # a newer version of the app wrote this database: never run old code on it
        raise SchemaTooNew(unknown)
    pending = [p for p in paths if p.stem not in done]
    if pending and done:
        _copy_before_migrating(engine, pending[0].stem)
    for path in pending:
        with engine.begin() as conn:
            if path.suffix == ".py":
                _python_migration(path)(conn, backend(engine))
            else:
                for stmt in _statements(path.read_text(encoding="utf-8")):
                    conn.execute(sa.text(stmt))
            conn.execute(sa.text("INSERT INTO schema_migrations (version, applied_at) "
                                 "VALUES (:v, :at)"), {"v": path.stem, "at": utcnow()})
        applied.append(path.stem)
    return applied


def _copy_before_migrating(engine: Engine, first: str) -> Path | None:
    """A DuckDB file about to be migrated is first copied beside itself as
    ``<name>.before-<first migration><suffix>`` (PostgreSQL: run ``pilot backup`` before upgrading)."""
    source = database_file(engine)
    if source is None or str(source) in ("", ":memory:") or not source.is_file():
        return None
    target = source.with_name(f"{source.stem}.before-{first}{source.suffix}")
    checkpoint(engine)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    partial.replace(target)
    return target


def database_file(engine: Engine) -> Path | None:
    """The DuckDB file behind an engine, or None for PostgreSQL."""
    if backend(engine) != "duckdb":
        return None
    return Path(engine.url.database or "")


def checkpoint(engine: Engine) -> None:
    """Write DuckDB's WAL into the database file (so the file alone is the whole database)."""
    with engine.connect() as conn:
        conn.execute(sa.text("CHECKPOINT"))
        conn.commit()


def schema_version(engine: Engine) -> list[str]:
    """The migrations recorded in a database (to check a backup before restoring it)."""
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.text("SELECT version FROM schema_migrations ORDER BY version"))]


def ping(engine: Engine) -> None:
    """Raise when the database does not answer."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def has_tables(engine: Engine, schema: str | None = None) -> bool:
    """True when the schema (default: the connection's current one) holds any table."""
    with engine.connect() as conn:
        if schema is None:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        return conn.execute(sa.text("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = :s"),
                            {"s": schema}).scalar_one() > 0


def drop_empty_schema(engine: Engine, schema: str) -> None:
    """PostgreSQL: drop a schema that holds nothing (RESTRICT: an error if it holds anything)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise ValueError(schema)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" RESTRICT'))


def is_empty(engine: Engine) -> bool:
    """True when the pilot holds no companies yet (demo data may be loaded)."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM companies")).scalar_one() == 0
