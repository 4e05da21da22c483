"""Going live: what the app checks when it starts, and its logs.

``lifespan`` is the app's start (app.py): it writes the logs as one JSON object per line
(``configure_logging``), opens the database, which applies the migrations the code has and the
database lacks (pilot.db.migrate: a DuckDB file is copied aside first; a database whose schema is
newer than the code is refused with db.SchemaTooNew), and, with PILOT_DEMO_MODE=0, refuses to
start while an account can still sign in with the public demo password (``check_start``). A
refusal is one translated sentence in the log and on stderr, and the process exits with REFUSED_EXIT.

Demo data goes only into a database made for the demo: ``wants_demo`` (``init --demo`` always,
``init --demo-if-default`` only for the default data/pilot.duckdb, which `make run` uses).
"""
from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine
from starlette.concurrency import run_in_threadpool

from pilot import db, i18n
from pilot.config import default_db, settings

log = logging.getLogger("pilot")
# Loggers whose handlers are replaced by the JSON handler (they do not propagate to the root).
OWN_HANDLERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "streamlit")
# The exit status of a refused start (deploy/systemd/pilot@.service does not restart it).
REFUSED_EXIT = 3


class StartRefused(Exception):
    """The app must not start; ``key`` and ``params`` give the sentence (i18n)."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key = key
        self.params = params

    def sentence(self, lang: str) -> str:
        return i18n.t(self.key, lang, **self.params)


def log_lang() -> str:
    return i18n.normalise_lang(os.environ.get("PILOT_LANG", "fi"))


def is_default_db(url: str | None = None) -> bool:
    """True for the demo's own database file (data/pilot.duckdb of this checkout)."""
    url = url or settings().db
    if db.is_postgres(url):
        return False
    return Path(url).resolve() == Path(default_db()).resolve()


def wants_demo(explicit: bool, if_default: bool) -> bool:
    """Whether ``pilot init`` loads the demo: never with PILOT_DEMO_MODE=0 (production); an explicit
    --demo into any empty database; --demo-if-default (make run) only into the default database."""
    if not settings().demo_mode:
        return False
    return explicit or (if_default and is_default_db())


def accounts_with_demo_password(conn: Connection) -> list[str]:
    """Enabled accounts that sign in with the public demo password. The demo's accounts are tried,
    and every account that shares a hash with one of them (pilot.auth.set_demo_passwords gives them
    all one hash); any other password is refused the demo password by auth.check_password_rules."""
    from pilot import auth, demo
    from pilot.records import users
    names = {u["username"] for u in demo.DEMO_USERS}
    rows = users.enabled_password_hashes(conn)
    demo_hashes = {hashed for username, hashed in rows if username in names}
    bad_hashes = {h for h in demo_hashes if auth.verify_password(h, demo.DEMO_PASSWORD)}
    return [username for username, hashed in rows if hashed in bad_hashes]


def check_start(engine: Engine) -> None:
    """Raise StartRefused when the app must not serve this database."""
    if settings().demo_mode:
        return
    with engine.connect() as conn:
        found = accounts_with_demo_password(conn)
    if found:
        raise StartRefused("golive.demo_password", accounts=", ".join(found))


def open_for_start() -> Engine:
    """Open (migrate) the database and run the start checks; raises StartRefused."""
    try:
        engine = db.shared_engine()
    except db.SchemaTooNew as exc:
        raise StartRefused("golive.schema_newer", versions=", ".join(exc.versions)) from None
    check_start(engine)
    return engine


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """st.App's lifespan: JSON logs, then the database and the start checks (pilot/busy.py says
    what happens while another process holds a DuckDB file)."""
    from pilot import busy
    configure_logging()
    try:
        await run_in_threadpool(open_for_start)
    except db.DatabaseBusy:
        pass  # busy.take_database logs it; the routes answer 503 until the file is free
    except StartRefused as refusal:
        sentence = refusal.sentence(log_lang())
        log.critical(sentence)
        print(sentence, file=sys.stderr, flush=True)
        os._exit(REFUSED_EXIT)  # the server has not started; nothing to shut down
    async with busy.take_database(_app):
        yield


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with no personal data: the message is the logger call's template
    (its arguments are not filled in) and an exception is its type and where it was raised, never
    its text (a database error quotes the values it refused, names and identity codes included)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
        }
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, tb = record.exc_info
            out["exception"] = kind.__qualname__
            out["where"] = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                            for f in traceback.extract_tb(tb)][-8:]
        return json.dumps(out, ensure_ascii=False)


def json_handler(stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.set_name("pilot-json")
    return handler


def configure_logging(stream: Any = None, level: str | None = None) -> logging.Handler:
    """Send the app's logs (ours, the server's, Streamlit's) as JSON lines to stderr (systemd's
    journal). PILOT_LOG_LEVEL sets the level (default INFO)."""
    handler = json_handler(stream)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "pilot-json"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("PILOT_LOG_LEVEL", "INFO")).upper())
    names = [n for n in logging.root.manager.loggerDict if n.startswith(OWN_HANDLERS)]
    for name in names:
        logger = logging.getLogger(name)
        if logger.handlers:
            for old in list(logger.handlers):
                logger.removeHandler(old)
            logger.addHandler(handler)
    return handler
