"""HTTP mode: Slack at POST /slack/events, a health check at GET /healthz, staff calendar feeds
at GET /calendar/<token>.ics (`bot.calendar.feed`), on waitress."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text
from waitress.server import create_server

from bot.calendar.feed import FEED_PREFIX, serve_feed
from bot.services.calendar import CalendarService
from bot.settings import Settings

log = logging.getLogger("oura.web")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SLACK_PATH = "/slack/events"
# Slack's signature is refused after five minutes: a margin for clocks that are off.
REPLAY_WINDOW = timedelta(minutes=10)


def wsgi_app(
    app: App, engine: Engine, signing_secret: str, default_language: str = "en"
) -> WSGIApp:
    slack = SlackRequestHandler(app, path=SLACK_PATH)
    verifier = SignatureVerifier(signing_secret)
    recent = RecentSignatures()
    calendar = CalendarService(engine)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/healthz":
            return _healthz(engine, start_response)
        if (
            path
            and path.startswith(FEED_PREFIX)
            and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        ):
            # Fetched by calendar apps, which cannot sign: the token in the path is the secret.
            return serve_feed(calendar, environ, start_response, default_language)
        if path == SLACK_PATH and environ.get("REQUEST_METHOD") == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            if not _signed(environ, body):
                return _plain(start_response, "401 Unauthorized", b"invalid request\n")
            if not well_formed(body, environ.get("CONTENT_TYPE") or ""):
                return _plain(start_response, "400 Bad Request", b"malformed request\n")
            if _is_replay(environ, body):
                return _plain(start_response, "401 Unauthorized", b"replayed request\n")
            try:
                return slack(environ, start_response)
            except Exception:
                # Bolt reads fields of a signed body it did not expect (a number where a
                # channel should be) with no checks: a plain 400, the shape logged.
                log.exception("could not read a signed request")
                return _plain(start_response, "400 Bad Request", b"malformed request\n")
        return slack(environ, start_response)

    def _signed(environ: dict[str, Any], body: bytes) -> bool:
        """Slack's signature holds and is fresh. Checked before Bolt reads the body, which it
        cannot do for every body a stranger may send (`null`, `[]`, bytes that are no text)."""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
            return False
        try:
            return verifier.is_valid(body, timestamp, signature)
        except UnicodeDecodeError:  # slack_sdk reads the body as UTF-8: no text, no signature
            return False

    def _is_replay(environ: dict[str, Any], body: bytes) -> bool:
        """A validly signed request whose signature this process has already served: someone
        replays it (Slack's own retries are signed afresh, so they pass). Only memory is asked,
        so the ack never waits on the database; a replay sent to another process is caught
        after its ack, before it changes anything (`handlers.guard`,
        `Deliveries.first_request`)."""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if recent.first_use(signature, time.monotonic()):
            return False
        log.warning("refused a replayed request (signature seen before)")
        return True

    return application


def wsgi_from(settings: Settings) -> WSGIApp:
    """The whole app for these settings, with its own database engine: built in each web
    process (after a fork: no connection is shared between processes)."""
    from bot.app import create_app
    from bot.cli import open_database

    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    engine = open_database(settings)
    return wsgi_app(
        create_app(settings, engine),
        engine,
        settings.slack_signing_secret or "",
        settings.default_language,
    )


def wsgi() -> WSGIApp:
    """The app factory for a WSGI server, settings from the environment (and .env):
    `gunicorn --worker-class gthread --threads 8 --workers 2 'bot.web:wsgi()'`."""
    from bot.settings import load_settings

    return wsgi_from(load_settings())


def well_formed(body: bytes, content_type: str) -> bool:
    """A body Slack could have sent: UTF-8 text that is a JSON object, or a form whose
    `payload` (when there is one) is a JSON object."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            return isinstance(json.loads(text), dict)
        payload = parse_qs(text, keep_blank_values=True).get("payload")
        return payload is None or isinstance(json.loads(payload[0]), dict)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return False


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
