"""The customer's forms to move or cancel a booked session (issue 17): checked and saved
before the ack, then the channel is told and the vendor contact gets a DM to answer."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks import ids
from bot.blocks.session_asks import ask_dm, ask_posted
from bot.domain.identity import Action
from bot.domain.requests import RequestKind
from bot.i18n import _
from bot.services.session_asks import AskView
from handlers.availability import preferred_times
from handlers.context import follow_up
from handlers.errors import attempt
from handlers.guard import Asked, FollowUp, form, in_form
from handlers.payloads import field
from handlers.replies import NOT_IN_THAT_CHANNEL, message_person, post_for_account

# What the forms act on: the channel, its account and the session (ids are signed numbers).
SIGNED = ("channel_id", "account_id", "session_id")


def register(app: App) -> None:
    app.view(ids.ASK_MOVE_MODAL)(ack=submit_move, lazy=[follow_up])
    app.view(ids.ASK_CANCEL_MODAL)(ack=submit_cancel, lazy=[follow_up])


@form(Action.ASK_CHANGE, NOT_IN_THAT_CHANNEL, at=ids.FIELD_NOTE, metadata=SIGNED)
def submit_move(asked: Asked, ack: Ack, view: dict[str, Any]) -> FollowUp | None:
    errors: dict[str, str] = {}
    minutes = asked.services.booking.session_in_channel(
        asked.channel_id or "", asked.metadata["session_id"]
    ).minutes_booked
    times = preferred_times(asked, view, minutes, errors)
    if errors:
        ack(response_action="errors", errors=errors)
        return None
    return _ask(asked, ack, view, RequestKind.MOVE, times, ids.field_preferred_time(1))


@form(Action.ASK_CHANGE, NOT_IN_THAT_CHANNEL, at=ids.FIELD_NOTE, metadata=SIGNED)
def submit_cancel(asked: Asked, ack: Ack, view: dict[str, Any]) -> FollowUp | None:
    return _ask(asked, ack, view, RequestKind.CANCEL, [], ids.FIELD_NOTE)


def _ask(
    asked: Asked,
    ack: Ack,
    view: dict[str, Any],
    kind: RequestKind,
    times: list[Any],
    at: str,
) -> FollowUp | None:
    note = str(field(view, ids.FIELD_NOTE).get("value") or "")
    account_id, session_id = asked.access.account_id, asked.metadata["session_id"]
    assert account_id is not None
    mistake, sorry = in_form(ack, at, sorry_at=ids.FIELD_NOTE)
    request = attempt(
        "session change form",  # not for people
        lambda: asked.services.asks.ask(asked.actor, account_id, session_id, kind, times, note),
        mistake,
        sorry,
        user=asked.user_id,
    )
    if request is None:
        return None
    ack()
    return lambda: _tell_everyone(asked, request)


def _tell_everyone(asked: Asked, request: AskView) -> None:
    """The channel reads its account's language, the Oura contact their own; the customer who
    sent the form is answered in theirs."""
    services = asked.services
    post_for_account(asked.client, request.account, lambda: ask_posted(request))
    hours = services.settings.late_cancel_hours
    vendor = request.account.vendor_contact_id
    if message_person(asked.client, services, vendor, lambda: ask_dm(request, hours)):
        asked.tell(_("Your request is sent: your Oura contact will answer here in the channel."))
    else:
        asked.tell(
            _(
                "Your request is saved, but I couldn't reach your Oura contact directly; "
                "please mention them here."
            )
        )
