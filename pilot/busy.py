"""The database is busy: the app takes the DuckDB file when it starts, and says so in one sentence.

DuckDB lets one process hold a file. The app used to open it at its first request, so a command
line import started before that request took the file, and then ``POST /account/login`` answered
500 with a traceback. Now the app takes the file in its lifespan (``take_database``), so a later
command is refused by DuckDB and says so itself (cli.busy); and while another process holds the
file, every route answers 503 with the translated sentence ``error.busy`` (``BusyAnswer``) and
every page shows it (pilot/ui/core.engine). The engine is taken again on the next request once the
file is free (pilot.db.shared_engine caches only an engine that opened).
"""
from __future__ import annotations

import html
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pilot import db, i18n

log = logging.getLogger("pilot")


@asynccontextmanager
async def take_database(_app: Any) -> AsyncIterator[None]:
    """st.App's lifespan: open (and migrate) the database before the first request."""
    try:
        await run_in_threadpool(db.shared_engine)
    except db.DatabaseBusy:
        log.warning("the database file is held by another process; the app says so until it is free")
    yield


def request_lang(request: Request) -> str:
    """The language of the request: ?lang=, else the browser's first choice we have, else Finnish."""
    asked = request.query_params.get("lang")
    if not asked:
        for part in request.headers.get("accept-language", "").split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in ("fi", "sv", "en"):
                asked = code
                break
    return i18n.normalise_lang(asked)


class BusyAnswer:
    """The outermost middleware: DatabaseBusy from any route or middleware inside (the sign-in
    guard checks the session in the database too) becomes busy_answer, not a 500 with a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except db.DatabaseBusy:
            if started:  # too late for another answer
                raise
            response = await busy_answer(Request(scope), None)
            await response(scope, receive, send)


async def busy_answer(request: Request, _exc: Exception | None) -> HTMLResponse:
    """503 with one sentence in the user's language; never a traceback."""
    lang = request_lang(request)
    text = html.escape(i18n.t("error.busy", lang))
    body = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{text}</title></head>'
            f'<body><main><p role="alert">{text}</p></main></body></html>')
    return HTMLResponse(body, status_code=503, headers={"Retry-After": "5", "Cache-Control": "no-store"})
