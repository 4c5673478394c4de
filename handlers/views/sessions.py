"""Staff forms about sessions: the booking form, and logging a session as held."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks import ids
from bot.blocks.availability import clash_in_form
from bot.blocks.sessions import booking_reply
from bot.domain.availability import NeedsClashConfirmation
from bot.domain.identity import Action
from bot.i18n import _, say
from bot.services.booking import SessionChange
from bot.services.books import NeedsBillableConfirmation
from handlers.announce import announce
from handlers.availability import form_clash_check
from handlers.context import follow_up
from handlers.errors import attempt
from handlers.guard import Asked, FollowUp, form, in_form
from handlers.payloads import field, picked_time
from handlers.replies import STAFF_ONLY, refuse_form, with_warning
from handlers.views import fields


def register(app: App) -> None:
    app.view(ids.BOOKING_MODAL)(ack=submit_booking, lazy=[follow_up])
    app.view(ids.LOG_HELD_MODAL)(ack=submit_log_held, lazy=[follow_up])


@form(Action.BOOK, STAFF_ONLY, at=ids.FIELD_TYPE)
def submit_booking(asked: Asked, ack: Ack, view: dict[str, Any]) -> FollowUp | None:
    errors: fields.Errors = {}
    session_type = fields.session_type(view, errors)
    starts_at = picked_time(view, ids.FIELD_STARTS_AT)
    if starts_at is None:
        errors[ids.FIELD_STARTS_AT] = _("Choose the date and time the session starts.")
    minutes = fields.minutes(field(view, ids.FIELD_MINUTES).get("value"), errors)
    options = field(view, ids.FIELD_BILLABLE).get("selected_options") or []
    billable = any(option.get("value") == "billable" for option in options)
    join_url, note = fields.join_url(view, errors), fields.agenda(view, errors)
    ticked = field(view, ids.FIELD_CLASH).get("selected_options") or []
    anyway = any(option.get("value") == "anyway" for option in ticked)
    if errors:
        ack(response_action="errors", errors=errors)
        return None
    assert session_type is not None and starts_at is not None
    channel = asked.channel_id or ""

    def book() -> SessionChange | None:
        clash = form_clash_check(asked.services, channel, asked.metadata, anyway)
        try:
            return asked.services.booking.book(
                asked.actor,
                channel,
                session_type,
                starts_at,
                minutes,
                billable,
                join_url=join_url,
                agenda_note=note,
                clash=clash,
            )
        except NeedsBillableConfirmation as refusal:
            # The form has a checkbox for it: no `billable` to type here.
            refuse_form(ack, ids.FIELD_BILLABLE, say(refusal.in_form))
            return None
        except NeedsClashConfirmation as refusal:
            # Named under the form's "Book anyway" checkbox (a form opened before it had one
            # shows it under the start time).
            at = ids.FIELD_CLASH if _has_block(view, ids.FIELD_CLASH) else ids.FIELD_STARTS_AT
            refuse_form(ack, at, clash_in_form(refusal))
            return None

    # Booked before the ack, so a refusal can be shown on the form itself.
    mistake, sorry = in_form(ack, ids.FIELD_STARTS_AT, sorry_at=ids.FIELD_TYPE)
    change = attempt(
        "booking form",  # not for people
        book,
        mistake,
        sorry,
        user=asked.user_id,
        channel=channel,
    )
    if change is None:
        return None
    ack()
    return lambda: asked.tell(
        with_warning(booking_reply(change).text, announce(asked.client, change, asked.services))
    )


def _has_block(view: dict[str, Any], block_id: str) -> bool:
    """Whether the submitted form has that input (Slack sends every input's state)."""
    return block_id in (view.get("state") or {}).get("values", {})


@form(Action.LOG_HELD, STAFF_ONLY, at=ids.FIELD_MINUTES, metadata=("channel_id", "session_id"))
def submit_log_held(asked: Asked, ack: Ack, view: dict[str, Any]) -> FollowUp | None:
    errors: fields.Errors = {}
    minutes = fields.minutes(field(view, ids.FIELD_MINUTES).get("value"), errors)
    if errors:
        ack(response_action="errors", errors=errors)
        return None
    channel, session_id = asked.channel_id or "", asked.metadata["session_id"]

    def log_held() -> SessionChange | None:
        try:
            return asked.services.booking.log_held(asked.actor, channel, session_id, minutes, False)
        except NeedsBillableConfirmation as refusal:
            number = asked.services.booking.session_in_channel(channel, session_id).number
            hint = fields.billable_log_hint(refusal.reason, number, minutes)
            refuse_form(ack, ids.FIELD_MINUTES, hint)
            return None

    mistake, _sorry = in_form(ack, ids.FIELD_MINUTES)
    change = attempt("log as held form", log_held, mistake, session=session_id)  # not for people
    if change is None:
        return None
    ack()
    return lambda: asked.tell(
        with_warning(booking_reply(change).text, announce(asked.client, change, asked.services))
    )
