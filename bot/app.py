"""The app factory: one Bolt app wired to our services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from slack_bolt import App, BoltContext
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import Engine

from bot.logs import bolt_logger
from bot.services.booking import BookingService
from bot.services.container import Services
from bot.settings import Settings, SettingsError
from handlers import register_listeners
from handlers.context import put_services

log = logging.getLogger("oura.app")

# The threads that run listeners' lazy work, after the ack (Bolt's default is 5). Work waits
# on Slack's Web API (100 ms or more a call) and threads waiting on I/O are cheap; acks never
# wait for these threads (they are sent from the request thread).
LISTENER_THREADS = 16


class InlineExecutor(Executor):
    """Runs what is submitted at once, in the caller's thread: the sandbox's lazy work is
    done before its request returns."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


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


def create_app(
    settings: Settings,
    engine: Engine,
    process_before_response: bool = False,
    now: Callable[[], datetime] | None = None,
) -> App:
    """`process_before_response` runs each listener's lazy work too before the answer goes
    back, and `now` replaces the wall clock: the sandbox uses both, to show a request's whole
    outcome before its next prompt and to move its time forward.

    Bolt always runs with its own `process_before_response`: a listener's ack function then
    runs in the request thread and its response goes back as soon as it returns. Without it
    Bolt would run the ack function on its executor and poll for the `ack()` every 10 ms.
    Commands, clicks and events ack at once (`handlers.context.ack_now`) and do their work
    in a lazy function; forms answer in their ack (handlers.guard.form)."""
    if settings.slack_app_token:
        settings.require("SLACK_BOT_TOKEN")  # Socket Mode: Slack's socket is authenticated
    else:
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    booking = BookingService(
        engine,
        settings.default_timezone,
        settings.hourly_rate,
        now or (lambda: datetime.now(UTC)),
        currency=settings.currency,
        default_language=settings.default_language,
        no_show_counts=settings.no_show_counts,
    )
    services = Services.build(settings, booking)
    executor: Executor = (
        InlineExecutor()
        if process_before_response
        else ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="oura-listener")
    )
    try:
        # Bolt asks Slack's auth.test here: the first place a wrong token or no way to Slack shows.
        app = App(
            client=make_web_client(settings),
            signing_secret=settings.slack_signing_secret,
            request_verification_enabled=True,
            process_before_response=True,
            name="oura-bot",
            logger=bolt_logger(),
            listener_executor=executor,
        )
    except BoltError as error:
        raise SettingsError(
            f"Slack did not accept SLACK_BOT_TOKEN ({_slack_reason(error)}): check the bot token "
            "in the environment or .env (OAuth & Permissions > Bot User OAuth Token)"
        ) from None
    except OSError as error:  # URLError, refused or timed-out connections
        raise SettingsError(
            f"could not reach Slack at {settings.slack_api_url} ({getattr(error, 'reason', error)})"
            ": check the network, or SLACK_API_URL if it is set"
        ) from None

    @app.middleware
    def log_request(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        log.info("%s", request_summary(body))
        return next()

    @app.middleware
    def inject_services(context: BoltContext, next: Callable[[], Any]) -> Any:
        put_services(context, services)
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
    _services[app] = services
    _executors[app] = executor
    return app


# The services each app was built with, for the sandbox that drives an app from outside.
_services: WeakKeyDictionary[App, Services] = WeakKeyDictionary()


def services_of(app: App) -> Services:
    return _services[app]


_executors: WeakKeyDictionary[App, Executor] = WeakKeyDictionary()


def finish_lazy_work(app: App) -> None:
    """Waits for the lazy work already acked (a post, a balance refresh) and takes no more:
    on shutdown a request Slack was told is handled is not cut off half-way."""
    executor = _executors.pop(app, None)
    if executor is not None:
        executor.shutdown(wait=True)


def _slack_reason(error: BoltError) -> str:
    """The error code Slack gave (`invalid_auth`, `token_revoked`…), from Bolt's message."""
    text = str(error)
    for code in (
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "account_inactive",
        "token_expired",
    ):
        if code in text:
            return code
    return text.splitlines()[0][:80]


def request_summary(body: dict[str, Any]) -> str:
    """One log line per request: its kind, team, user and command or action, never a secret
    (the body's legacy `token`, response_url and trigger_id are left out on purpose)."""
    kind = body.get("type") or ("slash_command" if body.get("command") else "request")
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    what: str | None
    if body.get("command"):
        verb = (str(body.get("text") or "").split() or ["(form)"])[0][:20]
        what = f"{body['command']} {verb}"
    elif body.get("actions"):
        what = ",".join(str(a.get("action_id")) for a in body["actions"] if isinstance(a, dict))
    elif isinstance(body.get("view"), dict):
        what = str(body["view"].get("callback_id"))
    else:
        what = event.get("type")
    channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
    team_id = team.get("id") or body.get("team_id")
    user_id = user.get("id") or body.get("user_id") or event.get("user")
    channel_id = body.get("channel_id") or channel.get("id") or event.get("channel")
    return f"request type={kind} team={team_id} user={user_id} what={what} channel={channel_id}"
