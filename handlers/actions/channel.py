"""The buttons on the bot's posts in a customer's channel, for anyone linked there: buyers get
the request form, staff the booking form; both see the usage card and can ask for support."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from slack_bolt import App

from bot.blocks import ids
from bot.blocks.sessions import usage_card
from bot.domain.identity import Action
from handlers.context import ack_now
from handlers.forms import Form
from handlers.guard import Asked, button
from handlers.replies import NOT_HERE


def register(app: App) -> None:
    app.action(ids.REQUEST_SESSION)(ack=ack_now, lazy=[request_session])
    app.action(ids.SHOW_USAGE)(ack=ack_now, lazy=[show_usage])
    app.action(ids.GET_SUPPORT)(ack=ack_now, lazy=[get_support])
    app.action(re.compile(f"^{ids.REQUEST_SLOT_PREFIX}[0-9]+$"))(ack=ack_now, lazy=[request_slot])


@button(Action.REQUEST_SESSION, NOT_HERE, needs_account=True)
def request_session(asked: Asked) -> None:
    """Buyers get the request form; staff get the booking form."""
    form = Form(asked.services, asked.client, asked.body["trigger_id"], asked.channel_id or "")
    if asked.access.is_staff:
        form.booking(asked.services.booking.now(), asked.user_id)
    else:
        form.request(asked.services.booking.now(), asked.user_id)


def _slot(value: str) -> datetime | None:
    """A slot button's value: its start in epoch seconds."""
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None  # not a time: the click is refused


@button(Action.REQUEST_SESSION, NOT_HERE, needs_account=True, target=_slot)
def request_slot(asked: Asked) -> None:
    """A pace warning's free slot: the same forms as "Request a session", set to that time."""
    form = Form(asked.services, asked.client, asked.body["trigger_id"], asked.channel_id or "")
    now = asked.services.booking.now()
    if asked.access.is_staff:
        form.booking(now, asked.user_id, asked.target)
    else:
        form.request(now, asked.user_id, asked.target)


@button(Action.SHOW_USAGE, NOT_HERE, needs_account=True)
def show_usage(asked: Asked) -> None:
    services, channel = asked.services, asked.channel_id or ""
    now = services.booking.now()
    usage = services.booking.usage(channel, now)
    # Buyers see their own account's open cases, without staff-only flags.
    card = usage_card(usage, for_staff=asked.access.is_staff, cases=usage.open_cases, now=now)
    asked.client.chat_postEphemeral(channel=channel, user=asked.user_id, **card.as_kwargs())


@button(Action.OPEN_SUPPORT, NOT_HERE, needs_account=True)
def get_support(asked: Asked) -> None:
    form = Form(asked.services, asked.client, asked.body["trigger_id"], asked.channel_id or "")
    form.support(asked.services.booking.now())
