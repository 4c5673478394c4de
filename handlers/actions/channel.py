"""The buttons on the bot's posts in a customer's channel, for anyone linked there: buyers get
the request form, staff the booking form; both see the usage card and can ask for support."""

from __future__ import annotations

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


@button(Action.REQUEST_SESSION, NOT_HERE, needs_account=True)
def request_session(asked: Asked) -> None:
    """Buyers get the request form; staff get the booking form."""
    form = Form(asked.services, asked.client, asked.body["trigger_id"], asked.channel_id or "")
    if asked.access.is_staff:
        form.booking(asked.services.booking.now(), asked.user_id)
    else:
        form.request(asked.services.booking.now(), asked.user_id)


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
