"""The test helpers' app server (tests/helpers_app.py start_app) under xdist: the free port it picks
is free only when picked, so another worker's server may hold it by the time Streamlit binds it.
start_app must then hand back its own server on another port, never the other process's."""
from __future__ import annotations

import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests import helpers_app


class _Impostor(BaseHTTPRequestHandler):
    """Another worker's server: healthy, on the port this worker was just told is free."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b"ok" if self.path == "/_stcore/health" else b"impostor"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


def test_a_port_taken_before_streamlit_binds_it_gives_another_port_not_the_other_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    impostor = ThreadingHTTPServer(("127.0.0.1", 0), _Impostor)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    taken = impostor.server_address[1]
    real = helpers_app.free_port
    ports = iter([taken])
    monkeypatch.setattr(helpers_app, "free_port", lambda: next(ports, None) or real())
    try:
        with helpers_app.start_app(tmp_path / "pilot.duckdb") as base:
            assert not base.endswith(f":{taken}"), "start_app handed back another process's server"
            with urllib.request.urlopen(base + "/_stcore/health", timeout=5) as reply:
                assert reply.status == 200
    finally:
        impostor.shutdown()
        impostor.server_close()
