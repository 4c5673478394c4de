"""Modal submissions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.booking import Actor, NeedsBillableConfirmation
from bot.entitlement import check_session_minutes
from bot.errors import InvalidCommand, OuraError
from bot.messages import BOOKING_MODAL, booked_post, booking_reply
from bot.packages import SessionType
from handlers.common import (
    SORRY,
    STAFF_ONLY,
    log,
    post_in_channel,
    requester_is_staff,
    services_from,
)


def register(app: App) -> None:
    app.view(BOOKING_MODAL)(submit_booking)


def _value(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    return values.get(block_id, {}).get("value", {}) or {}


def read_booking_form(view: dict[str, Any]) -> tuple[str, SessionType, datetime, int, bool]:
    """The channel, type, start, minutes and billable flag a submitted modal asks for."""
    values = view.get("state", {}).get("values", {})
    errors: dict[str, str] = {}
    try:
        channel_id = str(json.loads(view.get("private_metadata") or "{}")["channel_id"])
    except (ValueError, KeyError, TypeError):
        raise InvalidCommand("This form has expired; run `/oura-book` again.") from None

    selected = (_value(values, "type").get("selected_option") or {}).get("value")
    session_type = SessionType(selected) if selected in set(SessionType) else None
    if session_type is None:
        errors["type"] = "Choose a session type."

    epoch = _value(values, "starts_at").get("selected_date_time")
    starts_at = datetime.fromtimestamp(int(epoch), UTC) if isinstance(epoch, int) else None
    if starts_at is None:
        errors["starts_at"] = "Choose the date and time the session starts."

    minutes = 0
    raw_minutes = str(_value(values, "minutes").get("value") or "")
    try:
        minutes = check_session_minutes(int(raw_minutes))
    except ValueError:
        errors["minutes"] = "Give the length in whole minutes, 1 to 60."
    except OuraError as error:
        errors["minutes"] = str(error)

    options = _value(values, "billable").get("selected_options") or []
    billable = any(option.get("value") == "billable" for option in options)
    if errors:
        raise FormErrors(errors)
    assert session_type is not None and starts_at is not None
    return channel_id, session_type, starts_at, minutes, billable


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def submit_booking(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    user = body.get("user", {})
    actor = Actor(user_id=user.get("id", ""), team_id=user.get("team_id", ""))
    if not requester_is_staff(context, actor.team_id, (body.get("enterprise") or {}).get("id")):
        ack(response_action="errors", errors={"type": STAFF_ONLY})
        return
    services = services_from(context)
    try:
        channel_id, session_type, starts_at, minutes, billable = read_booking_form(view)
        # Booked before the ack, so a refusal can be shown on the form itself.
        booked = services.booking.book(
            actor, channel_id, session_type, starts_at, minutes, billable
        )
    except FormErrors as problem:
        ack(response_action="errors", errors=problem.errors)
        return
    except NeedsBillableConfirmation as refusal:
        ack(response_action="errors", errors={"billable": str(refusal)[:300]})
        return
    except OuraError as error:
        ack(response_action="errors", errors={"starts_at": str(error)[:300]})
        return
    except Exception:
        log.exception("booking modal failed for %s", actor)
        ack(response_action="errors", errors={"type": SORRY[:300]})
        return
    ack()
    reply = booking_reply(booked)
    problem = post_in_channel(client, channel_id, booked_post(booked))
    text = f"{reply.text}\n:warning: {problem}" if problem else reply.text
    try:
        client.chat_postEphemeral(channel=channel_id, user=actor.user_id, text=text)
    except Exception:
        log.exception("could not confirm booking #%s to %s", booked.session.id, actor.user_id)
