"""A buyer's session request form, and the time staff propose instead."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks import ids
from bot.blocks.availability import with_busy_note
from bot.blocks.base import Message
from bot.blocks.requests import proposal_post, request_acknowledgement, request_dm
from bot.domain.identity import Action
from bot.i18n import _
from handlers.availability import busy_times, preferred_times
from handlers.context import follow_up
from handlers.errors import attempt
from handlers.guard import Asked, FollowUp, form, in_form
from handlers.payloads import field, picked_time, selected
from handlers.replies import (
    NOT_IN_THAT_CHANNEL,
    STAFF_ONLY,
    message_person,
    post_for_account,
    refuse_form,
)
from handlers.views import fields


def register(app: App) -> None:
    app.view(ids.REQUEST_MODAL)(ack=submit_request, lazy=[follow_up])
    app.view(ids.PROPOSE_MODAL)(ack=submit_proposal, lazy=[follow_up])


@form(Action.REQUEST_SESSION, NOT_IN_THAT_CHANNEL, at=ids.FIELD_TYPE)
def submit_request(asked: Asked, ack: Ack, view: dict[str, Any]) -> FollowUp | None:
    errors: fields.Errors = {}
    session_type = fields.session_type(view, errors)
    minutes = fields.minutes(selected(view, ids.FIELD_MINUTES), errors)
    times = preferred_times(asked, view, minutes, errors)
    note = str(field(view, ids.FIELD_NOTE).get("value") or "")
    if errors:
        ack(response_action="errors", errors=errors)
        return None
    account_id = asked.access.account_id
    assert session_type is not None and account_id is not None
    mistake, sorry = in_form(ack, ids.field_preferred_time(1), sorry_at=ids.FIELD_TYPE)
    request = attempt(
        "session request form",  # not for people
        lambda: asked.services.requests.create(
            asked.actor, account_id, session_type, minutes, times, note
        ),
        mistake,
        sorry,
        user=asked.user_id,
    )
    if request is None:
        return None
    ack()

    def tell_everyone() -> None:
        # The channel reads its account's language, the Oura contact their own; the buyer who
        # sent the form is answered in theirs.
        post_for_account(asked.client, request.account, lambda: request_acknowledgement(request))
        vendor = request.account.vendor_contact_id
        # The times already busy for the Oura contact are marked as such in their DM.
        busy = busy_times(asked.client, asked.services, request)

        def dm() -> Message:
            return with_busy_note(request_dm(request), busy, request.account.timezone)

        if message_person(asked.client, asked.services, vendor, dm):
            # The channel's acknowledgement may be in another language than the buyer's.
            asked.tell(
                _(
                    "Your request is sent: your Oura contact will confirm one of your times, or "
                    "propose another, here in the channel."
                )
            )
        else:
            asked.tell(
                _(
                    "Your request is saved, but I couldn't reach your Oura contact directly; "
                    "please mention them here."
                )
            )

    return tell_everyone


@form(Action.PROPOSE_TIME, STAFF_ONLY, at=ids.FIELD_TIME, metadata=("request_id",))
def submit_proposal(asked: Asked, ack: Ack, view: dict[str, Any]) -> FollowUp | None:
    request_id = asked.metadata["request_id"]
    starts_at = picked_time(view, ids.FIELD_TIME)
    if starts_at is None:
        refuse_form(ack, ids.FIELD_TIME, _("Choose the time to propose."))
        return None
    mistake, _sorry = in_form(ack, ids.FIELD_TIME)
    request = attempt(
        "proposal form",  # not for people
        lambda: asked.services.requests.propose(asked.actor, request_id, starts_at),
        mistake,
        request=request_id,
    )
    if request is None:
        return None
    ack()
    return lambda: post_for_account(asked.client, request.account, lambda: proposal_post(request))
