"""A customer asks to move or cancel a booked session from its post or reminder (the two
forms open here); the vendor contact confirms or declines in their DM (issue 17)."""

from __future__ import annotations

from typing import NamedTuple

from slack_bolt import App

from bot.blocks import ids
from bot.blocks.availability import slot_select
from bot.blocks.session_asks import (
    ask_billable_prompt,
    ask_cancel_modal,
    ask_clash_prompt,
    ask_declined_dm,
    ask_declined_post,
    ask_done_dm,
    ask_move_modal,
)
from bot.domain.availability import NeedsClashConfirmation
from bot.domain.errors import NotFound
from bot.domain.identity import Action
from bot.domain.packages import SessionState
from bot.i18n import _, current
from bot.services.availability import SLOTS_OFFERED
from bot.services.books import NeedsBillableConfirmation
from bot.services.clashes import ClashCheck
from handlers.actions.requests import chosen_time, confirmed, request_choice, with_confirmed
from handlers.announce import announce
from handlers.availability import vendor_zone
from handlers.context import ack_now
from handlers.guard import Asked, Where, button
from handlers.payloads import id_value
from handlers.replies import NOT_HERE, STAFF_ONLY, post_for_account
from handlers.slack_users import user_timezone


class Upcoming(NamedTuple):
    number: int
    minutes_booked: int


# The values of the cancel buttons in the vendor contact's DM (`<request id>:c`): cancel
# and give the time back, or (a late cancel) cancel with its time counted as used.
CANCEL_CHOICE, COUNTED_CANCEL_CHOICE = "c", "u"  # not for people: buttons' values


def register(app: App) -> None:
    app.action(ids.ASK_MOVE)(ack=ack_now, lazy=[ask_move])
    app.action(ids.ASK_CANCEL)(ack=ack_now, lazy=[ask_cancel])
    app.action(ids.CONFIRM_ASK)(ack=ack_now, lazy=[confirm_ask])
    app.action(ids.CONFIRM_ASK_CLASH)(ack=ack_now, lazy=[confirm_ask_clash])
    app.action(ids.CONFIRM_ASK_BILLABLE)(ack=ack_now, lazy=[confirm_ask_billable])
    app.action(ids.DECLINE_ASK)(ack=ack_now, lazy=[decline_ask])


# -- the customer's buttons on a session's post and reminders ---------------------------------


@button(Action.ASK_CHANGE, NOT_HERE, target=id_value, needs_account=True)
def ask_move(asked: Asked) -> None:
    session = _upcoming(asked)
    if session is None:
        return
    account = asked.services.booking.account_for_channel(asked.channel_id or "")
    assert account is not None
    services, client = asked.services, asked.client
    tz = vendor_zone(client, services, account)
    # The vendor contact's next free slots of the session's length.
    now, minutes = services.booking.now(), session.minutes_booked
    slots = services.availability.free_slots(
        account.vendor_contact_id, tz, now, minutes, SLOTS_OFFERED
    )
    reader_zone = user_timezone(client, asked.user_id, services) or account.timezone
    metadata = _metadata(asked, vendor_tz=slots.vendor_zone)
    client.views_open(
        trigger_id=asked.body["trigger_id"],
        view=ask_move_modal(metadata, session.number, slot_select(slots, reader_zone)),
    )


@button(Action.ASK_CHANGE, NOT_HERE, target=id_value, needs_account=True)
def ask_cancel(asked: Asked) -> None:
    session = _upcoming(asked)
    if session is None:
        return
    asked.client.views_open(
        trigger_id=asked.body["trigger_id"],
        view=ask_cancel_modal(_metadata(asked), session.number),
    )


def _upcoming(asked: Asked) -> Upcoming | None:
    """The clicked session's number and length when it is this channel's and still coming up; else
    the clicker is told why not (None)."""
    booking = asked.services.booking
    try:
        session = booking.session_in_channel(asked.channel_id or "", asked.target)
    except NotFound:
        asked.tell(_(NOT_HERE))
        return None
    if session.state != SessionState.BOOKED or session.starts_at <= booking.now():
        asked.tell(
            _(
                "Session #{number} is no longer coming up, so it can't be changed.",
                number=session.number,
            )
        )
        return None
    return Upcoming(session.number, session.minutes_booked)


def _metadata(asked: Asked, **more: str) -> str:
    """What the form acts on, signed: the channel, its account and the session."""
    return asked.services.signer.dumps(
        {
            "channel_id": asked.channel_id,
            "account_id": asked.access.account_id,
            "session_id": asked.target,
            # The form is answered in the language it was opened in.
            "lang": current(),
            **more,
        }
    )


# -- the vendor contact's DM about the request ------------------------------------------------


@button(Action.CONFIRM_REQUEST, STAFF_ONLY, Where.DM, target=request_choice)
def confirm_ask(asked: Asked) -> None:
    _settle(asked, anyway=False)


@button(Action.CONFIRM_REQUEST, STAFF_ONLY, Where.DM, target=request_choice)
def confirm_ask_clash(asked: Asked) -> None:
    _settle(asked, anyway=True)


@button(Action.CONFIRM_REQUEST, STAFF_ONLY, Where.DM, target=request_choice)
def confirm_ask_billable(asked: Asked) -> None:
    _settle(asked, billable=True)


def _settle(asked: Asked, anyway: bool = False, billable: bool = False) -> None:
    request_id, choice = asked.target
    asks = asked.services.asks
    view = asks.get(request_id)
    base, billable_before, anyway_before = confirmed(choice)
    if base in (CANCEL_CHOICE, COUNTED_CANCEL_CHOICE):
        view, change = asks.confirm_cancel(
            asked.actor, request_id, counts_as_used=base == COUNTED_CANCEL_CHOICE
        )
    else:
        anyway, billable = anyway or anyway_before, billable or billable_before
        clash = ClashCheck(vendor_zone(asked.client, asked.services, view.account), anyway)
        try:
            view, change = asks.confirm_move(
                asked.actor, request_id, chosen_time(view, choice), clash, billable
            )
        except NeedsClashConfirmation as refusal:
            # The time is busy for the vendor contact now: they say whether to move to it.
            asked.replace_message(
                ask_clash_prompt(view, with_confirmed(choice, billable, False), refusal)
            )
            return
        except NeedsBillableConfirmation as refusal:
            # The new time goes past what the package includes: billable only if confirmed.
            asked.replace_message(
                ask_billable_prompt(view, with_confirmed(choice, False, anyway), refusal.reason)
            )
            return
    problem = announce(asked.client, change, asked.services)
    asked.replace_message(ask_done_dm(view, problem))


@button(Action.DECLINE_REQUEST, STAFF_ONLY, Where.DM, target=id_value)
def decline_ask(asked: Asked) -> None:
    view = asked.services.asks.decline(asked.actor, asked.target)
    post_for_account(asked.client, view.account, lambda: ask_declined_post(view))
    asked.replace_message(ask_declined_dm(view))
