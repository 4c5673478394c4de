"""Staff-only buttons on a booked session's post: cancel it, or log it as held (a form)."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import ids
from bot.blocks.requests import log_held_modal
from bot.blocks.sessions import booking_reply
from bot.domain.identity import Action
from bot.domain.packages import SessionType
from bot.i18n import _
from handlers.announce import announce
from handlers.context import ack_now
from handlers.guard import Asked, button
from handlers.payloads import id_value
from handlers.replies import STAFF_ONLY


def register(app: App) -> None:
    app.action(ids.CANCEL_SESSION)(ack=ack_now, lazy=[cancel_session])
    app.action(ids.LOG_HELD)(ack=ack_now, lazy=[log_held])


@button(Action.CANCEL, STAFF_ONLY, target=id_value)
def cancel_session(asked: Asked) -> None:
    # The session must belong to this channel's account, or cancel() finds none.
    channel = asked.channel_id or ""
    change = asked.services.booking.cancel(asked.actor, channel, asked.target)
    announce(asked.client, change, asked.services)
    if change.absorbed:
        # The freed minutes went to billable bookings: the clicker is told which, privately.
        note = booking_reply(change)
        asked.client.chat_postEphemeral(channel=channel, user=asked.user_id, **note.as_kwargs())


@button(Action.LOG_HELD, STAFF_ONLY, target=id_value)
def log_held(asked: Asked) -> None:
    channel, session_id = asked.channel_id or "", asked.target
    session = asked.services.booking.session_in_channel(channel, session_id)
    # The type's label is marked in bot/domain/packages.py.
    label = f"*{_(SessionType(session.session_type).label)}* #{session.number}"
    metadata = asked.services.signer.dumps({"channel_id": channel, "session_id": session_id})
    view = log_held_modal(metadata, label, session.minutes_held or session.minutes_booked)
    asked.client.views_open(trigger_id=asked.body["trigger_id"], view=view)
