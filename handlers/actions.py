"""Buttons on the bot's posts and DMs. Each asks `authorize` first; a refusal changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import buttons
from bot.blocks.requests import (
    billable_prompt,
    declined_post,
    log_held_modal,
    propose_modal,
    request_modal,
    request_settled_dm,
)
from bot.blocks.sessions import booked_post, booking_modal, cancelled_post, usage_card
from bot.domain.errors import OuraError
from bot.domain.identity import Action
from bot.domain.packages import SessionType
from bot.domain.timeutil import suggested_start
from bot.services.booking import Booked, NeedsBillableConfirmation
from bot.services.container import Services
from bot.services.requests import RequestView
from handlers.common import (
    NOT_HERE,
    SORRY,
    STAFF_ONLY,
    actor_of,
    answer_privately,
    authorize,
    direct_message,
    guarded,
    in_dm,
    log,
    post_in_channel,
    requester_from,
    services_from,
    tell,
)
from handlers.payloads import channel_of, id_value, staff_dm_click, value_of


def register(app: App) -> None:
    app.action(buttons.REQUEST_SESSION)(request_session)
    app.action(buttons.SHOW_USAGE)(show_usage)
    app.action(buttons.CANCEL_SESSION)(cancel_session)
    app.action(buttons.LOG_HELD)(log_held)
    app.action(buttons.CONFIRM_REQUEST)(confirm_request)
    app.action(buttons.CONFIRM_BILLABLE)(confirm_request_billable)
    app.action(buttons.PROPOSE_TIME)(propose_time)
    app.action(buttons.DECLINE_REQUEST)(decline_request)
    app.action(buttons.ACCEPT_PROPOSAL)(accept_proposal)


# -- in the shared channel: anyone linked ----------------------------------------------------


def request_session(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Buyers get the request form; staff get the booking form."""
    ack()
    requester, channel = requester_from(body), channel_of(body)
    access = authorize(context, requester, channel, Action.REQUEST_SESSION)
    if access is None or access.account_id is None:
        tell(client, channel, requester.user_id, NOT_HERE)
        return
    services = services_from(context)

    def work() -> None:
        account = services.booking.account_for_channel(channel)
        assert account is not None
        metadata = services.signer.dumps({"channel_id": channel, "account_id": account.id})
        view = (
            booking_modal(metadata, account.company, suggested_start(services.booking.clock()))
            if access.is_staff
            else request_modal(metadata, account.company)
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    guarded("request_session", body, client, work)


def show_usage(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    requester, channel = requester_from(body), channel_of(body)
    access = authorize(context, requester, channel, Action.SHOW_USAGE)
    if access is None or access.account_id is None:
        tell(client, channel, requester.user_id, NOT_HERE)
        return
    services = services_from(context)

    def work() -> None:
        now = services.booking.clock()
        usage = services.booking.usage(channel, now)
        # Buyers see their own account's open cases, without staff-only flags.
        cases = services.support.open_cases(usage.account.id or 0, now)
        card = usage_card(usage, for_staff=access.is_staff, cases=cases, now=now)
        client.chat_postEphemeral(channel=channel, user=requester.user_id, **card.as_kwargs())

    guarded("show_usage", body, client, work)


# -- staff-only buttons on session posts -------------------------------------------------------


def cancel_session(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    requester, channel = requester_from(body), channel_of(body)
    session_id = id_value(value_of(body))
    if authorize(context, requester, channel, Action.CANCEL) is None or session_id is None:
        tell(client, channel, requester.user_id, STAFF_ONLY)
        return
    services = services_from(context)

    def work() -> None:
        # The session must belong to this channel's account, or cancel() finds none.
        booked = services.booking.cancel(actor_of(requester), channel, session_id)
        post_in_channel(client, channel, cancelled_post(booked))

    guarded("cancel_session", body, client, work)


def log_held(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    requester, channel = requester_from(body), channel_of(body)
    session_id = id_value(value_of(body))
    if authorize(context, requester, channel, Action.LOG_HELD) is None or session_id is None:
        tell(client, channel, requester.user_id, STAFF_ONLY)
        return
    services = services_from(context)

    def work() -> None:
        session = services.booking.session_in_channel(channel, session_id)
        label = f"*{SessionType(session.session_type).label}* #{session.id}"
        metadata = services.signer.dumps({"channel_id": channel, "session_id": session_id})
        view = log_held_modal(metadata, label, session.minutes_held or session.minutes_booked)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    guarded("log_held", body, client, work)


# -- the vendor contact's DM about a request ---------------------------------------------------


def _request_choice(value: str) -> tuple[int, str] | None:
    request_id, _, choice = value.partition(":")
    number = id_value(request_id)
    return (number, choice) if number is not None and choice else None


def _settle_request(
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
    billable: bool,
) -> None:
    requester = requester_from(body)
    parsed = _request_choice(value_of(body))
    if authorize(context, requester, None, Action.CONFIRM_REQUEST) is None or parsed is None:
        answer_privately(respond, STAFF_ONLY)
        return
    request_id, choice = parsed
    services = services_from(context)
    try:
        view = services.requests.get(request_id)
        starts_at = _chosen_time(view, choice)
        try:
            view, booked = services.requests.confirm(
                actor_of(requester), request_id, starts_at, billable
            )
        except NeedsBillableConfirmation as refusal:
            respond(
                replace_original=True, **billable_prompt(view, choice, str(refusal)).as_kwargs()
            )
            return
    except OuraError as error:
        answer_privately(respond, str(error))
        return
    except Exception:
        log.exception("confirming request %s failed", request_id)
        answer_privately(respond, SORRY)
        return
    _announce_booking(services, client, view, booked, respond)


def _chosen_time(view: RequestView, choice: str) -> datetime:
    if choice == "p":
        if view.request.proposed_time is None:
            raise OuraError(f"Request #{view.request.id} has no proposed time.")
        return view.request.proposed_time
    index = id_value(choice)
    times = view.preferred_times
    if index is None or index >= len(times):
        raise OuraError(f"Request #{view.request.id} has no such time.")
    return times[index]


def _announce_booking(
    services: Services, client: WebClient, view: RequestView, booked: Booked, respond: Respond
) -> None:
    problem = post_in_channel(client, view.account.channel_id, booked_post(booked))
    outcome = f"booked as #{booked.session.id}."
    if problem:
        outcome += f" :warning: {problem}"
    respond(replace_original=True, **request_settled_dm(view, outcome).as_kwargs())


def confirm_request(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    _settle_request(body, client, context, respond, billable=False)


def confirm_request_billable(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    _settle_request(body, client, context, respond, billable=True)


def propose_time(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    click = staff_dm_click(context, body, respond, Action.PROPOSE_TIME)
    if click is None:
        return
    _, request_id = click
    services = services_from(context)
    try:
        view = services.requests.get(request_id)
        metadata = services.signer.dumps({"request_id": request_id})
        client.views_open(
            trigger_id=body["trigger_id"], view=propose_modal(metadata, view.account.company)
        )
    except OuraError as error:
        answer_privately(respond, str(error))
    except Exception:
        log.exception("propose_time failed for request %s", request_id)
        answer_privately(respond, SORRY)


def decline_request(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    ack()
    click = staff_dm_click(context, body, respond, Action.DECLINE_REQUEST)
    if click is None:
        return
    requester, request_id = click
    services = services_from(context)
    view = in_dm(
        f"decline_request {request_id}",
        respond,
        lambda: services.requests.decline(actor_of(requester), request_id),
    )
    if view is None:
        return
    post_in_channel(client, view.account.channel_id, declined_post(view))
    respond(replace_original=True, **request_settled_dm(view, "declined.").as_kwargs())


# -- the buyer accepts a proposed time in the shared channel ----------------------------------


def accept_proposal(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    requester, channel = requester_from(body), channel_of(body)
    request_id = id_value(value_of(body))
    access = authorize(context, requester, channel, Action.ACCEPT_PROPOSAL)
    if access is None or request_id is None:
        tell(client, channel, requester.user_id, NOT_HERE)
        return
    services = services_from(context)

    def work() -> None:
        view = services.requests.get(request_id)
        if view.account.id != access.account_id:
            # The button names a request of another account than this channel's.
            tell(client, channel, requester.user_id, NOT_HERE)
            return
        starts_at = _chosen_time(view, "p")
        try:
            view, booked = services.requests.confirm(
                actor_of(requester), request_id, starts_at, billable=False
            )
        except NeedsBillableConfirmation as refusal:
            tell(
                client,
                channel,
                requester.user_id,
                f"That time goes past what the package includes, so "
                f"<@{view.account.vendor_contact_id}> needs to confirm it; they have been asked.",
            )
            direct_message(
                client, view.account.vendor_contact_id, billable_prompt(view, "p", str(refusal))
            )
            return
        post_in_channel(client, channel, booked_post(booked))

    guarded("accept_proposal", body, client, work)
