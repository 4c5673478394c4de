"""A buyer's session request: the vendor contact confirms a time, proposes another or declines
(buttons in their DM); the buyer accepts a proposed time in the shared channel."""

from __future__ import annotations

from datetime import datetime

from slack_bolt import App

from bot.blocks import ids
from bot.blocks.availability import clash_prompt
from bot.blocks.requests import (
    billable_prompt,
    declined_post,
    propose_modal,
    request_booked_dm,
    request_declined_dm,
)
from bot.domain.availability import NeedsClashConfirmation
from bot.domain.errors import OuraError
from bot.domain.identity import Action
from bot.i18n import _
from bot.services.books import NeedsBillableConfirmation
from bot.services.clashes import ClashCheck
from bot.services.requests import RequestView
from handlers.announce import announce
from handlers.availability import vendor_zone
from handlers.context import ack_now
from handlers.guard import Asked, Where, button
from handlers.payloads import id_value
from handlers.replies import NOT_HERE, STAFF_ONLY, message_person, post_for_account


def register(app: App) -> None:
    app.action(ids.CONFIRM_REQUEST)(ack=ack_now, lazy=[confirm_request])
    app.action(ids.CONFIRM_BILLABLE)(ack=ack_now, lazy=[confirm_request_billable])
    app.action(ids.CONFIRM_CLASH)(ack=ack_now, lazy=[confirm_request_clash])
    app.action(ids.PROPOSE_TIME)(ack=ack_now, lazy=[propose_time])
    app.action(ids.DECLINE_REQUEST)(ack=ack_now, lazy=[decline_request])
    app.action(ids.ACCEPT_PROPOSAL)(ack=ack_now, lazy=[accept_proposal])


def request_choice(value: str) -> tuple[int, str] | None:
    """`<request id>:<choice>`: a preferred time's index, or `p` for the proposed time."""
    request_id, _, choice = value.partition(":")
    number = id_value(request_id)
    return (number, choice) if number is not None and choice else None


def confirmed(choice: str) -> tuple[str, bool, bool]:
    """A choice and what was confirmed with it before: `0+b` (billable), `p+a` (a clash),
    `1+ab` (both), so a second prompt's button keeps what the first one confirmed."""
    base, _, flags = choice.partition("+")
    return base, "b" in flags, "a" in flags


def with_confirmed(choice: str, billable: bool, anyway: bool) -> str:
    flags = ("b" if billable else "") + ("a" if anyway else "")
    return f"{confirmed(choice)[0]}+{flags}" if flags else confirmed(choice)[0]


def chosen_time(view: RequestView, choice: str) -> datetime:
    choice = confirmed(choice)[0]
    if choice == "p":
        if view.request.proposed_time is None:
            raise OuraError("Request #{id} has no proposed time.", id=view.request.id)
        return view.request.proposed_time
    index = id_value(choice)
    times = view.preferred_times
    if index is None or index >= len(times):
        raise OuraError("Request #{id} has no such time.", id=view.request.id)
    return times[index]


# -- the vendor contact's DM about a request ---------------------------------------------------


@button(Action.CONFIRM_REQUEST, STAFF_ONLY, Where.DM, target=request_choice)
def confirm_request(asked: Asked) -> None:
    _settle(asked, billable=False)


@button(Action.CONFIRM_REQUEST, STAFF_ONLY, Where.DM, target=request_choice)
def confirm_request_billable(asked: Asked) -> None:
    _settle(asked, billable=True)


@button(Action.CONFIRM_REQUEST, STAFF_ONLY, Where.DM, target=request_choice)
def confirm_request_clash(asked: Asked) -> None:
    _settle(asked, anyway=True)


def _settle(asked: Asked, billable: bool = False, anyway: bool = False) -> None:
    request_id, choice = asked.target
    _base, billable_before, anyway_before = confirmed(choice)
    billable, anyway = billable or billable_before, anyway or anyway_before
    requests = asked.services.requests
    view = requests.get(request_id)
    clash = ClashCheck(vendor_zone(asked.client, asked.services, view.account), anyway)
    try:
        view, change = requests.confirm(
            asked.actor, request_id, chosen_time(view, choice), billable, clash
        )
    except NeedsBillableConfirmation as refusal:
        asked.replace_message(
            billable_prompt(view, with_confirmed(choice, False, anyway), refusal.reason)
        )
        return
    except NeedsClashConfirmation as refusal:
        # The requested time is busy for the vendor contact now: they say whether to book it.
        asked.replace_message(clash_prompt(view, with_confirmed(choice, billable, False), refusal))
        return
    problem = announce(asked.client, change, asked.services)
    asked.replace_message(request_booked_dm(view, change.session.number, problem))


@button(Action.PROPOSE_TIME, STAFF_ONLY, Where.DM, target=id_value)
def propose_time(asked: Asked) -> None:
    view = asked.services.requests.get(asked.target)
    metadata = asked.services.signer.dumps({"request_id": asked.target})
    asked.client.views_open(
        trigger_id=asked.body["trigger_id"], view=propose_modal(metadata, view.account.company)
    )


@button(Action.DECLINE_REQUEST, STAFF_ONLY, Where.DM, target=id_value)
def decline_request(asked: Asked) -> None:
    view = asked.services.requests.decline(asked.actor, asked.target)
    post_for_account(asked.client, view.account, lambda: declined_post(view))
    asked.replace_message(request_declined_dm(view))


# -- the buyer accepts a proposed time in the shared channel ----------------------------------


@button(Action.ACCEPT_PROPOSAL, NOT_HERE, target=id_value)
def accept_proposal(asked: Asked) -> None:
    requests = asked.services.requests
    view = requests.get(asked.target)
    if view.account.id != asked.access.account_id:
        # The button names a request of another account than this channel's.
        asked.tell(_(NOT_HERE))
        return
    clash = ClashCheck(vendor_zone(asked.client, asked.services, view.account))
    try:
        view, change = requests.confirm(
            asked.actor, asked.target, chosen_time(view, "p"), billable=False, clash=clash
        )
    except NeedsClashConfirmation as clashed:
        busy = clashed
        mention = f"<@{view.account.vendor_contact_id}>"
        asked.tell(
            _(
                "That time is no longer free for {vendor}, so they need to confirm it; they "
                "have been asked.",
                vendor=mention,
            )
        )
        message_person(
            asked.client,
            asked.services,
            view.account.vendor_contact_id,
            lambda: clash_prompt(view, "p", busy),
        )
        return
    except NeedsBillableConfirmation as refusal:
        vendor, reason = view.account.vendor_contact_id, refusal.reason
        mention = f"<@{vendor}>"
        asked.tell(
            _(
                "That time goes past what the package includes, so {vendor} needs to confirm "
                "it; they have been asked.",
                vendor=mention,
            )
        )
        # The buyer clicked; the prompt is for the Oura contact, in their language.
        message_person(
            asked.client,
            asked.services,
            vendor,
            lambda: billable_prompt(view, "p", reason),
        )
        return
    announce(asked.client, change, asked.services)
