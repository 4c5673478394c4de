"""Buttons on the bot's posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.messages import booking_modal
from bot.post_messages import OPEN_BOOKING
from handlers.common import log, requester_is_staff, services_from


def register(app: App) -> None:
    app.action(OPEN_BOOKING)(open_booking)


def open_booking(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """ "Book a session" on a clock post: staff get the booking form; buyers are told who books."""
    ack()
    user = body.get("user") or {}
    channel_id = (body.get("channel") or {}).get("id", "")
    services = services_from(context)
    account = services.booking.account_for_channel(channel_id)
    try:
        if account is None:
            return
        if requester_is_staff(
            context, user.get("team_id"), (body.get("enterprise") or {}).get("id")
        ):
            initial = (datetime.now(UTC) + timedelta(days=1)).replace(
                minute=0, second=0, microsecond=0
            )
            client.views_open(
                trigger_id=body["trigger_id"],
                view=booking_modal(channel_id, account.company, initial),
            )
            return
        client.chat_postEphemeral(
            channel=channel_id,
            user=user.get("id", ""),
            text=(
                f"<@{account.vendor_contact_id}> books sessions for {account.company}: "
                "say here which times suit you and they will confirm one."
            ),
        )
    except Exception:
        log.exception("open_booking failed for user %s in %s", user.get("id"), channel_id)
