"""The app factory: one Bolt app wired to our services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import Engine

from bot.booking import BookingService
from bot.services import Services
from bot.settings import Settings
from handlers import register_listeners
from handlers.common import SERVICES_KEY

log = logging.getLogger("oura.app")

# Bolt acks only once a listener has started on its executor (5 threads by default): with
# five listeners waiting on Slack's Web API (100 ms or more a call), the next click's ack
# would wait for one of them to finish. Threads waiting on I/O are cheap.
LISTENER_THREADS = 16


def make_web_client(settings: Settings) -> WebClient:
    """The Web API client, retrying 429s (honouring Retry-After), 5xx and dropped connections."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def create_app(settings: Settings, engine: Engine) -> App:
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    services = Services.build(
        settings, BookingService(engine, settings.default_timezone, settings.hourly_rate)
    )
    app = App(
        client=make_web_client(settings),
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=True,
        name="oura-bot",
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="oura-listener"
        ),
    )

    @app.middleware
    def inject_services(context: BoltContext, next: Callable[[], Any]) -> Any:
        context[SERVICES_KEY] = services
        return next()

    @app.error
    def on_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        logger.error(
            "unhandled error for team=%s user=%s type=%s",
            (body.get("team") or {}).get("id") or body.get("team_id"),
            (body.get("user") or {}).get("id") or body.get("user_id"),
            body.get("type") or body.get("command"),
            exc_info=error,
        )

    register_listeners(app)
    return app
