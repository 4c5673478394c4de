"""HTTP mode: Slack at POST /slack/events, a health check at GET /healthz, on waitress."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text
from waitress.server import create_server

log = logging.getLogger("oura.web")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SLACK_PATH = "/slack/events"
# Slack's signature is refused after five minutes: a margin for clocks that are off.
REPLAY_WINDOW = timedelta(minutes=10)


def wsgi_app(app: App, engine: Engine, signing_secret: str) -> WSGIApp:
    slack = SlackRequestHandler(app, path=SLACK_PATH)
    verifier = SignatureVerifier(signing_secret)
    recent = RecentSignatures()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/healthz":
            return _healthz(engine, start_response)
        if path == SLACK_PATH and environ.get("REQUEST_METHOD") == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            if _is_replay(environ, body):
                return _plain(start_response, "401 Unauthorized", b"replayed request\n")
        return slack(environ, start_response)

    def _is_replay(environ: dict[str, Any], body: bytes) -> bool:
        """A validly signed request whose signature this process has already served: someone
        replays it. (Slack's own retries are signed afresh, so they pass.) Bad signatures are
        left to Bolt, which answers 401. Only memory is asked here, so the ack never waits on
        the database; a replay sent to another process is caught after its ack, before it
        changes anything (`handlers.guard`, `Deliveries.first_request`)."""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        if not timestamp or not signature or not verifier.is_valid(body, timestamp, signature):
            return False
        if recent.first_use(signature, time.monotonic()):
            return False
        log.warning("refused a replayed request (signature seen before)")
        return True

    return application


class RecentSignatures:
    """Signatures served by this process in the last minutes. Slack refuses a signature older
    than five minutes anyway, so older ones are forgotten."""

    def __init__(self, seconds: float = REPLAY_WINDOW.total_seconds()) -> None:
        self.seconds = seconds
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, signature: str, now: float) -> bool:
        with self._lock:
            if signature in self._seen:
                return False
            self._seen[signature] = now
            # Dicts keep insertion order: the oldest are first, so forgetting stops early.
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if now - at <= self.seconds:
                    break
                del self._seen[oldest]
            return True


def _plain(start_response: Callable[..., Any], status: str, body: bytes) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _healthz(engine: Engine, start_response: Callable[..., Any]) -> Iterable[bytes]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return _plain(start_response, "503 Service Unavailable", b"database unreachable\n")
    return _plain(start_response, "200 OK", b"ok\n")


def make_server(
    application: WSGIApp, host: str, port: int, threads: int = 8, **adjustments: Any
) -> Any:
    """A waitress server (production WSGI); `port=0` picks a free port (`.effective_port`).
    `adjustments` are waitress's own settings (tests shorten `asyncore_loop_timeout` so
    closing the server does not wait a second)."""
    return create_server(
        application, host=host, port=port, threads=threads, ident="oura-bot", **adjustments
    )
