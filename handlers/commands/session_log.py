"""`/oura-book` forms of the session log: a session's staff-only note and attendees, and quiet
corrections (unlog, delete). Sessions are named by their number in the account. Nothing of
these is posted in the customer's channel; a deleted booking's post is removed."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.blocks.base import Message, text_message
from bot.blocks.session_log import correction_reply, removed_post
from bot.domain import commands
from bot.i18n import _, speaking
from bot.services.booking import SessionChange
from handlers.balance import refresh_balance
from handlers.commands.sessions import Typed
from handlers.invites import send_invites
from handlers.replies import log, with_warning


def run(command: commands.Command, typed: Typed) -> Message:
    booking, actor, channel = typed.services.booking, typed.actor, typed.channel_id
    session_log = typed.services.session_log
    match command:
        case commands.SetSessionText(number, field, text):
            session_id = booking.session_id_for_number(channel, number)
            change = session_log.set_session_text(actor, channel, session_id, field, text)
            return correction_reply(change, field)
        case commands.Unlog(number):
            session_id = booking.session_id_for_number(channel, number)
            change = session_log.unlog(actor, channel, session_id)
            refresh_balance(typed.client, typed.services, change.account)
            return correction_reply(change)
        case commands.Delete(number):
            session_id = booking.session_id_for_number(channel, number)
            change = session_log.delete(actor, channel, session_id)
            reply = correction_reply(change)
            problem = _remove_post(typed, change)
            send_invites(typed.client, typed.services, change)  # off the staff's calendars
            refresh_balance(typed.client, typed.services, change.account)
            return text_message(with_warning(reply.text, problem))
    raise AssertionError(f"unhandled command {command!r}")


def _remove_post(typed: Typed, change: SessionChange) -> str | None:
    """Delete the booking's post in the channel; where Slack refuses, replace it with a
    neutral line. A note for staff when neither could be done."""
    ts, channel = change.session.post_ts, change.account.channel_id
    if not ts:
        return None  # announced before its ts was kept, or never posted
    client = typed.client
    try:
        client.chat_delete(channel=channel, ts=ts)
        return None
    except SlackApiError as error:
        log.info("chat.delete of %s in %s refused: %s", ts, channel, error.response.get("error"))
    try:
        with speaking(change.account.language):
            neutral = removed_post()
        client.chat_update(channel=channel, ts=ts, **neutral.as_kwargs())
        return None
    except SlackApiError as error:
        code = error.response.get("error")
        log.warning("chat.update of %s in %s failed: %s", ts, channel, code)
        return _("I could not remove its post in the channel (Slack said `{code}`).", code=code)
