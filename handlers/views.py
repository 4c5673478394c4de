"""Modal submissions. What a modal acts on comes from its signed metadata, and the submitter is
authorized again for it: a modal cannot be turned against another account."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.requests import (
    LOG_HELD_MODAL,
    PROPOSE_MODAL,
    REQUEST_MODAL,
    proposal_post,
    request_acknowledgement,
    request_dm,
)
from bot.blocks.sessions import BOOKING_MODAL, booked_post, booking_reply
from bot.domain.entitlement import check_session_minutes
from bot.domain.errors import OuraError
from bot.domain.identity import Action, Requester
from bot.domain.packages import SessionType
from bot.services.booking import NeedsBillableConfirmation
from bot.services.requests import MAX_PREFERRED_TIMES
from handlers.common import (
    SORRY,
    STAFF_ONLY,
    actor_of,
    authorize,
    direct_message,
    log,
    post_in_channel,
    requester_from,
    services_from,
    tell,
)
from handlers.payloads import (
    EXPIRED,
    authorize_channel_form,
    field,
    in_form,
    refuse_form,
    signed_metadata,
)


def register(app: App) -> None:
    app.view(BOOKING_MODAL)(submit_booking)
    app.view(REQUEST_MODAL)(submit_request)
    app.view(PROPOSE_MODAL)(submit_proposal)
    app.view(LOG_HELD_MODAL)(submit_log_held)


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _time(view: dict[str, Any], block_id: str) -> datetime | None:
    epoch = field(view, block_id).get("selected_date_time")
    return datetime.fromtimestamp(epoch, UTC) if isinstance(epoch, int) else None


def _session_type(view: dict[str, Any], errors: dict[str, str]) -> SessionType | None:
    selected = (field(view, "type").get("selected_option") or {}).get("value")
    if selected in set(SessionType):
        return SessionType(selected)
    errors["type"] = "Choose a session type."
    return None


def _minutes(raw: object, errors: dict[str, str]) -> int:
    try:
        return check_session_minutes(int(str(raw or "")))
    except ValueError:
        errors["minutes"] = "Give the length in whole minutes, 1 to 60."
    except OuraError as error:
        errors["minutes"] = str(error)
    return 0


# -- the staff booking form ------------------------------------------------------------------


def submit_booking(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    allowed = authorize_channel_form(ack, body, view, context, Action.BOOK, "type", STAFF_ONLY)
    if allowed is None:
        return
    requester, _access, channel_id = allowed
    errors: dict[str, str] = {}
    session_type = _session_type(view, errors)
    starts_at = _time(view, "starts_at")
    if starts_at is None:
        errors["starts_at"] = "Choose the date and time the session starts."
    minutes = _minutes(field(view, "minutes").get("value"), errors)
    options = field(view, "billable").get("selected_options") or []
    billable = any(option.get("value") == "billable" for option in options)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    assert session_type is not None and starts_at is not None
    services = services_from(context)
    try:
        # Booked before the ack, so a refusal can be shown on the form itself.
        booked = services.booking.book(
            actor_of(requester), channel_id, session_type, starts_at, minutes, billable
        )
    except NeedsBillableConfirmation as refusal:
        refuse_form(ack, "billable", str(refusal))
        return
    except OuraError as error:
        refuse_form(ack, "starts_at", str(error))
        return
    except Exception:
        log.exception("booking modal failed for %s", requester)
        refuse_form(ack, "type", SORRY)
        return
    ack()
    reply = booking_reply(booked)
    problem = post_in_channel(client, channel_id, booked_post(booked))
    warning = f"\n:warning: {problem}" if problem else ""
    tell(client, channel_id, requester.user_id, reply.text + warning)


# -- a buyer's request ---------------------------------------------------------------------------


def submit_request(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    allowed = authorize_channel_form(
        ack,
        body,
        view,
        context,
        Action.REQUEST_SESSION,
        "type",
        "This isn't available to you in that channel.",
    )
    if allowed is None:
        return
    requester, access, channel_id = allowed
    errors: dict[str, str] = {}
    session_type = _session_type(view, errors)
    minutes = _minutes((field(view, "minutes").get("selected_option") or {}).get("value"), errors)
    times = [t for i in range(1, MAX_PREFERRED_TIMES + 1) if (t := _time(view, f"time_{i}"))]
    if not times:
        errors["time_1"] = "Choose at least one time that suits you."
    note = str(field(view, "note").get("value") or "")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    assert session_type is not None and access.account_id is not None
    services = services_from(context)
    request = in_form(
        ack,
        f"session request by {requester.user_id}",
        lambda: services.requests.create(
            actor_of(requester), access.account_id, session_type, minutes, times, note
        ),
        "time_1",
        sorry_at="type",
    )
    if request is None:
        return
    ack()
    post_in_channel(client, channel_id, request_acknowledgement(request))
    if not direct_message(client, request.account.vendor_contact_id, request_dm(request)):
        tell(
            client,
            channel_id,
            requester.user_id,
            "Your request is saved, but I couldn't reach your vendor contact directly; "
            "please mention them here.",
        )


# -- staff proposes another time ------------------------------------------------------------


def submit_proposal(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    requester = requester_from(body)
    metadata = signed_metadata(context, view)
    request_id = metadata.get("request_id") if metadata else None
    if not isinstance(request_id, int):
        refuse_form(ack, "time", EXPIRED)
        return
    if authorize(context, requester, None, Action.PROPOSE_TIME) is None:
        refuse_form(ack, "time", STAFF_ONLY)
        return
    starts_at = _time(view, "time")
    if starts_at is None:
        refuse_form(ack, "time", "Choose the time to propose.")
        return
    services = services_from(context)
    request = in_form(
        ack,
        f"proposal for request {request_id}",
        lambda: services.requests.propose(actor_of(requester), request_id, starts_at),
        "time",
    )
    if request is None:
        return
    ack()
    post_in_channel(client, request.account.channel_id, proposal_post(request))


# -- staff logs a session as held ---------------------------------------------------------------


def submit_log_held(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    requester: Requester = requester_from(body)
    metadata = signed_metadata(context, view) or {}
    channel_id, session_id = metadata.get("channel_id"), metadata.get("session_id")
    if not isinstance(channel_id, str) or not isinstance(session_id, int):
        refuse_form(ack, "minutes", EXPIRED)
        return
    if authorize(context, requester, channel_id, Action.LOG_HELD) is None:
        refuse_form(ack, "minutes", STAFF_ONLY)
        return
    errors: dict[str, str] = {}
    minutes = _minutes(field(view, "minutes").get("value"), errors)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    services = services_from(context)
    try:
        booked = services.booking.log_held(
            actor_of(requester), channel_id, session_id, minutes, False
        )
    except NeedsBillableConfirmation as refusal:
        refuse_form(
            ack,
            "minutes",
            f"{refusal} Or type `/oura-book done {session_id} {minutes}m billable`.",
        )
        return
    except OuraError as error:
        refuse_form(ack, "minutes", str(error))
        return
    except Exception:
        log.exception("log as held failed for session %s", session_id)
        refuse_form(ack, "minutes", SORRY)
        return
    ack()
    tell(client, channel_id, requester.user_id, booking_reply(booked).text)
