"""The linked channel changes: a private channel shared with Slack Connect gets a new id, and
sharing it tells us the customer's team. Each delivery acts once, however often Slack repeats
it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.domain.identity import customer_ids_among
from handlers.context import ack_now, installation_from, services_from
from handlers.errors import logged
from handlers.replies import log


def register(app: App) -> None:
    app.event("channel_id_changed")(ack=ack_now, lazy=[logged(channel_id_changed)])
    app.event("channel_shared")(ack=ack_now, lazy=[logged(channel_shared)])
    app.event("channel_unarchive")(ack=ack_now, lazy=[logged(channel_unarchived)])
    app.event("group_unarchive")(ack=ack_now, lazy=[logged(channel_unarchived)])


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
    """The channel now includes another workspace or organization (`connected_team_id`, a
    `T…` or an `E…`): the customer is known by it too, and its people are buyers here. The
    newest word wins: an id kept before is updated, never left as first recorded."""
    if not _first_time(context, body):
        return
    channel = event.get("channel")
    ids = customer_ids_among([event.get("connected_team_id")], installation_from(context))
    if not (channel and ids):
        return
    if services_from(context).booking.record_customer_ids(channel, ids, "channel_shared"):
        log.info("channel %s is shared with customer %s", channel, ids[0])
    else:
        log.info("channel %s is shared with %s but linked to no account yet", channel, ids[0])


def channel_unarchived(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """A channel Slack refused as archived is open again: the clock posts there again."""
    if not _first_time(context, body):
        return
    channel = event.get("channel")
    if isinstance(channel, str) and services_from(context).booking.channel_back(channel):
        log.info("channel %s was unarchived: the clock posts there again", channel)
