"""HTTP mode: Slack at POST /slack/events, a health check at GET /healthz, on waitress."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text
from waitress.server import create_server

log = logging.getLogger("oura.web")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(app: App, engine: Engine) -> WSGIApp:
    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            return _healthz(engine, start_response)
        return slack(environ, start_response)

    return application


def _healthz(engine: Engine, start_response: Callable[..., Any]) -> Iterable[bytes]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status, body = "200 OK", b"ok\n"
    except Exception:
        log.exception("health check: database unreachable")
        status, body = "503 Service Unavailable", b"database unreachable\n"
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def make_server(application: WSGIApp, host: str, port: int, threads: int = 8) -> Any:
    """A waitress server (production WSGI); `port=0` picks a free port (`.effective_port`)."""
    return create_server(application, host=host, port=port, threads=threads, ident="oura-bot")
