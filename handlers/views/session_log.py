"""The log DM's form: a session held for another length, with its attendees and a note."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks import ids
from bot.blocks.session_log import logged_dm
from bot.domain.identity import Action
from bot.domain.session_log import MAX_ATTENDEES, MAX_NOTE
from bot.domain.slacktext import has_control
from bot.i18n import _
from bot.services.booking import SessionChange
from bot.services.books import NeedsBillableConfirmation
from handlers.balance import refresh_balance
from handlers.context import follow_up
from handlers.errors import attempt
from handlers.guard import Asked, FollowUp, form, in_form
from handlers.payloads import field
from handlers.replies import STAFF_ONLY, direct_message, refuse_form
from handlers.views import fields


def register(app: App) -> None:
    app.view(ids.LOG_SESSION_MODAL)(ack=submit_log_session, lazy=[follow_up])


def _typed(view: dict[str, Any], block_id: str, most: int, errors: fields.Errors) -> str:
    """A free-text field as typed (a form's text is not Slack-escaped), trimmed."""
    text = str(field(view, block_id).get("value") or "").strip()
    if len(text) > most:
        errors[block_id] = _("At most {most} characters.", most=most)
    elif has_control(text.replace("\n", "")):
        errors[block_id] = _("There is a control character in it; type it again.")
    return text


@form(Action.LOG_HELD, STAFF_ONLY, at=ids.FIELD_MINUTES, metadata=("channel_id", "session_id"))
def submit_log_session(asked: Asked, ack: Ack, view: dict[str, Any]) -> FollowUp | None:
    errors: fields.Errors = {}
    minutes = fields.minutes(field(view, ids.FIELD_MINUTES).get("value"), errors)
    attendees = _typed(view, ids.FIELD_ATTENDEES, MAX_ATTENDEES, errors)
    note = _typed(view, ids.FIELD_NOTE, MAX_NOTE, errors)
    if errors:
        ack(response_action="errors", errors=errors)
        return None
    channel, session_id = asked.channel_id or "", asked.metadata["session_id"]
    booking = asked.services.booking

    def log() -> SessionChange | None:
        try:
            return booking.log_held(
                asked.actor, channel, session_id, minutes, False, True, attendees, note
            )
        except NeedsBillableConfirmation as refusal:
            number = booking.session_in_channel(channel, session_id).number
            hint = fields.billable_log_hint(refusal.reason, number, minutes)
            refuse_form(ack, ids.FIELD_MINUTES, hint)
            return None

    mistake, _sorry = in_form(ack, ids.FIELD_MINUTES)
    change = attempt("log session form", log, mistake, session=session_id)  # not for people
    if change is None:
        return None
    ack()
    dm_channel, dm_ts = asked.metadata.get("dm_channel"), asked.metadata.get("dm_ts")

    def after() -> None:
        message = logged_dm(change, counts_as_used=True)  # held: no no-show rule involved
        if isinstance(dm_channel, str) and dm_channel and isinstance(dm_ts, str) and dm_ts:
            asked.client.chat_update(channel=dm_channel, ts=dm_ts, **message.as_kwargs())
        else:
            direct_message(asked.client, asked.user_id, message)
        refresh_balance(asked.client, asked.services, change.account)

    return after
