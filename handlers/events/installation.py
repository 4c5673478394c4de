"""The installation: Slack uninstalled the app or revoked its bot token (the clock stops
sending; the data stays until a person deletes it), or a staff member's Slack account was
deactivated (their accounts show "no contact" on the App Home). Each delivery acts once."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from handlers.context import ack_now, services_from
from handlers.errors import logged
from handlers.replies import log


def register(app: App) -> None:
    app.event("app_uninstalled")(ack=ack_now, lazy=[logged(app_uninstalled)])
    app.event("tokens_revoked")(ack=ack_now, lazy=[logged(tokens_revoked)])
    app.event("user_change")(ack=ack_now, lazy=[logged(user_change)])


def _first_time(context: BoltContext, body: dict[str, Any]) -> bool:
    if services_from(context).deliveries.first(body.get("event_id")):
        return True
    log.info("event %s already handled (retry %s)", body.get("event_id"), body.get("retry_attempt"))
    return False


def app_uninstalled(body: dict[str, Any], context: BoltContext) -> None:
    if _first_time(context, body):
        services_from(context).installation.uninstalled("app_uninstalled")


def tokens_revoked(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """Only the bot's token matters: user tokens (`oauth`) are not used."""
    tokens = event.get("tokens") if isinstance(event.get("tokens"), dict) else {}
    if tokens.get("bot") and _first_time(context, body):
        services_from(context).installation.uninstalled("tokens_revoked")


def user_change(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """Most of these are profile edits: only a change of `deleted` is acted on (the service
    writes only when it changes what is stored)."""
    user = event.get("user") if isinstance(event.get("user"), dict) else {}
    user_id, deleted = user.get("id"), user.get("deleted")
    if not isinstance(user_id, str) or not isinstance(deleted, bool):
        return
    if _first_time(context, body):
        services_from(context).installation.user_changed(user_id, deleted)
