"""Extra HTTP routes mounted next to Streamlit with st.App (app.py)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pilot import db


async def api_health(request: Request) -> JSONResponse:
    """Liveness of the app and its database (Streamlit's own /_stcore/health covers the server)."""
    try:
        engine = db.shared_engine()
        db.ping(engine)
        return JSONResponse({"status": "ok", "database": db.backend(engine)})
    except Exception:
        return JSONResponse({"status": "error"}, status_code=503)


def routes() -> list[Route]:
    return [Route("/api/health", api_health, methods=["GET"])]
