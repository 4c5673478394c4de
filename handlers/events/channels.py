"""The linked channel changes: a private channel shared with Slack Connect gets a new id, and
sharing it tells us the customer's team. Each delivery acts once, however often Slack repeats
it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from handlers.context import services_from
from handlers.replies import log


def register(app: App) -> None:
    app.event("channel_id_changed")(channel_id_changed)
    app.event("channel_shared")(channel_shared)


def _first_time(context: BoltContext, body: dict[str, Any]) -> bool:
    if services_from(context).deliveries.first(body.get("event_id")):
        return True
    log.info("event %s already handled (retry %s)", body.get("event_id"), body.get("retry_attempt"))
    return False


def channel_id_changed(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """A private channel shared with Slack Connect gets a new id; the link follows it."""
    if not _first_time(context, body):
        return
    old, new = event.get("old_channel_id"), event.get("new_channel_id")
    if old and new and services_from(context).booking.move_channel(old, new):
        log.info("account link moved from channel %s to %s", old, new)


def channel_shared(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """The channel now includes the customer's team: its users become the buyers here."""
    if not _first_time(context, body):
        return
    channel, team = event.get("channel"), event.get("connected_team_id")
    if channel and team and services_from(context).booking.set_customer_team(channel, team):
        log.info("channel %s is shared with customer team %s", channel, team)
